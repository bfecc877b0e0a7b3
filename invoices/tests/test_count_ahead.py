"""A run's dimensional charges counted ahead, once for all its batches
(`billing.count_run_ahead`, `dimension_usage.Ahead`): the invoices are the ones that
the batches' own counts make, to the line, for every shape of window the run bills
(several subscriptions of one customer, two dimension sets, a plan changed
mid-period, a trial ending, a cancellation at period end, a later-started
subscription); a window the count did not predict is counted by its batch; an event
stored after the count is never lost nor billed twice; the planner's settings of the
count stay inside it; a chunk that is a small part of the tenant is not counted ahead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from invoices import billing, dimension_usage
from invoices.models import Invoice
from invoices.tests.factories import bill
from plans.dimensions import Bucket, Dimensions
from plans.models import Charge, Meter
from plans.pricing import ChargeSpec, TierSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.models import Customer, SubscriptionSegment
from subscriptions.selectors import subscription_list_due
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.tests.factories import TenantFactory
from tenants.tests.utils import at
from usage.selectors import UsageWindow, usage_totals_by_dimension
from usage.tests.factories import UsageEventFactory

pytestmark = pytest.mark.django_db

TIERS = ChargeSpec.tiered([TierSpec(100), TierSpec(None, Decimal("0.01"))])
EU = Charge.filter_row("eu", {"region": ["eu"]}, ChargeSpec.per_unit(Decimal("0.003")))


def build(tenant: Any) -> dict[str, Any]:
    """Two plans with dimensional charges on two meters, and customers whose January
    windows take every shape the run bills; events in several groups of each."""
    ai = PlanFactory(tenant=tenant, code="ai", amount=Decimal("20.00"))
    tokens = add_charge(ai, TIERS, meter="tokens", aggregation=Meter.Aggregation.SUM)
    Charge.objects.filter(pk=tokens.pk).update(group_by=["workspace"], filters=[EU])
    add_charge(ai, ChargeSpec.per_unit(Decimal("0.10")), meter="storage", aggregation=Meter.Aggregation.MAX)
    api = PlanFactory(tenant=tenant, code="api", amount=Decimal("5.00"))
    calls = add_charge(api, ChargeSpec.per_unit(Decimal("0.02")), meter="calls", aggregation=Meter.Aggregation.COUNT)
    Charge.objects.filter(pk=calls.pk).update(group_by=["workspace", "model"])

    def customer(name: str) -> Any:
        return CustomerFactory(tenant=tenant, external_id=name)

    def subscribe(who: Any, plan: Any, **fields: Any) -> Any:
        return SubscriptionFactory(tenant=tenant, customer=who, plan=plan, start_at=at(2026, 1, 1), **fields)

    plain, both, changed, trial, leaving, ends = (
        customer(n) for n in ("plain", "both", "changed", "trial", "leaving", "ends")
    )
    subscribe(plain, ai)
    subscribe(both, ai)
    subscribe(both, api)  # one customer, two subscriptions: the same window, two meters
    moved = subscribe(changed, ai)
    # Moved to `api` on Jan 10 (the old plan's part was billed then): this period's bill starts there.
    SubscriptionSegment.objects.filter(subscription=moved).update(end_at=at(2026, 1, 10))
    SubscriptionSegment.objects.create(
        tenant=tenant, subscription=moved, plan=api, start_at=at(2026, 1, 10), billing_anchor=at(2026, 1, 1)
    )
    type(moved).objects.filter(pk=moved.pk).update(plan=api)
    SubscriptionFactory(tenant=tenant, customer=trial, plan=ai, start_at=at(2025, 12, 25), trial_days=14)
    subscribe(leaving, ai, cancel_at_period_end=True)
    SubscriptionFactory(tenant=tenant, customer=ends, plan=ai, start_at=at(2026, 1, 20))  # due Feb 20: not billed

    meters = {m.code: m for m in Meter.objects.for_tenant(tenant)}
    n = 0
    for who in (plain, both, changed, trial, leaving, ends):
        for day in range(2, 31, 3):
            n += 1
            properties = {"workspace": f"w{n % 3}", "region": "eu" if n % 4 == 0 else "us", "model": f"m{n % 2}"}
            if n % 5 == 0:
                del properties["workspace"]  # its own group (null)
            for code, value in (("tokens", n * 7 + 50), ("calls", 1), ("storage", n)):
                UsageEventFactory(
                    customer=who,
                    meter=meters[code],
                    value=Decimal(value),
                    timestamp=at(2026, 1, day, 12),
                    properties=properties,
                )
    return meters


def lines_of(invoices: list[Invoice]) -> list[tuple[Any, ...]]:
    """Each invoice's lines, as the customer reads them, in a tenant-independent order."""
    shown = []
    for invoice in invoices:
        shown.append(
            (
                invoice.customer.external_id,
                invoice.period_start,
                invoice.total,
                tuple(
                    (
                        line.kind,
                        line.description,
                        line.filter_name,
                        json.dumps(line.group_values, sort_keys=True),
                        line.quantity,
                        line.amount,
                    )
                    for line in invoice.lines.order_by("position")
                ),
            )
        )
    return sorted(shown, key=str)


