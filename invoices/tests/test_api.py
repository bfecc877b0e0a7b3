"""The invoicing endpoints of API.md: runs, run status, invoice list/detail/void, and
the subscription routes that invoice (cancel, upcoming invoice). Other tenants and
lower roles are the battery's (billing_project/tests/test_battery.py). Runs execute eagerly on commit (CELERY_TASK_ALWAYS_EAGER in the tests);
the clock is moved with time-machine."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from invoices.models import Invoice, InvoiceRun, NumberSequence
from invoices.services import (
    AS_OF_IN_THE_FUTURE,
    INVOICE_NOT_OPEN,
    NO_UPCOMING_INVOICE,
    SUBSCRIPTION_ALREADY_CANCELED,
    invoice_run_create,
)
from invoices.tests.factories import bill
from plans.tests.factories import PlanFactory
from subscriptions.models import Subscription
from subscriptions.tests.factories import SubscriptionFactory
from tenants.fields import TIME_WITHOUT_OFFSET
from tenants.tests.utils import at, ts
from usage.tests.factories import use
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db

INVOICE_FIELDS = {
    "id",
    "number",
    "customer_id",
    "subscription_id",
    "status",
    "billing_reason",
    "credits_applied",
    "amount_credited",
    "amount_paid",
    "amount_due",
    "currency",
    "period_start",
    "period_end",
    "subtotal",
    "discount",
    "tax",
    "taxes",
    "total",
    "issued_at",
    "due_at",
    "paid_at",
    "voided_at",
    "attempt_count",
    "next_payment_attempt",
    "lines",
}
RUN_FIELDS = {"id", "status", "as_of", "invoices_created", "started_at", "finished_at", "error"}


def only_error(response) -> dict:
    body = response.json()
    assert len(body["errors"]) == 1, body
    return body["errors"][0]


@pytest.fixture
def invoice(tenant, sub):
    """January of `sub`: 13,250 API calls, invoiced on Feb 1 at 01:00."""
    use(sub, "api_calls", "13250", at(2026, 1, 5))
    [invoice] = bill(tenant, at(2026, 2, 1))
    return invoice


@pytest.fixture
def theirs(other_tenant):
    """Another tenant's subscription, its January invoice and a run."""
    sub = SubscriptionFactory(tenant=other_tenant, start_at=at(2026, 1, 1))
    [invoice] = bill(other_tenant, at(2026, 2, 1))
    run = invoice_run_create(tenant=other_tenant, as_of=at(2026, 2, 1))
    return sub, invoice, run


# POST /invoices/run ---------------------------------------------------------------------


def test_run_is_queued_and_invoices_what_is_due_once_committed(
    admin_user, client_at, turl, tenant, sub, django_capture_on_commit_callbacks
):
    use(sub, "api_calls", "13250", at(2026, 1, 5))
    with client_at(admin_user, at(2026, 2, 1, 1)) as api, django_capture_on_commit_callbacks(execute=True):
        response = api.post(turl("invoices/run"), {"as_of": "2026-02-01T00:00:00Z"})
        assert not Invoice.objects.exists()  # nothing runs before the commit

    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"id", "status", "as_of"}
    assert (body["status"], ts(body["as_of"])) == ("queued", at(2026, 2, 1))
    invoice = Invoice.objects.get()
    assert (invoice.subscription_id, invoice.number, invoice.total) == (sub.id, "INV-000001", Decimal("70.25"))
    assert (invoice.period_start, invoice.period_end) == (at(2026, 1, 1), at(2026, 2, 1))
    run = InvoiceRun.objects.get(pk=body["id"])
    assert (run.tenant_id, run.status, run.invoices_created, run.subscriptions_processed) == (
        tenant.id,
        InvoiceRun.Status.SUCCEEDED,
        1,
        1,
    )


