"""The ledger of credit grants (API.md Part 2, "Prepaid credits"): what invoices use of
them, what a voided invoice gives back, expiry, voids and credit notes of a purchase.

Every change of a grant's `used`, `expired` or `voided` is written with its ledger
entry (`CreditGrantEntry`) under the customer's row lock (`invoices.locks`), as every
balance write is: the run reads a customer's grants after taking that lock, so two
invoices of one customer finalized at once never use the same credit, and the CHECK
constraint `credit_grant_remaining_not_negative` refuses what would slip through.

At finalization (`GrantBook`, used by `invoices.billing`), after tax and before the
balance, the grants of the invoice's customer and currency that pay it
(`CreditGrant.pays`: active, effective_at ≤ period_end < expires_at, something left)
are used in the model's order: lowest priority, earliest expires_at (none last),
oldest. The API's routes and the purchase invoice are in `invoices.grant_services`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Min, QuerySet

from audit.services import audit_record, changed_since, snapshot
from invoices.locks import lock_customers
from invoices.models import CreditGrant, CreditGrantEntry, CreditNote, Invoice
from plans.money import format_price
from tenants.errors import Conflict
from tenants.formats import format_time
from tenants.models import TenantRef, tenant_pk
from webhooks.models import EventType
from webhooks.services import events_publish

ZERO = Decimal(0)
Status, Kind = CreditGrant.Status, CreditGrantEntry.Kind
# What expiry forfeits: grants that may still have something left.
OPEN_STATUSES = (Status.PENDING, Status.ACTIVE)
GRANT_REMAINING_TOO_SMALL = (
    "The credit grant of this purchase has {remaining} left, less than the note's {amount}: "
    "only what is left of the credits can be credited back."
)


def credit_grant_body(grant: CreditGrant, entries: Iterable[CreditGrantEntry] | None = None) -> dict[str, Any]:
    """The grant as the API and its events show it; with `entries`, its ledger too."""
    money = grant.currency
    body: dict[str, Any] = {
        "id": str(grant.pk),
        "customer_id": str(grant.customer_id),
        "name": grant.name,
        "category": grant.category,
        "currency": grant.currency,
        "amount": format_price(grant.amount, money),
        "remaining": format_price(grant.remaining, money),
        "used": format_price(grant.used, money),
        "expired": format_price(grant.expired, money),
        "voided": format_price(grant.voided, money),
        "priority": grant.priority,
        "status": grant.status,
        "effective_at": format_time(grant.effective_at),
        "expires_at": format_time(grant.expires_at),
        "invoice_id": str(grant.invoice_id) if grant.invoice_id else None,
        "created_at": format_time(grant.created_at),
    }
    if entries is not None:
        body["ledger"] = [_entry_body(entry, money) for entry in entries]
    return body


def _entry_body(entry: CreditGrantEntry, currency: str) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "amount": format_price(entry.amount, currency),
        "invoice_id": str(entry.invoice_id) if entry.invoice_id else None,
        "credit_note_id": str(entry.credit_note_id) if entry.credit_note_id else None,
        "description": entry.description,
        "created_at": format_time(entry.created_at),
    }


def _publish(tenant_id: uuid.UUID, kind: str, grants: Iterable[CreditGrant]) -> None:
    events = [(kind, _body_of(grant)) for grant in grants]
    if events:
        events_publish(tenant=tenant_id, events=events)


def _body_of(grant: CreditGrant) -> Callable[[], dict[str, Any]]:
    return lambda: credit_grant_body(grant)


# The grant's counter that each kind of entry moves.
_COUNTERS: dict[str, str] = {
    Kind.USED: "used",
    Kind.INVOICE_VOIDED: "used",
    Kind.EXPIRED: "expired",
    Kind.VOIDED: "voided",
}


def _entry(grant: CreditGrant, kind: str, amount: Decimal, description: str, **refs: Any) -> CreditGrantEntry:
    """The entry of `amount` taken off (or, negative, given back to) the grant, with its
    counter moved to match (the caller saves both)."""
    counter = _COUNTERS[kind]
    sign = -1 if kind == Kind.INVOICE_VOIDED else 1
    setattr(grant, counter, getattr(grant, counter) + sign * amount)
    return CreditGrantEntry(
        tenant_id=grant.tenant_id, grant=grant, kind=kind, amount=sign * amount, description=description[:300], **refs
    )


# At finalization


@dataclass
class GrantBook:
    """The active grants of some customers, per (customer, currency), in the order they
    are used; what invoices take of them is booked in memory and written by `save`."""

    grants: dict[tuple[uuid.UUID, str], list[CreditGrant]] = field(default_factory=dict)
    entries: list[CreditGrantEntry] = field(default_factory=list)
    touched: dict[uuid.UUID, CreditGrant] = field(default_factory=dict)

    def offers(self, customer_id: uuid.UUID, currency: str, period_end: datetime) -> list[CreditGrant]:
        """The grants that may pay an invoice of the customer in `currency` whose period
        ends at `period_end`, in the order they are used."""
        return [g for g in self.grants.get((customer_id, currency), []) if g.pays(period_end)]

    def use(self, invoice: Invoice, grants: Sequence[CreditGrant], amounts: Sequence[Decimal]) -> None:
        for grant, amount in zip(grants, amounts, strict=True):
            if amount:
                self.entries.append(
                    _entry(grant, Kind.USED, amount, f"Used by invoice {invoice.number}", invoice_id=invoice.pk)
                )
                if not grant.remaining:
                    grant.status = Status.DEPLETED
                self.touched[grant.pk] = grant

    def save(self, tenant: TenantRef) -> None:
        """Write what the invoices used (they are written already) and publish
        `credit_grant.depleted` for the grants they used up."""
        if not self.entries:
            return
        CreditGrant.objects.bulk_update(list(self.touched.values()), ["used", "status"])
        CreditGrantEntry.objects.bulk_create(self.entries)
        depleted = [g for g in self.touched.values() if g.status == Status.DEPLETED]
        _publish(tenant_pk(tenant), EventType.CREDIT_GRANT_DEPLETED, depleted)


def customers_with_grants(*, tenant: TenantRef, customer_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Those of the customers that have an active grant (the run locks them)."""
    rows = CreditGrant.objects.for_tenant(tenant_pk(tenant)).filter(customer_id__any=customer_ids, status=Status.ACTIVE)
    return set(rows.order_by().values_list("customer_id", flat=True).distinct())


