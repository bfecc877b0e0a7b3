"""The plan change routes of API.md ("Plan changes"): `POST …/change`, `POST
…/change/preview`, `DELETE …/pending-change`, and the `pending_change` of a
subscription. Other tenants and lower roles are the battery's
(billing_project/tests/test_battery.py); the math is test_plan_changes.py's."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from invoices.models import Invoice, InvoiceLine
from invoices.tests.factories import bill
from subscriptions.models import Subscription
from subscriptions.services import NO_PENDING_CHANGE
from tenants.tests.utils import at, ts
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


def only_error(response) -> dict:
    body = response.json()
    assert len(body["errors"]) == 1, body
    return body["errors"][0]


@pytest.fixture
def post_at(admin_user, client_at, turl):
    """`post_at(moment, path, body)`: the answer of a POST by an admin at `moment`."""

    def post(moment, path, body=None, **headers):
        with client_at(admin_user, moment) as api:
            return api.post(turl(path), body or {}, format="json", **headers)

    return post


def test_a_change_now_answers_the_subscription_and_the_segment_invoice(
    post_at, turl, on_basic, pro, client_at, viewer_user
):
    response = post_at(
        at(2026, 1, 16, 12), f"subscriptions/{on_basic.id}/change", {"plan_id": str(pro.id), "effective": "now"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["plan_id"], body["status"], body["pending_change"]) == (
        str(on_basic.id),
        str(pro.id),
        "active",
        None,
    )
    assert (ts(body["current_period_start"]), ts(body["current_period_end"])) == (at(2026, 1, 1), at(2026, 2, 1))
    with client_at(viewer_user, at(2026, 1, 17)) as api:
        invoice = api.get(turl(f"invoices/{body['invoice_id']}")).json()
    assert (invoice["billing_reason"], invoice["period_start"], invoice["period_end"]) == (
        "plan_change",
        "2026-01-01T00:00:00.000000Z",
        "2026-01-16T12:00:00.000000Z",
    )
    assert invoice["lines"][0] == {
        "id": InvoiceLine.objects.get(invoice_id=invoice["id"], position=0).pk,
        "kind": "proration",
        "description": "Basic (month), prorated",
        "quantity": "0.5",
        "amount": "9.50",
    }
    assert invoice["total"] == "9.50"


def test_a_change_at_period_end_shows_the_pending_change_until_the_run(
    post_at, turl, tenant, on_basic, pro, viewer_user, client_at
):
    response = post_at(
        at(2026, 1, 10), f"subscriptions/{on_basic.id}/change", {"plan_id": str(pro.id), "effective": "period_end"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    pending = {"plan_id": str(pro.id), "effective_at": "2026-02-01T00:00:00.000000Z"}
    assert (body["plan_id"], body["pending_change"], body["invoice_id"]) == (str(on_basic.plan_id), pending, None)
    with client_at(viewer_user, at(2026, 1, 11)) as api:
        assert api.get(turl(f"subscriptions/{on_basic.id}")).json()["pending_change"] == pending
    bill(tenant, at(2026, 2, 1))
    with client_at(viewer_user, at(2026, 2, 2)) as api:
        after = api.get(turl(f"subscriptions/{on_basic.id}")).json()
    assert (after["plan_id"], after["pending_change"]) == (str(pro.id), None)


def test_deleting_the_pending_change_keeps_the_plan(post_at, admin_user, client_at, turl, tenant, on_basic, pro):
    WebhookEndpointFactory(tenant=tenant)
    post_at(at(2026, 1, 10), f"subscriptions/{on_basic.id}/change", {"plan_id": str(pro.id), "effective": "period_end"})
    with client_at(admin_user, at(2026, 1, 12)) as api:
        response = api.delete(turl(f"subscriptions/{on_basic.id}/pending-change"))
        again = api.delete(turl(f"subscriptions/{on_basic.id}/pending-change"))
    assert (response.status_code, response.content) == (204, b"")
    sub = Subscription.objects.get(pk=on_basic.id)
    assert (sub.plan_id, sub.pending_plan_id) == (on_basic.plan_id, None)
    assert again.status_code == 404
    assert (only_error(again)["code"], only_error(again)["detail"]) == ("not_found", NO_PENDING_CHANGE)
    event = Event.objects.filter(type="subscription.updated").latest("created_at")
    assert (event.data["pending_change"], event.data["previous_plan_id"]) == (None, str(on_basic.plan_id))
    [january] = bill(tenant, at(2026, 2, 1))
    assert january.total == Decimal("19.00")
    assert Subscription.objects.get(pk=on_basic.id).plan_id == on_basic.plan_id


def test_a_pending_change_whose_period_ended_cannot_be_deleted(post_at, admin_user, client_at, turl, on_basic, pro):
    post_at(at(2026, 1, 10), f"subscriptions/{on_basic.id}/change", {"plan_id": str(pro.id), "effective": "period_end"})
    with client_at(admin_user, at(2026, 2, 1, 0, 30)) as api:  # the hourly run has not come by
        response = api.delete(turl(f"subscriptions/{on_basic.id}/pending-change"))
    assert response.status_code == 409
    assert only_error(response)["code"] == "change_in_effect"
    assert Subscription.objects.get(pk=on_basic.id).pending_plan_id == pro.id


@pytest.mark.parametrize(
    ("payload", "attr"),
    [
        ({"effective": "now"}, "plan_id"),
        ({"plan_id": "pro", "effective": "now"}, "plan_id"),
        ({"plan_id": None, "effective": "now"}, "plan_id"),
        ({"plan_id": "PRO"}, "effective"),
        ({"plan_id": "PRO", "effective": "tomorrow"}, "effective"),
        ({"plan_id": "PRO", "effective": None}, "effective"),
    ],
)
@pytest.mark.parametrize("route", ["change", "change/preview"])
def test_a_bad_body_is_400_naming_the_field(post_at, on_basic, pro, payload, attr, route):
    body = {k: str(pro.id) if v == "PRO" else v for k, v in payload.items()}
    response = post_at(at(2026, 1, 10), f"subscriptions/{on_basic.id}/{route}", body)
    assert response.status_code == 400, response.content
    assert only_error(response)["attr"] == attr
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("route", ["change", "change/preview"])
def test_an_unknown_plan_is_400_and_an_unknown_subscription_404(post_at, on_basic, route):
    response = post_at(
        at(2026, 1, 10), f"subscriptions/{on_basic.id}/{route}", {"plan_id": str(uuid.uuid4()), "effective": "now"}
    )
    assert (response.status_code, only_error(response)["attr"], only_error(response)["code"]) == (
        400,
        "plan_id",
        "does_not_exist",
    )
    response = post_at(
        at(2026, 1, 10), f"subscriptions/{uuid.uuid4()}/{route}", {"plan_id": str(uuid.uuid4()), "effective": "now"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("route", ["change", "change/preview"])
def test_conflicts_name_their_code_and_field(post_at, on_basic, pro, route):
    same = post_at(
        at(2026, 1, 10), f"subscriptions/{on_basic.id}/{route}", {"plan_id": str(on_basic.plan_id), "effective": "now"}
    )
    assert same.status_code == 409
    assert (only_error(same)["code"], only_error(same)["attr"]) == ("same_plan", "plan_id")
    post_at(at(2026, 1, 10), f"subscriptions/{on_basic.id}/change", {"plan_id": str(pro.id), "effective": "period_end"})
    pending = post_at(
        at(2026, 1, 11), f"subscriptions/{on_basic.id}/{route}", {"plan_id": str(pro.id), "effective": "now"}
    )
    assert pending.status_code == 409
    assert (only_error(pending)["code"], only_error(pending)["attr"]) == ("change_pending", None)


def test_cancel_at_period_end_with_a_change_pending_is_409(post_at, on_basic, pro):
    post_at(at(2026, 1, 10), f"subscriptions/{on_basic.id}/change", {"plan_id": str(pro.id), "effective": "period_end"})
    response = post_at(at(2026, 1, 11), f"subscriptions/{on_basic.id}/cancel", {"at_period_end": True})
    assert response.status_code == 409
    assert only_error(response)["code"] == "change_pending"
    assert not Subscription.objects.get(pk=on_basic.id).cancel_at_period_end


def test_a_change_replayed_with_its_idempotency_key_bills_once(post_at, on_basic, pro):
    body = {"plan_id": str(pro.id), "effective": "now"}
    path = f"subscriptions/{on_basic.id}/change"
    first = post_at(at(2026, 1, 16, 12), path, body, HTTP_IDEMPOTENCY_KEY="upgrade-1")
    second = post_at(at(2026, 1, 17), path, body, HTTP_IDEMPOTENCY_KEY="upgrade-1")
    assert (first.status_code, second.status_code, second.headers["Idempotent-Replayed"]) == (200, 200, "true")
    assert second.json() == first.json()
    assert Invoice.objects.count() == 1


def test_the_preview_shows_both_invoices_and_stores_nothing(post_at, tenant, on_basic, pro):
    WebhookEndpointFactory(tenant=tenant)
    response = post_at(
        at(2026, 1, 16, 12), f"subscriptions/{on_basic.id}/change/preview", {"plan_id": str(pro.id), "effective": "now"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    now, upcoming = body["invoice_now"], body["upcoming_invoice"]
    assert (now["id"], now["number"], now["billing_reason"], now["total"]) == (None, None, "plan_change", "9.50")
    assert (now["period_start"], now["period_end"]) == ("2026-01-01T00:00:00.000000Z", "2026-01-16T12:00:00.000000Z")
    assert (upcoming["id"], upcoming["billing_reason"], upcoming["status"], upcoming["lines"][0]["amount"]) == (
        None,
        "period",
        "open",
        "24.50",
    )
    assert (upcoming["period_start"], upcoming["period_end"]) == (
        "2026-01-16T12:00:00.000000Z",
        "2026-02-01T00:00:00.000000Z",
    )
    assert not Invoice.objects.exists()
    assert Subscription.objects.get(pk=on_basic.id).plan_id == on_basic.plan_id
    assert not Event.objects.exists()


def test_the_preview_of_a_change_at_period_end_bills_nothing_now(post_at, on_basic, pro):
    body = post_at(
        at(2026, 1, 10),
        f"subscriptions/{on_basic.id}/change/preview",
        {"plan_id": str(pro.id), "effective": "period_end"},
    ).json()
    assert body["invoice_now"] is None
    upcoming = body["upcoming_invoice"]
    assert (upcoming["period_start"], upcoming["total"]) == ("2026-01-01T00:00:00.000000Z", "19.00")
    assert Subscription.objects.get(pk=on_basic.id).pending_plan_id is None
