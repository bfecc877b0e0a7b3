"""Sandbox tenants and their clock (API.md Part 2, "Billing clock"): sign-up, the clock
routes and their errors, writes that read the time while the clock advances (409),
and the advance itself: its moments, its steps, its claim and its sweeper."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.dispatch import receiver
from rest_framework.test import APIClient

from invoices import tasks as invoice_tasks
from invoices.models import InvoiceRun
from invoices.tests.factories import InvoiceFactory
from plans.models import Meter
from plans.tests.factories import MeterFactory, PlanFactory
from subscriptions.models import Subscription
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants import clock, sandbox
from tenants.models import Tenant
from tenants.sandbox import AdvanceStep
from tenants.signals import clock_advanced
from tenants.tests.factories import PASSWORD, SandboxTenantFactory, make_sandbox
from tenants.tests.utils import at
from usage.models import UsageEvent

pytestmark = pytest.mark.django_db

CLOCK = at(2026, 1, 1)
REAL = datetime(2025, 6, 15, 8, 0, tzinfo=UTC)


@pytest.fixture
def sbx(tenant):
    """The `tenant` fixture (the `api` client's) as a sandbox whose clock reads CLOCK."""
    return make_sandbox(tenant, CLOCK)


def only_error(response) -> dict:
    body = response.json()
    assert len(body["errors"]) == 1, body
    return body["errors"][0]


def signup(client, **extra) -> object:
    body = {"name": "Sandbox Inc", "admin_email": "admin@sandbox.test", "admin_password": PASSWORD, **extra}
    return client.post("/v1/tenants", body, format="json")


@pytest.fixture
def client() -> APIClient:
    return APIClient()


# Sign-up ----------------------------------------------------------------------------------


def test_a_sandbox_signs_up_with_its_clock_and_says_so(client):
    response = signup(client, sandbox=True, clock_time="2026-01-31T12:00:00+02:00")

    assert response.status_code == 201, response.content
    assert response.json()["tenant"]["sandbox"] is True
    tenant = Tenant.objects.get(pk=response.json()["tenant"]["id"])
    assert (tenant.sandbox, tenant.clock_time) == (True, at(2026, 1, 31, 10))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access']}"}
    clock_body = client.get(f"/v1/tenants/{tenant.pk}/clock", **headers).json()
    assert clock_body == {"time": "2026-01-31T10:00:00.000000Z", "status": "ready", "advancing_to": None}
    assert client.get(f"/v1/tenants/{tenant.pk}", **headers).json()["sandbox"] is True


def test_a_sandboxs_clock_starts_at_now_by_default(client):
    with time_machine.travel(REAL, tick=False):
        response = signup(client, sandbox=True)

    assert Tenant.objects.get(pk=response.json()["tenant"]["id"]).clock_time == REAL


def test_a_live_tenant_has_no_clock(client):
    response = signup(client)

    assert response.json()["tenant"]["sandbox"] is False
    tenant = Tenant.objects.get(pk=response.json()["tenant"]["id"])
    assert (tenant.sandbox, tenant.clock_time) == (False, None)


@pytest.mark.parametrize(
    ("extra", "attr", "code", "detail"),
    [
        (
            {"clock_time": "2026-01-01T00:00:00.000000Z"},
            "clock_time",
            "not_a_sandbox",
            sandbox.CLOCK_TIME_WITHOUT_SANDBOX,
        ),
        ({"sandbox": True, "clock_time": "1969-12-31T23:59:59.000000Z"}, "clock_time", "out_of_range", None),
        ({"sandbox": True, "clock_time": "2900-01-01T00:00:00.000000Z"}, "clock_time", "out_of_range", None),
        ({"sandbox": True, "clock_time": "2026-01-01T00:00:00"}, "clock_time", "naive", None),
        ({"sandbox": True, "clock_time": "soon"}, "clock_time", "invalid", None),
        ({"sandbox": "true"}, "sandbox", "invalid", None),
    ],
)
def test_sign_up_refuses_a_bad_clock_naming_the_field(client, extra, attr, code, detail):
    response = signup(client, **extra)

    assert response.status_code == 400, response.content
    error = only_error(response)
    assert (error["attr"], error["code"]) == (attr, code)
    if detail:
        assert error["detail"] == detail
    assert not Tenant.objects.exists()


# The clock routes -------------------------------------------------------------------------


def test_a_live_tenants_clock_routes_are_404(api, turl):
    for response in (api.get(turl("clock")), api.post(turl("clock/advance"), {"to": "2026-02-01T00:00:00.000000Z"})):
        assert response.status_code == 404
        assert (only_error(response)["code"], only_error(response)["detail"]) == ("not_found", sandbox.NOT_A_SANDBOX)


def test_advance_answers_202_and_the_clock_reads_to_once_done(
    sbx, member_api, turl, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(turl("clock/advance"), {"to": "2026-03-15T12:00:00.000000Z"}, format="json")

    assert response.status_code == 202, response.content
    assert response.json() == {
        "time": "2026-01-01T00:00:00.000000Z",
        "status": "advancing",
        "advancing_to": "2026-03-15T12:00:00.000000Z",
    }
    assert member_api.get(turl("clock")).json() == {
        "time": "2026-03-15T12:00:00.000000Z",
        "status": "ready",
        "advancing_to": None,
    }
    sbx.refresh_from_db()
    assert (sbx.clock_time, sbx.clock_advancing_to, sbx.clock_heartbeat_at) == (at(2026, 3, 15, 12), None, None)


@pytest.mark.parametrize(
    ("to", "code", "detail"),
    [
        (
            "2026-01-01T00:00:00.000000Z",
            "not_after_clock",
            sandbox.TO_NOT_AFTER_CLOCK.format(time="2026-01-01T00:00:00+00:00"),
        ),
        (
            "2025-12-31T23:59:59.000000Z",
            "not_after_clock",
            sandbox.TO_NOT_AFTER_CLOCK.format(time="2026-01-01T00:00:00+00:00"),
        ),
        ("2029-01-01T00:00:00.000001Z", "too_far", sandbox.TO_TOO_FAR.format(time="2026-01-01T00:00:00+00:00")),
        ("2026-02-01T00:00:00", "naive", None),
        ("next month", "invalid", None),
        (None, "null", None),
    ],
)
def test_advance_refuses_a_to_that_is_not_ahead_or_too_far_naming_it(sbx, api, turl, to, code, detail):
    response = api.post(turl("clock/advance"), {"to": to}, format="json")

    assert response.status_code == 400, response.content
    error = only_error(response)
    assert (error["attr"], error["code"]) == ("to", code)
    if detail:
        assert error["detail"] == detail
    sbx.refresh_from_db()
    assert (sbx.clock_time, sbx.clock_advancing_to) == (CLOCK, None)


def test_advance_needs_a_to(sbx, api, turl):
    response = api.post(turl("clock/advance"), {}, format="json")

    assert response.status_code == 400
    assert (only_error(response)["attr"], only_error(response)["code"]) == ("to", "required")


def test_advance_goes_three_years_ahead_at_most(sbx, api, turl):
    response = api.post(turl("clock/advance"), {"to": "2029-01-01T00:00:00.000000Z"}, format="json")

    assert response.status_code == 202
    assert response.json()["advancing_to"] == "2029-01-01T00:00:00.000000Z"


def test_advance_honours_an_idempotency_key(sbx, api, turl):
    first = api.post(
        turl("clock/advance"), {"to": "2026-02-01T00:00:00.000000Z"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    again = api.post(
        turl("clock/advance"), {"to": "2026-02-01T00:00:00.000000Z"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"


# While the clock advances -----------------------------------------------------------------


@pytest.fixture
def advancing(sbx, api, turl):
    """`sbx` with an advance to 2026-02-01 requested (its task never runs: not committed)."""
    response = api.post(turl("clock/advance"), {"to": "2026-02-01T00:00:00.000000Z"}, format="json")
    assert response.status_code == 202
    return sbx


def assert_clock_advancing(response) -> None:
    assert response.status_code == 409, response.content
    error = only_error(response)
    assert error["code"] == "clock_advancing"
    assert error["detail"] == clock.CLOCK_ADVANCING.format(to="2026-02-01T00:00:00+00:00")


def test_while_advancing_another_advance_is_a_409(advancing, api, turl):
    assert_clock_advancing(api.post(turl("clock/advance"), {"to": "2026-03-01T00:00:00.000000Z"}, format="json"))
    assert api.get(turl("clock")).json() == {
        "time": "2026-01-01T00:00:00.000000Z",
        "status": "advancing",
        "advancing_to": "2026-02-01T00:00:00.000000Z",
    }


def test_while_advancing_writes_that_read_the_time_are_409_and_change_nothing(advancing, api, turl):
    customer = CustomerFactory(tenant=advancing, external_id="cus_42")
    meter = MeterFactory(tenant=advancing, code="api_calls", aggregation=Meter.Aggregation.SUM)
    plan = PlanFactory(tenant=advancing)
    sub = SubscriptionFactory(tenant=advancing, customer=customer, plan=PlanFactory(tenant=advancing), start_at=CLOCK)
    invoice = InvoiceFactory(tenant=advancing, subscription=sub)
    event = {"external_customer_id": "cus_42", "meter": meter.code, "value": "5"}

    responses = [
        api.post(turl("usage"), event, format="json", HTTP_IDEMPOTENCY_KEY="e1"),
        api.post(turl("usage/batch"), {"events": [{"idempotency_key": "e2", **event}]}, format="json"),
        # A start_at given does not read the time, but a subscription changes the advance's plan.
        api.post(
            turl("subscriptions"),
            {"customer_id": str(customer.pk), "plan_id": str(plan.pk), "start_at": "2026-01-01T00:00:00.000000Z"},
            format="json",
        ),
        api.post(turl(f"subscriptions/{sub.pk}/cancel"), {"at_period_end": False}, format="json"),
        api.post(turl("invoices/run"), {}, format="json"),
        api.post(turl(f"invoices/{invoice.pk}/void"), {}, format="json"),
    ]

    for response in responses:
        assert_clock_advancing(response)
    assert not UsageEvent.objects.for_tenant(advancing).exists()
    assert Subscription.objects.for_tenant(advancing).count() == 1
    assert not InvoiceRun.objects.for_tenant(advancing).exists()
    sub.refresh_from_db()
    invoice.refresh_from_db()
    assert (sub.status, invoice.status) == ("active", "open")


def test_while_advancing_reads_see_the_clock_where_it_stands(advancing, api, turl):
    customer = CustomerFactory(tenant=advancing)
    sub = SubscriptionFactory(tenant=advancing, customer=customer, start_at=CLOCK)

    usage = api.get(turl(f"customers/{customer.pk}/usage"))
    upcoming = api.get(turl(f"subscriptions/{sub.pk}/upcoming-invoice"))
    revenue = api.get(turl("metrics/revenue"))

    assert usage.status_code == upcoming.status_code == revenue.status_code == 200
    assert (usage.json()["from"], usage.json()["to"]) == ("2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:00.000000Z")


# Business time of a sandbox ---------------------------------------------------------------


def test_a_sandboxs_defaults_and_limits_are_its_clock(sbx, admin_user, client_for, turl):
    customer = CustomerFactory(tenant=sbx, external_id="cus_42")
    MeterFactory(tenant=sbx, code="api_calls", aggregation=Meter.Aggregation.SUM)
    plan = PlanFactory(tenant=sbx)

    with time_machine.travel(REAL, tick=False):  # real time is months before the clock
        api = client_for(admin_user)
        created = api.post(
            turl("subscriptions"), {"customer_id": str(customer.pk), "plan_id": str(plan.pk)}, format="json"
        )
        used = api.post(
            turl("usage"),
            {"external_customer_id": "cus_42", "meter": "api_calls"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="a",
        )
        too_late = {"external_customer_id": "cus_42", "meter": "api_calls", "timestamp": "2026-01-01T00:05:01.000000Z"}
        future = api.post(turl("usage"), too_late, format="json", HTTP_IDEMPOTENCY_KEY="b")
        ahead = api.post(turl("invoices/run"), {"as_of": "2026-01-01T00:05:01.000000Z"}, format="json")

    assert created.status_code == 201, created.content
    assert (created.json()["start_at"], created.json()["current_period_end"]) == (
        "2026-01-01T00:00:00.000000Z",
        "2026-02-01T00:00:00.000000Z",
    )
    assert (used.status_code, used.json()["timestamp"]) == (201, "2026-01-01T00:00:00.000000Z")
    assert used.json()["created_at"] == "2025-06-15T08:00:00.000000Z"  # when it was stored: real time
    assert (future.status_code, only_error(future)["attr"]) == (400, "timestamp")
    assert (ahead.status_code, only_error(ahead)["attr"]) == (400, "as_of")


# The advance: moments and steps -----------------------------------------------------------


@pytest.fixture
def recorded(monkeypatch):
    """Two steps in place of the registered ones, recording (step, at, now) as they run:
    "early" has work on the 10th and 20th of January; "late" (later at one moment) on the 20th."""
    calls: list[tuple[str, datetime, datetime]] = []
    schedules = {"early": [at(2026, 1, 10), at(2026, 1, 20)], "late": [at(2026, 1, 20), at(2026, 3, 1)]}

    def step(name: str, order: int) -> AdvanceStep:
        def next_due(tenant_id: uuid.UUID, after: datetime) -> datetime | None:
            return min((m for m in schedules[name] if m > after), default=None)

        def run(tenant_id: uuid.UUID, moment: datetime) -> None:
            calls.append((name, moment, clock.now(tenant_id)))

        return AdvanceStep(name=name, order=order, next_due=next_due, run=run)

    monkeypatch.setattr(sandbox, "_STEPS", {})
    sandbox.advance_step_register(step("late", 20))
    sandbox.advance_step_register(step("early", 10))
    return calls


def test_the_advance_runs_each_moment_in_order_each_step_by_order_at_its_moments_time(sbx, recorded):
    advanced: list[tuple] = []

    @receiver(clock_advanced, weak=False)
    def heard(sender, tenant_id, time, **kwargs):
        advanced.append((tenant_id, time))

    try:
        sandbox.clock_advance_request(tenant=sbx, to=at(2026, 2, 1))
        assert sandbox.clock_advance_execute(tenant=sbx.pk) is True
    finally:
        clock_advanced.disconnect(heard)

    moments = [at(2026, 1, 1), at(2026, 1, 10), at(2026, 1, 20)]
    assert recorded == [
        ("early", moments[0], moments[0]),  # what was due at the clock already
        ("late", moments[0], moments[0]),
        ("early", moments[1], moments[1]),
        ("late", moments[1], moments[1]),
        ("early", moments[2], moments[2]),
        ("late", moments[2], moments[2]),
    ]  # and nothing on March 1st: after `to`
    assert advanced == [(sbx.pk, at(2026, 2, 1))]
    assert sandbox.clock_get(tenant=sbx) == sandbox.ClockState(at(2026, 2, 1), None)


def test_a_second_message_for_a_held_advance_does_nothing(sbx, recorded):
    sandbox.clock_advance_request(tenant=sbx, to=at(2026, 2, 1))
    Tenant.objects.filter(pk=sbx.pk).update(clock_heartbeat_at=clock.real_now())  # a live worker holds it

    assert sandbox.clock_advance_execute(tenant=sbx.pk) is False
    assert recorded == []
    assert sandbox.clock_advance_execute(tenant=SandboxTenantFactory().pk) is False  # nothing to advance


def test_a_failed_moment_frees_the_claim_and_the_retry_goes_on_from_there(sbx, recorded, monkeypatch):
    sandbox.clock_advance_request(tenant=sbx, to=at(2026, 2, 1))
    broken = sandbox._STEPS["late"]

    def fails_on_the_20th(tenant_id: uuid.UUID, moment: datetime) -> None:
        if moment == at(2026, 1, 20):
            raise RuntimeError("step broke")
        broken.run(tenant_id, moment)

    monkeypatch.setitem(sandbox._STEPS, "late", AdvanceStep("late", 20, broken.next_due, fails_on_the_20th))
    with pytest.raises(RuntimeError):
        sandbox.clock_advance_execute(tenant=sbx.pk)

    sbx.refresh_from_db()
    assert (sbx.clock_time, sbx.clock_advancing_to, sbx.clock_heartbeat_at) == (at(2026, 1, 20), at(2026, 2, 1), None)
    monkeypatch.setitem(sandbox._STEPS, "late", broken)
    recorded.clear()
    assert sandbox.clock_advance_execute(tenant=sbx.pk) is True  # the task's retry
    assert [(name, moment) for name, moment, _ in recorded] == [("early", at(2026, 1, 20)), ("late", at(2026, 1, 20))]
    assert sandbox.clock_get(tenant=sbx) == sandbox.ClockState(at(2026, 2, 1), None)


def test_a_worker_that_lost_its_claim_stops(sbx, recorded, monkeypatch):
    sandbox.clock_advance_request(tenant=sbx, to=at(2026, 2, 1))
    early = sandbox._STEPS["early"]

    def another_worker_takes_over(tenant_id: uuid.UUID, moment: datetime) -> None:
        early.run(tenant_id, moment)
        Tenant.objects.filter(pk=tenant_id).update(clock_heartbeat_at=clock.real_now() + timedelta(seconds=1))

    monkeypatch.setitem(sandbox._STEPS, "early", AdvanceStep("early", 10, early.next_due, another_worker_takes_over))

    assert sandbox.clock_advance_execute(tenant=sbx.pk) is False
    assert [(name, moment) for name, moment, _ in recorded] == [("early", CLOCK), ("late", CLOCK)]
    sbx.refresh_from_db()
    assert (sbx.clock_time, sbx.clock_advancing_to) == (CLOCK, at(2026, 2, 1))  # the new holder moves it


def test_the_sweeper_sends_again_the_advances_no_worker_holds(sbx, django_capture_on_commit_callbacks, monkeypatch):
    sent: list[str] = []
    monkeypatch.setattr("tenants.tasks.clock_advance_execute.delay", sent.append)
    held = SandboxTenantFactory(clock_advancing_to=at(2026, 5, 1), clock_heartbeat_at=REAL)
    stale = SandboxTenantFactory(clock_advancing_to=at(2026, 5, 1), clock_heartbeat_at=REAL - timedelta(minutes=16))
    SandboxTenantFactory()  # ready: nothing to send
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.clock_advance_request(tenant=sbx, to=at(2026, 2, 1))  # queued, not claimed yet
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        count = sandbox.clock_advances_sweep(now=REAL + timedelta(minutes=1))

    assert count == 2
    assert sorted(sent) == sorted([str(sbx.pk), str(stale.pk)])
    assert str(held.pk) not in sent


# The beat ---------------------------------------------------------------------------------


def test_the_beat_runs_invoicing_for_live_tenants_only(tenant, other_tenant, django_capture_on_commit_callbacks):
    box = SandboxTenantFactory()

    with django_capture_on_commit_callbacks(execute=False):
        assert invoice_tasks.invoice_run_all_tenants() == 2

    assert set(InvoiceRun.unscoped().values_list("tenant_id", flat=True)) == {tenant.pk, other_tenant.pk}
    assert not InvoiceRun.unscoped().filter(tenant=box).exists()


# The admin --------------------------------------------------------------------------------


def test_the_admin_shows_a_sandboxs_clock_read_only(staff_client, tenant):
    box = SandboxTenantFactory(name="Box", clock_advancing_to=at(2026, 3, 1))

    listed = staff_client.get("/admin/tenants/tenant/", {"sandbox__exact": "1"})
    page = staff_client.get(f"/admin/tenants/tenant/{box.pk}/change/")

    assert listed.status_code == page.status_code == 200
    assert "Box" in listed.content.decode() and "Acme" not in listed.content.decode()
    html = page.content.decode()
    assert "March 1, 2026" in html  # where the advance goes
    assert 'name="clock_time"' not in html and 'name="sandbox"' not in html