def grant_book(*, tenant: TenantRef, customer_ids: Collection[uuid.UUID]) -> GrantBook:
    """The customers' active grants. Read under their row locks for a run that writes;
    unlocked for a preview, which writes nothing."""
    book = GrantBook()
    rows = CreditGrant.objects.for_tenant(tenant_pk(tenant)).filter(customer_id__any=customer_ids, status=Status.ACTIVE)
    for grant in rows:  # in the model's order: the order they are used in
        book.grants.setdefault((grant.customer_id, grant.currency), []).append(grant)
    return book


# Afterwards: voids, payments, credit notes, expiry


def _locked_grants(customer_id: uuid.UUID, rows: QuerySet[CreditGrant]) -> list[CreditGrant]:
    lock_customers([customer_id])
    return list(rows.select_for_update(of=("self",)).order_by("pk"))


def _forfeit(grant: CreditGrant, kind: str, amount: Decimal, description: str, **refs: Any) -> CreditGrantEntry | None:
    return _entry(grant, kind, amount, description, **refs) if amount > 0 else None


def purchase_grant_close(invoice: Invoice, *, description: str) -> CreditGrant | None:
    """The purchase invoice was voided or marked uncollectible: its grant is voided
    (what is left of it, the ledger says so). Nothing for other invoices."""
    if invoice.billing_reason != Invoice.BillingReason.CREDIT_PURCHASE:
        return None
    rows = CreditGrant.objects.for_tenant(invoice.tenant_id).filter(invoice_id=invoice.pk)
    for grant in _locked_grants(invoice.customer_id, rows):
        return _void(grant, description, invoice_id=invoice.pk)
    return None


def grant_void_remaining(grant: CreditGrant, description: str) -> CreditGrant:
    """Void what is left of `grant` (locked by the caller, under its customer's lock)."""
    return _void(grant, description)


def _void(grant: CreditGrant, description: str, **refs: Any) -> CreditGrant:
    before = snapshot(grant, ["status", "voided"])
    entry = _forfeit(grant, Kind.VOIDED, grant.remaining, description, **refs)
    grant.status = Status.VOIDED
    grant.save(update_fields=["voided", "status"])
    if entry is not None:
        entry.save()
    changes = changed_since(before, grant)
    audit_record(tenant=grant.tenant_id, action="credit_grant.voided", obj=grant, changes=changes, reason=description)
    return grant


def purchase_grant_activate(invoice: Invoice) -> None:
    """The purchase invoice was paid: its grant, pending until then, is active (or
    voided when credit notes took all of it back). Nothing for other invoices."""
    if invoice.billing_reason != Invoice.BillingReason.CREDIT_PURCHASE:
        return
    rows = CreditGrant.objects.for_tenant(invoice.tenant_id).filter(invoice_id=invoice.pk, status=Status.PENDING)
    for grant in _locked_grants(invoice.customer_id, rows):
        grant.status = Status.ACTIVE if grant.remaining > 0 else Status.VOIDED
        grant.save(update_fields=["status"])
        changes = {"status": [Status.PENDING, grant.status]}
        audit_record(tenant=grant.tenant_id, action="credit_grant.activated", obj=grant, changes=changes)


