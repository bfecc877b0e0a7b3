"""`{% load admin_display %}`: the admin's display helpers in templates
(`{{ invoice.total|money:invoice.currency }}` → "372.07 USD", `{{ value|quantity }}`)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from plans.admin_display import money_text, quantity_text

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    return money_text(amount, currency)


@register.filter
def quantity(value: Decimal | None) -> str:
    return quantity_text(value)
