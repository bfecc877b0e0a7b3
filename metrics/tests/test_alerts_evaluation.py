"""Evaluating alerts (metrics.alert_evaluation): the value of each type, thresholds and
steps once per period, credit balances that fire at or below and re-arm above, once
however many evaluations race, and the worked example of docs/alerts.md."""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from invoices.tests.factories import CreditGrantFactory, bill
from metrics import alerts
from metrics.alert_evaluation import alerts_evaluate, levels_reached
from metrics.models import Alert, AlertTrigger
from plans.models import Meter
from plans.pricing import ChargeSpec, TierSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.tests.factories import SubscriptionFactory
from tenants.isolation import tenant_scope
from tenants.tests.utils import at
from usage.tests.factories import use
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

JAN_1, FEB_1 = at(2026, 1, 1), at(2026, 2, 1)


@pytest.fixture
def endpoint(tenant):
    return WebhookEndpointFactory(tenant=tenant, url="https://hooks.example.com/alerts")


@pytest.fixture
def sub(tenant, endpoint):
    """Pro: 49.00 a month and 0.10 per API call (the worked example of docs/alerts.md)."""
    plan = PlanFactory(tenant=tenant, code="pro", name="Pro", amount=Decimal("49.00"))
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="api_calls", aggregation=Meter.Aggregation.SUM)
    return SubscriptionFactory(tenant=tenant, plan=plan, start_at=JAN_1)


def alert(sub, type="usage_amount", thresholds=("10",), **fields) -> Alert:
    return alerts.alert_create(
        tenant=sub.tenant_id, subscription_id=sub.pk, type=type, thresholds=[Decimal(t) for t in thresholds], **fields
    )


def evaluate(tenant, when: datetime, **kwargs) -> int:
    with time_machine.travel(when, tick=False):
        return alerts_evaluate(tenant=tenant.pk, **kwargs)


def fired() -> list[tuple]:
    """(threshold, value, period_start) of every alert.triggered published, in order."""
    events = Event.objects.filter(type="alert.triggered")
    ordered = sorted(events, key=lambda e: (e.created_at, Decimal(e.data["threshold"])))
    return [(e.data["threshold"], e.data["value"], e.data["period_start"]) for e in ordered]


@pytest.mark.parametrize(
    ("type", "thresholds", "step", "value", "levels"),
    [
        ("usage_amount", ["100"], "50", "99.99", []),
        ("usage_amount", ["100"], "50", "100", ["100"]),
        ("usage_amount", ["100"], "50", "249.99", ["100", "150", "200"]),
        ("usage_amount", ["10", "100"], None, "1000", ["10", "100"]),
        ("meter_quantity", ["0"], "1", "1000", ["0"] + [str(n) for n in range(901, 1001)]),  # the highest 100 steps
        ("credit_balance", ["5", "10"], None, "10", ["10"]),
        ("credit_balance", ["5", "10"], None, "5", ["5", "10"]),
        ("credit_balance", ["5", "10"], None, "10.01", []),
    ],
)
def test_levels_reached(type, thresholds, step, value, levels):
    subject = Alert(type=type, thresholds=[Decimal(t) for t in thresholds], step=Decimal(step) if step else None)

    assert levels_reached(subject, Decimal(value)) == [Decimal(level) for level in levels]


