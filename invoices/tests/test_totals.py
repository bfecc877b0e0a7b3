"""The pure totals function (invoices.totals): worked examples, then hypothesis
properties of API.md Part 2, "Invoice totals". No database."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoices.calculation import LineDraft
from invoices.totals import (
    DISCOUNT_LINE_GIVEN,
    LineAmount,
    PercentOff,
    TaxAmount,
    invoice_totals,
)
from plans.money import quantize_money
from plans.taxes import TaxRateSpec

STATE = TaxRateSpec("state", "State sales tax", D("6.25"))
CITY = TaxRateSpec("city", "City sales tax", D("2.625"))


def lines(*amounts: str, kind: str = "usage") -> list[LineAmount]:
    return [LineAmount(kind, D(a)) for a in amounts]


# Worked examples -----------------------------------------------------------------------


def test_two_rates_round_separately_the_worked_example_of_docs_invoicing():
    """docs/invoicing.md, "Taxes": 49.00 + 5.00, state 6.25 % and city 2.625 %."""
    t = invoice_totals(lines("49.00", "5.00"), currency="USD", tax_rates=[STATE, CITY])
    assert t.taxes == (
        TaxAmount("state", "State sales tax", D("6.25"), D("54.00"), D("3.38")),  # 3.375
        TaxAmount("city", "City sales tax", D("2.625"), D("54.00"), D("1.42")),  # 1.4175
    )
    assert (t.subtotal, t.discount, t.tax, t.total, t.amount_due) == (
        D("54.00"),
        D(0),
        D("4.80"),
        D("58.80"),
        D("58.80"),
    )
    # One combined rate would round once: 54.00 × 8.875 % = 4.7925 → 4.79.
    assert invoice_totals(lines("54.00"), currency="USD", tax_rates=[TaxRateSpec("both", "", D("8.875"))]).tax == D(
        "4.79"
    )


def test_tax_applies_to_the_signed_base_and_the_negative_total_goes_to_the_balance():
    """docs/invoicing.md: a fee of 49.00 and a late volume delta of −89.00."""
    t = invoice_totals(
        [LineAmount("flat_fee", D("49.00")), LineAmount("late_usage", D("-89.00"))],
        currency="USD",
        tax_rates=[STATE, CITY],
        balance=D("10.00"),
    )
    assert [x.amount for x in t.taxes] == [D("-2.50"), D("-1.05")]
    assert [x.taxable for x in t.taxes] == [D("-40.00"), D("-40.00")]
    assert (t.subtotal, t.tax, t.total, t.to_balance, t.credits_applied, t.amount_due) == (
        D("-40.00"),
        D("-3.55"),
        D(0),
        D("43.55"),
        D(0),
        D(0),
    )
    assert t.balance_change == D("43.55")


def test_the_next_invoice_is_paid_by_the_balance_after_its_tax():
    t = invoice_totals(lines("49.00", kind="flat_fee"), currency="USD", tax_rates=[STATE, CITY], balance=D("43.55"))
    assert (t.tax, t.total, t.credits_applied, t.amount_due, t.balance_change) == (
        D("4.35"),  # 3.0625 → 3.06 and 1.28625 → 1.29
        D("53.35"),
        D("43.55"),
        D("9.80"),
        D("-43.55"),
    )


def test_discounts_apply_in_order_on_what_is_left_of_the_base_then_tax_on_the_rest():
    t = invoice_totals(
        lines("100.00"),
        currency="USD",
        discounts=[D("30.00"), PercentOff(D("50")), D("1000")],
        tax_rates=[STATE],
    )
    assert t.discounts == (D("30.00"), D("35.00"), D("35.00"))
    assert (t.discount, t.tax, t.total) == (D("100.00"), D(0), D(0))


def test_discounts_never_touch_late_usage_which_keeps_its_source_price():
    t = invoice_totals(
        [LineAmount("flat_fee", D("49.00")), LineAmount("late_usage", D("20.00"))],
        currency="USD",
        discounts=[PercentOff(D("100"))],
    )
    assert (t.discount, t.total) == (D("49.00"), D("20.00"))


def test_a_credit_purchase_has_no_discount_no_tax_and_uses_no_credits():
    t = invoice_totals(
        lines("500.00", kind="credit_purchase"),
        currency="USD",
        discounts=[D("10")],
        tax_rates=[STATE],
        grants=[D("100")],
        balance=D("100"),
        credit_purchase=True,
    )
    assert (t.discount, t.tax, t.total, t.credits_applied, t.amount_due) == (0, 0, D("500.00"), 0, D("500.00"))


def test_grants_pay_before_the_balance_in_the_order_given():
    t = invoice_totals(lines("50.00"), currency="USD", grants=[D("20.00"), D("100.00")], balance=D("5.00"))
    assert (t.grants_applied, t.balance_applied, t.credits_applied, t.amount_due) == (
        (D("20.00"), D("30.00")),
        D(0),
        D("50.00"),
        D(0),
    )


@pytest.mark.parametrize(
    ("currency", "taxable", "percentage", "tax"),
    [
        ("JPY", "1000", "8.875", "89"),  # 88.75
        ("KWD", "10.000", "2.625", "0.263"),  # 0.2625
        ("USD", "0.04", "12.5", "0.01"),  # 0.005, half up
        ("USD", "-0.04", "12.5", "-0.01"),  # symmetric: a credit mirrors a charge
        ("USD", "100.00", "0", "0.00"),
        ("USD", "100.00", "100", "100.00"),
    ],
)
def test_each_rate_rounds_half_up_to_the_minor_unit(currency, taxable, percentage, tax):
    t = invoice_totals(lines(taxable), currency=currency, tax_rates=[TaxRateSpec("t", "T", D(percentage))])
    assert t.tax == D(tax)
    assert str(t.tax) == tax


def test_amounts_beyond_28_digits_are_exact():
    t = invoice_totals(lines("123456789012345678901234567890.00", "0.01"), currency="USD", tax_rates=[STATE])
    assert t.subtotal == D("123456789012345678901234567890.01")
    assert t.tax == D("7716049313271604931327160493.13")  # 7716049313271604931327160493.125625


def test_lines_must_be_rounded_and_discounts_come_apart():
    with pytest.raises(ValueError, match="rounded"):
        invoice_totals(lines("0.125"), currency="USD")
    with pytest.raises(ValueError, match=DISCOUNT_LINE_GIVEN):
        invoice_totals(lines("-1.00", kind="discount"), currency="USD")
    with pytest.raises(ValueError):
        invoice_totals(lines("1.00"), currency="USD", discounts=[D("-1")])


# Properties ---------------------------------------------------------------------------

CURRENCIES = {"USD": 2, "JPY": 0, "KWD": 3}
CHARGE_KINDS = ["flat_fee", "proration", "usage", "late_usage", "correction", "minimum_true_up"]


@st.composite
def invoices(draw):
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    places = CURRENCIES[currency]

    def money(low: int, high: int):
        return st.integers(low, high).map(lambda n: D(n).scaleb(-places))

    percentage = st.decimals(min_value=0, max_value=100, places=4)
    drawn_lines = draw(
        st.lists(st.builds(LineAmount, st.sampled_from(CHARGE_KINDS), money(-(10**9), 10**10)), max_size=8)
    )
    discounts = draw(st.lists(st.one_of(money(0, 10**9), st.builds(PercentOff, percentage)), max_size=4))
    rates = draw(st.lists(st.builds(TaxRateSpec, st.text(max_size=3), st.text(max_size=3), percentage), max_size=4))
    credits = {"balance": draw(money(0, 10**10)), "grants": draw(st.lists(money(0, 10**9), max_size=3))}
    return drawn_lines, {"currency": currency, "discounts": discounts, "tax_rates": rates, **credits}


def rounded(amount: D, currency: str) -> bool:
    return quantize_money(amount, currency) == amount


@given(invoices())
def test_subtotal_is_the_sum_of_the_lines(invoice):
    drawn, kwargs = invoice
    assert invoice_totals(drawn, **kwargs).subtotal == sum((line.amount for line in drawn), D(0))


@given(invoices())
def test_discounts_never_exceed_the_base(invoice):
    drawn, kwargs = invoice
    t = invoice_totals(drawn, **kwargs)
    base = sum((line.amount for line in drawn if line.kind not in ("late_usage", "correction")), D(0))
    assert all(d >= 0 for d in t.discounts)
    assert t.discount == sum(t.discounts, D(0)) <= max(base, D(0))
    assert len(t.discounts) == len(kwargs["discounts"])


@given(invoices())
def test_each_rate_taxes_the_signed_base_on_its_own(invoice):
    drawn, kwargs = invoice
    t = invoice_totals(drawn, **kwargs)
    assert [x.code for x in t.taxes] == [r.code for r in kwargs["tax_rates"]]
    for tax, rate in zip(t.taxes, kwargs["tax_rates"], strict=True):
        assert tax.taxable == t.subtotal - t.discount
        assert tax.amount == quantize_money(tax.taxable * rate.percentage / 100, kwargs["currency"])
    assert t.tax == sum((x.amount for x in t.taxes), D(0))


@given(invoices())
def test_total_is_subtotal_less_discount_plus_tax_never_below_0(invoice):
    drawn, kwargs = invoice
    t = invoice_totals(drawn, **kwargs)
    assert t.total == max(t.subtotal - t.discount + t.tax, D(0)) >= 0
    assert t.total - t.to_balance == t.subtotal - t.discount + t.tax
    assert t.to_balance >= 0


@given(invoices())
def test_amount_due_is_total_less_credits_never_below_0(invoice):
    drawn, kwargs = invoice
    t = invoice_totals(drawn, **kwargs)
    assert t.amount_due == t.total - t.credits_applied >= 0
    assert t.credits_applied == sum(t.grants_applied, D(0)) + t.balance_applied
    assert all(0 <= used <= grant for used, grant in zip(t.grants_applied, kwargs["grants"], strict=True))
    assert 0 <= t.balance_applied <= kwargs["balance"]
    # Credits pay what they can: either all of the total or all of what is available.
    assert t.amount_due == 0 or t.credits_applied == sum(kwargs["grants"], kwargs["balance"])


@given(invoices())
def test_every_amount_is_rounded_to_the_minor_unit(invoice):
    drawn, kwargs = invoice
    t = invoice_totals(drawn, **kwargs)
    amounts = [t.subtotal, t.discount, t.tax, t.total, t.to_balance, t.credits_applied, t.amount_due]
    amounts += [*t.discounts, *(x.amount for x in t.taxes), *t.grants_applied]
    assert all(rounded(amount, kwargs["currency"]) for amount in amounts)


@given(invoices())
def test_a_credit_mirrors_a_charge(invoice):
    drawn, kwargs = invoice
    charge = invoice_totals(drawn, **{**kwargs, "discounts": []})
    credit = invoice_totals([LineAmount(line.kind, -line.amount) for line in drawn], **{**kwargs, "discounts": []})
    assert [x.amount for x in credit.taxes] == [-x.amount for x in charge.taxes]


@given(invoices())
def test_the_invoice_and_its_preview_get_the_same_answer(invoice):
    """The run passes stored-line drafts, the preview unsaved ones: only kind and amount count."""
    drawn, kwargs = invoice
    drafts = [LineDraft(line.kind, f"line {i}", D(i), line.amount) for i, line in enumerate(drawn)]
    assert invoice_totals(drafts, **kwargs) == invoice_totals(drawn, **kwargs) == invoice_totals(iter(drawn), **kwargs)
