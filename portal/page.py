"""What the customer portal page says: the reads of portal.selectors, every value
written out as the invoice documents write them (`invoices.documents.Writer`: amounts
in their currency's format for `settings.DOCUMENT_LOCALE`, quantities, dates).

Sections: the customer's subscriptions (plan, status, current period) each with its
usage so far this period per meter and its upcoming invoice; the invoices with their
PDF links; the credit balance per currency; and credit grants.

Credit grants: the customer's grants that can still pay (pending, or active with
something left), with what remains and when it expires, beside the balance.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from invoices.documents import Writer
from invoices.grant_services import credit_grant_list
from invoices.grants import OPEN_STATUSES
from invoices.models import Invoice
from invoices.selectors import balances_for_customer
from portal import selectors
from subscriptions.models import Customer, Subscription
from tenants import clock
from tenants.models import Tenant


@dataclass(frozen=True)
class UsageRow:
    """One meter of a subscription's plan and its quantity so far this period."""

    meter: str
    code: str
    quantity: str


INTERVALS = {"month": "Monthly", "year": "Yearly"}


@dataclass(frozen=True)
class SubscriptionBlock:
    plan: str
    interval: str
    status: str
    status_code: str
    period: str
    note: str
    usage: tuple[UsageRow, ...]
    upcoming_total: str | None
    upcoming_due: str | None
    upcoming_date: str | None


@dataclass(frozen=True)
class InvoiceRow:
    id: uuid.UUID
    number: str
    issued: str
    due: str
    period: str
    status: str
    status_code: str
    total: str
    amount_due: str


@dataclass(frozen=True)
class GrantRow:
    """A credit grant as the page shows it (see the module docstring)."""

    name: str
    remaining: str
    expires: str


@dataclass(frozen=True)
class Page:
    tenant: str
    customer: str
    as_of: str
    expires_at: str
    sandbox: bool
    subscriptions: tuple[SubscriptionBlock, ...]
    invoices: tuple[InvoiceRow, ...]
    balances: tuple[tuple[str, str], ...]
    grants: tuple[GrantRow, ...] = ()


def _subscription_note(sub: Subscription, write: Writer) -> str:
    if sub.status == Subscription.Status.CANCELED and sub.canceled_at:
        return f"Canceled on {write.date(sub.canceled_at)}"
    if sub.cancel_at_period_end:
        return f"Cancels on {write.date(sub.current_period_end)}"
    if sub.status == Subscription.Status.TRIALING and sub.trial_end:
        return f"Trial until {write.date(sub.trial_end)}"
    if sub.pending_plan is not None:
        return f"Changes to {sub.pending_plan.name} on {write.date(sub.current_period_end)}"
    return ""


def _subscription_block(entry: selectors.SubscriptionUsage) -> SubscriptionBlock:
    sub, upcoming = entry.subscription, entry.upcoming
    write = Writer(sub.plan.currency)
    return SubscriptionBlock(
        plan=sub.plan.name,
        interval=INTERVALS[sub.plan.interval],
        status=Subscription.Status(sub.status).label,
        status_code=sub.status,
        period=write.period(sub.current_period_start, sub.current_period_end),
        note=_subscription_note(sub, write),
        usage=tuple(UsageRow(meter.name, meter.code, write.number(quantity)) for meter, quantity in entry.usage),
        upcoming_total=write.money(upcoming.total) if upcoming else None,
        upcoming_due=write.money(upcoming.amount_due) if upcoming else None,
        upcoming_date=write.date(upcoming.issued_at) if upcoming else None,
    )


def _invoice_row(invoice: Invoice) -> InvoiceRow:
    write = Writer(invoice.currency)
    return InvoiceRow(
        id=invoice.pk,
        number=invoice.number,
        issued=write.date(invoice.issued_at),
        due=write.date(invoice.due_at),
        period=write.period(invoice.period_start, invoice.period_end),
        status=Invoice.Status(invoice.status).label,
        status_code=invoice.status,
        total=write.money(invoice.total),
        amount_due=write.money(invoice.amount_due),
    )


def _grant_rows(tenant: Tenant, customer: Customer) -> tuple[GrantRow, ...]:
    """The customer's grants that can still pay an invoice, newest first."""
    rows = credit_grant_list(tenant=tenant, customer_id=customer.pk).filter(status__in=OPEN_STATUSES)
    return tuple(
        GrantRow(
            name=grant.name or grant.get_category_display(),
            remaining=Writer(grant.currency).money(grant.remaining),
            expires=Writer(grant.currency).date(grant.expires_at) if grant.expires_at else "never",
        )
        for grant in rows
    )


def portal_page(*, tenant: Tenant, customer: Customer, expires_at: datetime) -> Page:
    """The page of `customer`, at the tenant's business time, for a link that works
    until `expires_at` (real time)."""
    now = clock.now(tenant, reading=True)
    write = Writer(tenant.default_currency)
    subscriptions = selectors.portal_subscriptions(tenant=tenant, customer_id=customer.pk)
    invoices = selectors.portal_invoices(tenant=tenant, customer_id=customer.pk)
    balances = balances_for_customer(tenant=tenant, customer_id=customer.pk)
    return Page(
        tenant=tenant.name,
        customer=customer.name or customer.external_id,
        as_of=write.moment(now),
        expires_at=write.moment(expires_at),
        sandbox=tenant.sandbox,
        subscriptions=tuple(
            _subscription_block(entry) for entry in selectors.portal_usage(tenant=tenant, subscriptions=subscriptions)
        ),
        invoices=tuple(_invoice_row(invoice) for invoice in invoices),
        balances=tuple((currency, Writer(currency).money(amount)) for currency, amount in balances),
        grants=_grant_rows(tenant, customer),
    )
