"""`python manage.py seed_demo [--reset]` (`make demo`): a demo tenant with months of
history, and a sandbox tenant whose clock waits to be advanced (ops.demo_sandbox).

Everything goes through the apps' services, as the API would: the tenant "Demo Co"
with an admin and an API key, a meter of every aggregation, plans of every charge
model, a webhook endpoint where nothing listens, ten customers subscribed three to
four months ago (trials, one still in its trial, one canceled at period end), a few
thousand usage events over those months (the batch ingestion path), then the invoices
of every period that ended, each issued at its period's end as the hourly beat job
would have (oldest first), payments of the older invoices through the payment
webhook's service (one declined), and a refresh of the revenue view.

Safe to run twice: the demo admin's email marks the demo tenant (and the sandbox
admin's the sandbox); a run that finds both prints the logins and changes nothing, one
that finds only the demo (seeded by an earlier release) adds the sandbox. `--reset`
(APP_ENV=development only) deletes both tenants and everything they own, then seeds
them afresh: how a demo seeded
without WEBHOOK_ALLOW_PRIVATE_URLS gets its webhook endpoint. The whole seed is one
transaction, so a run that fails leaves nothing behind (nor deletes anything).
Development only: the password is fixed and printed.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from graphlib import TopologicalSorter
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.models import Min

from audit.models import AuditEntry
from invoices.billing import bill_due_batch
from invoices.models import Invoice
from invoices.services import subscription_cancel
from metrics.selectors import mrr_for_tenant
from metrics.services import revenue_metrics_refresh
from ops.demo_sandbox import SANDBOX_ADMIN_EMAIL, SANDBOX_CUSTOMERS, SandboxSeeded, existing_sandbox, seed_sandbox
from ops.demo_shared import DEMO_CURRENCY, METERS, PLANS, demo_catalog, existing_demo_tenant
from payments.services import PaymentNotice, payment_event_receive
from plans.money import format_price
from plans.selectors import plan_list
from subscriptions.models import Subscription
from subscriptions.selectors import subscription_list_due
from subscriptions.services import customer_create, subscription_create
from tenants import clock
from tenants.isolation import scope_boundary, tenant_scope
from tenants.models import ApiKey, Tenant
from tenants.services import api_key_create, tenant_delete, tenant_signup
from usage.parsing import ParsedEvent, usage_events_prepare
from usage.services import usage_events_ingest_batch
from webhooks.services import webhook_endpoint_create
from webhooks.url_guard import UnsafeUrlError, check_webhook_url

DEMO_TENANT_NAME = "Demo Co"
DEMO_ADMIN_EMAIL = "admin@demo.test"
DEMO_PASSWORD = "demo-only-not-a-secret"  # noqa: S105 - a published development login
DEMO_WEBHOOK_URL = "http://127.0.0.1:9/demo-webhooks"  # port 9 (discard): nothing listens
WEBHOOK_DESCRIPTION = "Demo: nothing listens here, so every delivery fails, is retried with backoff, then ends dead"
# Taken for the seed's transaction, so that two runs at once cannot both create the demo.
ADVISORY_LOCK_KEY = 0x5EED_DE30
BATCH = 1000

NOT_IN_DEVELOPMENT = "seed_demo is for development only: it creates a login whose password it prints."
RESET_NOT_IN_DEVELOPMENT = "seed_demo --reset deletes a tenant and all its data: it runs only with APP_ENV=development."
NOT_BILLED = "A demo subscription could not be billed, so nothing was seeded: {failures}"


@dataclass(frozen=True)
class DemoCustomer:
    external_id: str
    name: str
    plan: str
    days_ago: int  # the subscription started this many days before the seed, at midnight UTC
    scale: float  # how much usage it sends
    trial_days: int | None = None  # None: the plan's


CUSTOMERS = (
    DemoCustomer("cus_globex", "Globex Corporation", "pro", 118, 3.0),
    DemoCustomer("cus_initech", "Initech", "starter", 121, 1.0),
    DemoCustomer("cus_umbrella", "Umbrella Corp", "pro", 104, 2.0),
    DemoCustomer("cus_hooli", "Hooli", "enterprise", 110, 5.0),
    DemoCustomer("cus_stark", "Stark Industries", "enterprise", 95, 4.0),
    DemoCustomer("cus_wayne", "Wayne Enterprises", "starter", 112, 0.5),
    DemoCustomer("cus_wonka", "Wonka Industries", "starter", 99, 1.5),
    DemoCustomer("cus_cyberdyne", "Cyberdyne Systems", "pro", 100, 1.0, trial_days=120),  # still trialing
    DemoCustomer("cus_tyrell", "Tyrell Corporation", "starter", 101, 0.8),
    DemoCustomer("cus_soylent", "Soylent Corp", "pro", 92, 1.2),
)
DECLINED_CUSTOMER = "cus_umbrella"  # its latest payment fails: subscription past_due
CANCELED_CUSTOMER = "cus_tyrell"  # canceled at the end of its current period


# Usage


def _day_usage(customer: DemoCustomer, meter: str, day: int, rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    """(value, properties) of each event of one meter on one day of a customer."""
    scale = customer.scale
    if meter == "api_calls":
        return [(str(int(rng.randint(400, 2500) * scale)), {})]
    if meter == "sms":
        return [("1", {}) for _ in range(rng.randint(0, 3))]
    if meter == "storage_gb":
        return [(f"{(20 + day * 0.4 + rng.uniform(0, 3)) * scale:.2f}", {})]
    if meter == "active_users":
        users = max(3, int(12 * scale))
        return [("1", {"user_id": f"user_{rng.randint(1, users)}"}) for _ in range(rng.randint(1, 4))]
    return [(f"{rng.uniform(5, 40) * scale:.3f}", {})]  # transfer_gb


def raw_usage(customer: DemoCustomer, meters: list[str], start: datetime, now: datetime) -> Iterator[dict[str, Any]]:
    """The customer's events from `start` to `now`, as the API would receive them.
    Deterministic for a given customer, start and now (seeded by the customer)."""
    rng = random.Random(f"seed_demo:{customer.external_id}")
    day = 0
    while start + timedelta(days=day) < now:
        for meter in meters:
            for n, (value, properties) in enumerate(_day_usage(customer, meter, day, rng)):
                at = start + timedelta(days=day, seconds=rng.randrange(86_400))
                if at >= now:
                    continue
                yield {
                    "idempotency_key": f"demo-{customer.external_id}-{meter}-{day}-{n}",
                    "external_customer_id": customer.external_id,
                    "meter": meter,
                    "value": value,
                    "timestamp": at.isoformat(),
                    "properties": properties,
                }
        day += 1


def parse_usage(tenant: Tenant, raw: list[dict[str, Any]], now: datetime) -> list[ParsedEvent]:
    """The events validated and resolved as the batch endpoint does."""
    prepared = usage_events_prepare(tenant=tenant, raws=raw, now=now)
    if prepared.failed:
        raise CommandError(f"bad demo events: {prepared.failed}")
    return prepared.ready


# The seed


@dataclass
class Seeded:
    tenant: Tenant
    api_key: str
    webhook: str  # the endpoint's URL, or why there is none
    events: int
    invoices: Counter[str]  # by status, after the payments
    payments: Counter[str]  # by outcome


def existing_demo() -> Tenant | None:
    """The demo tenant if it was seeded already."""
    return existing_demo_tenant(DEMO_ADMIN_EMAIL, DEMO_TENANT_NAME)


def _webhook_endpoint(tenant: Tenant) -> str:
    """An endpoint for every event type where nothing listens, or why there is none:
    the SSRF guard refuses http and loopback addresses unless WEBHOOK_ALLOW_PRIVATE_URLS."""
    try:
        check_webhook_url(DEMO_WEBHOOK_URL)
    except UnsafeUrlError as exc:
        return f"none: {DEMO_WEBHOOK_URL} refused ({exc}); WEBHOOK_ALLOW_PRIVATE_URLS=true allows it"
    endpoint = webhook_endpoint_create(tenant=tenant, url=DEMO_WEBHOOK_URL, description=WEBHOOK_DESCRIPTION)
    return f"{endpoint.url} ({WEBHOOK_DESCRIPTION})"


def _subscribe(tenant: Tenant, now: datetime) -> dict[str, tuple[DemoCustomer, Subscription]]:
    plans = {plan.code: plan for plan in plan_list(tenant=tenant)}
    subscribed = {}
    for c in CUSTOMERS:
        customer = customer_create(
            tenant=tenant, external_id=c.external_id, name=c.name, email=f"billing@{c.external_id[4:]}.test"
        )
        start = (now - timedelta(days=c.days_ago)).replace(hour=0, minute=0, second=0, microsecond=0)
        subscription = subscription_create(
            tenant=tenant, customer_id=customer.pk, plan_id=plans[c.plan].pk, start_at=start, trial_days=c.trial_days
        )
        subscribed[c.external_id] = (c, subscription)
    return subscribed


def _usage(tenant: Tenant, subscribed: dict[str, tuple[DemoCustomer, Subscription]], now: datetime) -> int:
    charged = {code: [draft.meter for draft in charges] for code, _, _, _, _, charges in PLANS}
    raw = [
        event
        for customer, subscription in subscribed.values()
        for event in raw_usage(customer, charged[customer.plan], subscription.start_at, now)
    ]
    for first in range(0, len(raw), BATCH):
        usage_events_ingest_batch(tenant=tenant, events=parse_usage(tenant, raw[first : first + BATCH], now))
    return len(raw)


def _invoice_history(tenant: Tenant, now: datetime) -> int:
    """Invoice every period that ended by `now` as the hourly beat job would have: at
    each period's end in turn, oldest first, so that each invoice is issued when its
    period ended and the revenue chart shows the months. Returns how many ends."""
    ends = 0
    while True:
        due = subscription_list_due(tenant=tenant, as_of=now).aggregate(first=Min("current_period_end"))
        if due["first"] is None:
            return ends
        ends += 1
        while outcome := bill_due_batch(tenant=tenant, as_of=due["first"], now=due["first"], batch_size=BATCH):
            if outcome.failures:  # it would stay due, and this loop would never end
                raise CommandError(NOT_BILLED.format(failures=outcome.failures))


def _pay(invoices: list[Invoice]) -> Counter[str]:
    """Settle open invoices through the payment webhook's service, as the provider
    would: each subscription's latest invoice is left open (awaiting payment), except
    the declined customer's, whose payment fails; every earlier one is paid."""
    latest: dict[uuid.UUID | None, uuid.UUID] = {}
    for invoice in sorted(invoices, key=lambda i: i.period_start):
        latest[invoice.subscription_id] = invoice.pk
    outcomes: Counter[str] = Counter()
    for invoice in invoices:
        is_latest = latest[invoice.subscription_id] == invoice.pk
        if invoice.status != Invoice.Status.OPEN or (is_latest and invoice.customer.external_id != DECLINED_CUSTOMER):
            continue
        event, _ = payment_event_receive(notice=_notice(invoice, succeeded=not is_latest))
        outcomes[event.outcome] += 1
    return outcomes


