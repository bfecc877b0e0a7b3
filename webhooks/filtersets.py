"""List filters of the webhooks API."""

import django_filters

from tenants.filtersets import StrictFilterSet
from webhooks.models import EventType, WebhookDelivery


class WebhookDeliveryFilterSet(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=WebhookDelivery.Status.choices)
    endpoint_id = django_filters.UUIDFilter(field_name="endpoint_id")
    event_type = django_filters.ChoiceFilter(field_name="event__type", choices=EventType.choices)

    class Meta:
        model = WebhookDelivery
        fields = ["status", "endpoint_id", "event_type"]
