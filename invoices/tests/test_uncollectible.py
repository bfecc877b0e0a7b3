"""Marking an open invoice uncollectible: the service, `POST …/invoices/{id}/mark-uncollectible`
(admins only; 409 unless open; 404 for another tenant's invoice) and the webhook event.
The admin action is tested with the other admin actions (test_admin.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from invoices.models import Invoice
from invoices.services import (
    INVOICE_NOT_FOUND,
    INVOICE_NOT_OPEN_FOR_UNCOLLECTIBLE,
    invoice_due_subscriptions,
    invoice_mark_uncollectible,
)
from plans.tests.factories import PlanFactory
from subscriptions.tests.factories import SubscriptionFactory
from tenants.errors import Conflict
from tenants.scoping import ROLE_TOO_LOW
from webhooks.models import Event, EventType
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db

FEB_1 = datetime(2026, 2, 1, tzinfo=UTC)


def january_invoice(tenant) -> Invoice:
    """An open invoice of 49.00 USD: January's flat fee, billed on Feb 1."""
    plan = PlanFactory(tenant=tenant, amount=Decimal("49.00"))
    SubscriptionFactory(tenant=tenant, plan=plan, start_at=datetime(2026, 1, 1, tzinfo=UTC))
    with time_machine.travel(FEB_1 + timedelta(hours=1), tick=False):
        [invoice] = invoice_due_subscriptions(tenant=tenant.id, as_of=FEB_1).invoices
    assert invoice.status == Invoice.Status.OPEN
    return invoice


@pytest.fixture
def invoice(tenant) -> Invoice:
    return january_invoice(tenant)


def only_error(response) -> dict:
    body = response.json()
    assert len(body["errors"]) == 1, body
    return body["errors"][0]


# The service


def test_the_service_marks_an_open_invoice_uncollectible_and_publishes(tenant, invoice):
    WebhookEndpointFactory(tenant=tenant, event_types=["invoice.marked_uncollectible"])
    marked = invoice_mark_uncollectible(tenant=tenant, invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert (marked.status, invoice.status, invoice.total, invoice.paid_at) == (
        "uncollectible",
        "uncollectible",
        Decimal("49.00"),
        None,
    )
    event = Event.objects.get()
    assert (event.type, event.data["id"], event.data["status"], event.data["total"]) == (
        EventType.INVOICE_MARKED_UNCOLLECTIBLE,
        str(invoice.pk),
        "uncollectible",
        "49.00",
    )


@pytest.mark.parametrize("status", [Invoice.Status.PAID, Invoice.Status.VOID, Invoice.Status.UNCOLLECTIBLE])
def test_the_service_refuses_an_invoice_that_is_not_open(tenant, invoice, status):
    WebhookEndpointFactory(tenant=tenant)
    Invoice.objects.filter(pk=invoice.pk).update(status=status)
    with pytest.raises(Conflict) as raised:
        invoice_mark_uncollectible(tenant=tenant, invoice_id=invoice.pk)
    assert raised.value.detail == INVOICE_NOT_OPEN_FOR_UNCOLLECTIBLE.format(status=status)
    assert raised.value.code == "invoice_not_open"
    invoice.refresh_from_db()
    assert invoice.status == status
    assert not Event.objects.exists()


def test_the_service_does_not_see_another_tenants_invoice(tenant, other_tenant):
    theirs = january_invoice(other_tenant)
    with pytest.raises(Exception, match=INVOICE_NOT_FOUND):
        invoice_mark_uncollectible(tenant=tenant, invoice_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.status == Invoice.Status.OPEN


# The API


def test_an_admin_marks_an_open_invoice_uncollectible(api, turl, tenant, invoice):
    WebhookEndpointFactory(tenant=tenant, event_types=["invoice.marked_uncollectible"])
    response = api.post(turl(f"invoices/{invoice.id}/mark-uncollectible"))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["total"], body["paid_at"], body["voided_at"]) == (
        str(invoice.id),
        "uncollectible",
        "49.00",
        None,
        None,
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNCOLLECTIBLE
    assert Event.objects.get().data == body


@pytest.mark.parametrize("caller", ["member_api", "viewer_api", "key_api"])
def test_only_admins_may_mark_an_invoice_uncollectible(request, caller, turl, invoice):
    response = request.getfixturevalue(caller).post(turl(f"invoices/{invoice.id}/mark-uncollectible"))
    assert response.status_code == 403
    role = "viewer" if caller == "viewer_api" else "member"
    assert only_error(response)["detail"] == ROLE_TOO_LOW.format(role=role, needed="admin")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN


@pytest.mark.parametrize("status", [Invoice.Status.PAID, Invoice.Status.VOID, Invoice.Status.UNCOLLECTIBLE])
def test_marking_an_invoice_that_is_not_open_is_409(api, turl, tenant, invoice, status):
    WebhookEndpointFactory(tenant=tenant)
    Invoice.objects.filter(pk=invoice.pk).update(status=status)
    response = api.post(turl(f"invoices/{invoice.id}/mark-uncollectible"))
    assert response.status_code == 409
    error = only_error(response)
    assert (error["code"], error["detail"]) == (
        "invoice_not_open",
        INVOICE_NOT_OPEN_FOR_UNCOLLECTIBLE.format(status=status),
    )
    invoice.refresh_from_db()
    assert invoice.status == status
    assert not Event.objects.exists()


def test_another_tenants_invoice_is_404(api, turl, other_tenant):
    theirs = january_invoice(other_tenant)
    response = api.post(turl(f"invoices/{theirs.id}/mark-uncollectible"))
    assert response.status_code == 404
    assert only_error(response)["detail"] == INVOICE_NOT_FOUND
    theirs.refresh_from_db()
    assert theirs.status == Invoice.Status.OPEN


def test_an_unknown_invoice_is_404(api, turl):
    response = api.post(turl(f"invoices/{uuid.uuid4()}/mark-uncollectible"))
    assert response.status_code == 404
    assert only_error(response)["detail"] == INVOICE_NOT_FOUND


def test_endpoints_may_subscribe_to_the_new_event_type(api, turl):
    response = api.post(
        turl("webhook-endpoints"),
        {"url": "https://hooks.example.com/billing", "event_types": ["invoice.marked_uncollectible"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["event_types"] == ["invoice.marked_uncollectible"]
