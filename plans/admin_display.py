"""How the admin shows amounts, quantities and tiers: one set of helpers for every app's
admin (list and detail), so support staff read `372.07 USD`, never the stored
`372.070000000000`.

- `money_text(amount, currency)`: the amount with its currency's minor unit (ISO 4217
  exponent: `372.07 USD`, `1,500 JPY`, `1.250 KWD`), thousands grouped; a price with
  more places than the minor unit keeps them (`0.002 USD`: never rounded, as the API
  shows it, `plans.money.format_price`).
- `quantity_text(value)`: no trailing zeros (`20`, `0.5`).
- `tier_table(tiers, currency)`: tiers as an HTML table (a charge's price tiers, or an
  invoice line's breakdown with each tier's quantity and amount).
- `money_field(name)` / `quantity_field(name)`: a ModelAdmin display method showing a
  model field that way; give it another attribute name than the field's (Django shows
  a model field by itself when a name is both).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from plans.money import format_price, format_quantity

EMPTY = "-"
TIER_COLUMNS = (
    ("from", "from"),
    ("up_to", "up to"),
    ("quantity", "quantity"),
    ("unit_amount", "per unit"),
    ("flat_amount", "flat fee"),
    ("amount", "amount"),
)
MONEY_COLUMNS = {"unit_amount", "flat_amount", "amount"}


def money_text(amount: Decimal | None, currency: str) -> str:
    """`Decimal("1234.500000000000"), "USD"` → `"1,234.50 USD"`; None → `"-"`."""
    if amount is None:
        return EMPTY
    digits = format_price(Decimal(amount), currency)
    sign, digits = ("-", digits[1:]) if digits.startswith("-") else ("", digits)
    whole, dot, fraction = digits.partition(".")
    return f"{sign}{int(whole):,}{dot}{fraction} {currency}"


def quantity_text(value: Decimal | int | str | None) -> str:
    """`Decimal("20.000000000000")` → `"20"`; None → `"-"`."""
    if value is None or value == "":
        return EMPTY
    return format_quantity(Decimal(value))


def _attr(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def money_field(name: str, *, currency: str = "currency", description: str | None = None) -> Callable[[Any, Any], str]:
    """A display method for the model field `name`, in the currency at the attribute
    path `currency` ("currency", "invoice.currency", "coupon.currency")."""

    @admin.display(description=description or name.replace("_", " "), ordering=name)
    def show(model_admin: Any, obj: Any) -> str:
        return money_text(getattr(obj, name), _attr(obj, currency))

    return show


def quantity_field(name: str, *, description: str | None = None) -> Callable[[Any, Any], str]:
    @admin.display(description=description or name.replace("_", " "), ordering=name)
    def show(model_admin: Any, obj: Any) -> str:
        return quantity_text(getattr(obj, name))

    return show


def tier_table(tiers: Sequence[Mapping[str, Any]], currency: str) -> str:
    """An HTML table with a row per tier and the columns the tiers have (a charge's:
    up to, per unit, flat fee; an invoice line's breakdown adds from, quantity and
    amount). `"-"` without tiers."""
    if not tiers:
        return EMPTY
    columns = [(key, label) for key, label in TIER_COLUMNS if any(key in tier for tier in tiers)]
    head = format_html_join("", "<th>{}</th>", ((label,) for _, label in columns))
    rows = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (format_html_join("", "<td>{}</td>", ((_cell(tier, key, currency),) for key, _ in columns)),)
            for tier in tiers
        ),
    )
    return format_html('<table class="tiers"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', head, rows)


def _cell(tier: Mapping[str, Any], key: str, currency: str) -> str:
    value = tier.get(key)
    if key == "up_to" and value is None:
        return "∞"
    if value is None:
        return EMPTY
    if key in MONEY_COLUMNS:
        return money_text(Decimal(str(value)), currency)
    return quantity_text(str(value))