@pytest.fixture
def counted_ahead(monkeypatch) -> list[Any]:
    """Count ahead from 1 window up, whatever the tenant's size; record each `Ahead`."""
    monkeypatch.setattr(billing, "COUNT_AHEAD_MIN", 1)
    made: list[Any] = []
    real = billing.count_ahead

    def spy(**kwargs: Any) -> Any:
        made.append(real(**kwargs))
        return made[-1]

    monkeypatch.setattr(billing, "count_ahead", spy)
    return made


def test_the_invoices_are_the_batches_own_to_the_line(tenant, counted_ahead, batch_counts, monkeypatch):
    """The same data in two tenants, one run counting ahead and one not."""
    other = TenantFactory()
    build(tenant)
    build(other)

    ahead = bill(tenant, at(2026, 2, 1))
    [made] = counted_ahead
    assert batch_counts == []  # every window billed was counted ahead
    monkeypatch.setattr(billing, "COUNT_AHEAD_MIN", 10**9)
    plain = bill(other, at(2026, 2, 1))
    assert len(counted_ahead) == 1 and len(batch_counts) == 1  # the other tenant's batch counted its own

    assert len(ahead) == len(plain) == 5  # plain, both ×2, changed, leaving; the trial's period is not over
    assert lines_of(ahead) == lines_of(plain)
    groups = {line[3] for invoice in lines_of(ahead) for line in invoice[3]}
    assert {'{"workspace": null}', '{"workspace": "w1"}', '{"model": "m0", "workspace": "w1"}'} <= groups
    # Predicted: every due subscription outside its trial (the trial's ends this run).
    assert len(made.windows) == 5 - 1  # `both`'s two subscriptions share one window
    assert {w.customer_id for w in made.windows} == {i.customer_id for i in ahead}
    changed = next(w for w in made.windows if w.start != at(2026, 1, 1))
    assert (changed.start, changed.end) == (at(2026, 1, 10), at(2026, 2, 1))  # from its segment's start
    assert all(i.usage_seq == made.seq for i in ahead)


def test_a_window_counted_ahead_is_taken_from_there_and_another_counted_by_its_batch(tenant):
    meters = build(tenant)
    dims = Dimensions(group_by=("workspace",))
    customer = CustomerFactory(tenant=tenant, external_id="alone")
    UsageEventFactory(customer=customer, meter=meters["tokens"], value=Decimal(3), timestamp=at(2026, 1, 5))
    known, other = (
        UsageWindow(customer.id, at(2026, 1, 1), at(2026, 2, 1)),
        UsageWindow(customer.id, at(2026, 1, 1), at(2026, 1, 20)),
    )
    marker = {Bucket(None, ("marker",)): Decimal(999)}
    ahead = dimension_usage.Ahead(
        seq=0,
        pairs=frozenset({(meters["tokens"].pk, dims)}),
        windows=frozenset({known}),
        totals={(known, meters["tokens"].pk, dims): marker},
    )
    charge = Charge(meter=meters["tokens"], group_by=["workspace"], filters=[], model="per_unit")

    totals = dimension_usage.bucket_totals(tenant=tenant, windows=[known, other], charges=[[charge]], ahead=ahead)

    assert totals[(known, meters["tokens"].pk, dims)] == marker  # from the count ahead
    assert totals[(other, meters["tokens"].pk, dims)] == {Bucket(None, (None,)): Decimal(3)}  # counted now
    # A charge the count did not cover (other dimensions): its batch counts every window.
    regrouped = Charge(meter=meters["tokens"], group_by=["model"], filters=[], model="per_unit")
    totals = dimension_usage.bucket_totals(tenant=tenant, windows=[known], charges=[[regrouped]], ahead=ahead)
    assert totals == {
        (known, meters["tokens"].pk, Dimensions(group_by=("model",))): {Bucket(None, (None,)): Decimal(3)}
    }


