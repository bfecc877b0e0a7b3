"""List filters of the customers and subscriptions endpoints (django-filter)."""

from __future__ import annotations

import django_filters

from subscriptions.models import Customer, Subscription
from tenants.filtersets import StrictFilterSet


class CustomerFilterSet(StrictFilterSet):
    external_id = django_filters.CharFilter(field_name="external_id", help_text="Exact match")

    class Meta:
        model = Customer
        fields = ["external_id"]


class SubscriptionFilterSet(StrictFilterSet):
    customer_id = django_filters.UUIDFilter(field_name="customer_id")
    plan_id = django_filters.UUIDFilter(field_name="plan_id")
    status = django_filters.ChoiceFilter(choices=Subscription.Status.choices)

    class Meta:
        model = Subscription
        fields = ["customer_id", "plan_id", "status"]
