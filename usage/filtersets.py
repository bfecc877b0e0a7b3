import django_filters

from tenants.filtersets import StrictFilterSet
from tenants.params import validate_time_param
from usage.models import UsageEvent


class UsageEventFilterSet(StrictFilterSet):
    external_customer_id = django_filters.CharFilter(field_name="customer__external_id")
    meter = django_filters.CharFilter(field_name="meter__code")
    # `from`/`to` bound the event timestamps, half-open: [from, to)
    from_ = django_filters.IsoDateTimeFilter(
        field_name="timestamp", lookup_expr="gte", label="from", validators=[validate_time_param]
    )
    to = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="lt", validators=[validate_time_param])

    class Meta:
        model = UsageEvent
        fields: list[str] = []


# `from` is a Python keyword: declare it as `from_` and expose it under its real name.
UsageEventFilterSet.base_filters["from"] = UsageEventFilterSet.base_filters.pop("from_")