def grants_give_back(invoice: Invoice) -> Decimal:
    """A voided invoice gives back what it used of each grant (ledger `invoice_voided`);
    a grant that expired or was voided meanwhile forfeits it again at once (its ledger
    shows both). Returns Σ given back (the rest of `credits_applied` came from the
    balance)."""
    net: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    rows = CreditGrantEntry.objects.for_tenant(invoice.tenant_id).filter(invoice_id=invoice.pk)
    for grant_id, amount in rows.filter(kind__in=[Kind.USED, Kind.INVOICE_VOIDED]).values_list("grant_id", "amount"):
        net[grant_id] += amount
    owed = {grant_id: amount for grant_id, amount in net.items() if amount > 0}
    if not owed:
        return ZERO
    grants = CreditGrant.objects.for_tenant(invoice.tenant_id).filter(pk__in=list(owed))
    entries = []
    for grant in _locked_grants(invoice.customer_id, grants):
        amount, text = owed[grant.pk], f"Invoice {invoice.number} voided"
        entries.append(_entry(grant, Kind.INVOICE_VOIDED, amount, text, invoice_id=invoice.pk))
        if grant.status in (Status.EXPIRED, Status.VOIDED):
            kind = Kind.EXPIRED if grant.status == Status.EXPIRED else Kind.VOIDED
            entries.append(_entry(grant, kind, amount, f"{text}: the grant is {grant.status}", invoice_id=invoice.pk))
        elif grant.status == Status.DEPLETED:
            grant.status = Status.ACTIVE
        grant.save(update_fields=["used", "expired", "voided", "status"])
    CreditGrantEntry.objects.bulk_create(entries)
    return sum(owed.values(), ZERO)


def purchase_grant_credit(invoice: Invoice, note: CreditNote) -> None:
    """A credit note on a credit_purchase invoice takes its amount off the grant (409
    when less than that is left: what was used cannot be credited back)."""
    if invoice.billing_reason != Invoice.BillingReason.CREDIT_PURCHASE:
        return
    rows = CreditGrant.objects.for_tenant(invoice.tenant_id).filter(invoice_id=invoice.pk)
    for grant in _locked_grants(invoice.customer_id, rows):
        if grant.remaining < note.amount:
            detail = GRANT_REMAINING_TOO_SMALL.format(
                remaining=format_price(grant.remaining, grant.currency), amount=format_price(note.amount, note.currency)
            )
            raise Conflict(detail, code="grant_remaining_too_small")
        entry = _entry(grant, Kind.VOIDED, note.amount, f"Credit note {note.number}", credit_note=note, invoice=invoice)
        if not grant.remaining:
            grant.status = Status.DEPLETED if grant.used else Status.VOIDED
        grant.save(update_fields=["voided", "status"])
        entry.save()


def grants_expire(*, tenant: TenantRef, at: datetime) -> int:
    """Forfeit what remains of every grant whose `expires_at` is at or before `at`
    (ledger `expired`, status `expired`, `credit_grant.expired`); how many expired.
    Safe to run twice: an expired grant is not taken again. A customer at a time, each
    in its own transaction under its row lock."""
    tenant_id = tenant_pk(tenant)
    due = CreditGrant.objects.for_tenant(tenant_id).filter(status__in=OPEN_STATUSES, expires_at__lte=at)
    customers = sorted(set(due.order_by().values_list("customer_id", flat=True)))
    expired = 0
    for customer_id in customers:
        with transaction.atomic():
            grants = _locked_grants(customer_id, due.filter(customer_id=customer_id))
            for grant in grants:
                before = snapshot(grant, ["status", "expired"])
                entry = _forfeit(grant, Kind.EXPIRED, grant.remaining, "Expired")
                grant.status = Status.EXPIRED
                grant.save(update_fields=["expired", "status"])
                if entry is not None:
                    entry.save()
                audit_record(
                    tenant=tenant_id, action="credit_grant.expired", obj=grant, changes=changed_since(before, grant)
                )
            _publish(tenant_id, EventType.CREDIT_GRANT_EXPIRED, grants)
            expired += len(grants)
    return expired


def grant_next_expiry(*, tenant: TenantRef, after: datetime) -> datetime | None:
    """The earliest `expires_at` after `after` of a grant that may still expire."""
    rows = CreditGrant.objects.for_tenant(tenant_pk(tenant)).filter(status__in=OPEN_STATUSES, expires_at__gt=after)
    first: datetime | None = rows.aggregate(first=Min("expires_at"))["first"]
    return first


def grant_tenants_due(*, now: datetime) -> list[uuid.UUID]:
    """Live tenants with a grant to expire by `now` (real time): the beat's fan-out.
    Sandboxes' grants expire as their clock is advanced."""
    rows = CreditGrant.unscoped().filter(status__in=OPEN_STATUSES, expires_at__lte=now, tenant__sandbox=False)
    return list(rows.order_by().values_list("tenant_id", flat=True).distinct())