def _notice(invoice: Invoice, *, succeeded: bool) -> PaymentNotice:
    kind = "payment.succeeded" if succeeded else "payment.failed"
    amount = format_price(invoice.charge_amount, invoice.currency)
    reason = "" if succeeded else "card_declined"
    data = {"invoice_id": str(invoice.pk), "amount": amount, "currency": invoice.currency}
    return PaymentNotice(
        webhook_id=f"demo_pay_{invoice.pk}",
        type=kind,
        invoice_id=invoice.pk,
        amount=invoice.charge_amount,
        currency=invoice.currency,
        failure_reason=reason,
        payload={"type": kind, "data": {**data, "failure_reason": reason or None}},
    )


def seed(now: datetime) -> Seeded:
    """Create the demo tenant and its history up to `now` (call it in a transaction)."""
    validate_password(DEMO_PASSWORD)
    tenant = tenant_signup(
        name=DEMO_TENANT_NAME,
        admin_email=DEMO_ADMIN_EMAIL,
        admin_password=DEMO_PASSWORD,
        default_currency=DEMO_CURRENCY,
    )["tenant"]
    with tenant_scope(tenant):
        return _history(tenant, now)


def _history(tenant: Tenant, now: datetime) -> Seeded:
    _, raw_key = api_key_create(tenant=tenant, name="demo backend")
    demo_catalog(tenant)
    webhook = _webhook_endpoint(tenant)  # before anything happens, so that it gets every event
    subscribed = _subscribe(tenant, now)
    events = _usage(tenant, subscribed, now)
    _invoice_history(tenant, now)
    _, canceled = subscribed[CANCELED_CUSTOMER]
    subscription_cancel(tenant=tenant, subscription_id=canceled.pk, at_period_end=True, now=now)
    payments: Counter[str] = Counter()
    if not settings.PAYMENT_PROVIDER_URL:  # else the provider is asked to charge them (on commit)
        invoices = list(Invoice.objects.for_tenant(tenant).select_related("customer"))
        payments = _pay(invoices)
    statuses = Counter(Invoice.objects.for_tenant(tenant).values_list("status", flat=True))
    return Seeded(tenant, raw_key, webhook, events, statuses, payments)