def test_run_as_of_defaults_to_now(admin_user, client_at, turl, tenant):
    with client_at(admin_user, at(2026, 3, 4, 5, 6)) as api:
        response = api.post(turl("invoices/run"), {})
    assert response.status_code == 202
    assert ts(response.json()["as_of"]) == at(2026, 3, 4, 5, 6)
    assert InvoiceRun.objects.get(pk=response.json()["id"]).as_of == at(2026, 3, 4, 5, 6)


@pytest.mark.parametrize("as_of", ["2026-02-01T00:00:00", "2026-02-01 00:00", "2026-02-01"])
def test_run_as_of_without_an_offset_is_400(admin_user, client_at, turl, as_of):
    # As usage timestamps: a time without its offset could mean any zone.
    with client_at(admin_user, at(2026, 2, 1, 1)) as api:
        response = api.post(turl("invoices/run"), {"as_of": as_of})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": "naive", "detail": TIME_WITHOUT_OFFSET, "attr": "as_of"}]
    assert not InvoiceRun.objects.exists()


def test_run_that_is_not_yet_due_creates_nothing(admin_user, client_at, turl, sub, django_capture_on_commit_callbacks):
    with client_at(admin_user, at(2026, 1, 31, 23)) as api, django_capture_on_commit_callbacks(execute=True):
        response = api.post(turl("invoices/run"), {})
    run = InvoiceRun.objects.get(pk=response.json()["id"])
    assert (run.status, run.invoices_created) == (InvoiceRun.Status.SUCCEEDED, 0)
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("as_of", ["yesterday", "2026-13-01T00:00:00Z", "", 20260201])
def test_a_bad_as_of_is_400_naming_it_and_queues_nothing(api, turl, as_of, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = api.post(turl("invoices/run"), {"as_of": as_of})
    assert response.status_code == 400
    error = only_error(response)
    assert (response.json()["type"], error["attr"]) == ("validation_error", "as_of")
    assert queued == []
    assert not InvoiceRun.objects.exists()


def test_an_as_of_in_the_future_is_400(admin_user, client_at, turl):
    # Invoicing a period before it ends would finalize it without the usage still to come.
    with client_at(admin_user, at(2026, 1, 31, 23, 50)) as api:
        response = api.post(turl("invoices/run"), {"as_of": "2026-02-01T00:00:00Z"})
        assert response.status_code == 400
        error = only_error(response)
        assert (error["attr"], error["detail"]) == ("as_of", AS_OF_IN_THE_FUTURE)
        assert not InvoiceRun.objects.exists()
        # A caller's clock a few minutes ahead is fine.
        assert api.post(turl("invoices/run"), {"as_of": "2026-01-31T23:54:00Z"}).status_code == 202


# GET /invoice-runs/{id} -----------------------------------------------------------------


def test_run_detail_of_a_finished_run(admin_user, client_at, turl, sub, django_capture_on_commit_callbacks):
    SubscriptionFactory(tenant=sub.tenant, plan=sub.plan, start_at=at(2026, 1, 15))
    with client_at(admin_user, at(2026, 3, 1, 1)) as api, django_capture_on_commit_callbacks(execute=True):
        run_id = api.post(turl("invoices/run"), {"as_of": "2026-03-01T00:00:00Z"}).json()["id"]
    with client_at(admin_user, at(2026, 3, 1, 2)) as api:
        response = api.get(turl(f"invoice-runs/{run_id}"))

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= RUN_FIELDS
    # sub: January and February; the other: Jan 15 – Feb 15 (Feb 15 – Mar 15 is not over).
    assert (body["id"], body["status"], body["invoices_created"], body["error"]) == (run_id, "succeeded", 3, "")
    assert ts(body["as_of"]) == at(2026, 3, 1)
    assert ts(body["started_at"]) == ts(body["finished_at"]) == at(2026, 3, 1, 1)


def test_run_detail_of_a_queued_run(viewer_api, turl, tenant):
    run = invoice_run_create(tenant=tenant, as_of=at(2026, 2, 1))  # its task is never sent: no commit
    body = viewer_api.get(turl(f"invoice-runs/{run.id}")).json()
    assert (body["status"], body["invoices_created"], body["started_at"], body["finished_at"]) == (
        "queued",
        0,
        None,
        None,
    )


def test_an_unknown_run_is_404(api, turl):
    response = api.get(turl(f"invoice-runs/{uuid.uuid4()}"))
    assert response.status_code == 404
    assert only_error(response)["detail"] == "No such invoice run."


# GET /invoices, /invoices/{id} ------------------------------------------------------------


def test_invoice_detail_is_the_api_md_shape_to_the_cent(viewer_api, turl, invoice, sub):
    response = viewer_api.get(turl(f"invoices/{invoice.id}"))
    assert response.status_code == 200
    ids = list(invoice.lines.order_by("position").values_list("pk", flat=True))  # stored lines show their id
    assert response.json() == {
        "id": str(invoice.id),
        "number": "INV-000001",
        "customer_id": str(sub.customer_id),
        "subscription_id": str(sub.id),
        "status": "open",
        "billing_reason": "period",
        "currency": "USD",
        "period_start": "2026-01-01T00:00:00.000000Z",
        "period_end": "2026-02-01T00:00:00.000000Z",
        "subtotal": "70.25",
        "discount": "0.00",
        "tax": "0.00",
        "taxes": [],
        "total": "70.25",
        "credits_applied": "0.00",
        "amount_credited": "0.00",
        "amount_paid": "0.00",
        "amount_due": "70.25",
        "issued_at": "2026-02-01T01:00:00.000000Z",
        "due_at": "2026-03-03T01:00:00.000000Z",
        "paid_at": None,
        "voided_at": None,
        "attempt_count": 0,
        "next_payment_attempt": None,
        "lines": [
            {"id": ids[0], "kind": "flat_fee", "description": "Pro (month)", "quantity": "1", "amount": "49.00"},
            {
                "id": ids[1],
                "kind": "usage",
                "description": "API calls (tiered)",
                "meter": "api_calls",
                "model": "tiered",
                "quantity": "13250",
                "amount": "21.25",
                "tiers": [
                    {"from": 0, "up_to": 1000, "quantity": "1000", "unit_amount": "0", "flat_amount": "0",
                     "amount": "0.00"},
                    {"from": 1000, "up_to": 10000, "quantity": "9000", "unit_amount": "0.002", "flat_amount": "0",
                     "amount": "18.00"},
                    {"from": 10000, "up_to": None, "quantity": "3250", "unit_amount": "0.001", "flat_amount": "0",
                     "amount": "3.25"},
                ],
            },
        ],
    }  # fmt: skip


def test_an_unknown_invoice_is_404(api, turl):
    response = api.get(turl(f"invoices/{uuid.uuid4()}"))
    assert response.status_code == 404
    assert only_error(response)["detail"] == "No such invoice."


def test_invoice_list_shows_the_invoices_with_their_lines(viewer_api, turl, invoice):
    response = viewer_api.get(turl("invoices"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "next", "previous"}
    assert (body["next"], body["previous"]) == (None, None)
    [listed] = body["results"]
    assert set(listed) == INVOICE_FIELDS
    assert listed == viewer_api.get(turl(f"invoices/{invoice.id}")).json()


@pytest.fixture
def three_invoices(tenant, sub, pro):
    """sub's January (open, 70.25), another customer's January (open), and a paid one."""
    use(sub, "api_calls", "13250", at(2026, 1, 5))
    other = SubscriptionFactory(tenant=tenant, plan=pro, start_at=at(2026, 1, 1))
    free = SubscriptionFactory(
        tenant=tenant, plan=PlanFactory(tenant=tenant, amount=Decimal(0)), start_at=at(2026, 1, 1)
    )
    invoices = {i.subscription_id: i for i in bill(tenant, at(2026, 2, 1))}
    return invoices[sub.id], invoices[other.id], invoices[free.id]


def listed_ids(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {item["id"] for item in response.json()["results"]}


def test_invoice_list_filters(viewer_api, turl, three_invoices):
    mine, other, free = three_invoices
    assert free.status == Invoice.Status.PAID  # a total of 0 is paid at once
    assert listed_ids(viewer_api.get(turl("invoices"))) == {str(mine.id), str(other.id), str(free.id)}
    assert listed_ids(viewer_api.get(turl("invoices"), {"status": "open"})) == {str(mine.id), str(other.id)}
    assert listed_ids(viewer_api.get(turl("invoices"), {"status": "paid"})) == {str(free.id)}
    assert listed_ids(viewer_api.get(turl("invoices"), {"status": "void"})) == set()
    assert listed_ids(viewer_api.get(turl("invoices"), {"customer_id": str(other.customer_id)})) == {str(other.id)}
    assert listed_ids(viewer_api.get(turl("invoices"), {"subscription_id": str(mine.subscription_id)})) == {
        str(mine.id)
    }
    both = {"status": "paid", "customer_id": str(mine.customer_id)}
    assert listed_ids(viewer_api.get(turl("invoices"), both)) == set()


@pytest.mark.parametrize(
    ("name", "value"),
    [("status", "draft"), ("customer_id", "cus_42"), ("subscription_id", "12")],
)
def test_a_bad_invoice_filter_value_is_400_naming_it(viewer_api, turl, invoice, name, value):
    response = viewer_api.get(turl("invoices"), {name: value})
    assert response.status_code == 400
    assert only_error(response)["attr"] == name


def test_invoice_list_pages_through_invoices_of_one_batch(viewer_api, turl, tenant, pro):
    # One batch gives every invoice the same created_at: the page order must not depend on it alone.
    for _ in range(5):
        SubscriptionFactory(tenant=tenant, plan=pro, start_at=at(2026, 1, 1))
    bill(tenant, at(2026, 2, 1))
    seen, pages, url = [], 0, turl("invoices") + "?limit=2"
    while url:
        body = viewer_api.get(url).json()
        assert len(body["results"]) <= 2
        seen += [item["number"] for item in body["results"]]
        pages, url = pages + 1, body["next"]
    assert pages == 3
    assert seen == [f"INV-{n:06d}" for n in range(5, 0, -1)]
    assert viewer_api.get(turl("invoices"), {"limit": 0}).status_code == 400


# POST /invoices/{id}/void ---------------------------------------------------------------


def test_admin_voids_an_open_invoice_and_the_event_is_published(api, turl, tenant, invoice):
    WebhookEndpointFactory(tenant=tenant, event_types=["invoice.voided"])  # events are kept for endpoints only
    response = api.post(turl(f"invoices/{invoice.id}/void"))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["total"]) == (str(invoice.id), "void", "70.25")
    assert body["voided_at"] is not None
    invoice.refresh_from_db()
    assert (invoice.status, invoice.total) == (Invoice.Status.VOID, Decimal("70.25"))
    event = Event.objects.get(type="invoice.voided")
    assert (event.tenant_id, event.data["id"], event.data["status"]) == (invoice.tenant_id, str(invoice.id), "void")


@pytest.mark.parametrize("status", [Invoice.Status.PAID, Invoice.Status.VOID, Invoice.Status.UNCOLLECTIBLE])
def test_only_open_invoices_can_be_voided(api, turl, tenant, invoice, status):
    WebhookEndpointFactory(tenant=tenant)
    Invoice.objects.filter(pk=invoice.pk).update(status=status)
    response = api.post(turl(f"invoices/{invoice.id}/void"))
    assert response.status_code == 409
    error = only_error(response)
    assert (error["code"], error["detail"]) == ("invoice_not_open", INVOICE_NOT_OPEN.format(status=status))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.voided_at) == (status, None)
    assert not Event.objects.filter(type="invoice.voided").exists()


def test_voiding_an_unknown_invoice_is_404(api, turl):
    assert api.post(turl(f"invoices/{uuid.uuid4()}/void")).status_code == 404


# POST /subscriptions/{id}/cancel ------------------------------------------------------------


def test_cancel_at_period_end_flags_it_and_the_run_bills_then_cancels(admin_user, client_at, turl, tenant, sub):
    with client_at(admin_user, at(2026, 1, 10)) as api:
        response = api.post(turl(f"subscriptions/{sub.id}/cancel"), {"at_period_end": True})
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["cancel_at_period_end"]) == (str(sub.id), "active", True)
    assert (body["canceled_at"], body["final_invoice_id"]) == (None, None)
    assert not Invoice.objects.exists()

    [january] = bill(tenant, at(2026, 3, 1))
    assert (january.period_start, january.period_end, january.total) == (
        at(2026, 1, 1),
        at(2026, 2, 1),
        Decimal("49.00"),
    )
    sub.refresh_from_db()
    assert (sub.status, sub.canceled_at) == (Subscription.Status.CANCELED, at(2026, 2, 1))


