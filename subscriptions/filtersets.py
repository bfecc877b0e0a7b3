"""List filters of the customers and subscriptions endpoints (django-filter)."""

from __future__ import annotations

import django_filters

from subscriptions.models import Customer


class CustomerFilterSet(django_filters.FilterSet):
    external_id = django_filters.CharFilter(field_name="external_id", help_text="Exact match")

    class Meta:
        model = Customer
        fields = ["external_id"]