@pytest.mark.django_db
def test_worked_example_usage_amount_with_a_step(tenant, sub):
    """docs/alerts.md, "A worked example": the numbers there are these."""
    watch = alert(sub, thresholds=["10", "25"], step=Decimal(25))
    use(sub, "api_calls", 60, at(2026, 1, 5))  # 6.00 so far

    assert evaluate(tenant, at(2026, 1, 5, 12)) == 0
    use(sub, "api_calls", 90, at(2026, 1, 10))  # 150 calls: 15.00
    assert evaluate(tenant, at(2026, 1, 10, 12)) == 1
    assert evaluate(tenant, at(2026, 1, 10, 13)) == 0  # once per (alert, threshold, period)
    use(sub, "api_calls", 400, at(2026, 1, 20))  # 550 calls: 55.00, past 25 and the step 50
    assert evaluate(tenant, at(2026, 1, 20, 12)) == 2
    bill(tenant, FEB_1)  # January is invoiced: 49.00 + 55.00
    use(sub, "api_calls", 120, at(2026, 2, 3))  # February: 12.00
    assert evaluate(tenant, at(2026, 2, 3, 12)) == 1

    assert fired() == [
        ("10.00", "15.00", "2026-01-01T00:00:00.000000Z"),
        ("25.00", "55.00", "2026-01-01T00:00:00.000000Z"),
        ("50.00", "55.00", "2026-01-01T00:00:00.000000Z"),
        ("10.00", "12.00", "2026-02-01T00:00:00.000000Z"),
    ]
    first = Event.objects.filter(type="alert.triggered").order_by("created_at").first()
    assert first.data == {
        "alert_id": str(watch.pk),
        "threshold": "10.00",
        "value": "15.00",
        "period_start": "2026-01-01T00:00:00.000000Z",
        "type": "usage_amount",
        "subscription_id": str(sub.pk),
        "customer_id": str(sub.customer_id),
        "meter": None,
    }
    triggers = AlertTrigger.objects.order_by("id")
    assert [(t.threshold, t.value, t.period_start) for t in triggers] == [
        (Decimal(10), Decimal(15), JAN_1),
        (Decimal(25), Decimal(55), JAN_1),
        (Decimal(50), Decimal(55), JAN_1),
        (Decimal(10), Decimal(12), FEB_1),
    ]


@pytest.mark.django_db
def test_usage_amount_is_the_upcoming_invoices_usage_lines_before_discount_and_tax(tenant, sub):
    """Graduated tiers priced by the invoice run's code: 1,000 free, then 0.002."""
    plan = PlanFactory(tenant=tenant, code="tiered", amount=Decimal("49.00"))
    tiers = (TierSpec(1000, Decimal(0)), TierSpec(None, Decimal("0.002")))
    add_charge(plan, ChargeSpec.tiered(tiers), meter="tokens", aggregation=Meter.Aggregation.SUM)
    tiered = SubscriptionFactory(tenant=tenant, plan=plan, start_at=JAN_1)
    alert(tiered, thresholds=["3", "4"])
    use(tiered, "tokens", 2600, at(2026, 1, 7))  # 1,600 × 0.002 = 3.20

    assert evaluate(tenant, at(2026, 1, 8)) == 1

    assert fired() == [("3.00", "3.20", "2026-01-01T00:00:00.000000Z")]


@pytest.mark.django_db
def test_meter_quantity_steps_fire_each_once_per_period(tenant, sub):
    alert(sub, type="meter_quantity", thresholds=["100"], step=Decimal(50), meter="api_calls")
    use(sub, "api_calls", 210, at(2026, 1, 5))

    assert evaluate(tenant, at(2026, 1, 6)) == 3
    use(sub, "api_calls", 39, at(2026, 1, 7))  # 249: no new step
    assert evaluate(tenant, at(2026, 1, 8)) == 0
    use(sub, "api_calls", 1, at(2026, 1, 9))  # 250
    assert evaluate(tenant, at(2026, 1, 10)) == 1

    assert [(t, v) for t, v, _ in fired()] == [("100", "210"), ("150", "210"), ("200", "210"), ("250", "250")]


@pytest.mark.django_db
def test_credit_balance_fires_at_or_below_and_rearms_above(tenant, sub):
    """20.00 of credits pay January's 49.00 invoice: the balance falls to 0 and the alert
    fires; a new grant of 10.00 re-arms it; February's invoice uses it and it fires again."""
    CreditGrantFactory(tenant=tenant, customer=sub.customer, amount=Decimal("20.00"), effective_at=JAN_1)
    alert(sub, type="credit_balance", thresholds=["5"])

    assert evaluate(tenant, at(2026, 1, 15)) == 0
    bill(tenant, FEB_1)
    assert evaluate(tenant, at(2026, 2, 1, 2)) == 1
    assert evaluate(tenant, at(2026, 2, 2)) == 0  # still below: it fired already
    CreditGrantFactory(tenant=tenant, customer=sub.customer, amount=Decimal("10.00"), effective_at=FEB_1)
    assert evaluate(tenant, at(2026, 2, 3)) == 0  # 10.00 > 5: re-armed
    bill(tenant, at(2026, 3, 1))
    assert evaluate(tenant, at(2026, 3, 1, 2)) == 1

    assert fired() == [("5.00", "0.00", "2026-02-01T00:00:00.000000Z"), ("5.00", "0.00", "2026-03-01T00:00:00.000000Z")]
    triggers = AlertTrigger.objects.order_by("id")
    assert [t.rearmed_at for t in triggers] == [at(2026, 2, 3), None]