def test_cancel_at_period_end_after_a_period_ended_unbilled_ends_the_current_period(
    admin_user, client_at, turl, tenant, sub
):
    # Feb 1 00:30: January ended, but the hourly run has not billed it yet. "At period
    # end" is the end of February, the period the customer is in.
    with client_at(admin_user, at(2026, 2, 1, 0, 30)) as api:
        body = api.post(turl(f"subscriptions/{sub.id}/cancel"), {"at_period_end": True}).json()
    assert (ts(body["current_period_start"]), ts(body["current_period_end"])) == (at(2026, 2, 1), at(2026, 3, 1))
    assert (body["status"], body["cancel_at_period_end"], body["final_invoice_id"]) == ("active", True, None)
    assert [(i.period_start, i.period_end) for i in Invoice.objects.all()] == [(at(2026, 1, 1), at(2026, 2, 1))]

    bill(tenant, at(2026, 4, 1))
    assert [(i.number, i.period_start) for i in Invoice.objects.order_by("number")] == [
        ("INV-000001", at(2026, 1, 1)),
        ("INV-000002", at(2026, 2, 1)),
    ]
    sub.refresh_from_db()
    assert (sub.status, sub.canceled_at) == (Subscription.Status.CANCELED, at(2026, 3, 1))


def test_cancel_now_issues_a_prorated_final_invoice(member_user, client_at, turl, sub):
    use(sub, "api_calls", "1500", at(2026, 1, 3))
    # January has 31 days: 15.5 days elapsed is half of the period.
    with client_at(member_user, at(2026, 1, 16, 12)) as api:
        response = api.post(turl(f"subscriptions/{sub.id}/cancel"), {"at_period_end": False})
        detail = api.get(turl(f"invoices/{response.json()['final_invoice_id']}")).json()
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], ts(body["canceled_at"]), body["cancel_at_period_end"]) == (
        "canceled",
        at(2026, 1, 16, 12),
        False,
    )
    final = Invoice.objects.get(pk=body["final_invoice_id"])
    assert (final.subscription_id, final.number, final.status) == (sub.id, "INV-000001", Invoice.Status.OPEN)
    assert (final.period_start, final.period_end) == (at(2026, 1, 1), at(2026, 1, 16, 12))
    assert [(line.kind, line.quantity, line.amount) for line in final.lines.order_by("position")] == [
        ("proration", Decimal("0.5"), Decimal("24.50")),
        ("usage", Decimal(1500), Decimal("1.00")),  # 500 calls × 0.002 in the second tier
    ]
    assert final.total == Decimal("25.50")
    assert detail["lines"][0] == {
        "id": final.lines.get(position=0).pk,
        "kind": "proration",
        "description": "Pro (month), prorated",
        "quantity": "0.5",
        "amount": "24.50",
    }


