import factory
from django.utils import timezone

from tenants.tests.factories import TenantFactory, TenantSharedFactory
from webhooks.models import Event, EventType, WebhookDelivery, WebhookEndpoint


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    tenant = factory.SubFactory(TenantFactory)
    url = factory.Sequence(lambda n: f"https://hooks.example.com/{n}")
    event_types = factory.LazyFunction(list)
    description = ""
    active = True
    created_at = factory.LazyFunction(timezone.now)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    tenant = factory.SubFactory(TenantFactory)
    type = EventType.INVOICE_PAID
    data = factory.LazyFunction(lambda: {"id": "inv_1", "total": "12.50"})
    created_at = factory.LazyFunction(timezone.now)


class WebhookDeliveryFactory(TenantSharedFactory[WebhookDelivery]):
    class Meta:
        model = WebhookDelivery

    _tenant_from = ("endpoint", "event")

    tenant = factory.SubFactory(TenantFactory)
    event = factory.SubFactory(EventFactory, tenant=factory.SelfAttribute("..tenant"))
    endpoint = factory.SubFactory(WebhookEndpointFactory, tenant=factory.SelfAttribute("..tenant"))
    status = WebhookDelivery.Status.PENDING
    next_attempt_at = factory.LazyFunction(timezone.now)
    created_at = factory.LazyFunction(timezone.now)
