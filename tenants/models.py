"""Tenants, their users and their API keys, and what every tenant-owned model shares.

Every tenant-owned row in the project carries `tenant_id`; `TenantOwnedModel` is the
abstract base that says so. Its manager fails closed (django-scopes): a query runs
only inside a tenant scope, and then sees only that tenant's rows; anywhere else it
raises `ScopeError`. `tenants.isolation` enters the scopes (`tenant_scope(tenant)` for
a task or a command, `TenantScopedApi` for a request) and holds the one escape for
the few cross-tenant jobs, `unscoped()` (`Model.unscoped()` for one query). Creating
a row needs no scope: it names its tenant.

A tenant in a signature: services and selectors take `*, tenant: TenantRef` (the
`Tenant` or its id, whichever the caller has: a view has the path's id, a test its
`Tenant`) and turn it into an id with `tenant_pk(tenant)` where they need one; private
helpers take that id, `tenant_id: uuid.UUID`. Celery tasks take `tenant_id: str` first
(their arguments are JSON).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import ScopedManager
from django_scopes.manager import DisabledQuerySet

from tenants.validators import validate_retry_days

if TYPE_CHECKING:
    from django.db.models import QuerySet


DEFAULT_DUNNING_RETRY_DAYS = (3, 5, 7)


def default_dunning_retry_days() -> list[int]:
    return list(DEFAULT_DUNNING_RETRY_DAYS)


class DunningFinalAction(models.TextChoices):
    """What dunning does after the last retry of an invoice fails (API.md Part 2, "Collections")."""

    NONE = "none", "Nothing"
    MARK_UNCOLLECTIBLE = "mark_uncollectible", "Mark the invoice uncollectible"
    CANCEL_SUBSCRIPTION = "cancel_subscription", "Cancel the subscription now"


def nextval(sequence: str) -> models.Func:
    """`nextval('<sequence>')`: a database sequence's next number, as a column's
    `db_default` or in an UPDATE (a usage event's new `seq` on a correction)."""
    return models.Func(models.Value(sequence), function="nextval", output_field=models.BigIntegerField())


class Tenant(models.Model):
    """A SaaS company using the service: it owns meters, plans, customers and the rest.

    A **sandbox** tenant (chosen at sign-up, never changed) lives on a clock of its
    own: its business time is `clock_time`, frozen until an advance moves it
    (`tenants.sandbox`; `clock_advancing_to` is set while one runs, and
    `clock_heartbeat_at`, real time, is its worker's last sign of life). A live tenant
    has no clock: its business time is real time (`tenants.clock`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    default_currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code, upper case")
    dunning_retry_days = ArrayField(
        models.PositiveIntegerField(),
        default=default_dunning_retry_days,
        blank=True,
        validators=[validate_retry_days],
        help_text="Dunning: days after the first failed payment at which the charge is sent again",
    )
    dunning_final_action = models.CharField(
        max_length=32,
        choices=DunningFinalAction.choices,
        default=DunningFinalAction.NONE,
        help_text="Dunning: what happens after the last retry fails",
    )
    sandbox = models.BooleanField(default=False, editable=False, help_text="Lives on its own clock; set at sign-up")
    clock_time = models.DateTimeField(null=True, blank=True, editable=False, help_text="Sandbox: its business time")
    clock_advancing_to = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Sandbox: where the running advance takes the clock"
    )
    clock_heartbeat_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Sandbox: when the running advance last moved (real time)"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sandbox=False, clock_time__isnull=True, clock_advancing_to__isnull=True)
                | Q(sandbox=True, clock_time__isnull=False),
                name="tenant_clock_only_in_sandbox",
            ),
            models.CheckConstraint(
                condition=Q(clock_advancing_to__isnull=True) | Q(clock_advancing_to__gte=F("clock_time")),
                name="tenant_clock_advances_forward",
            ),
        ]

    def __str__(self) -> str:
        return self.name


TenantRef = Tenant | uuid.UUID


def tenant_pk(tenant: TenantRef) -> uuid.UUID:
    """The id of a tenant given as itself or as its id."""
    return tenant.pk if isinstance(tenant, Tenant) else tenant


def tenant_get(tenant: TenantRef) -> Tenant:
    """The tenant itself (one query when given its id), for what only the row knows."""
    return tenant if isinstance(tenant, Tenant) else Tenant.objects.get(pk=tenant)


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant: TenantRef) -> QuerySet[Any]:
        """The rows of `tenant`: inside its scope, what the manager gives anyway; inside
        another tenant's scope, nothing."""
        return self.filter(tenant_id=tenant_pk(tenant))


class ScopeRequired(DisabledQuerySet):
    """What the manager of a tenant-owned model gives outside a tenant scope: a query
    that raises `ScopeError` when it is built or run. django-scopes leaves some ways
    open (`exists()`, `exclude()`, use as a subquery, async iteration…): closed here.
    `all()` may build one (django-filter reads `Model.objects.all().query` when a
    FilterSet class is made), which cannot run either."""

    error = DisabledQuerySet.error
    for_tenant = exists = contains = in_bulk = bulk_update = explain = error
    exclude = select_related = prefetch_related = distinct = defer = alias = extra = error
    intersection = difference = aiterator = resolve_expression = _fetch_all = error

    def all(self) -> Self:
        return self._chain()


if TYPE_CHECKING:
    _ScopedManager = models.Manager.from_queryset(TenantQuerySet)
else:
    # django-scopes builds the manager class: it filters by the scope's `tenant`.
    _ScopedManager = type(ScopedManager(tenant="tenant", _manager_class=models.Manager.from_queryset(TenantQuerySet)))


class TenantManager(_ScopedManager):
    """The default manager of tenant-owned models: scoped, failing closed (see the
    module docstring)."""

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if isinstance(queryset, DisabledQuerySet):
            return ScopeRequired(self.model, using=self._db, missing_scopes=queryset.missing_scopes)
        return queryset


class TenantOwnedModel(models.Model):
    """Abstract base of every row that belongs to one tenant."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")

    objects = TenantManager()

    class Meta:
        abstract = True

    @classmethod
    def unscoped(cls) -> TenantManager:
        """The escape, for one query of a cross-tenant job: the manager without the
        scope (`tenants.isolation.unscoped()` for a block of code)."""
        return cls.objects.with_scopes_disabled()  # type: ignore[attr-defined]


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with email and password.

    Tenant users have a tenant and a role; support staff (`is_staff`) may have no tenant
    and use only the Django admin.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="users")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May log into the Django admin")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.email


API_KEY_PREFIX = "bk_"


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def generate_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


class ApiKey(TenantOwnedModel):
    """A secret for a tenant's backend (usage ingestion). Only its SHA-256 is stored;
    the raw key is shown once, at creation. It acts with the `member` role."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    prefix = models.CharField(max_length=16, help_text="The first characters of the key, to recognise it")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(TenantOwnedModel):
    """The first answer to a `POST` or `DELETE` of a tenant route sent with an
    `Idempotency-Key` (tenants.idempotency): a retry with the same key, method, path and
    body gets it again. Written in the transaction of the request's own writes, so the
    record exists exactly when they do (an answer still being made is a lock, not a
    row: see tenants.idempotency). Usage ingestion keeps its own keys
    (`usage.models.UsageIdempotencyKey`), kept as long as their events.
    """

    id = models.BigAutoField(primary_key=True)
    # The unique constraint leads with tenant_id: the FK's own index would be a second copy.
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=512, help_text="The concrete path, ids included")
    key = models.CharField(max_length=255, help_text="The Idempotency-Key header")
    fingerprint = models.CharField(max_length=64, help_text="Keyed SHA-256 of the request body")
    status_code = models.PositiveSmallIntegerField()
    # Text, not jsonb: a replay gives the same bytes, keys in their order (jsonb sorts them).
    body = models.TextField(blank=True, help_text="The answer's JSON body as sent (secrets sealed); empty: none")
    # Indexed for the purge of expired records (tenants.tasks).
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "method", "path", "key"], name="idempotency_record_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
