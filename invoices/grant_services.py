"""Credit grants through the API (API.md Part 2, "Prepaid credits"): granting, the
purchase invoice of a paid grant, voiding, and the reads of the routes. Their ledger
(what invoices use, expiry, voids and credit notes of the purchase) is `invoices.grants`.

Decisions where the contract is silent (as Stripe's and Lago's credits do):
- a `paid` grant with `invoice: true` is sold by a `credit_purchase` invoice issued at
  once (no subscription, its window the instant of issue, one `credit_purchase` line;
  no discount, tax or credits), collected like any invoice; the grant is `pending`
  until that invoice is paid, `voided` if it is voided or marked uncollectible (a
  payment that arrives after all leaves it voided: credit-note the purchase);
- `expires_at` must be after `effective_at` and after now (a grant born expired is a
  typing mistake); `effective_at` defaults to now and may be in the past or future;
- voiding a grant whose purchase invoice is still open voids that invoice too (the
  customer is not asked to pay for credits that no longer exist); voiding an expired
  or voided grant is a 409.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet

from audit.services import as_created, audit_record
from invoices import grants, services
from invoices.instruments import INVOICES_TOTAL
from invoices.locks import lock_customers
from invoices.models import CreditGrant, CreditGrantEntry, Invoice, InvoiceLine
from invoices.numbering import Series, take_numbers
from invoices.serializers import invoice_body
from invoices.signals import invoices_finalized
from invoices.totals import LineAmount, invoice_totals
from plans.money import quantize_money
from subscriptions.models import Customer
from tenants import clock
from tenants.errors import Conflict, Invalid, Message, NotFound
from tenants.models import TenantRef, tenant_pk
from webhooks.models import EventType
from webhooks.services import event_publish

CREDIT_GRANT_NOT_FOUND = "No such credit grant."
AMOUNT_NOT_POSITIVE = "amount must be greater than 0."
AMOUNT_TOO_PRECISE = "amount has more decimal places than {currency} has."
EXPIRES_NOT_AFTER_EFFECTIVE = "expires_at must be after effective_at ({effective_at})."
EXPIRES_IN_THE_PAST = "expires_at must be in the future (now is {now})."
INVOICE_ONLY_FOR_PAID = "invoice is for paid grants only: a promotional grant is given, not sold."
GRANT_NOT_VOIDABLE = "This credit grant is {status}: there is nothing left to void."
GRANT_PURCHASE_PAID = (
    "This grant was bought and its invoice {number} is paid: credit-note the purchase instead "
    "(POST …/invoices/{invoice_id}/credit-notes), which takes the amount off the grant."
)


def _check(
    *, amount: Decimal, currency: str, category: str, invoice: bool | None, effective_at: datetime,
    expires_at: datetime | None, now: datetime,
) -> None:  # fmt: skip
    """400 naming each field that breaks a rule."""
    errors: dict[str, list[Message]] = {}
    if amount <= 0:
        errors["amount"] = [Message(AMOUNT_NOT_POSITIVE, code="not_positive")]
    elif quantize_money(amount, currency) != amount:
        errors["amount"] = [Message(AMOUNT_TOO_PRECISE.format(currency=currency), code="too_precise_for_currency")]
    if expires_at is not None and expires_at <= effective_at:
        text = EXPIRES_NOT_AFTER_EFFECTIVE.format(effective_at=effective_at.isoformat())
        errors["expires_at"] = [Message(text, code="not_after_effective")]
    elif expires_at is not None and expires_at <= now:
        errors["expires_at"] = [Message(EXPIRES_IN_THE_PAST.format(now=now.isoformat()), code="in_the_past")]
    if invoice and category != CreditGrant.Category.PAID:
        errors["invoice"] = [Message(INVOICE_ONLY_FOR_PAID, code="not_allowed")]
    if errors:
        raise Invalid(errors)


def credit_grant_create(
    *,
    tenant: TenantRef,
    customer: Customer,
    amount: Decimal,
    currency: str,
    category: str,
    priority: int = 50,
    effective_at: datetime | None = None,
    expires_at: datetime | None = None,
    name: str = "",
    invoice: bool | None = None,
) -> CreditGrant:
    """Grant credits to `customer` (see the module's docstring for a paid one)."""
    tenant_id = tenant_pk(tenant)
    now = clock.now(tenant_id)
    effective_at = effective_at or now
    _check(
        amount=amount, currency=currency, category=category, invoice=invoice, effective_at=effective_at,
        expires_at=expires_at, now=now,
    )  # fmt: skip
    sold = category == CreditGrant.Category.PAID and invoice is not False
    with transaction.atomic():
        grant = CreditGrant(
            tenant_id=tenant_id, customer=customer, name=name, category=category, currency=currency, amount=amount,
            priority=priority, effective_at=effective_at, expires_at=expires_at,
            status=CreditGrant.Status.PENDING if sold else CreditGrant.Status.ACTIVE, created_at=clock.real_now(),
        )  # fmt: skip
        if sold:
            grant.invoice = _purchase_invoice(tenant_id, grant, now)
        grant.save()
        fields = ("amount", "currency", "category", "priority", "effective_at", "expires_at", "status", "invoice_id")
        audit_record(tenant=tenant_id, action="credit_grant.created", obj=grant, changes=as_created(grant, *fields))
    return grant


def _purchase_invoice(tenant_id: uuid.UUID, grant: CreditGrant, now: datetime) -> Invoice:
    """The `credit_purchase` invoice that sells `grant`, finalized now and sent to be
    collected like any other (payments receives `invoices_finalized`)."""
    totals = invoice_totals(
        [LineAmount("credit_purchase", grant.amount)], currency=grant.currency, credit_purchase=True
    )
    (number,) = take_numbers(tenant_id, Series.INVOICE, 1)
    invoice = Invoice.objects.create(
        tenant_id=tenant_id, number=number, customer_id=grant.customer_id, subscription=None,
        status=Invoice.Status.OPEN, billing_reason=Invoice.BillingReason.CREDIT_PURCHASE, currency=grant.currency,
        period_start=now, period_end=now, subtotal=totals.subtotal, discount=totals.discount, tax=totals.tax,
        total=totals.total, credits_applied=totals.credits_applied, amount_credited=Decimal(0),
        amount_paid=Decimal(0), amount_due=totals.amount_due,
        issued_at=now, due_at=now + timedelta(days=settings.INVOICE_DUE_DAYS), created_at=clock.real_now(),
    )  # fmt: skip
    line = InvoiceLine.objects.create(
        tenant_id=tenant_id, invoice=invoice, position=0, kind=InvoiceLine.Kind.CREDIT_PURCHASE,
        description=f"Prepaid credits{': ' + grant.name if grant.name else ''}"[:300], quantity=Decimal(1),
        amount=totals.subtotal,
    )  # fmt: skip
    event_publish(tenant=tenant_id, type=EventType.INVOICE_FINALIZED, data=lambda: invoice_body(invoice, [line]))
    INVOICES_TOTAL.labels(status=invoice.status).inc()
    invoices_finalized.send(sender=Invoice, tenant_id=tenant_id, invoices=[invoice])
    return invoice


def credit_grant_void(*, tenant: TenantRef, grant_id: uuid.UUID) -> CreditGrant:
    """Void what is left of a grant (see the module's docstring): 409 when it expired or
    was voided, or when it was bought and its invoice is paid."""
    tenant_id = tenant_pk(tenant)
    with transaction.atomic():
        grant = _locked(tenant_id, grant_id)
        if grant.status in (CreditGrant.Status.EXPIRED, CreditGrant.Status.VOIDED):
            raise Conflict(GRANT_NOT_VOIDABLE.format(status=grant.status), code="grant_not_voidable")
        purchase = grant.invoice
        if purchase is not None and purchase.status == Invoice.Status.PAID:
            detail = GRANT_PURCHASE_PAID.format(number=purchase.number, invoice_id=purchase.pk)
            raise Conflict(detail, code="grant_purchase_paid")
        if purchase is not None and purchase.status == Invoice.Status.OPEN:
            services.invoice_void(tenant=tenant_id, invoice_id=purchase.pk)  # voids the grant with it
            grant.refresh_from_db()
            return grant
        return grants.grant_void_remaining(grant, "Voided")


def _locked(tenant_id: uuid.UUID, grant_id: uuid.UUID) -> CreditGrant:
    """The grant under its purchase invoice's row lock, then its customer's (the order
    the payment webhook takes them in), so a void and a payment never cross."""
    refs = CreditGrant.objects.for_tenant(tenant_id).filter(pk=grant_id).values_list("customer_id", "invoice_id")
    found = refs.first()
    if found is None:
        raise NotFound(CREDIT_GRANT_NOT_FOUND)
    customer_id, invoice_id = found
    if invoice_id is not None:
        list(Invoice.objects.for_tenant(tenant_id).filter(pk=invoice_id).select_for_update().values_list("pk"))
    lock_customers([customer_id])
    rows = CreditGrant.objects.for_tenant(tenant_id).select_related("invoice").select_for_update(of=("self",))
    return rows.get(pk=grant_id)


def credit_grant_list(*, tenant: TenantRef, customer_id: uuid.UUID) -> QuerySet[CreditGrant]:
    """The customer's grants, newest first."""
    return CreditGrant.objects.for_tenant(tenant_pk(tenant)).filter(customer_id=customer_id).order_by("-created_at")


def credit_grant_get(*, tenant: TenantRef, grant_id: uuid.UUID | str) -> CreditGrant | None:
    """The grant with its ledger (`entries`, in the order written)."""
    entries = Prefetch("entries", queryset=CreditGrantEntry.objects.for_tenant(tenant_pk(tenant)).order_by("id"))
    return CreditGrant.objects.for_tenant(tenant_pk(tenant)).prefetch_related(entries).filter(pk=grant_id).first()
