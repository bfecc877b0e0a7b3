"""Dunning (API.md Part 2, "Collections"): the retry schedule from the first failure,
attempt counts, `next_payment_attempt`, the final action, `POST …/invoices/{id}/pay`,
the beat sweeper (exactly one charge per retry, even with two sweeps at once) and the
sandbox clock's advance. Charges go to a real HTTP server; failures come back through
the signed payment webhook."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from invoices.models import Invoice
from invoices.services import invoice_due_subscriptions, invoice_void
from ops.management.commands.ensure_periodic_tasks import DEFAULT_SCHEDULES
from payments import dunning, tasks
from payments.models import ChargeAttempt
from payments.tests.test_api import body, post
from subscriptions.models import Subscription
from subscriptions.tests.factories import SubscriptionFactory
from tenants import sandbox
from tenants.models import Tenant
from tenants.tests.factories import make_sandbox
from tenants.tests.utils import at, at_once, ts
from tenants.validators import RETRY_DAYS_INVALID
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db

FEB_1 = at(2026, 2, 1)
FAILED_AT = at(2026, 2, 1, 2)  # the first failure
DAY = timedelta(days=1)


@pytest.fixture
def provider(httpserver, settings):
    """The payment provider: a real HTTP server that accepts every charge."""
    settings.PAYMENT_PROVIDER_URL = httpserver.url_for("/charges")
    httpserver.expect_request("/charges", method="POST").respond_with_json({"status": "pending"}, status=202)
    return httpserver


def charges(server) -> list[dict]:
    return [json.loads(request.get_data()) for request, _ in server.log if request.path == "/charges"]


def keys(server) -> list[str]:
    return [request.headers["Idempotency-Key"] for request, _ in server.log if request.path == "/charges"]


def set_dunning(tenant: Tenant, **fields) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(**fields)


@pytest.fixture
def setup(tenant, provider, django_capture_on_commit_callbacks):
    """Acme's January invoice of 49.00, finalized and charged once (attempt 1)."""
    WebhookEndpointFactory(tenant=tenant, event_types=[])  # so that events are kept
    sub = SubscriptionFactory(tenant=tenant, start_at=at(2026, 1, 1))
    with time_machine.travel(FEB_1 + timedelta(hours=1)), django_capture_on_commit_callbacks(execute=True):
        invoice_due_subscriptions(tenant=tenant.id, as_of=FEB_1)
    invoice = Invoice.objects.for_tenant(tenant).get()
    assert (invoice.attempt_count, invoice.next_payment_attempt) == (1, None)
    assert len(charges(provider)) == 1
    return sub, invoice


def fail(invoice, when, msg_id, captured):
    """The provider reports the latest charge failed, at `when`."""
    with time_machine.travel(when, tick=False), captured(execute=True):
        response = post(body(invoice, type="payment.failed", failure_reason="card_declined"), msg_id=msg_id)
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "payment_failed"
    invoice.refresh_from_db()
    return invoice


def sweep(when, captured) -> int:
    with time_machine.travel(when, tick=False), captured(execute=True):
        return tasks.dunning_sweep()


def failed_events() -> list[dict]:
    return [event.data for event in Event.objects.filter(type="invoice.payment_failed").order_by("created_at")]


