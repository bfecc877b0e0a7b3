"""The customer balance (API.md Part 2, "Customer balance"): the balance per currency,
the ledger, manual adjustments (admins), and the database's own guarantee that a
balance never goes below 0. Other tenants and lower roles are the battery's
(billing_project/tests/test_battery.py); concurrency is test_balance_concurrency.py."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from invoices import billing
from invoices.models import BalanceTransaction, Invoice
from invoices.services import (
    ADJUSTMENT_DESCRIPTION_INVALID,
    ADJUSTMENT_TOO_LARGE,
    ADJUSTMENT_ZERO,
    BALANCE_BELOW_ZERO,
    balance_adjustment_create,
)
from invoices.tests.factories import InvoiceFactory, bill
from subscriptions.services import CUSTOMER_NOT_FOUND
from subscriptions.tests.factories import CustomerFactory
from tenants.errors import Conflict, Invalid, NotFound
from tenants.tests.utils import at
from tenants.validators import UNKNOWN_CURRENCY
from usage.tests.factories import use

pytestmark = pytest.mark.django_db

ENTRY_FIELDS = {"id", "currency", "amount", "kind", "invoice_id", "credit_note_id", "description", "created_at"}


def only_error(response) -> dict:
    body = response.json()
    assert len(body["errors"]) == 1, body
    return body["errors"][0]


def credit(customer, amount: str, currency: str = "USD", kind: str = "adjustment", **fields) -> BalanceTransaction:
    return BalanceTransaction.objects.create(
        tenant=customer.tenant, customer=customer, currency=currency, amount=Decimal(amount), kind=kind, **fields
    )


@pytest.fixture
def customer(tenant):
    return CustomerFactory(tenant=tenant, external_id="cus_7")


@pytest.fixture
def paths(turl, customer):
    return {
        "balance": turl(f"customers/{customer.id}/balance"),
        "ledger": turl(f"customers/{customer.id}/balance-transactions"),
    }


# GET …/balance ------------------------------------------------------------------------------


def test_a_customer_without_entries_has_no_balances(viewer_api, paths):
    response = viewer_api.get(paths["balance"])
    assert response.status_code == 200
    assert response.json() == {"balances": []}


def test_the_balance_is_the_sum_of_the_ledger_per_currency_in_its_minor_unit(viewer_api, paths, customer):
    credit(customer, "40.00")
    credit(customer, "-12.5", kind="applied_to_invoice")
    credit(customer, "1000", currency="JPY")
    credit(customer, "2.125", currency="KWD")
    credit(customer, "7.00", currency="EUR")
    credit(customer, "-7.00", currency="EUR", kind="applied_to_invoice")
    credit(CustomerFactory(tenant=customer.tenant), "99.00")  # another customer's
    assert viewer_api.get(paths["balance"]).json() == {
        "balances": [
            {"currency": "EUR", "amount": "0.00"},  # used up: still listed, at 0
            {"currency": "JPY", "amount": "1000"},
            {"currency": "KWD", "amount": "2.125"},
            {"currency": "USD", "amount": "27.50"},
        ]
    }


def test_an_unknown_customer_is_404(viewer_api, turl):
    for path in ("balance", "balance-transactions"):
        response = viewer_api.get(turl(f"customers/{uuid.uuid4()}/{path}"))
        assert response.status_code == 404
        assert (only_error(response)["code"], only_error(response)["detail"]) == ("not_found", CUSTOMER_NOT_FOUND)


# GET …/balance-transactions -----------------------------------------------------------------


def test_the_ledger_lists_entries_newest_first_with_their_invoice(viewer_api, paths, tenant, customer, sub):
    first = credit(customer, "40.00", description="Goodwill")
    invoice = InvoiceFactory(subscription=sub, customer=customer)  # (any invoice will do)
    used = credit(customer, "-40.00", kind="applied_to_invoice", invoice=invoice, description="Applied")
    body = viewer_api.get(paths["ledger"]).json()
    assert body["next"] is None and body["previous"] is None
    assert [set(entry) for entry in body["results"]] == [ENTRY_FIELDS, ENTRY_FIELDS]
    assert [
        (e["id"], e["currency"], e["amount"], e["kind"], e["invoice_id"], e["description"]) for e in body["results"]
    ] == [
        (str(used.id), "USD", "-40.00", "applied_to_invoice", str(invoice.id), "Applied"),
        (str(first.id), "USD", "40.00", "adjustment", None, "Goodwill"),
    ]
    assert body["results"][1]["created_at"].endswith("Z")


def test_the_ledger_pages_with_limit_and_filters_by_currency_and_kind(viewer_api, paths, customer):
    entries = [credit(customer, "1.00") for _ in range(3)] + [credit(customer, "5", currency="JPY")]
    credit(customer, "-1.00", kind="applied_to_invoice")
    first = viewer_api.get(paths["ledger"], {"limit": 2, "currency": "USD", "kind": "adjustment"}).json()
    assert [e["id"] for e in first["results"]] == [str(entries[2].id), str(entries[1].id)]
    second = viewer_api.get(first["next"]).json()
    assert [e["id"] for e in second["results"]] == [str(entries[0].id)]
    assert second["next"] is None
    jpy = viewer_api.get(paths["ledger"], {"currency": "JPY"}).json()["results"]
    assert [(e["id"], e["amount"]) for e in jpy] == [(str(entries[3].id), "5")]


@pytest.mark.parametrize(("query", "attr"), [({"kind": "bonus"}, "kind"), ({"currency": "usd"}, "currency")])
def test_the_ledger_refuses_an_unknown_filter_value(viewer_api, paths, query, attr):
    response = viewer_api.get(paths["ledger"], query)
    assert response.status_code == 400
    assert (only_error(response)["attr"], only_error(response)["code"]) == (attr, "invalid_choice")


# POST …/balance-transactions ----------------------------------------------------------------


def test_an_admin_credits_the_customer(api, paths, customer):
    response = api.post(
        paths["ledger"], {"currency": "USD", "amount": "25.50", "description": "Goodwill"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    entry = BalanceTransaction.objects.get()
    assert set(body) == ENTRY_FIELDS
    assert (body["id"], body["currency"], body["amount"], body["kind"], body["invoice_id"], body["description"]) == (
        str(entry.id),
        "USD",
        "25.50",
        "adjustment",
        None,
        "Goodwill",
    )
    assert (entry.customer_id, entry.tenant_id, entry.amount) == (customer.id, customer.tenant_id, Decimal("25.50"))
    assert api.get(paths["balance"]).json() == {"balances": [{"currency": "USD", "amount": "25.50"}]}


def test_a_debit_may_take_the_balance_to_0_and_no_further(api, paths, customer):
    credit(customer, "10.00")
    debit = api.post(paths["ledger"], {"currency": "USD", "amount": "-10", "description": "Clawback"}, format="json")
    assert debit.status_code == 201
    assert debit.json()["amount"] == "-10.00"
    response = api.post(paths["ledger"], {"currency": "USD", "amount": "-0.01", "description": "More"}, format="json")
    assert response.status_code == 409
    error = only_error(response)
    assert (error["code"], error["attr"]) == ("balance_below_zero", "amount")
    assert error["detail"] == BALANCE_BELOW_ZERO.format(currency="USD", balance="0.00", amount="-0.01")
    assert BalanceTransaction.objects.count() == 2
    assert api.get(paths["balance"]).json() == {"balances": [{"currency": "USD", "amount": "0.00"}]}


def test_a_debit_in_another_currency_cannot_use_this_ones_credit(api, paths, customer):
    credit(customer, "10.00", currency="USD")
    response = api.post(paths["ledger"], {"currency": "EUR", "amount": "-1.00", "description": "x"}, format="json")
    assert response.status_code == 409
    assert only_error(response)["detail"] == BALANCE_BELOW_ZERO.format(currency="EUR", balance="0.00", amount="-1.00")


@pytest.mark.parametrize(
    ("currency", "amount", "stored"),
    [("KWD", "1.005", Decimal("1.005")), ("JPY", "500", Decimal(500)), ("USD", "1E+3", Decimal(1000)),
     ("USD", "2.5000", Decimal("2.5")), ("CLF", "0.0001", Decimal("0.0001"))],
)  # fmt: skip
def test_amounts_take_the_decimal_places_of_their_currency(api, paths, currency, amount, stored):
    body = {"currency": currency, "amount": amount, "description": "Credit"}
    assert api.post(paths["ledger"], body, format="json").status_code == 201
    assert BalanceTransaction.objects.get().amount == stored


TOO_PRECISE_USD = "USD amounts have at most 2 decimal places."
AMOUNT_INVALID = 'amount is a decimal string, like "12.50" (a credit) or "-12.50" (a debit).'
GOOD = {"currency": "USD", "amount": "5.00", "description": "Credit"}


@pytest.mark.parametrize(
    ("change", "attr", "code", "detail"),
    [
        ({"currency": "usd"}, "currency", "invalid_currency", UNKNOWN_CURRENCY.format(code="usd")),
        ({"currency": "XAU"}, "currency", "invalid_currency", UNKNOWN_CURRENCY.format(code="XAU")),
        ({"currency": "ZZZ"}, "currency", "invalid_currency", UNKNOWN_CURRENCY.format(code="ZZZ")),
        ({"currency": None}, "currency", "null", None),
        ({"amount": "0"}, "amount", "zero", ADJUSTMENT_ZERO),
        ({"amount": "-0.00"}, "amount", "zero", ADJUSTMENT_ZERO),
        ({"amount": "1.001"}, "amount", "too_precise_for_currency", TOO_PRECISE_USD),
        ({"amount": "1.5", "currency": "JPY"}, "amount", "too_precise_for_currency", None),
        ({"amount": "0.00001"}, "amount", "max_decimal_places", None),
        ({"amount": "1234567890123456"}, "amount", "max_whole_digits", ADJUSTMENT_TOO_LARGE),
        ({"amount": "1e20"}, "amount", "max_whole_digits", ADJUSTMENT_TOO_LARGE),
        ({"amount": "-1e999999999"}, "amount", "max_whole_digits", ADJUSTMENT_TOO_LARGE),
        ({"amount": "NaN"}, "amount", "invalid", AMOUNT_INVALID),
        ({"amount": "Infinity"}, "amount", "invalid", AMOUNT_INVALID),
        ({"amount": "1_000"}, "amount", "invalid", AMOUNT_INVALID),
        ({"amount": 12.5}, "amount", "invalid", AMOUNT_INVALID),
        ({"amount": 5}, "amount", "invalid", AMOUNT_INVALID),
        ({"description": ""}, "description", "blank", None),
        ({"description": "x" * 301}, "description", "max_length", None),
        ({"description": 42}, "description", "invalid", None),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, paths, change, attr, code, detail):
    response = api.post(paths["ledger"], {**GOOD, **change}, format="json")
    assert response.status_code == 400, response.content
    error = only_error(response)
    assert (error["attr"], error["code"]) == (attr, code)
    if detail is not None:
        assert error["detail"] == detail
    assert not BalanceTransaction.objects.exists()


@pytest.mark.parametrize("missing", ["currency", "amount", "description"])
def test_every_field_is_required(api, paths, missing):
    body = {k: v for k, v in GOOD.items() if k != missing}
    response = api.post(paths["ledger"], body, format="json")
    assert response.status_code == 400
    assert (only_error(response)["attr"], only_error(response)["code"]) == (missing, "required")


def test_a_retry_with_the_same_idempotency_key_stores_one_entry(api, paths):
    headers = {"HTTP_IDEMPOTENCY_KEY": "adjust-1"}
    first = api.post(paths["ledger"], GOOD, format="json", **headers)
    again = api.post(paths["ledger"], GOOD, format="json", **headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert BalanceTransaction.objects.count() == 1
    other = api.post(paths["ledger"], {**GOOD, "amount": "6.00"}, format="json", **headers)
    assert other.status_code == 422
    assert only_error(other)["code"] == "idempotency_key_reused"
    assert BalanceTransaction.objects.count() == 1


def test_a_409_is_not_kept_for_the_key_a_retry_runs_again(api, paths, customer):
    headers = {"HTTP_IDEMPOTENCY_KEY": "debit-1"}
    body = {**GOOD, "amount": "-5.00"}
    assert api.post(paths["ledger"], body, format="json", **headers).status_code == 409
    credit(customer, "5.00")
    assert api.post(paths["ledger"], body, format="json", **headers).status_code == 201
    assert api.get(paths["balance"]).json() == {"balances": [{"currency": "USD", "amount": "0.00"}]}


# The balance on invoices ---------------------------------------------------------------------


def test_an_adjustment_pays_the_next_invoice_and_a_void_gives_it_back(api, paths, tenant, sub, viewer_api, turl):
    """The adjustment (API) → the preview and the invoice show it in `credits_applied`
    and `amount_due` → the ledger shows its use → voiding gives it back."""
    adjust = {"currency": "USD", "amount": "60.00", "description": "Migration credit"}
    assert api.post(turl(f"customers/{sub.customer_id}/balance-transactions"), adjust, format="json").status_code == 201
    use(sub, "api_calls", "13250", at(2026, 1, 5))  # 49.00 + 21.25 = 70.25
    preview = viewer_api.get(turl(f"subscriptions/{sub.id}/upcoming-invoice")).json()
    assert (preview["total"], preview["credits_applied"], preview["amount_due"]) == ("70.25", "60.00", "10.25")
    [invoice] = bill(tenant, at(2026, 2, 1))
    body = viewer_api.get(turl(f"invoices/{invoice.id}")).json()
    assert [body[k] for k in ("total", "credits_applied", "amount_due", "status")] == [
        "70.25",
        "60.00",
        "10.25",
        "open",
    ]
    ledger = viewer_api.get(turl(f"customers/{sub.customer_id}/balance-transactions")).json()["results"]
    assert [(e["kind"], e["amount"], e["invoice_id"]) for e in ledger] == [
        ("applied_to_invoice", "-60.00", str(invoice.id)),
        ("adjustment", "60.00", None),
    ]
    assert viewer_api.get(turl(f"customers/{sub.customer_id}/balance")).json()["balances"][0]["amount"] == "0.00"
    assert api.post(turl(f"invoices/{invoice.id}/void")).status_code == 200
    ledger = viewer_api.get(turl(f"customers/{sub.customer_id}/balance-transactions")).json()["results"]
    assert (ledger[0]["kind"], ledger[0]["amount"], ledger[0]["invoice_id"]) == (
        "invoice_voided",
        "60.00",
        str(invoice.id),
    )
    assert viewer_api.get(turl(f"customers/{sub.customer_id}/balance")).json() == {
        "balances": [{"currency": "USD", "amount": "60.00"}]
    }


def test_a_credit_paying_a_whole_invoice_leaves_nothing_due(tenant, sub):
    balance_adjustment_create(
        tenant=tenant, customer=sub.customer, currency="USD", amount=Decimal("100.00"), description="Credit"
    )
    [invoice] = bill(tenant, at(2026, 2, 1))
    assert (invoice.total, invoice.credits_applied, invoice.amount_due, invoice.status) == (
        Decimal("49.00"),
        Decimal("49.00"),
        Decimal(0),
        Invoice.Status.PAID,
    )


# The service ---------------------------------------------------------------------------------


def test_the_service_checks_what_the_admin_form_cannot(tenant, other_tenant, customer):
    with pytest.raises(Invalid) as refused:
        balance_adjustment_create(tenant=tenant, customer=customer, currency="USD", amount=Decimal(0), description=" ")
    assert refused.value.get_codes() == {"amount": ["zero"], "description": ["invalid"]}
    assert str(refused.value) == f"amount: {ADJUSTMENT_ZERO}; description: {ADJUSTMENT_DESCRIPTION_INVALID}"
    with pytest.raises(Invalid) as nan:
        balance_adjustment_create(
            tenant=tenant, customer=customer, currency="USD", amount=Decimal("NaN"), description="x"
        )
    assert nan.value.get_codes() == {"amount": ["invalid"]}
    with pytest.raises(Conflict) as conflict:
        balance_adjustment_create(tenant=tenant, customer=customer, currency="USD", amount=Decimal(-1), description="x")
    assert conflict.value.code == "balance_below_zero"
    with pytest.raises(NotFound):
        balance_adjustment_create(
            tenant=other_tenant, customer=customer, currency="USD", amount=Decimal(1), description="x"
        )
    assert not BalanceTransaction.objects.exists()


# The database's guarantee --------------------------------------------------------------------


def test_the_database_refuses_an_entry_that_takes_the_balance_below_0(customer):
    credit(customer, "10.00")
    with pytest.raises(IntegrityError, match=r"would be -0\.01"), transaction.atomic():
        credit(customer, "-10.01", kind="applied_to_invoice")
    credit(customer, "-10.00", kind="applied_to_invoice")  # down to 0 is fine
    with pytest.raises(IntegrityError), transaction.atomic():
        BalanceTransaction.objects.bulk_create(
            [
                BalanceTransaction(
                    tenant=customer.tenant, customer=customer, currency="USD", amount=a, kind="adjustment"
                )
                for a in (Decimal("5.00"), Decimal("-6.00"))
            ]
        )
    assert sum(BalanceTransaction.objects.values_list("amount", flat=True)) == 0


def test_the_database_checks_each_currency_on_its_own(customer):
    credit(customer, "10.00", currency="USD")
    with pytest.raises(IntegrityError), transaction.atomic():
        credit(customer, "-1.00", currency="EUR")


def test_an_entry_never_changes_its_amount_currency_or_customer(customer, tenant):
    entry = credit(customer, "10.00")
    for change in ({"amount": Decimal("11.00")}, {"currency": "EUR"}, {"customer": CustomerFactory(tenant=tenant)}):
        with pytest.raises(IntegrityError, match="never changes"), transaction.atomic():
            BalanceTransaction.objects.filter(pk=entry.pk).update(**change)
    BalanceTransaction.objects.filter(pk=entry.pk).update(description="Goodwill, ticket 42")
    entry.refresh_from_db()
    entry.save()  # a save that writes the same values is not a change
    assert (entry.amount, entry.currency, entry.description) == (Decimal("10.00"), "USD", "Goodwill, ticket 42")


def test_a_finalization_that_would_overdraw_is_refused_by_the_database(tenant, sub, monkeypatch):
    """Were the run to read a stale balance (say, without the customer's lock), the
    database would still refuse the use, and the whole batch rolls back."""
    credit(sub.customer, "30.00")
    real = billing._read_balances
    monkeypatch.setattr(billing, "_read_balances", lambda t, c: {k: v + 100 for k, v in real(t, c).items()})
    with pytest.raises(IntegrityError, match="would be -19"):
        billing.bill_due_batch(tenant=tenant.id, as_of=at(2026, 2, 1), now=at(2026, 2, 1, 1), batch_size=10)
    assert not Invoice.objects.exists()
    assert sum(BalanceTransaction.objects.values_list("amount", flat=True)) == Decimal("30.00")
