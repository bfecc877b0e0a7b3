from webhooks.models import Event, EventType, WebhookDelivery
from webhooks.services import event_publish
from webhooks.tests.factories import WebhookEndpointFactory


def test_publish_stores_the_event_and_one_delivery_per_subscribed_endpoint(tenant):
    everything = WebhookEndpointFactory(tenant=tenant)
    paid_only = WebhookEndpointFactory(tenant=tenant, event_types=[EventType.INVOICE_PAID])
    WebhookEndpointFactory(tenant=tenant, event_types=[EventType.SUBSCRIPTION_CREATED])
    WebhookEndpointFactory(tenant=tenant, active=False)

    event = event_publish(tenant=tenant, type=EventType.INVOICE_PAID, data={"id": "inv_1"})

    assert Event.objects.for_tenant(tenant).get().data == {"id": "inv_1"}
    endpoints = set(WebhookDelivery.objects.for_tenant(tenant).filter(event=event).values_list("endpoint", flat=True))
    assert endpoints == {everything.pk, paid_only.pk}
