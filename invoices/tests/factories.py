"""Factories of invoices, their lines and invoice runs, and `run`/`bill`, an invoice run
at a moment as the hourly beat job makes it.

`InvoiceFactory` makes a finalized invoice that adds up: one line per amount of
`line_amounts` (default: the plan's fee; the first is the fee line, the others usage
lines on new meters), `subtotal` their sum, `total` the subtotal never below 0,
`amount_due` = total − credits_applied − amount_paid, `open` while something is due
(else `paid`). It bills the subscription's current period, is issued at its end and
numbered from the tenant's own sequence, as a run numbers them (so factory invoices
and billed ones never share a number):

    invoice = InvoiceFactory(subscription=sub, line_amounts=["49.00", "21.25"])
    invoice.number, invoice.total  # "INV-000001", Decimal("70.25")

Runs go through the service, on a clock an hour past `as_of`:

    [january] = bill(tenant, at(2026, 2, 1))
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import factory
import time_machine
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from invoices.credit_notes import CreditNoteRequest, credit_note_create
from invoices.models import CreditGrant, CreditNote, Invoice, InvoiceLine, InvoiceRun, NumberSequence
from invoices.services import invoice_due_subscriptions
from plans.tests.factories import MeterFactory
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.models import Tenant
from tenants.tests.factories import TenantOwnedFactory, in_tenant


def next_number(tenant: Tenant) -> str:
    """The tenant's next invoice number, taken from its sequence like a run takes it."""
    sequence, _ = NumberSequence.objects.get_or_create(tenant=tenant, series=NumberSequence.Series.INVOICE)
    NumberSequence.objects.filter(pk=sequence.pk).update(last_number=F("last_number") + 1)
    sequence.refresh_from_db()
    return f"INV-{sequence.last_number:06d}"


def _fee(o: Any) -> list[Decimal]:
    plan = o.subscription.plan
    return [plan.amount] if plan.amount else []


class InvoiceFactory(TenantOwnedFactory[Invoice]):
    class Meta:
        model = Invoice

    subscription = in_tenant(SubscriptionFactory)
    customer = factory.SelfAttribute("subscription.customer")
    # Not a field: `_create` turns it into the lines.
    line_amounts = factory.LazyAttribute(_fee)
    number = factory.LazyAttribute(lambda o: next_number(o.tenant))
    billing_reason = Invoice.BillingReason.PERIOD
    currency = factory.SelfAttribute("subscription.plan.currency")
    period_start = factory.SelfAttribute("subscription.current_period_start")
    period_end = factory.SelfAttribute("subscription.current_period_end")
    subtotal = factory.LazyAttribute(lambda o: sum((Decimal(a) for a in o.line_amounts), Decimal(0)))
    discount = Decimal(0)
    tax = Decimal(0)
    taxes = factory.LazyFunction(list)
    total = factory.LazyAttribute(lambda o: max(o.subtotal - o.discount + o.tax, Decimal(0)))
    credits_applied = Decimal(0)
    amount_paid = Decimal(0)
    amount_due = factory.LazyAttribute(lambda o: o.total - o.credits_applied - o.amount_paid)
    status = factory.LazyAttribute(lambda o: Invoice.Status.OPEN if o.amount_due > 0 else Invoice.Status.PAID)
    issued_at = factory.SelfAttribute("period_end")
    due_at = factory.LazyAttribute(lambda o: o.issued_at + timedelta(days=settings.INVOICE_DUE_DAYS))
    paid_at = factory.LazyAttribute(lambda o: None if o.status == Invoice.Status.OPEN else o.issued_at)
    voided_at = None
    created_at = factory.SelfAttribute("issued_at")

    @classmethod
    def _create(
        cls, model_class: type[Invoice], *args: Any, line_amounts: Sequence[Any] = (), **kwargs: Any
    ) -> Invoice:
        invoice = super()._create(model_class, *args, **kwargs)
        for position, amount in enumerate(line_amounts):
            InvoiceLineFactory.create(
                invoice=invoice, position=position, amount=Decimal(amount), flat_fee=position == 0
            )
        return invoice

    @classmethod
    def _build(cls, model_class: type[Invoice], *args: Any, line_amounts: Sequence[Any] = (), **kwargs: Any) -> Invoice:
        return super()._build(model_class, *args, **kwargs)


class InvoiceLineFactory(TenantOwnedFactory[InvoiceLine]):
    """A usage line (one unit, 0.10, per_unit) on a new meter; `flat_fee=True` gives the
    plan's fee line. A line made alone does not change its invoice's totals: give
    `InvoiceFactory` the amounts instead."""

    class Meta:
        model = InvoiceLine

    class Params:
        flat_fee = factory.Trait(
            kind=InvoiceLine.Kind.FLAT_FEE,
            meter=None,
            model="",
            description=factory.LazyAttribute(
                lambda o: f"{o.invoice.subscription.plan.name} ({o.invoice.subscription.plan.interval})"
            ),
        )

    invoice = in_tenant(InvoiceFactory, line_amounts=())
    position = factory.LazyAttribute(lambda o: o.invoice.lines.count())
    kind = InvoiceLine.Kind.USAGE
    meter = in_tenant(MeterFactory)
    meter_code = factory.LazyAttribute(lambda o: o.meter.code if o.meter else "")
    model = "per_unit"
    description = factory.LazyAttribute(lambda o: f"{o.meter.name} ({o.model})")
    quantity = Decimal(1)
    amount = Decimal("0.10")
    tiers = factory.LazyFunction(list)


class CreditGrantFactory(TenantOwnedFactory[CreditGrant]):
    """An active promotional grant of 20.00 USD, effective since 2026-01-01, never expiring."""

    class Meta:
        model = CreditGrant

    customer = in_tenant(CustomerFactory)
    category = CreditGrant.Category.PROMOTIONAL
    currency = "USD"
    amount = Decimal("20.00")
    effective_at = factory.LazyFunction(lambda: datetime(2026, 1, 1, tzinfo=UTC))
    status = CreditGrant.Status.ACTIVE
    created_at = factory.LazyFunction(timezone.now)


class InvoiceRunFactory(TenantOwnedFactory[InvoiceRun]):
    """A queued run as of now (its task never sent)."""

    class Meta:
        model = InvoiceRun

    status = InvoiceRun.Status.QUEUED
    as_of = factory.LazyFunction(timezone.now)
    created_at = factory.LazyFunction(timezone.now)


def credit_note(
    *, tenant: Tenant | None = None, invoice: Invoice | None = None, amount: str = "1.00", **fields: Any
) -> CreditNote:
    """A credit note issued through the service (numbered, with its effects), on
    `invoice` or on a new open invoice of `tenant`:

        note = credit_note(tenant=tenant)  # 1.00 off a new 49.00 invoice
    """
    target: Invoice = invoice or InvoiceFactory.create(tenant=tenant)
    request = CreditNoteRequest(amount=Decimal(amount), reason=fields.pop("reason", "other"), **fields)
    return credit_note_create(tenant=target.tenant_id, invoice_id=target.pk, request=request)


def run(tenant: Tenant, as_of: datetime) -> Any:
    """An invoice run as of `as_of`, on a clock an hour past it (as the hourly beat job)."""
    with time_machine.travel(as_of + timedelta(hours=1), tick=False):
        return invoice_due_subscriptions(tenant=tenant.id, as_of=as_of)


def bill(tenant: Tenant, as_of: datetime) -> list[Invoice]:
    """The invoices of `run(tenant, as_of)`."""
    return run(tenant, as_of).invoices