def test_an_event_stored_after_the_count_is_billed_once_as_late_usage(tenant, counted_ahead, monkeypatch):
    meters = build(tenant)
    plain = Customer.objects.for_tenant(tenant).get(external_id="plain")
    real: Callable[..., Any] = billing.count_ahead

    def then_an_event(**kwargs: Any) -> Any:
        made = real(**kwargs)
        monkeypatch.setattr(billing, "count_ahead", real)  # the first run's count only
        UsageEventFactory(  # stored between the count and the batches: a greater seq
            customer=plain,
            meter=meters["tokens"],
            value=Decimal(1000),
            timestamp=at(2026, 1, 31, 23),
            properties={"workspace": "late", "region": "us"},
        )
        return made

    monkeypatch.setattr(billing, "count_ahead", then_an_event)
    january = {i.customer.external_id: i for i in bill(tenant, at(2026, 2, 1))}
    assert not january["plain"].lines.filter(group_values={"workspace": "late"}).exists()

    february = {i.customer.external_id: i for i in bill(tenant, at(2026, 3, 1))}
    [late] = february["plain"].lines.filter(group_values={"workspace": "late"})
    assert (late.kind, late.quantity, late.source_invoice_id) == ("late_usage", Decimal(1000), january["plain"].pk)
    assert late.amount == Decimal("9.00")  # tiers restart per group: 100 free, 900 at 0.01
    # Nothing more of it on a third run: billed once.
    march = {i.customer.external_id: i for i in bill(tenant, at(2026, 4, 1))}
    assert not march["plain"].lines.filter(group_values={"workspace": "late"}).exists()


def test_the_count_s_planner_settings_stay_inside_it(tenant):
    meters = build(tenant)
    window = UsageWindow(CustomerFactory(tenant=tenant).id, at(2026, 1, 1), at(2026, 2, 1))
    names = ["enable_nestloop", "enable_mergejoin", "enable_sort", "max_parallel_workers_per_gather", "work_mem"]
    read = "SELECT " + ", ".join(f"current_setting('{name}')" for name in names)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '5MB'")
        cursor.execute(read)
        before = cursor.fetchone()
        found = usage_totals_by_dimension(
            tenant=tenant, windows=[window], charges=[(meters["tokens"], Dimensions(group_by=("x",)))], scan=True
        )
        cursor.execute(read)
        assert cursor.fetchone() == before
    assert before[:3] == ("on", "on", "on") and before[4] == "5MB"
    assert found == {(window, meters["tokens"].pk, Dimensions(group_by=("x",))): {}}


def test_a_small_part_of_the_tenant_is_not_counted_ahead(tenant, monkeypatch):
    build(tenant)
    monkeypatch.setattr(billing, "COUNT_AHEAD_MIN", 1)
    due = subscription_list_due(tenant=tenant, as_of=at(2026, 2, 1)).filter(period_index__isnull=False)
    first = min(due.filter(plan__code="ai").values_list("pk", flat=True))
    assert billing.count_run_ahead(tenant=tenant.id, as_of=at(2026, 2, 1)) is not None
    # A chunk of one subscription of the five live ones on its plan (the share is taken
    # over the live subscriptions of the chunk's dimensional plans).
    one = (first, first)
    assert billing.count_run_ahead(tenant=tenant.id, as_of=at(2026, 2, 1), within=one) is None
    monkeypatch.setattr(billing, "COUNT_AHEAD_SHARE", 0.1)
    assert billing.count_run_ahead(tenant=tenant.id, as_of=at(2026, 2, 1), within=one) is not None


