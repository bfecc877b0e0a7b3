"""The admin's display helpers: money with its currency's minor unit, quantities without
trailing zeros, tiers as a table (plans.admin_display), and the template filters."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from plans.admin_display import money_text, quantity_text, tier_table


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("372.070000000000", "USD", "372.07 USD"),
        ("49", "USD", "49.00 USD"),
        ("1234567.500000000000", "EUR", "1,234,567.50 EUR"),
        ("1500.000000000000", "JPY", "1,500 JPY"),
        ("1.250000000000", "KWD", "1.250 KWD"),
        ("0.002000000000", "USD", "0.002 USD"),  # a price keeps its places, never rounded
        ("-10.000000000000", "USD", "-10.00 USD"),
        ("-1234.5", "USD", "-1,234.50 USD"),
        ("0E-12", "USD", "0.00 USD"),
    ],
)
def test_money_has_its_currencys_places_and_code(amount, currency, shown):
    assert money_text(Decimal(amount), currency) == shown


def test_no_amount_is_a_dash():
    assert money_text(None, "USD") == "-"
    assert quantity_text(None) == "-"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("20.000000000000", "20"), ("0.500000000000", "0.5"), ("1234", "1234"), ("0E-12", "0"), ("1E+3", "1000")],
)
def test_quantities_have_no_trailing_zeros(value, shown):
    assert quantity_text(Decimal(value)) == shown


def test_a_charges_tiers_are_a_table_with_an_open_last_tier():
    tiers = [
        {"from": 0, "up_to": 1000, "unit_amount": "0.000000000000", "flat_amount": "0"},
        {"from": 1000, "up_to": None, "unit_amount": "0.002", "flat_amount": "5.5"},
    ]
    assert tier_table(tiers, "USD") == (
        '<table class="tiers"><thead><tr><th>from</th><th>up to</th><th>per unit</th><th>flat fee</th></tr></thead>'
        "<tbody><tr><td>0</td><td>1000</td><td>0.00 USD</td><td>0.00 USD</td></tr>"
        "<tr><td>1000</td><td>∞</td><td>0.002 USD</td><td>5.50 USD</td></tr></tbody></table>"
    )


def test_an_invoice_lines_breakdown_adds_quantity_and_amount_columns():
    tiers = [{"from": 0, "up_to": 10, "quantity": "10", "unit_amount": "1", "flat_amount": "0", "amount": "10.00"}]
    table = tier_table(tiers, "EUR")
    assert "<th>quantity</th>" in table and "<th>amount</th>" in table
    assert "<tr><td>0</td><td>10</td><td>10</td><td>1.00 EUR</td><td>0.00 EUR</td><td>10.00 EUR</td></tr>" in table


def test_no_tiers_is_a_dash():
    assert tier_table([], "USD") == "-"


def test_the_template_filters_show_the_same():
    template = Template("{% load admin_display %}{{ amount|money:'USD' }} / {{ qty|quantity }}")
    shown = template.render(Context({"amount": Decimal("372.070000000000"), "qty": Decimal("3.500000000000")}))
    assert shown == "372.07 USD / 3.5"
