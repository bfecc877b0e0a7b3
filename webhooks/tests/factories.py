import factory
from django.utils import timezone

from tenants.tests.factories import TenantOwnedFactory, in_tenant
from webhooks.models import Event, EventType, WebhookDelivery, WebhookEndpoint


class WebhookEndpointFactory(TenantOwnedFactory[WebhookEndpoint]):
    class Meta:
        model = WebhookEndpoint

    url = factory.Sequence(lambda n: f"https://hooks.example.com/{n}")
    event_types = factory.LazyFunction(list)
    description = ""
    active = True
    created_at = factory.LazyFunction(timezone.now)


class EventFactory(TenantOwnedFactory[Event]):
    class Meta:
        model = Event

    type = EventType.INVOICE_PAID
    data = factory.LazyFunction(lambda: {"id": "inv_1", "total": "12.50"})
    created_at = factory.LazyFunction(timezone.now)


class WebhookDeliveryFactory(TenantOwnedFactory[WebhookDelivery]):
    class Meta:
        model = WebhookDelivery

    event = in_tenant(EventFactory)
    endpoint = in_tenant(WebhookEndpointFactory)
    status = WebhookDelivery.Status.PENDING
    next_attempt_at = factory.LazyFunction(timezone.now)
    created_at = factory.LazyFunction(timezone.now)
