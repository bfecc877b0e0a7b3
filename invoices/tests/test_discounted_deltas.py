"""Deltas keep their source's price (API.md Part 2, "Invoice totals"): a late-usage line
is discounted at the ratio of the invoice that billed its window,
(subtotal − discount) / subtotal, not by the coupons of the invoice that carries it;
cumulatively, so that late pieces never round to more than the whole. A negative delta
of a window whose invoice is void or uncollectible is 0."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from invoices.calculation import LateUsage, SourceInvoice, late_usage_line
from invoices.models import BalanceTransaction, Invoice
from invoices.services import invoice_mark_uncollectible, invoice_void
from invoices.tests.factories import run
from plans.models import Meter
from plans.pricing import ChargeSpec, TierSpec
from plans.tests.factories import ChargeFactory, CouponFactory, PlanFactory, add_charge
from subscriptions.discount_services import discount_create
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at
from usage.tests.factories import use

pytestmark = pytest.mark.django_db


def invoice_of(sub, start):
    return Invoice.objects.get(subscription=sub, period_start=start, billing_reason="period")


def late_lines(invoice):
    return [(line.quantity, line.amount) for line in invoice.lines.filter(kind="late_usage")]


def redeem(sub, code, off, duration):
    CouponFactory(tenant=sub.tenant, code=code, duration=duration, **off)
    discount_create(tenant=sub.tenant_id, customer_id=sub.customer_id, coupon_code=code, subscription_id=sub.id)


HALF = {"percent_off": Decimal("50")}
TEN = {"percent_off": None, "amount_off": Decimal("10.00"), "currency": "USD"}


def test_a_late_delta_is_discounted_at_its_source_invoices_ratio_not_the_carrying_ones(tenant, sub):
    redeem(sub, "half", HALF, "once")
    use(sub, "api_calls", "5000", at(2026, 1, 5))  # 8.00
    run(tenant, at(2026, 2, 1))
    january = invoice_of(sub, at(2026, 1, 1))
    assert (january.subtotal, january.discount) == (Decimal("57.00"), Decimal("28.50"))  # kept: 1/2
    redeem(sub, "ten", TEN, "forever")
    use(sub, "api_calls", "2000", at(2026, 1, 20), created_at=at(2026, 2, 10))  # 8.00 → 12.00
    run(tenant, at(2026, 3, 1))
    february = invoice_of(sub, at(2026, 2, 1))
    assert late_lines(february) == [(Decimal(2000), Decimal("2.00"))]  # 4.00 × 1/2
    # February's own coupon takes 10.00 off its own lines only (49.00), never the delta.
    assert (february.subtotal, february.discount, february.total) == (
        Decimal("51.00"),
        Decimal("10.00"),
        Decimal("41.00"),
    )
    use(sub, "api_calls", "1000", at(2026, 1, 21), created_at=at(2026, 3, 10))  # 12.00 → 14.00
    run(tenant, at(2026, 4, 1))
    assert late_lines(invoice_of(sub, at(2026, 3, 1))) == [(Decimal(1000), Decimal("1.00"))]


def test_late_usage_of_an_undiscounted_period_keeps_its_full_price(tenant, sub):
    use(sub, "api_calls", "5000", at(2026, 1, 5))
    run(tenant, at(2026, 2, 1))
    redeem(sub, "half", HALF, "forever")
    use(sub, "api_calls", "2000", at(2026, 1, 20), created_at=at(2026, 2, 10))
    run(tenant, at(2026, 3, 1))
    february = invoice_of(sub, at(2026, 2, 1))
    assert late_lines(february) == [(Decimal(2000), Decimal("4.00"))]
    assert february.discount == Decimal("24.50")  # half of February's 49.00, not of the delta


@pytest.fixture
def seats(tenant):
    """49.00 a month and seats by volume: up to 10 at 10.00 each, beyond at 1.00 each
    (11 seats cost less than 10: a late seat makes a negative delta)."""
    plan = PlanFactory(tenant=tenant, code="seats")
    tiers = ChargeSpec.volume([TierSpec(10, Decimal("10.00")), TierSpec(None, Decimal("1.00"))])
    add_charge(plan, tiers, meter="seats", aggregation=Meter.Aggregation.SUM)
    sub = SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1))
    use(sub, "seats", "10", at(2026, 1, 5))
    run(tenant, at(2026, 2, 1))
    return sub


@pytest.mark.parametrize("write_off", [invoice_void, invoice_mark_uncollectible])
def test_a_negative_delta_of_a_written_off_window_is_zero(tenant, seats, write_off):
    january = invoice_of(seats, at(2026, 1, 1))
    write_off(tenant=tenant.id, invoice_id=january.id)
    use(seats, "seats", "1", at(2026, 1, 20), created_at=at(2026, 2, 10))  # 100.00 → 11.00
    run(tenant, at(2026, 3, 1))
    february = invoice_of(seats, at(2026, 2, 1))
    assert late_lines(february) == [(Decimal(1), Decimal("0.00"))]  # never a credit for an unpaid debt
    assert (february.subtotal, february.total) == (Decimal("49.00"), Decimal("49.00"))
    assert not BalanceTransaction.objects.filter(kind="negative_invoice").exists()
    # Counted as billed: a seat more (12.00) is still below what January was billed for.
    use(seats, "seats", "1", at(2026, 1, 21), created_at=at(2026, 3, 10))
    run(tenant, at(2026, 4, 1))
    assert late_lines(invoice_of(seats, at(2026, 3, 1))) == [(Decimal(1), Decimal("0.00"))]


def test_a_negative_delta_of_an_open_window_is_credited(tenant, seats):
    use(seats, "seats", "1", at(2026, 1, 20), created_at=at(2026, 2, 10))
    run(tenant, at(2026, 3, 1))
    february = invoice_of(seats, at(2026, 2, 1))
    assert late_lines(february) == [(Decimal(1), Decimal("-89.00"))]
    assert (february.subtotal, february.total) == (Decimal("-40.00"), Decimal("0"))


# The line itself, pure: the source's share, rounded cumulatively.

JAN = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))


def late(quantity, billed_quantity, billed_amount, source_amount, source):
    charge = ChargeFactory.build(model="per_unit", unit_amount=Decimal("0.005"), meter__code="calls")
    return LateUsage(
        charge,
        *JAN,
        billed_quantity=Decimal(billed_quantity),
        quantity=Decimal(quantity),
        billed_amount=Decimal(billed_amount),
        source_amount=Decimal(source_amount),
        source=source,
    )


def test_late_pieces_at_a_ratio_never_round_to_more_than_the_whole():
    """Two thirds kept (30.00 − 10.00 of 30.00): 4 calls at 0.005 arriving one at a time
    cost 0.02 in all, two thirds of which is 0.0133… → 0.01; priced one by one they
    would be 0.01 each (0.005 → 0.01, × 2/3 → 0.01): 0.04."""
    source = SourceInvoice(Decimal("30.00"), Decimal("10.00"))
    billed, amounts = Decimal(0), []
    for quantity in range(1, 5):
        line = late_usage_line(late(quantity, quantity - 1, billed, "0", source), "USD")
        amounts.append(line.amount)
        billed += line.amount
    assert amounts == [Decimal("0.01"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00")]
    assert sum(amounts) == Decimal("0.01")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (SourceInvoice(Decimal("57.00"), Decimal("0")), Decimal("4.00")),
        (SourceInvoice(Decimal("57.00"), Decimal("28.50")), Decimal("2.00")),
        (SourceInvoice(Decimal("57.00"), Decimal("57.00")), Decimal("0.00")),  # all of it was taken off
        (SourceInvoice(Decimal("-10.00"), Decimal("5.00")), Decimal("0.00")),  # nothing kept of a credit
    ],
)
def test_the_share_a_source_kept(source, expected):
    # 1,600 calls billed at 8.00, 2,400 now at 12.00.
    assert late_usage_line(late(2400, 1600, "8.00", "8.00", source), "USD").amount == expected
