"""The provenance invariant (issue #15 item 3): for every usage, late_usage and
correction line of a generated history, the quantity recomputed from the events the
provenance lists (their states at the line's invoice, minus as billed for a delta)
equals the line's quantity, for every aggregation.

A history is a seeded random story over six months of a subscription whose plans
charge one meter of each aggregation: events on time and late, voids, amends of
values and of the unique property, invoice runs at month ends, a plan change now
(a `plan_change` invoice and a shorter segment) and sometimes a cancellation now
followed by more corrections (an `adjustment` invoice)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from invoices.models import Invoice, InvoiceLine
from invoices.plan_changes import subscription_change
from invoices.provenance import AT, BILLED, invoice_line_provenance
from invoices.services import subscription_cancel
from invoices.tests.factories import bill
from invoices.totals import DELTA_KINDS
from plans.models import Meter
from plans.pricing import ChargeSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at
from usage import services as usage_services
from usage.models import UsageEvent
from usage.tests.factories import use

pytestmark = pytest.mark.django_db

AGGREGATIONS = [a.value for a in Meter.Aggregation]
MONTHS = [at(2026, month, 1) for month in range(1, 8)]


def four_meter_plan(tenant, code, price):
    plan = PlanFactory(tenant=tenant, code=code, amount=Decimal("10.00"))
    for aggregation in AGGREGATIONS:
        extra = {"property": "id"} if aggregation == Meter.Aggregation.UNIQUE_COUNT else {}
        add_charge(plan, ChargeSpec.per_unit(Decimal(price)), meter=aggregation, aggregation=aggregation, **extra)
    return plan


def recomputed(provenance, line):
    """The line's quantity from the listed events alone (every page of the queryset)."""
    aggregation = provenance.meter.aggregation

    def quantity(prefix):
        states = [
            (getattr(e, f"{prefix}value"), (getattr(e, f"{prefix}properties") or {}).get("id"))
            for e in provenance.events
            if getattr(e, f"{prefix}counted")
        ]
        if aggregation == Meter.Aggregation.COUNT:
            return Decimal(len(states))
        if aggregation == Meter.Aggregation.SUM:
            return sum((value for value, _ in states), Decimal(0))
        if aggregation == Meter.Aggregation.MAX:
            return max((value for value, _ in states), default=Decimal(0))
        return Decimal(len({unique for _, unique in states if unique is not None}))

    if line.kind == InvoiceLine.Kind.USAGE:
        return quantity(AT)
    return quantity(AT) - quantity(BILLED)


class Story:
    def __init__(self, tenant, seed):
        self.tenant, self.rng = tenant, random.Random(seed)
        self.plans = [four_meter_plan(tenant, "a", "1.00"), four_meter_plan(tenant, "b", "2.00")]
        self.sub = SubscriptionFactory(tenant=tenant, plan=self.plans[0], start_at=MONTHS[0])
        self.events: list[UsageEvent] = []
        self.changed = self.canceled = False

    def moment(self, until):
        seconds = int((until - MONTHS[0]).total_seconds())
        return MONTHS[0] + timedelta(seconds=self.rng.randrange(seconds))

    def ingest(self, until):
        meter = self.rng.choice(AGGREGATIONS)
        value = self.rng.randint(1, 9)
        event = use(self.sub, meter, value, self.moment(until), id=self.rng.choice("abcd"))
        self.events.append(event)

    def correct(self):
        live = [e for e in self.events if e.pk not in self.voided]
        if not live:
            return
        event = self.rng.choice(live)
        if self.rng.random() < 0.35:
            usage_services.usage_event_void(tenant=self.tenant.id, event_id=event.pk, actor="test", reason="r")
            self.voided.add(event.pk)
        elif self.rng.random() < 0.5:
            value = Decimal(self.rng.randint(0, 12))
            usage_services.usage_event_amend(
                tenant=self.tenant.id, event_id=event.pk, actor="t", reason="r", value=value
            )
        else:
            properties = {"id": self.rng.choice("abcde")}
            usage_services.usage_event_amend(
                tenant=self.tenant.id, event_id=event.pk, actor="t", reason="r", properties=properties
            )

    voided: set[int]

    def month(self, end):
        for _ in range(self.rng.randint(3, 12)):
            action = self.rng.random()
            self.ingest(end) if action < 0.6 else self.correct()
        if not self.changed and end >= MONTHS[2] and self.rng.random() < 0.5:
            self.change(end - timedelta(days=11))
        bill(self.tenant, end)

    def change(self, when):
        with time_machine.travel(when, tick=False):
            subscription_change(
                tenant=self.tenant.id, subscription_id=self.sub.pk, plan_id=self.plans[1].pk, effective="now", now=when
            )
        self.changed = True

    def cancel_and_correct(self, when):
        self.canceled = True
        with time_machine.travel(when, tick=False):
            subscription_cancel(tenant=self.tenant.id, subscription_id=self.sub.pk, at_period_end=False, now=when)
        for _ in range(4):
            self.correct()
        self.ingest(when)  # late, of a billed window
        bill(self.tenant, when + timedelta(days=3))

    def play(self):
        self.voided = set()
        for end in MONTHS[1:-1]:
            self.month(end)
        if self.rng.random() < 0.5:
            self.cancel_and_correct(MONTHS[-2] + timedelta(days=9))
        else:
            self.month(MONTHS[-1])


@pytest.mark.parametrize("seed", range(6))
def test_every_lines_quantity_is_recomputed_from_its_provenance(tenant, seed):
    story = Story(tenant, seed)
    story.play()
    lines = InvoiceLine.objects.filter(invoice__tenant=tenant, kind__in=[InvoiceLine.Kind.USAGE, *DELTA_KINDS])
    checked = dict.fromkeys([InvoiceLine.Kind.USAGE, *DELTA_KINDS], 0)
    for line in lines.select_related("invoice", "meter"):
        found = invoice_line_provenance(tenant=tenant.id, invoice=line.invoice, line_id=line.pk)
        assert found.quantity == line.quantity, (line.kind, line.meter_code, line.invoice.number)
        assert recomputed(found, line) == line.quantity, (line.kind, line.meter_code, line.invoice.number)
        checked[line.kind] += 1
    reasons = set(Invoice.objects.filter(tenant=tenant).values_list("billing_reason", flat=True))
    assert checked[InvoiceLine.Kind.USAGE] >= 4 * 5 and checked["correction"] > 0, (checked, reasons)
    assert ("plan_change" in reasons) == story.changed and ("cancellation" in reasons) == story.canceled
    COVERAGE[seed] = (story.changed, "adjustment" in reasons, checked["late_usage"] > 0)


# What the seeds reach (filled by the test above; -p no:randomly runs them in order):
# seeds 0-5 include a plan change, an adjustment invoice and late usage lines.
COVERAGE: dict[int, tuple[bool, bool, bool]] = {}
