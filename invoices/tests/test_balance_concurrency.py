"""The customer balance under concurrency, with real threads and real commits: credit is
never used twice, and a balance never goes below 0.

Each test makes its writers meet: the test holds the customer's row lock while the
writers start, waits until every one of them is blocked on a lock (so each has done
everything it does before the lock, a first read of the balance included), then
releases it. Without the lock, or without reading the balance again under it, they
would all spend the same credit.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from invoices.billing import lock_customers
from invoices.models import BalanceTransaction, Invoice
from invoices.services import balance_adjustment_create, invoice_due_subscriptions, subscription_cancel
from plans.tests.factories import PlanFactory
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.errors import Conflict
from tenants.isolation import tenant_scope

pytestmark = pytest.mark.django_db(transaction=True)

JAN_1, JAN_15, FEB_1 = (
    datetime(2026, 1, 1, tzinfo=UTC),
    datetime(2026, 1, 15, tzinfo=UTC),
    datetime(2026, 2, 1, tzinfo=UTC),
)
WAIT_SECONDS = 30


def lock_waiters() -> int:
    """Sessions of this test database waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else a transaction reads its first snapshot again
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def meet_at_the_lock(customer, tenant_id: uuid.UUID, jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run `jobs` on threads of their own while this thread holds the customer's lock;
    release it once all of them wait for a lock. Each job's result, or its exception."""
    results: list[Any] = [None] * len(jobs)

    def work(i: int) -> None:
        try:
            with tenant_scope(tenant_id):  # a thread starts with no scope, as a task does
                results[i] = jobs[i]()
        except BaseException as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    with transaction.atomic():
        lock_customers([customer.pk])
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while lock_waiters() < len(jobs):  # polls the database: no fixed sleep decides anything
            assert time.monotonic() < deadline, "the writers never met at the lock"
            assert all(t.is_alive() for t in threads), results
            time.sleep(0.01)
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS)
    assert not any(t.is_alive() for t in threads)
    return results


def balance(customer, currency: str = "USD") -> Decimal:
    rows = BalanceTransaction.objects.filter(customer=customer, currency=currency)
    return sum(rows.values_list("amount", flat=True), Decimal(0))


def credit(customer, amount: str) -> None:
    BalanceTransaction.objects.create(
        tenant=customer.tenant, customer=customer, currency="USD", amount=Decimal(amount), kind="adjustment"
    )


@pytest.fixture
def two_subscriptions(tenant):
    """One customer, 60.00 of credit, and two subscriptions: Base (49.00) from Jan 1 and
    Add-on (30.00) from `addon_start`."""

    def make(addon_start: datetime):
        customer = CustomerFactory(tenant=tenant, external_id="cus_twice")
        base = SubscriptionFactory(
            tenant=tenant, customer=customer, plan=PlanFactory(tenant=tenant, amount=Decimal("49.00")), start_at=JAN_1
        )
        addon = SubscriptionFactory(
            tenant=tenant,
            customer=customer,
            plan=PlanFactory(tenant=tenant, amount=Decimal("30.00")),
            start_at=addon_start,
        )
        credit(customer, "60.00")
        return customer, base, addon

    return make


def assert_credit_used_once(customer, results) -> list[Invoice]:
    assert not [r for r in results if isinstance(r, BaseException)], results
    invoices = list(Invoice.objects.filter(customer=customer).order_by("total"))
    assert len(invoices) == 2
    assert sum(i.credits_applied for i in invoices) == Decimal("60.00")
    assert all(i.amount_due == i.total - i.credits_applied for i in invoices)
    assert balance(customer) == 0
    used = BalanceTransaction.objects.filter(customer=customer, kind="applied_to_invoice")
    assert sorted(used.values_list("invoice_id", "amount")) == sorted((i.id, -i.credits_applied) for i in invoices)
    return invoices


def test_two_runs_finalizing_two_invoices_of_one_customer_at_once_use_its_credit_once(tenant, two_subscriptions):
    customer, base, addon = two_subscriptions(JAN_1)
    run = lambda: invoice_due_subscriptions(tenant=tenant.id, as_of=FEB_1, batch_size=1)  # noqa: E731

    results = meet_at_the_lock(customer, tenant.id, [run, run])

    addon_invoice, base_invoice = assert_credit_used_once(customer, results)
    assert (addon_invoice.subscription_id, base_invoice.subscription_id) == (addon.id, base.id)
    # Each run billed one of the two (SKIP LOCKED), and both waited for the customer.
    assert sorted(len(r.invoices) for r in results) == [1, 1]
    # Whichever came first took what it needed; the other got what was left.
    assert sorted([base_invoice.credits_applied, addon_invoice.credits_applied]) in (
        [Decimal("11.00"), Decimal("49.00")],
        [Decimal("30.00"), Decimal("30.00")],
    )


def test_a_cancellation_now_racing_the_run_uses_the_credit_once(tenant, two_subscriptions):
    customer, base, addon = two_subscriptions(JAN_15)  # the add-on's period runs to Feb 15

    results = meet_at_the_lock(
        customer,
        tenant.id,
        [
            lambda: invoice_due_subscriptions(tenant=tenant.id, as_of=FEB_1, batch_size=10),
            lambda: subscription_cancel(tenant=tenant.id, subscription_id=addon.id, at_period_end=False, now=FEB_1),
        ],
    )

    final, period = assert_credit_used_once(customer, results)
    assert (final.billing_reason, final.subscription_id, final.total) == ("cancellation", addon.id, Decimal("16.45"))
    assert (period.billing_reason, period.subscription_id, period.total) == ("period", base.id, Decimal("49.00"))


def test_two_debits_at_once_cannot_overdraw_the_balance(tenant):
    customer = CustomerFactory(tenant=tenant)
    credit(customer, "10.00")
    debit = lambda: balance_adjustment_create(  # noqa: E731
        tenant=tenant.id, customer=customer, currency="USD", amount=Decimal("-7.00"), description="Clawback"
    )

    results = meet_at_the_lock(customer, tenant.id, [debit, debit])

    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], Conflict)
    assert refused[0].code == "balance_below_zero"
    assert [r.amount for r in results if isinstance(r, BalanceTransaction)] == [Decimal("-7.00")]
    assert balance(customer) == Decimal("3.00")


def test_writers_that_skip_the_lock_are_still_stopped_by_the_database(tenant):
    """The database's guarantee alone: two writes of the ledger that take no lock of
    their own (none of the services') queue behind each other in the trigger, and the
    second one sees the first's entry."""
    customer = CustomerFactory(tenant=tenant)
    credit(customer, "10.00")

    def raw_debit() -> BalanceTransaction:
        with transaction.atomic():
            return BalanceTransaction.objects.create(
                tenant_id=tenant.id, customer=customer, currency="USD", amount=Decimal("-7.00"), kind="adjustment"
            )

    results = meet_at_the_lock(customer, tenant.id, [raw_debit, raw_debit])

    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], IntegrityError), results
    assert balance(customer) == Decimal("3.00")
