"""Credit grants (API.md Part 2, "Prepaid credits"): granting through the API, the
purchase invoice of a paid grant, what invoices use (after tax, before the balance, in
priority → expiry → age order, only within effective_at ≤ period_end < expires_at),
voids, credit notes of the purchase, expiry and the database's backstop. Other tenants
and lower roles are the battery's; concurrency is test_grants_concurrency.py; the
sandbox walk-through is test_grants_example.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from invoices import grants as grant_ledger
from invoices.grant_services import (
    AMOUNT_NOT_POSITIVE,
    AMOUNT_TOO_PRECISE,
    EXPIRES_IN_THE_PAST,
    EXPIRES_NOT_AFTER_EFFECTIVE,
    GRANT_NOT_VOIDABLE,
    INVOICE_ONLY_FOR_PAID,
)
from invoices.grants import GRANT_REMAINING_TOO_SMALL
from invoices.models import BalanceTransaction, CreditGrant, CreditGrantEntry, Invoice
from invoices.services import invoice_mark_uncollectible, invoice_void
from invoices.tasks import credit_grants_expire_sweep
from invoices.tests.factories import CreditGrantFactory, bill
from metrics.selectors import revenue_by_month
from payments.tests.test_api import body, post
from tenants.tests.factories import make_sandbox
from tenants.tests.utils import at
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db

JAN_1 = at(2026, 1, 1, 1)
FEB_1 = at(2026, 2, 1)
FEB_1_LATE = at(2026, 2, 1, 2)


@pytest.fixture(autouse=True)
def endpoint(tenant):
    return WebhookEndpointFactory(tenant=tenant)  # so that events are kept


def granted(api, turl, customer_id, **fields) -> dict:
    body = {"amount": "20.00", "currency": "USD", "category": "promotional", **fields}
    response = api.post(turl(f"customers/{customer_id}/credit-grants"), body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def detail(api, turl, grant_id) -> dict:
    response = api.get(turl(f"credit-grants/{grant_id}"))
    assert response.status_code == 200, response.json()
    return response.json()


def used_by(invoice: Invoice) -> list[tuple[str, Decimal]]:
    """(grant name, amount) of what the invoice used, in the order used."""
    entries = CreditGrantEntry.objects.filter(invoice=invoice, kind="used").select_related("grant").order_by("id")
    return [(e.grant.name, e.amount) for e in entries]


def assert_ledger_matches(grant: CreditGrant) -> None:
    """The counters are the sums of the ledger; remaining never below 0."""
    grant.refresh_from_db()
    sums = {
        str(kind): grant.entries.filter(kind=kind).aggregate(s=Sum("amount"))["s"] or 0
        for kind in CreditGrantEntry.Kind
    }
    assert grant.used == sums["used"] + sums["invoice_voided"]
    assert (grant.expired, grant.voided) == (sums["expired"], sums["voided"])
    assert grant.remaining >= 0


# Granting


def test_a_promotional_grant_is_active_and_shown_with_its_ledger(admin_user, client_at, turl, sub):
    with client_at(admin_user, JAN_1) as api:
        grant = granted(api, turl, sub.customer_id, amount="30.00", name="Welcome", priority=10)
        assert grant | {"id": None, "created_at": None} == {
            "id": None, "customer_id": str(sub.customer_id), "name": "Welcome", "category": "promotional",
            "currency": "USD", "amount": "30.00", "remaining": "30.00", "used": "0.00", "expired": "0.00",
            "voided": "0.00", "priority": 10, "status": "active", "effective_at": "2026-01-01T01:00:00.000000Z",
            "expires_at": None, "invoice_id": None, "created_at": None,
        }  # fmt: skip
        assert detail(api, turl, grant["id"])["ledger"] == []
        listed = api.get(turl(f"customers/{sub.customer_id}/credit-grants")).json()["results"]
        assert [g["id"] for g in listed] == [grant["id"]]


@pytest.mark.parametrize(
    ("fields", "attr", "detail_text"),
    [
        ({"amount": "0"}, "amount", AMOUNT_NOT_POSITIVE),
        ({"amount": "1.001"}, "amount", AMOUNT_TOO_PRECISE.format(currency="USD")),
        (
            {"effective_at": "2026-03-01T00:00:00Z", "expires_at": "2026-02-01T00:00:00Z"},
            "expires_at",
            EXPIRES_NOT_AFTER_EFFECTIVE.format(effective_at="2026-03-01T00:00:00+00:00"),
        ),
        (
            {"effective_at": "2025-01-01T00:00:00Z", "expires_at": "2025-12-01T00:00:00Z"},
            "expires_at",
            EXPIRES_IN_THE_PAST.format(now="2026-01-01T01:00:00+00:00"),
        ),
        ({"invoice": True}, "invoice", INVOICE_ONLY_FOR_PAID),
    ],
)
def test_a_grant_that_breaks_a_rule_is_a_400_naming_the_field(
    admin_user, client_at, turl, sub, fields, attr, detail_text
):
    with client_at(admin_user, JAN_1) as api:
        body = {"amount": "20.00", "currency": "USD", "category": "promotional", **fields}
        response = api.post(turl(f"customers/{sub.customer_id}/credit-grants"), body, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["detail"], error["attr"]) == (detail_text, attr)
    assert not CreditGrant.objects.exists()


@pytest.mark.parametrize(
    ("fields", "attr"),
    [({"priority": 0}, "priority"), ({"priority": 101}, "priority"), ({"category": "gift"}, "category"),
     ({"currency": "XXX"}, "currency"), ({"amount": 5}, "amount"), ({"expires_at": "2026-03-01"}, "expires_at")],
)  # fmt: skip
def test_malformed_grant_input_is_a_400_naming_the_field(admin_user, client_at, turl, sub, fields, attr):
    with client_at(admin_user, JAN_1) as api:
        body = {"amount": "20.00", "currency": "USD", "category": "promotional", **fields}
        response = api.post(turl(f"customers/{sub.customer_id}/credit-grants"), body, format="json")
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == [attr]


# At finalization


def test_a_grant_pays_after_tax_and_before_the_balance(admin_user, client_at, turl, tenant, sub):
    BalanceTransaction.objects.create(
        tenant=tenant, customer=sub.customer, currency="USD", amount=Decimal("10.00"), kind="adjustment"
    )
    with client_at(admin_user, JAN_1) as api:
        grant = granted(api, turl, sub.customer_id, amount="30.00", name="Welcome")
    [january] = bill(tenant, FEB_1)
    assert (january.total, january.credits_applied, january.amount_due) == (
        Decimal("49.00"),
        Decimal("40.00"),
        Decimal("9.00"),
    )
    with client_at(admin_user, FEB_1_LATE) as api:
        shown = detail(api, turl, grant["id"])
        assert (shown["remaining"], shown["used"], shown["status"]) == ("0.00", "30.00", "depleted")
        assert [(e["kind"], e["amount"], e["invoice_id"]) for e in shown["ledger"]] == [
            ("used", "30.00", str(january.pk))
        ]
        invoice = api.get(turl(f"invoices/{january.pk}")).json()
        assert (invoice["credits_applied"], invoice["amount_due"]) == ("40.00", "9.00")
    applied = BalanceTransaction.objects.get(invoice=january, kind="applied_to_invoice")
    assert applied.amount == Decimal("-10.00")
    depleted = Event.objects.get(type="credit_grant.depleted")
    assert (depleted.data["id"], depleted.data["remaining"]) == (grant["id"], "0.00")


def test_grants_are_used_by_priority_then_expiry_then_age(admin_user, client_at, turl, tenant, sub):
    with client_at(admin_user, JAN_1) as api:
        granted(api, turl, sub.customer_id, name="older, no expiry")
        granted(api, turl, sub.customer_id, name="expires", expires_at="2026-06-01T00:00:00Z")
        granted(api, turl, sub.customer_id, name="first by priority", amount="5.00", priority=10)
    with client_at(admin_user, at(2026, 1, 2)) as api:
        granted(api, turl, sub.customer_id, name="newer, no expiry")
    [january] = bill(tenant, FEB_1)
    assert used_by(january) == [
        ("first by priority", Decimal("5.00")),
        ("expires", Decimal("20.00")),
        ("older, no expiry", Decimal("20.00")),
        ("newer, no expiry", Decimal("4.00")),
    ]
    assert (january.credits_applied, january.amount_due) == (Decimal("49.00"), Decimal("0.00"))
    assert january.status == Invoice.Status.PAID  # nothing due: paid at once


def test_a_grant_pays_only_invoices_of_its_currency_whose_period_ends_in_its_window(
    admin_user, client_at, turl, tenant, sub
):
    with client_at(admin_user, JAN_1) as api:
        granted(api, turl, sub.customer_id, name="ends at the period's end", expires_at="2026-02-01T00:00:00Z")
        granted(api, turl, sub.customer_id, name="starts after it", effective_at="2026-02-01T00:00:01Z")
        granted(api, turl, sub.customer_id, name="euros", currency="EUR")
        granted(api, turl, sub.customer_id, name="expired mid-January", expires_at="2026-01-20T00:00:00Z")
        granted(api, turl, sub.customer_id, name="a second after the end", expires_at="2026-02-01T00:00:01Z")
    # The run comes two hours late and no sweeper ran: a grant is judged by the period's
    # end, whatever the clock says when the invoice is made.
    assert CreditGrant.objects.filter(status="active").count() == 5
    [january] = bill(tenant, FEB_1)
    assert used_by(january) == [("a second after the end", Decimal("20.00"))]


def test_the_upcoming_invoice_shows_what_grants_would_pay_and_uses_nothing(admin_user, client_at, turl, sub):
    with client_at(admin_user, JAN_1) as api:
        grant = granted(api, turl, sub.customer_id, amount="30.00")
        upcoming = api.get(turl(f"subscriptions/{sub.pk}/upcoming-invoice")).json()
        assert (upcoming["credits_applied"], upcoming["amount_due"]) == ("30.00", "19.00")
        assert detail(api, turl, grant["id"])["remaining"] == "30.00"
    assert not CreditGrantEntry.objects.exists()


# Paid grants: the purchase invoice


def test_a_paid_grant_is_sold_by_a_credit_purchase_invoice_and_pending_until_paid(
    admin_user, client_at, turl, tenant, sub
):
    with client_at(admin_user, JAN_1) as api:
        grant = granted(api, turl, sub.customer_id, amount="100.00", category="paid", name="Top-up")
        assert grant["status"] == "pending"
        purchase = api.get(turl(f"invoices/{grant['invoice_id']}")).json()
    assert {k: purchase[k] for k in ("billing_reason", "subscription_id", "status", "total", "tax", "amount_due")} == {
        "billing_reason": "credit_purchase",
        "subscription_id": None,
        "status": "open",
        "total": "100.00",
        "tax": "0.00",
        "amount_due": "100.00",
    }
    assert [(line["kind"], line["amount"]) for line in purchase["lines"]] == [("credit_purchase", "100.00")]
    [january] = bill(tenant, FEB_1)
    assert january.credits_applied == 0  # pending: not paid yet
    assert post(body(Invoice.objects.get(pk=grant["invoice_id"]))).status_code == 200
    with client_at(admin_user, FEB_1_LATE) as api:
        assert detail(api, turl, grant["id"])["status"] == "active"
    [february] = bill(tenant, at(2026, 3, 1))
    assert used_by(february) == [("Top-up", Decimal("49.00"))]


def test_a_paid_grant_without_an_invoice_is_active_at_once(admin_user, client_at, turl, sub):
    with client_at(admin_user, JAN_1) as api:
        grant = granted(api, turl, sub.customer_id, category="paid", invoice=False)
    assert (grant["status"], grant["invoice_id"]) == ("active", None)
    assert not Invoice.objects.filter(billing_reason="credit_purchase").exists()


@pytest.mark.parametrize("close", [invoice_void, invoice_mark_uncollectible])
def test_a_purchase_invoice_voided_or_uncollectible_voids_its_grant(admin_user, client_at, turl, tenant, sub, close):
    with client_at(admin_user, JAN_1) as api:
        grant = granted(api, turl, sub.customer_id, amount="100.00", category="paid")
    close(tenant=tenant.pk, invoice_id=grant["invoice_id"])
    voided = CreditGrant.objects.get(pk=grant["id"])
    assert (voided.status, voided.remaining, voided.voided) == ("voided", 0, Decimal("100.00"))
    assert_ledger_matches(voided)


def test_a_note_on_a_paid_purchase_takes_its_amount_off_the_grant_409_beyond_what_is_left(
    admin_user, client_at, turl, tenant, sub
):
    with client_at(admin_user, JAN_1) as api:
        grant = granted(api, turl, sub.customer_id, amount="100.00", category="paid")
    purchase = Invoice.objects.get(pk=grant["invoice_id"])
    assert post(body(purchase)).status_code == 200
    bill(tenant, FEB_1)  # uses 49.00 of it: 51.00 left
    with client_at(admin_user, FEB_1_LATE) as api:
        notes = turl(f"invoices/{purchase.pk}/credit-notes")
        too_much = api.post(notes, {"amount": "60.00", "reason": "other", "refund_amount": "60.00"}, format="json")
        assert too_much.status_code == 409
        assert too_much.json()["errors"][0] == {
            "code": "grant_remaining_too_small",
            "detail": GRANT_REMAINING_TOO_SMALL.format(remaining="51.00", amount="60.00"),
            "attr": None,
        }
        note = api.post(notes, {"amount": "51.00", "reason": "other", "refund_amount": "51.00"}, format="json")
        assert note.status_code == 201, note.json()
        shown = detail(api, turl, grant["id"])
    assert (shown["remaining"], shown["voided"], shown["status"]) == ("0.00", "51.00", "depleted")
    assert shown["ledger"][-1]["credit_note_id"] == note.json()["id"]
    assert_ledger_matches(CreditGrant.objects.get(pk=grant["id"]))


# Voids


def test_a_voided_invoice_gives_back_what_it_used_of_grants_and_of_the_balance(
    admin_user, client_at, turl, tenant, sub
):
    BalanceTransaction.objects.create(
        tenant=tenant, customer=sub.customer, currency="USD", amount=Decimal("10.00"), kind="adjustment"
    )
    with client_at(admin_user, JAN_1) as api:
        grant = granted(api, turl, sub.customer_id, amount="30.00")
    [january] = bill(tenant, FEB_1)
    invoice_void(tenant=tenant.pk, invoice_id=january.pk)
    back = CreditGrant.objects.get(pk=grant["id"])
    assert (back.status, back.remaining) == ("active", Decimal("30.00"))
    assert [(e.kind, e.amount) for e in back.entries.order_by("id")] == [
        ("used", Decimal("30.00")),
        ("invoice_voided", Decimal("-30.00")),
    ]
    returned = BalanceTransaction.objects.get(invoice=january, kind="invoice_voided")
    assert returned.amount == Decimal("10.00")  # the balance's part only
    assert_ledger_matches(back)


def test_void_of_a_promotional_grant_voids_what_is_left_once(admin_user, client_at, turl, tenant, sub):
    with client_at(admin_user, JAN_1) as api:
        grant = granted(api, turl, sub.customer_id, amount="60.00")
    bill(tenant, FEB_1)  # uses 49.00
    with client_at(admin_user, FEB_1_LATE) as api:
        response = api.post(turl(f"credit-grants/{grant['id']}/void"))
        assert response.status_code == 200, response.json()
        assert (response.json()["status"], response.json()["remaining"], response.json()["voided"]) == (
            "voided",
            "0.00",
            "11.00",
        )
        again = api.post(turl(f"credit-grants/{grant['id']}/void"))
    assert again.status_code == 409
    assert again.json()["errors"][0]["detail"] == GRANT_NOT_VOIDABLE.format(status="voided")


def test_void_of_a_paid_grant_whose_purchase_is_paid_is_409_and_of_a_pending_one_voids_the_invoice(
    admin_user, client_at, turl, sub
):
    with client_at(admin_user, JAN_1) as api:
        paid = granted(api, turl, sub.customer_id, category="paid")
        pending = granted(api, turl, sub.customer_id, category="paid")
        assert post(body(Invoice.objects.get(pk=paid["invoice_id"]))).status_code == 200
        refused = api.post(turl(f"credit-grants/{paid['id']}/void"))
        assert refused.status_code == 409
        assert refused.json()["errors"][0]["code"] == "grant_purchase_paid"
        voided = api.post(turl(f"credit-grants/{pending['id']}/void"))
    assert voided.status_code == 200
    assert voided.json()["status"] == "voided"
    assert Invoice.objects.get(pk=pending["invoice_id"]).status == "void"
    assert CreditGrant.objects.get(pk=paid["id"]).status == "active"


# Expiry


def test_expiry_forfeits_what_remains_once_and_publishes_it(admin_user, client_at, turl, tenant, sub):
    with client_at(admin_user, JAN_1) as api:
        grant = granted(api, turl, sub.customer_id, amount="60.00", expires_at="2026-02-15T00:00:00Z")
    bill(tenant, FEB_1)  # uses 49.00
    assert grant_ledger.grants_expire(tenant=tenant, at=at(2026, 2, 14)) == 0
    assert grant_ledger.grants_expire(tenant=tenant, at=at(2026, 2, 15)) == 1
    assert grant_ledger.grants_expire(tenant=tenant, at=at(2026, 2, 16)) == 0
    expired = CreditGrant.objects.get(pk=grant["id"])
    assert (expired.status, expired.expired, expired.remaining) == ("expired", Decimal("11.00"), 0)
    assert Event.objects.get(type="credit_grant.expired").data["expired"] == "11.00"
    assert_ledger_matches(expired)


def test_the_expiry_sweeper_expires_live_tenants_grants_and_leaves_sandboxes_to_their_clock(tenant, other_tenant):
    live = CreditGrantFactory(tenant=tenant, expires_at=at(2026, 2, 1))
    boxed = CreditGrantFactory(tenant=other_tenant, expires_at=at(2026, 2, 1))
    make_sandbox(other_tenant, at(2026, 1, 1))
    assert grant_ledger.grant_tenants_due(now=at(2026, 3, 1)) == [tenant.pk]
    assert credit_grants_expire_sweep() == 1  # the task runs eagerly in the tests
    assert CreditGrant.objects.get(pk=live.pk).status == "expired"
    assert CreditGrant.objects.get(pk=boxed.pk).status == "active"


# Invariants


def test_the_database_refuses_a_grant_whose_remaining_would_go_below_zero(tenant):
    grant = CreditGrantFactory(tenant=tenant, amount=Decimal("20.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditGrant.objects.filter(pk=grant.pk).update(used=F("amount") + Decimal("0.01"))


def test_revenue_excludes_credit_purchases(admin_user, client_at, turl, tenant, sub):
    with client_at(admin_user, JAN_1) as api:
        granted(api, turl, sub.customer_id, amount="100.00", category="paid")
    bill(tenant, FEB_1)
    [usd] = revenue_by_month(tenant=tenant, start=at(2026, 1, 1), end=at(2026, 3, 1))
    assert [m.invoiced for m in usd.months] == [Decimal(0), Decimal("49.00")]


# Audit log


def test_a_grants_life_is_in_the_audit_log(admin_user, client_at, turl, tenant, sub):
    from audit.models import AuditEntry

    with client_at(admin_user, JAN_1) as api:
        kept = granted(api, turl, sub.customer_id, amount="60.00", expires_at="2026-02-15T00:00:00Z")
        dropped = granted(api, turl, sub.customer_id, amount="5.00", name="goodwill")
        assert api.post(turl(f"credit-grants/{dropped['id']}/void")).status_code == 200
    bill(tenant, FEB_1)  # uses 49.00 of the first
    assert grant_ledger.grants_expire(tenant=tenant, at=at(2026, 2, 15)) == 1

    entries = AuditEntry.objects.filter(object_type="credit_grant").order_by("at")
    seen = [(e.object_id, e.action, e.actor_type) for e in entries]
    assert seen == [
        (kept["id"], "credit_grant.created", "user"),
        (dropped["id"], "credit_grant.created", "user"),
        (dropped["id"], "credit_grant.voided", "user"),
        (kept["id"], "credit_grant.expired", "system"),
    ]
    created, _, voided, expired = entries
    assert created.changes["status"] == [None, "active"] and Decimal(created.changes["amount"][1]) == 60
    assert voided.changes["status"] == ["active", "voided"]
    assert [Decimal(value) for value in voided.changes["voided"]] == [0, 5]
    assert expired.changes["status"] == ["active", "expired"]
    assert [Decimal(value) for value in expired.changes["expired"]] == [0, 11]
