import django_filters

from usage.models import UsageEvent


class UsageEventFilterSet(django_filters.FilterSet):
    """`?external_customer_id=&meter=`; `?from=&to=` are read by `tenants.params`, as on
    every route that takes a time range."""

    external_customer_id = django_filters.CharFilter(field_name="customer__external_id")
    meter = django_filters.CharFilter(field_name="meter__code")

    class Meta:
        model = UsageEvent
        fields: list[str] = []
