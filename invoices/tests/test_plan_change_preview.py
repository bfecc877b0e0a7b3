"""Preview equals reality (issue #13 item 4): for a set of changes, and for any change
time (a hypothesis property), the invoices of `POST …/change/preview` equal, line by
line and amount by amount, what the change then bills: `invoice_now` the change's
`plan_change` invoice, `upcoming_invoice` the invoice the run issues next.

Only what a preview cannot know differs: the id, the number, and (for the upcoming
invoice, which is not finalized) the status and the moments of issue.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoices.models import BalanceTransaction, Invoice
from invoices.plan_changes import subscription_change, subscription_change_preview
from invoices.serializers import invoice_body
from invoices.services import InvoicePreview
from invoices.tests.factories import run
from plans.models import DefaultTaxRate
from plans.tests.factories import TaxRateFactory
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at
from usage.tests.factories import use

pytestmark = pytest.mark.django_db

NOT_KNOWN_AHEAD = {"id", "number"}
NOT_FINALIZED = NOT_KNOWN_AHEAD | {"status", "issued_at", "due_at", "paid_at"}


def shown(body: dict[str, Any], left_out: set[str]) -> dict[str, Any]:
    """The body without `left_out`; lines without their `id` (a preview's are not stored)."""
    lines = [{key: value for key, value in line.items() if key != "id"} for line in body["lines"]]
    return {key: value for key, value in body.items() if key not in left_out} | {"lines": lines}


def preview_body(preview: InvoicePreview) -> dict[str, Any]:
    return invoice_body(preview.invoice, preview.lines)


def stored_body(invoice: Invoice) -> dict[str, Any]:
    return invoice_body(Invoice.objects.prefetch_related("lines").get(pk=invoice.pk))


def assert_preview_is_reality(tenant, sub, plan, effective, now) -> None:
    """Preview the change, make it, run to the upcoming invoice's end, and compare."""
    args = {"tenant": tenant.id, "subscription_id": sub.id, "plan_id": plan.id, "effective": effective, "now": now}
    preview = subscription_change_preview(**args)
    _, invoice_now = subscription_change(**args)

    if preview.invoice_now is None:
        assert invoice_now is None
    else:
        assert invoice_now is not None
        assert shown(preview_body(preview.invoice_now), NOT_KNOWN_AHEAD) == shown(
            stored_body(invoice_now), NOT_KNOWN_AHEAD
        )
    upcoming = preview.upcoming_invoice.invoice
    run(tenant, upcoming.period_end)
    issued = Invoice.objects.get(subscription=sub, period_start=upcoming.period_start, billing_reason="period")
    assert shown(preview_body(preview.upcoming_invoice), NOT_FINALIZED) == shown(stored_body(issued), NOT_FINALIZED)


@pytest.fixture
def usage(on_basic):
    use(on_basic, "api_calls", "400", at(2026, 1, 5))
    use(on_basic, "seats", "10", at(2026, 1, 6))
    use(on_basic, "api_calls", "2500", at(2026, 1, 18))
    use(on_basic, "seats", "3", at(2026, 1, 19))
    return on_basic


def test_an_upgrade_mid_period(tenant, usage, pro):
    assert_preview_is_reality(tenant, usage, pro, "now", at(2026, 1, 16, 12))


def test_a_downgrade_at_period_end(tenant, pro, basic):
    sub = SubscriptionFactory(tenant=tenant, plan=pro, start_at=at(2026, 1, 1))
    use(sub, "api_calls", "13250", at(2026, 1, 5))
    assert_preview_is_reality(tenant, sub, basic, "period_end", at(2026, 1, 20))


def test_an_interval_change(tenant, usage, pro_yearly):
    assert_preview_is_reality(tenant, usage, pro_yearly, "now", at(2026, 1, 9, 7, 30))


def test_a_change_during_a_trial(tenant, basic, pro):
    sub = SubscriptionFactory(tenant=tenant, plan=basic, start_at=at(2026, 1, 1), trial_days=14)
    use(sub, "api_calls", "5000", at(2026, 1, 3))  # in the trial: free
    assert_preview_is_reality(tenant, sub, pro, "now", at(2026, 1, 5))


def test_a_change_after_late_usage_with_taxes_and_a_balance(tenant, usage, pro):
    DefaultTaxRate.objects.create(
        tenant=tenant, tax_rate=TaxRateFactory(tenant=tenant, percentage=Decimal("8.875")), position=0
    )
    BalanceTransaction.objects.create(
        tenant=tenant, customer=usage.customer, currency="USD", amount=Decimal("30.00"), kind="adjustment"
    )
    run(tenant, at(2026, 2, 1))
    use(usage, "api_calls", "700", at(2026, 1, 25), created_at=at(2026, 2, 5))  # late, for January
    use(usage, "api_calls", "250", at(2026, 2, 3))
    assert_preview_is_reality(tenant, usage, pro, "now", at(2026, 2, 10))
    # The late January calls went on the change's invoice, at Basic's price; the balance
    # paid what it could of it and the rest of it paid the next one.
    change_invoice = Invoice.objects.get(billing_reason="plan_change")
    assert change_invoice.lines.get(kind="late_usage").amount == Decimal("7.00")
    assert sum(Invoice.objects.values_list("credits_applied", flat=True), Decimal(0)) == Decimal("30.00")


def test_a_change_when_periods_ended_unbilled(tenant, usage, pro_yearly):
    assert_preview_is_reality(tenant, usage, pro_yearly, "now", at(2026, 3, 17))


JANUARY = 31 * 86_400


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seconds=st.integers(min_value=0, max_value=2 * JANUARY),
    microseconds=st.integers(min_value=0, max_value=999_999),
    effective=st.sampled_from(["now", "period_end"]),
    yearly=st.booleans(),
)
def test_the_preview_equals_the_change_at_any_moment(
    tenant, usage, pro, pro_yearly, seconds, microseconds, effective, yearly
):
    now = at(2026, 1, 1) + timedelta(seconds=seconds, microseconds=microseconds)
    with transaction.atomic():
        assert_preview_is_reality(tenant, usage, pro_yearly if yearly else pro, effective, now)
        transaction.set_rollback(True)  # the next example starts from the same data