def test_cancel_now_of_a_subscription_with_ended_periods_bills_them_first(admin_user, client_at, turl, sub):
    with client_at(admin_user, at(2026, 3, 4)) as api:
        body = api.post(turl(f"subscriptions/{sub.id}/cancel"), {"at_period_end": False}).json()
    invoices = list(Invoice.objects.order_by("number"))
    assert [(i.number, i.period_start, i.period_end, i.total) for i in invoices] == [
        ("INV-000001", at(2026, 1, 1), at(2026, 2, 1), Decimal("49.00")),
        ("INV-000002", at(2026, 2, 1), at(2026, 3, 1), Decimal("49.00")),
        # 3 of March's 31 days: 49 × 0.096774 = 4.741926 → 4.74
        ("INV-000003", at(2026, 3, 1), at(2026, 3, 4), Decimal("4.74")),
    ]
    assert body["final_invoice_id"] == str(invoices[-1].id)


def test_canceling_a_canceled_subscription_is_409(admin_user, client_at, turl, sub):
    with client_at(admin_user, at(2026, 1, 20)) as api:
        assert api.post(turl(f"subscriptions/{sub.id}/cancel"), {"at_period_end": False}).status_code == 200
        for at_period_end in (False, True):
            response = api.post(turl(f"subscriptions/{sub.id}/cancel"), {"at_period_end": at_period_end})
            assert response.status_code == 409
            assert only_error(response)["detail"] == SUBSCRIPTION_ALREADY_CANCELED
    assert Invoice.objects.count() == 1


