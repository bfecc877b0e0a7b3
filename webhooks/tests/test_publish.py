"""event_publish: what it stores, whom it sends to, and that nothing leaves before commit."""

import pytest
from django.db import transaction

from webhooks.models import Event, EventType, WebhookDelivery
from webhooks.services import event_publish
from webhooks.tests.conftest import INVOICE, requests_to, verify
from webhooks.tests.factories import WebhookEndpointFactory


def test_publish_stores_the_event_and_one_delivery_per_subscribed_endpoint(tenant):
    everything = WebhookEndpointFactory(tenant=tenant)
    paid_only = WebhookEndpointFactory(tenant=tenant, event_types=[EventType.INVOICE_PAID])
    WebhookEndpointFactory(tenant=tenant, event_types=[EventType.SUBSCRIPTION_CREATED])
    WebhookEndpointFactory(tenant=tenant, active=False)

    event = event_publish(tenant=tenant, type=EventType.INVOICE_PAID, data={"id": "inv_1"})

    assert Event.objects.for_tenant(tenant).get().data == {"id": "inv_1"}
    deliveries = WebhookDelivery.objects.for_tenant(tenant).filter(event=event)
    assert {d.endpoint_id for d in deliveries} == {everything.pk, paid_only.pk}
    assert {d.status for d in deliveries} == {WebhookDelivery.Status.PENDING}


def test_an_endpoint_subscribed_to_invoice_paid_gets_no_subscription_created(tenant, receiver, publish):
    paid = WebhookEndpointFactory(tenant=tenant, url=receiver.url_for("/hook"), event_types=["invoice.paid"])

    publish(EventType.SUBSCRIPTION_CREATED, {"id": "sub_1"})
    assert requests_to(receiver, "/hook") == []

    publish(EventType.INVOICE_PAID, INVOICE)
    [request] = requests_to(receiver, "/hook")
    assert verify(request, paid.secret)["type"] == "invoice.paid"


def test_inactive_endpoints_get_nothing(tenant, receiver, publish):
    WebhookEndpointFactory(tenant=tenant, url=receiver.url_for("/hook"), active=False)
    event = publish()
    assert requests_to(receiver, "/hook") == []
    assert not WebhookDelivery.objects.for_tenant(tenant).filter(event=event).exists()


def test_other_tenants_endpoints_get_nothing(tenant, other_tenant, receiver, publish):
    WebhookEndpointFactory(tenant=other_tenant, url=receiver.url_for("/hook"))
    event = publish()
    assert requests_to(receiver, "/hook") == []
    assert WebhookDelivery.unscoped().filter(event=event).count() == 0


def test_publish_sends_nothing_until_the_transaction_commits(
    endpoint, receiver, tenant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        event_publish(tenant=tenant, type=EventType.INVOICE_PAID, data=INVOICE)
        assert requests_to(receiver, "/hook") == []
    assert len(queued) == 1
    assert requests_to(receiver, "/hook") == []

    queued[0]()  # the commit
    assert len(requests_to(receiver, "/hook")) == 1


def test_a_publish_inside_a_transaction_that_rolls_back_sends_nothing(
    endpoint, receiver, tenant, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as queued,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        event_publish(tenant=tenant, type=EventType.INVOICE_PAID, data=INVOICE)
        raise RuntimeError("the caller's change failed")

    assert queued == []
    assert receiver.log == []
    assert not Event.objects.for_tenant(tenant).exists()
    assert not WebhookDelivery.objects.for_tenant(tenant).exists()


def test_publishing_an_unknown_type_is_a_programming_error(tenant):
    with pytest.raises(ValueError, match=r"^Unknown event type 'invoice\.exploded'"):
        event_publish(tenant=tenant, type="invoice.exploded", data={})
    assert not Event.objects.for_tenant(tenant).exists()


def test_publish_accepts_a_tenant_id_and_json_friendly_values(tenant):
    from decimal import Decimal
    from uuid import UUID

    WebhookEndpointFactory(tenant=tenant)
    event = event_publish(
        tenant=tenant.id,
        type=EventType.SUBSCRIPTION_CANCELED,
        data={"id": UUID("5f0c6a3e-0000-4000-8000-000000000002"), "amount": Decimal("12.50")},
    )
    event.refresh_from_db()
    assert event.tenant_id == tenant.id
    assert event.data == {"id": "5f0c6a3e-0000-4000-8000-000000000002", "amount": "12.50"}


def test_an_event_no_endpoint_receives_is_not_stored_and_its_data_not_built(tenant):
    WebhookEndpointFactory(tenant=tenant, event_types=[EventType.INVOICE_PAID])
    built = []

    def data():
        built.append(1)
        return {"id": "inv_1"}

    assert event_publish(tenant=tenant, type=EventType.INVOICE_FINALIZED, data=data) is None
    assert built == []
    assert not Event.objects.for_tenant(tenant).exists()
    assert event_publish(tenant=tenant, type=EventType.INVOICE_PAID, data=data) is not None
    assert built == [1]


def test_every_event_type_of_the_contract_is_known():
    assert set(EventType.values) == {
        "subscription.created",
        "subscription.trial_ended",
        "subscription.canceled",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_failed",
        "invoice.voided",
        "invoice.marked_uncollectible",  # issue #11: the way into `uncollectible`
        "subscription.updated",  # issue #13: plan changes
        "credit_note.created",  # API.md Part 2, "Credit notes"
        "discount.ended",  # issue #14: a customer's discount used up or removed
        "credit_grant.depleted",  # issue #16: prepaid credits
        "alert.triggered",  # issue #16: alerts
        "credit_grant.expired",
    }


def test_events_publish_stores_many_events_in_three_queries(tenant, django_assert_num_queries):
    from webhooks.services import events_publish

    WebhookEndpointFactory(tenant=tenant)
    WebhookEndpointFactory(tenant=tenant, event_types=[EventType.INVOICE_PAID])
    batch = [(EventType.INVOICE_FINALIZED, {"n": i}) for i in range(10)] + [(EventType.INVOICE_PAID, {"n": 10})]
    # three statements, plus SAVEPOINT and RELEASE of its atomic block inside the test's transaction
    with django_assert_num_queries(5):
        events = events_publish(tenant=tenant, events=batch)
    assert len(events) == 11
    assert Event.objects.for_tenant(tenant).count() == 11
    # 11 to the catch-all endpoint, 1 to the invoice.paid endpoint
    assert WebhookDelivery.objects.for_tenant(tenant).count() == 12