@pytest.mark.parametrize(
    "shape",
    ["one range", "ranges differ", "two windows of one customer"],
)
def test_the_scan_counts_what_the_index_counts(tenant, shape):
    """The count ahead's statement (`scan`) gives the per-batch statement's totals in
    each of its forms: every window the same range of distinct customers (no join
    with the windows), distinct customers whose ranges differ (the windows hashed,
    grouped by customer), and a customer with two windows (the general join)."""
    build(tenant)
    customers = Customer.objects.for_tenant(tenant).order_by("external_id")
    windows = [UsageWindow(c.id, at(2026, 1, 1), at(2026, 2, 1)) for c in customers]
    if shape == "ranges differ":
        first = windows.pop(0)
        windows.append(UsageWindow(first.customer_id, at(2026, 1, 14, 12), first.end))
    if shape == "two windows of one customer":
        first = windows.pop(0)
        windows += [
            UsageWindow(first.customer_id, first.start, at(2026, 1, 14, 12)),
            UsageWindow(first.customer_id, at(2026, 1, 14, 12), first.end),
        ]
    stored = Charge.objects.for_tenant(tenant).select_related("meter").order_by("meter__code")
    charges = [(c.meter, c.dimensions()) for c in stored if c.dimensions() is not None]
    assert [m.code for m, _ in charges] == ["calls", "tokens"]  # a filter and groups, two groups
    with CaptureQueriesContext(connection) as captured:
        scanned = usage_totals_by_dimension(tenant=tenant, windows=windows, charges=charges, scan=True)
    [statement] = [q["sql"] for q in captured.captured_queries if "usage_usageevent" in q["sql"]]
    assert ("JOIN usage_usageevent" not in statement) == (shape == "one range")
    indexed = usage_totals_by_dimension(tenant=tenant, windows=windows, charges=charges)
    assert scanned == indexed
    counted = [totals for (window, *_), totals in scanned.items() if window.customer_id == windows[-1].customer_id]
    assert sum(sum(t.values()) for t in counted) > 0  # the last window's events were counted
    if shape == "ranges differ":  # the half month counts less than the whole would
        whole = usage_totals_by_dimension(
            tenant=tenant,
            windows=[UsageWindow(windows[-1].customer_id, at(2026, 1, 1), at(2026, 2, 1))],
            charges=charges,
        )
        assert sum(sum(t.values()) for t in whole.values()) > sum(sum(t.values()) for t in counted)


def test_a_count_beside_the_batches_leaves_out_the_first_batch(tenant, monkeypatch):
    """`after_first`: the first batch's subscriptions (the first due, less those the run
    skips) are not counted; the others are, as by a count before the batches."""
    build(tenant)
    monkeypatch.setattr(billing, "COUNT_AHEAD_MIN", 1)
    as_of = at(2026, 2, 1)
    due = list(subscription_list_due(tenant=tenant, as_of=as_of).values_list("pk", "customer_id", "period_index"))
    whole = billing.count_run_ahead(tenant=tenant.id, as_of=as_of)
    assert whole is not None and len(due) == 6  # the trial's end is due too
    assert billing.count_run_ahead(tenant=tenant.id, as_of=as_of, after_first=len(due)) is None

    def customers_after(later: list[Any]) -> set[Any]:
        return {customer for _, customer, index in later if index is not None}  # not in a trial

    for k in range(1, len(due)):
        rest = billing.count_run_ahead(tenant=tenant.id, as_of=as_of, after_first=k)
        expected = customers_after(due[k:])
        assert (set() if rest is None else {w.customer_id for w in rest.windows}) == expected
        assert rest is None or rest.windows <= whole.windows
    skipped = billing.count_run_ahead(tenant=tenant.id, as_of=as_of, after_first=1, skip=[due[0][0]])
    assert skipped is not None
    assert {w.customer_id for w in skipped.windows} == customers_after([due[0], *due[2:]])