def test_the_schedule_runs_from_the_first_failure_and_ends_with_the_final_action(
    tenant, setup, provider, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    set_dunning(tenant, dunning_final_action="mark_uncollectible")  # retry days: the default [3, 5, 7]
    sub, invoice = setup
    invoice = fail(invoice, FAILED_AT, "f1", captured)
    assert (invoice.status, invoice.attempt_count, invoice.next_payment_attempt) == ("open", 1, FAILED_AT + 3 * DAY)
    sub.refresh_from_db()
    assert sub.status == "past_due"
    assert [(e["attempt_count"], ts(e["next_payment_attempt"])) for e in failed_events()] == [(1, FAILED_AT + 3 * DAY)]

    # Not due a second early; due at the offset, once.
    assert sweep(FAILED_AT + 3 * DAY - timedelta(seconds=1), captured) == 0
    assert len(charges(provider)) == 1
    assert sweep(FAILED_AT + 3 * DAY, captured) == 1
    assert sweep(FAILED_AT + 3 * DAY + timedelta(minutes=15), captured) == 0
    assert len(charges(provider)) == 2
    invoice.refresh_from_db()
    assert (invoice.attempt_count, invoice.next_payment_attempt) == (2, FAILED_AT + 5 * DAY)
    invoice = fail(invoice, FAILED_AT + 3 * DAY + timedelta(hours=1), "f2", captured)
    # The schedule counts from the first failure, not from the last one.
    assert invoice.next_payment_attempt == FAILED_AT + 5 * DAY

    sweep(FAILED_AT + 5 * DAY, captured)
    invoice = fail(invoice, FAILED_AT + 5 * DAY + timedelta(hours=1), "f3", captured)
    assert (invoice.attempt_count, invoice.next_payment_attempt, invoice.status) == (3, FAILED_AT + 7 * DAY, "open")
    sweep(FAILED_AT + 7 * DAY, captured)
    invoice.refresh_from_db()
    assert (invoice.attempt_count, invoice.next_payment_attempt) == (4, None)
    invoice = fail(invoice, FAILED_AT + 7 * DAY + timedelta(hours=1), "f4", captured)

    assert invoice.status == "uncollectible"
    assert [e["attempt_count"] for e in failed_events()] == [1, 2, 3, 4]
    assert [e["status"] for e in failed_events()] == ["open"] * 4
    (written_off,) = Event.objects.filter(type="invoice.marked_uncollectible")
    assert written_off.data["attempt_count"] == 4
    # Four charges of the amount due, each its own attempt and Idempotency-Key.
    attempts = ChargeAttempt.objects.filter(invoice=invoice)
    assert sorted(keys(provider)) == sorted(str(a.pk) for a in attempts)
    assert [c["amount"] for c in charges(provider)] == ["49.00"] * 4
    assert sorted(a.outcome for a in attempts) == ["failed"] * 4
    assert sweep(FAILED_AT + 30 * DAY, captured) == 0


def test_a_payment_stops_the_schedule(tenant, setup, provider, django_capture_on_commit_callbacks):
    sub, invoice = setup
    invoice = fail(invoice, FAILED_AT, "f1", django_capture_on_commit_callbacks)
    sweep(FAILED_AT + 3 * DAY, django_capture_on_commit_callbacks)
    with time_machine.travel(FAILED_AT + 3 * DAY + timedelta(hours=1), tick=False):
        assert post(body(invoice), msg_id="paid").json()["outcome"] == "paid"
    invoice.refresh_from_db()
    sub.refresh_from_db()
    assert (invoice.status, invoice.attempt_count, invoice.next_payment_attempt) == ("paid", 2, None)
    assert sub.status == "active"
    assert sweep(FAILED_AT + 30 * DAY, django_capture_on_commit_callbacks) == 0
    assert len(charges(provider)) == 2


def test_a_voided_invoice_is_not_retried(tenant, setup, provider, django_capture_on_commit_callbacks):
    _sub, invoice = setup
    fail(invoice, FAILED_AT, "f1", django_capture_on_commit_callbacks)
    invoice_void(tenant=tenant.id, invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert invoice.next_payment_attempt is None
    assert sweep(FAILED_AT + 30 * DAY, django_capture_on_commit_callbacks) == 0
    assert len(charges(provider)) == 1


def test_cancel_subscription_cancels_now_after_the_last_failure(
    tenant, setup, provider, django_capture_on_commit_callbacks
):
    set_dunning(tenant, dunning_retry_days=[2], dunning_final_action="cancel_subscription")
    sub, invoice = setup
    invoice = fail(invoice, FAILED_AT, "f1", django_capture_on_commit_callbacks)
    assert invoice.next_payment_attempt == FAILED_AT + 2 * DAY
    sweep(FAILED_AT + 2 * DAY, django_capture_on_commit_callbacks)
    invoice = fail(invoice, FAILED_AT + 2 * DAY + timedelta(hours=1), "f2", django_capture_on_commit_callbacks)
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.CANCELED
    assert sub.canceled_at == FAILED_AT + 2 * DAY + timedelta(hours=1)
    assert (invoice.status, invoice.attempt_count) == ("open", 2)  # the debt stays owed
    final = Invoice.objects.for_tenant(tenant).get(billing_reason="cancellation")
    assert final.period_start == at(2026, 2, 1)


def test_none_leaves_the_invoice_open_and_no_retries_means_the_final_action_at_once(
    tenant, setup, django_capture_on_commit_callbacks
):
    set_dunning(tenant, dunning_retry_days=[])
    sub, invoice = setup
    invoice = fail(invoice, FAILED_AT, "f1", django_capture_on_commit_callbacks)
    sub.refresh_from_db()
    assert (invoice.status, invoice.next_payment_attempt, sub.status) == ("open", None, "past_due")
    set_dunning(tenant, dunning_final_action="mark_uncollectible")
    # The final action follows the failure of the latest attempt only, here a second report.
    invoice = fail(invoice, FAILED_AT + DAY, "f2", django_capture_on_commit_callbacks)
    assert invoice.status == "uncollectible"


# Exactly one charge per retry


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_exactly_one_charge_per_retry(tenant, provider):
    WebhookEndpointFactory(tenant=tenant, event_types=[])
    for index in range(4):
        SubscriptionFactory(tenant=tenant, start_at=at(2026, 1, 1), customer__external_id=f"c{index}")
    with time_machine.travel(FEB_1 + timedelta(hours=1)):
        invoice_due_subscriptions(tenant=tenant.id, as_of=FEB_1)  # sent once each, on commit
    invoices = list(Invoice.objects.for_tenant(tenant))
    assert len(charges(provider)) == 4
    with time_machine.travel(FAILED_AT, tick=False):
        for invoice in invoices:
            post(body(invoice, type="payment.failed"), msg_id=f"f-{invoice.pk}")
    with time_machine.travel(FAILED_AT + 3 * DAY, tick=False):
        sent = at_once([tasks.dunning_sweep, tasks.dunning_sweep, tasks.dunning_sweep])
    assert sorted(sent) == [1, 1, 1]  # each fanned out to the tenant: its retries claimed once in all
    assert len(charges(provider)) == 8
    assert sorted(c["invoice_id"] for c in charges(provider)[4:]) == sorted(str(i.pk) for i in invoices)
    assert len(set(keys(provider))) == 8
    for invoice in invoices:
        invoice.refresh_from_db()
        assert (invoice.attempt_count, invoice.next_payment_attempt) == (2, FAILED_AT + 5 * DAY)
        assert ChargeAttempt.objects.filter(invoice=invoice).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_tenant_tasks_at_once_claim_each_retry_once(tenant, provider):
    SubscriptionFactory(tenant=tenant, start_at=at(2026, 1, 1))
    with time_machine.travel(FEB_1 + timedelta(hours=1)):
        invoice_due_subscriptions(tenant=tenant.id, as_of=FEB_1)
    invoice = Invoice.objects.for_tenant(tenant).get()
    with time_machine.travel(FAILED_AT, tick=False):
        post(body(invoice, type="payment.failed"), msg_id="f1")
    due = FAILED_AT + 3 * DAY
    sent = at_once([lambda: dunning.dunning_retries_send(tenant=tenant.pk, at=due)] * 2, tenant=tenant.pk)
    assert sorted(sent) == [0, 1]
    assert len(charges(provider)) == 2
    invoice.refresh_from_db()
    assert invoice.attempt_count == 2


# POST …/invoices/{id}/pay


def test_pay_sends_a_charge_now_and_leaves_the_schedule(
    tenant, setup, provider, member_api, turl, django_capture_on_commit_callbacks
):
    _sub, invoice = setup
    invoice = fail(invoice, FAILED_AT, "f1", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(turl(f"invoices/{invoice.pk}/pay"))
    assert response.status_code == 200, response.content
    assert response.json()["attempt_count"] == 2
    assert ts(response.json()["next_payment_attempt"]) == FAILED_AT + 3 * DAY
    assert response.json()["status"] == "open"
    assert len(charges(provider)) == 2
    newest = ChargeAttempt.objects.filter(invoice=invoice).order_by("-created_at").first()
    assert keys(provider)[-1] == str(newest.pk)
    # The scheduled retry still comes at its offset.
    assert sweep(FAILED_AT + 3 * DAY, django_capture_on_commit_callbacks) == 1
    invoice.refresh_from_db()
    assert (invoice.attempt_count, invoice.next_payment_attempt) == (3, FAILED_AT + 5 * DAY)


def test_pay_is_409_unless_open_and_403_for_a_viewer(tenant, setup, member_api, viewer_api, turl):
    _sub, invoice = setup
    assert viewer_api.post(turl(f"invoices/{invoice.pk}/pay")).status_code == 403
    invoice_void(tenant=tenant.id, invoice_id=invoice.pk)
    response = member_api.post(turl(f"invoices/{invoice.pk}/pay"))
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"code": "invoice_not_open", "detail": dunning.INVOICE_NOT_OPEN_FOR_PAY.format(status="void"), "attr": None}
    ]
    invoice.refresh_from_db()
    assert invoice.attempt_count == 1


def test_pay_of_an_unknown_invoice_is_404(member_api, turl, tenant):
    response = member_api.post(turl("invoices/00000000-0000-0000-0000-000000000000/pay"))
    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == "No such invoice."


# The tenant's setting


def test_the_tenant_shows_and_sets_its_dunning(api, turl):
    assert api.get(turl()).json()["dunning"] == {"retry_days": [3, 5, 7], "final_action": "none"}
    response = api.patch(turl(), {"dunning": {"retry_days": [1, 2, 10]}}, format="json")
    assert response.status_code == 200
    assert response.json()["dunning"] == {"retry_days": [1, 2, 10], "final_action": "none"}
    response = api.patch(turl(), {"dunning": {"final_action": "cancel_subscription"}}, format="json")
    assert response.json()["dunning"] == {"retry_days": [1, 2, 10], "final_action": "cancel_subscription"}
    response = api.patch(turl(), {"dunning": {"retry_days": []}}, format="json")
    assert api.get(turl()).json()["dunning"] == {"retry_days": [], "final_action": "cancel_subscription"}


@pytest.mark.parametrize(
    ("dunning_body", "attr"),
    [
        ({"retry_days": [3, 3]}, "dunning.retry_days"),
        ({"retry_days": [5, 3]}, "dunning.retry_days"),
        ({"retry_days": [0, 3]}, "dunning.retry_days"),
        ({"retry_days": [-1]}, "dunning.retry_days"),
        ({"retry_days": [366]}, "dunning.retry_days"),
        ({"retry_days": list(range(1, 12))}, "dunning.retry_days"),
        ({"retry_days": ["3"]}, "dunning.retry_days"),
        ({"retry_days": [1.5]}, "dunning.retry_days"),
        ({"retry_days": 3}, "dunning.retry_days"),
        ({"retry_days": None}, "dunning.retry_days"),
        ({"final_action": "email"}, "dunning.final_action"),
        ({"final_action": None}, "dunning.final_action"),
    ],
)
def test_a_bad_dunning_setting_is_400_naming_the_field(api, turl, dunning_body, attr):
    response = api.patch(turl(), {"dunning": dunning_body}, format="json")
    assert response.status_code == 400, response.content
    assert attr in {error["attr"] for error in response.json()["errors"]}
    assert api.get(turl()).json()["dunning"] == {"retry_days": [3, 5, 7], "final_action": "none"}


def test_the_rule_for_retry_days_is_spelled_out(api, turl):
    response = api.patch(turl(), {"dunning": {"retry_days": [7, 5]}}, format="json")
    assert response.json()["errors"] == [
        {"code": "invalid_retry_days", "detail": RETRY_DAYS_INVALID, "attr": "dunning.retry_days"}
    ]


@pytest.mark.parametrize("days", [[5, 3], [0], list(range(1, 12))])
def test_the_admin_form_holds_the_same_rule(tenant, days):
    tenant.dunning_retry_days = days
    with pytest.raises(ValidationError) as raised:
        tenant.full_clean()
    assert raised.value.message_dict == {"dunning_retry_days": [RETRY_DAYS_INVALID]}


def test_a_member_may_not_set_dunning(member_api, turl):
    assert member_api.patch(turl(), {"dunning": {"retry_days": [1]}}, format="json").status_code == 403


# The beat and the sandbox clock


def test_the_sweeper_is_a_default_beat_schedule():
    assert ("Dunning retries sweeper", "payments.tasks.dunning_sweep", 15) in DEFAULT_SCHEDULES


def test_a_sandbox_retries_at_its_offsets_as_its_clock_advances(tenant, provider, django_capture_on_commit_callbacks):
    make_sandbox(tenant, at(2026, 1, 1))
    WebhookEndpointFactory(tenant=tenant, event_types=[])
    SubscriptionFactory(tenant=tenant, start_at=at(2026, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.clock_advance_request(tenant=tenant, to=FAILED_AT)
        assert sandbox.clock_advance_execute(tenant=tenant.pk) is True
    invoice = Invoice.objects.for_tenant(tenant).get()
    assert invoice.attempt_count == 1
    invoice = fail(invoice, at(2026, 3, 1), "f1", django_capture_on_commit_callbacks)  # real time: any
    assert invoice.next_payment_attempt == FAILED_AT + 3 * DAY  # the sandbox's time, not real time
    # Real time passing does nothing: the beat skips sandboxes.
    assert dunning.dunning_tenants_due(now=at(2027, 1, 1)) == []
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.clock_advance_request(tenant=tenant, to=FAILED_AT + 6 * DAY)
        assert sandbox.clock_advance_execute(tenant=tenant.pk) is True
    invoice.refresh_from_db()
    assert (invoice.attempt_count, invoice.next_payment_attempt) == (3, FAILED_AT + 7 * DAY)
    assert len(charges(provider)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.clock_advance_request(tenant=tenant, to=FAILED_AT + 7 * DAY)
        assert sandbox.clock_advance_execute(tenant=tenant.pk) is True
    invoice.refresh_from_db()
    assert (invoice.attempt_count, invoice.next_payment_attempt, invoice.retries_sent) == (4, None, 3)
    assert len(charges(provider)) == 4


def test_the_dunning_step_names_the_next_retry(tenant, setup, django_capture_on_commit_callbacks):
    _sub, invoice = setup
    fail(invoice, FAILED_AT, "f1", django_capture_on_commit_callbacks)
    assert dunning.DUNNING_STEP.next_due(tenant.pk, FAILED_AT) == FAILED_AT + 3 * DAY
    assert dunning.DUNNING_STEP.next_due(tenant.pk, FAILED_AT + 3 * DAY) is None
    assert Decimal(invoice.amount_due) == Decimal("49.00")
