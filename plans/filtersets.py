"""List filters of the catalog: `?code=`, `?aggregation=`, `?active=`, `?currency=`, `?interval=`."""

import django_filters

from plans.models import Meter, Plan, TaxRate


class MeterFilterSet(django_filters.FilterSet):
    class Meta:
        model = Meter
        fields = ["code", "aggregation"]


class PlanFilterSet(django_filters.FilterSet):
    class Meta:
        model = Plan
        fields = ["code", "active", "currency", "interval"]


class TaxRateFilterSet(django_filters.FilterSet):
    class Meta:
        model = TaxRate
        fields = ["code", "active"]