# Reset


def _owned_models() -> list[type[models.Model]]:
    """Every stored model with rows of a tenant (a `tenant` key), those that refer to
    others first: their protected keys forbid deleting the referred rows before."""
    owned = [
        model
        for model in apps.get_models()
        if model._meta.managed and any(f.name == "tenant" and f.related_model is Tenant for f in model._meta.fields)
    ]
    referred_by: dict[type[models.Model], set[type[models.Model]]] = {model: set() for model in owned}
    for model in owned:
        for field in model._meta.fields:
            if field.related_model in referred_by and field.related_model is not model:
                referred_by[field.related_model].add(model)
    return list(TopologicalSorter(referred_by).static_order())


def demo_delete(tenant: Tenant) -> Counter[str]:
    """Delete `tenant` and every row it owns (users included); the counts by model. The
    audit log goes last, with the tenant: only the tenant-delete service may delete it."""
    deleted: Counter[str] = Counter()
    for model in _owned_models():
        if model is not AuditEntry:
            count, _ = model._base_manager.filter(tenant=tenant).delete()
            deleted[str(model._meta.verbose_name_plural)] += count
    tenant_delete(tenant=tenant)
    return +deleted


class Command(BaseCommand):
    help = "Seed a demo tenant (Demo Co) with plans, customers, months of usage, invoices and payments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo tenant and everything it owns, then seed it again (APP_ENV=development only).",
        )

    @scope_boundary()
    def handle(self, *args: Any, **options: Any) -> None:
        reset = options["reset"]
        if not settings.IS_DEVELOPMENT:
            raise CommandError(NOT_IN_DEVELOPMENT)
        if reset and settings.APP_ENV != "development":
            raise CommandError(RESET_NOT_IN_DEVELOPMENT)
        started = time.monotonic()
        tenant, sandbox = existing_demo(), existing_sandbox()
        if tenant is not None and sandbox is not None and not reset:
            return self._exists(tenant, sandbox)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
            # A run that held the lock before us may have seeded them.
            tenant, sandbox = existing_demo(), existing_sandbox()
            if tenant is not None and sandbox is not None and not reset:
                return self._exists(tenant, sandbox)
            if reset:
                for old in (t for t in (tenant, sandbox) if t is not None):
                    self.stdout.write(f"demo tenant deleted: {old.name} (id {old.pk}): {_counts(demo_delete(old))}")
                tenant = sandbox = None
            now = clock.real_now()  # a new tenant's clock starts at real time
            seeded = seed(now) if tenant is None else None
            sandboxed = seed_sandbox(now, DEMO_PASSWORD) if sandbox is None else None
        revenue_metrics_refresh()
        if seeded is None:
            self._exists(tenant, None)
        else:
            self._report(seeded, time.monotonic() - started)
        if sandboxed is not None:
            self._report_sandbox(sandboxed)

    def _exists(self, tenant: Tenant | None, sandbox: Tenant | None) -> None:
        for found in (t for t in (tenant, sandbox) if t is not None):
            self.stdout.write(
                f"demo tenant exists: {found.name} (id {found.pk}); nothing changed (--reset seeds it afresh)."
            )
            self._login(found)
            with tenant_scope(found):
                keys = ", ".join(f"{k.name} ({k.prefix}…)" for k in ApiKey.objects.order_by("created_at"))
            self.stdout.write(f"  API keys: {keys or 'none'} (a key is shown only when created: POST …/api-keys)")

    def _login(self, tenant: Tenant) -> None:
        base = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
        email = SANDBOX_ADMIN_EMAIL if tenant.sandbox else DEMO_ADMIN_EMAIL
        self.stdout.write(f"  tenant id: {tenant.pk}")
        self.stdout.write(f"  admin login: {email} / {DEMO_PASSWORD}  (fake, development only)")
        body = f'{{"email": "{email}", "password": "{DEMO_PASSWORD}"}}'
        self.stdout.write(f"    curl -s -X POST {base}/v1/auth/login -H 'content-type: application/json' -d '{body}'")
        self.stdout.write(
            f"  API docs: {base}/v1/docs; Django admin: {base}/admin/ (.venv/bin/python manage.py createsuperuser)"
        )

    def _report(self, seeded: Seeded, seconds: float) -> None:
        tenant, write = seeded.tenant, self.stdout.write
        write(f"demo tenant created: {tenant.name}")
        self._login(tenant)
        write(f"  API key (shown once): {seeded.api_key}")
        write("  meters: " + ", ".join(f"{code} ({aggregation})" for code, _, aggregation, _ in METERS))
        write("  plans: " + ", ".join(f"{code} ({fee} {DEMO_CURRENCY}/{every})" for code, _, every, fee, *_ in PLANS))
        with tenant_scope(tenant):
            statuses = Counter(Subscription.objects.values_list("status", flat=True))
            mrr = mrr_for_tenant(tenant=tenant).currencies
        write(f"  subscriptions: {_counts(statuses)}; {CANCELED_CUSTOMER} cancels at its period end")
        write(f"  usage events: {seeded.events}")
        write(f"  invoices: {_counts(seeded.invoices)}")
        if settings.PAYMENT_PROVIDER_URL:
            write(f"  payments: the Celery worker sends the open invoices to {settings.PAYMENT_PROVIDER_URL}")
        else:
            write(f"  payment webhooks applied: {_counts(seeded.payments)}; the latest invoices await payment")
        write(f"  webhook endpoint: {seeded.webhook}")
        for row in mrr:
            write(f"  MRR: {row.mrr} {row.currency}, ARR {row.arr}")
        write(f"done in {seconds:.1f} s")

    def _report_sandbox(self, seeded: SandboxSeeded) -> None:
        tenant, write = seeded.tenant, self.stdout.write
        write(f"sandbox tenant created: {tenant.name}, its clock at {seeded.clock_time.isoformat()}")
        self._login(tenant)
        write(f"  API key (shown once): {seeded.api_key}")
        write(f"  subscriptions: {len(SANDBOX_CUSTOMERS)} from the clock, usage sent; nothing invoiced yet")
        write("  advance its clock a month to invoice it: POST …/clock/advance (README, the tour; docs/sandbox.md)")


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{count} {name}" for name, count in sorted(counter.items())) or "none"