@pytest.mark.django_db
def test_credit_balance_counts_only_active_grants_in_effect_in_the_plans_currency(tenant, sub):
    CreditGrantFactory(tenant=tenant, customer=sub.customer, amount=Decimal("3.00"), effective_at=JAN_1)
    CreditGrantFactory(tenant=tenant, customer=sub.customer, amount=Decimal("50.00"), currency="EUR")
    CreditGrantFactory(tenant=tenant, customer=sub.customer, amount=Decimal("50.00"), effective_at=at(2026, 1, 20))
    CreditGrantFactory(tenant=tenant, customer=sub.customer, amount=Decimal("50.00"), status="pending")
    alert(sub, type="credit_balance", thresholds=["3", "4"])

    assert evaluate(tenant, at(2026, 1, 10)) == 2

    assert fired() == [("3.00", "3.00", "2026-01-01T00:00:00.000000Z"), ("4.00", "3.00", "2026-01-01T00:00:00.000000Z")]


@pytest.mark.django_db
def test_a_canceled_subscriptions_alerts_are_not_evaluated(tenant, sub):
    alert(sub, thresholds=["1"])
    use(sub, "api_calls", 100, at(2026, 1, 5))
    sub.status, sub.canceled_at = "canceled", at(2026, 1, 6)
    sub.save()

    assert evaluate(tenant, at(2026, 1, 7)) == 0
    assert fired() == []


@pytest.mark.django_db
def test_the_database_refuses_a_second_trigger_of_a_period(tenant, sub):
    watch = alert(sub)
    fields = {
        "tenant": tenant,
        "alert": watch,
        "alert_type": watch.type,
        "threshold": Decimal(10),
        "value": Decimal(11),
    }
    AlertTrigger.objects.create(period_start=JAN_1, triggered_at=JAN_1, **fields)

    with pytest.raises(IntegrityError), transaction.atomic():
        AlertTrigger.objects.create(period_start=JAN_1, triggered_at=at(2026, 1, 2), **fields)
    AlertTrigger.objects.create(period_start=FEB_1, triggered_at=FEB_1, **fields)  # another period


@pytest.mark.django_db
def test_the_database_refuses_a_second_unrearmed_credit_trigger(tenant, sub):
    watch = alert(sub, type="credit_balance", thresholds=["5"])
    fields = {"tenant": tenant, "alert": watch, "alert_type": watch.type, "threshold": Decimal(5), "value": Decimal(0)}
    AlertTrigger.objects.create(period_start=JAN_1, triggered_at=JAN_1, **fields)

    with pytest.raises(IntegrityError), transaction.atomic():
        AlertTrigger.objects.create(period_start=FEB_1, triggered_at=FEB_1, **fields)
    AlertTrigger.objects.filter(alert=watch).update(rearmed_at=FEB_1)
    AlertTrigger.objects.create(period_start=FEB_1, triggered_at=FEB_1, **fields)


@pytest.mark.django_db(transaction=True)
def test_32_concurrent_evaluations_publish_each_threshold_once(tenant, sub):
    alert(sub, thresholds=["10", "20"], step=Decimal(10))
    use(sub, "api_calls", 450, at(2026, 1, 5))  # 45.00: 10, 20, 30, 40
    barrier = threading.Barrier(32)
    counts: list[int] = []
    errors: list[BaseException] = []

    def evaluate_now() -> None:
        try:
            barrier.wait()
            with tenant_scope(tenant.pk):
                counts.append(alerts_evaluate(tenant=tenant.pk))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(at(2026, 1, 6), tick=False):
        threads = [threading.Thread(target=evaluate_now) for _ in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    assert sum(counts) == 4
    assert sorted(fired()) == [
        ("10.00", "45.00", "2026-01-01T00:00:00.000000Z"),
        ("20.00", "45.00", "2026-01-01T00:00:00.000000Z"),
        ("30.00", "45.00", "2026-01-01T00:00:00.000000Z"),
        ("40.00", "45.00", "2026-01-01T00:00:00.000000Z"),
    ]
    assert AlertTrigger.objects.count() == 4