@pytest.mark.parametrize("payload", [{}, {"at_period_end": None}, {"at_period_end": "later"}])
def test_cancel_needs_at_period_end(api, turl, sub, payload):
    response = api.post(turl(f"subscriptions/{sub.id}/cancel"), payload)
    assert response.status_code == 400
    assert only_error(response)["attr"] == "at_period_end"
    sub.refresh_from_db()
    assert (sub.status, sub.cancel_at_period_end) == (Subscription.Status.ACTIVE, False)


def test_canceling_an_unknown_subscription_is_404(api, turl):
    response = api.post(turl(f"subscriptions/{uuid.uuid4()}/cancel"), {"at_period_end": True})
    assert response.status_code == 404


# GET /subscriptions/{id}/upcoming-invoice -------------------------------------------------


def test_upcoming_invoice_has_the_full_fee_and_usage_so_far_and_stores_nothing(viewer_user, client_at, turl, sub):
    use(sub, "api_calls", "1500", at(2026, 1, 3))
    with client_at(viewer_user, at(2026, 1, 10)) as api:
        response = api.get(turl(f"subscriptions/{sub.id}/upcoming-invoice"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == INVOICE_FIELDS
    assert (body["id"], body["number"], body["status"]) == (None, None, "open")
    assert (body["customer_id"], body["subscription_id"]) == (str(sub.customer_id), str(sub.id))
    assert (ts(body["period_start"]), ts(body["period_end"])) == (at(2026, 1, 1), at(2026, 2, 1))
    assert [(line["kind"], line["quantity"], line["amount"]) for line in body["lines"]] == [
        ("flat_fee", "1", "49.00"),  # in full, though a third of January has passed
        ("usage", "1500", "1.00"),
    ]
    assert body["subtotal"] == body["total"] == "50.00"
    assert not Invoice.objects.exists()
    assert not NumberSequence.objects.exists()


def test_upcoming_invoice_includes_late_usage_without_consuming_it(viewer_user, client_at, turl, tenant, sub):
    use(sub, "api_calls", "900", at(2026, 1, 10))
    bill(tenant, at(2026, 2, 1))
    use(sub, "api_calls", "600", at(2026, 1, 20), created_at=at(2026, 2, 10))  # late: January was invoiced
    with client_at(viewer_user, at(2026, 2, 11)) as api:
        first = api.get(turl(f"subscriptions/{sub.id}/upcoming-invoice")).json()
        again = api.get(turl(f"subscriptions/{sub.id}/upcoming-invoice")).json()
    late = [line for line in first["lines"] if line["kind"] == "late_usage"]
    # price(1500) − price(900) = 500 × 0.002
    assert [(line["meter"], line["quantity"], line["amount"]) for line in late] == [("api_calls", "600", "1.00")]
    assert (ts(late[0]["period_start"]), ts(late[0]["period_end"])) == (at(2026, 1, 1), at(2026, 2, 1))
    assert again == first
    assert Invoice.objects.count() == 1

    [february] = bill(tenant, at(2026, 3, 1))  # the real invoice still bills the late usage, once
    assert [(line.kind, line.amount) for line in february.lines.order_by("position")][-1] == (
        "late_usage",
        Decimal("1.00"),
    )


def test_upcoming_invoice_during_a_trial_is_the_first_billed_period(viewer_user, client_at, turl, tenant, pro):
    trialing = SubscriptionFactory(tenant=tenant, plan=pro, start_at=at(2026, 1, 1), trial_days=14)
    with client_at(viewer_user, at(2026, 1, 5)) as api:
        body = api.get(turl(f"subscriptions/{trialing.id}/upcoming-invoice")).json()
    assert (ts(body["period_start"]), ts(body["period_end"])) == (at(2026, 1, 15), at(2026, 2, 15))
    assert body["total"] == "49.00"


def test_a_canceled_subscription_has_no_upcoming_invoice(admin_user, client_at, turl, tenant, pro, sub):
    ends_with_trial = SubscriptionFactory(tenant=tenant, plan=pro, start_at=at(2026, 1, 1), trial_days=14)
    with client_at(admin_user, at(2026, 1, 5)) as api:
        api.post(turl(f"subscriptions/{sub.id}/cancel"), {"at_period_end": False})
        api.post(turl(f"subscriptions/{ends_with_trial.id}/cancel"), {"at_period_end": True})
        for canceled in (sub, ends_with_trial):
            response = api.get(turl(f"subscriptions/{canceled.id}/upcoming-invoice"))
            assert response.status_code == 409
            error = only_error(response)
            assert (error["code"], error["detail"]) == ("no_upcoming_invoice", NO_UPCOMING_INVOICE)


def test_a_subscription_canceled_at_period_end_still_has_its_last_invoice_ahead(viewer_user, client_at, turl, sub):
    Subscription.objects.filter(pk=sub.pk).update(cancel_at_period_end=True)
    with client_at(viewer_user, at(2026, 1, 5)) as api:
        body = api.get(turl(f"subscriptions/{sub.id}/upcoming-invoice")).json()
    assert (ts(body["period_end"]), body["total"]) == (at(2026, 2, 1), "49.00")


def test_upcoming_invoice_of_an_unknown_subscription_is_404(viewer_api, turl):
    assert viewer_api.get(turl(f"subscriptions/{uuid.uuid4()}/upcoming-invoice")).status_code == 404


# Roles ------------------------------------------------------------------------------------


def test_members_and_api_keys_may_run_invoicing(member_api, key_api, turl, tenant):
    assert member_api.post(turl("invoices/run"), {}).status_code == 202
    assert key_api.post(turl("invoices/run"), {}).status_code == 202
    assert InvoiceRun.objects.for_tenant(tenant).count() == 2


# Tenant isolation -------------------------------------------------------------------------


def test_lists_never_show_another_tenants_invoices(api, turl, invoice, theirs):
    their_sub, their_invoice, _ = theirs
    assert listed_ids(api.get(turl("invoices"))) == {str(invoice.id)}
    assert listed_ids(api.get(turl("invoices"), {"customer_id": str(their_invoice.customer_id)})) == set()
    assert listed_ids(api.get(turl("invoices"), {"subscription_id": str(their_sub.id)})) == set()


def test_my_run_does_not_invoice_another_tenant(
    admin_user, client_at, turl, sub, other_tenant, django_capture_on_commit_callbacks
):
    their_sub = SubscriptionFactory(tenant=other_tenant, start_at=at(2026, 1, 1))
    with client_at(admin_user, at(2026, 2, 1, 1)) as api, django_capture_on_commit_callbacks(execute=True):
        api.post(turl("invoices/run"), {"as_of": "2026-02-01T00:00:00Z"})
    assert [i.subscription_id for i in Invoice.unscoped().all()] == [sub.id]
    their_sub.refresh_from_db()
    assert their_sub.current_period_start == at(2026, 1, 1)
