"""Writes of the tenants app: sign-up, users, tokens and API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from rest_framework_simplejwt.tokens import RefreshToken

from tenants import clock
from tenants.actors import acting_as, actor_of_caller
from tenants.errors import Conflict, Invalid, NotFound
from tenants.models import (
    ApiKey,
    DunningFinalAction,
    Role,
    Tenant,
    TenantRef,
    User,
    generate_api_key,
    hash_api_key,
    tenant_get,
    tenant_pk,
)
from tenants.sandbox import sandbox_clock_start
from tenants.signals import audit
from tenants.validators import RETRY_DAYS_INVALID, retry_days_valid

EMAIL_TAKEN = "A user with this email already exists."
API_KEY_NOT_FOUND = "No such API key."


@transaction.atomic
def tenant_delete(*, tenant: TenantRef) -> None:
    """Delete the tenant and everything it owns, its audit log included: the log's
    trigger refuses every DELETE but those of the tenant named here, for the rest of
    this transaction (docs/audit.md)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('billing.deleting_tenant', %s, true)", [str(tenant_pk(tenant))])
    Tenant.objects.filter(pk=tenant_pk(tenant)).delete()


def tokens_for_user(user: User) -> dict[str, str]:
    """A refresh/access pair whose claims carry the user's tenant and role.

    The claims sit on the refresh token so that refreshed access tokens keep them.
    """
    refresh = RefreshToken.for_user(user)
    refresh["tenant_id"] = str(user.tenant_id) if user.tenant_id else None
    refresh["role"] = user.role
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def user_create(*, tenant: TenantRef, email: str, password: str, role: str) -> User:
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, tenant_id=tenant_pk(tenant), role=role)
            audit(
                tenant=tenant, action="user.created", obj=user, changes={"email": [None, email], "role": [None, role]}
            )
            return user
    except IntegrityError as exc:
        raise Conflict(EMAIL_TAKEN, code="email_taken") from exc


@transaction.atomic
def tenant_signup(
    *,
    name: str,
    admin_email: str,
    admin_password: str,
    default_currency: str,
    sandbox: bool = False,
    clock_time: datetime | None = None,
) -> dict[str, Any]:
    """Create a tenant with its first admin and log that admin in. A sandbox tenant's
    clock starts at `clock_time` (default: now); a live one has none (400 on `clock_time`)."""
    start = sandbox_clock_start(sandbox=sandbox, clock_time=clock_time)
    tenant = Tenant.objects.create(name=name, default_currency=default_currency, sandbox=sandbox, clock_time=start)
    user = user_create(tenant=tenant, email=admin_email, password=admin_password, role=Role.ADMIN)
    created = {"name": [None, name], "default_currency": [None, default_currency], "sandbox": [None, sandbox]}
    with acting_as(actor_of_caller(user)):  # who signs up becomes the tenant's first admin
        audit(tenant=tenant, action="tenant.created", obj=tenant, changes=created)
    return {"tenant": tenant, "user": user, **tokens_for_user(user)}


@transaction.atomic
def api_key_create(*, tenant: TenantRef, name: str) -> tuple[ApiKey, str]:
    """Returns the key and its raw secret, which is never stored and never shown again
    (nor logged: the audit entry has its name and prefix)."""
    raw = generate_api_key()
    key = ApiKey.objects.create(tenant_id=tenant_pk(tenant), name=name, prefix=raw[:10], key_hash=hash_api_key(raw))
    audit(
        tenant=tenant, action="api_key.created", obj=key, changes={"name": [None, name], "prefix": [None, key.prefix]}
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, tenant: TenantRef, key_id: uuid.UUID) -> ApiKey:
    key = ApiKey.objects.for_tenant(tenant).filter(pk=key_id).first()
    if key is None:
        raise NotFound(API_KEY_NOT_FOUND)
    if key.revoked_at is None:
        key.revoked_at = clock.real_now()  # a credential's time, like tokens
        key.save(update_fields=["revoked_at"])
        audit(tenant=tenant, action="api_key.revoked", obj=key, changes={"revoked_at": [None, key.revoked_at]})
    return key


# Dunning settings (API.md Part 2, "Collections")


@transaction.atomic
def tenant_dunning_set(
    *, tenant: TenantRef, retry_days: list[int] | None = None, final_action: str | None = None
) -> Tenant:
    """Set the tenant's dunning schedule and/or final action (what is given); 400 naming
    `dunning.retry_days` unless the days are strictly increasing positive whole numbers
    (at most DUNNING_MAX_RETRIES). Invoices already failing keep their next retry; the
    ones after it follow the new days."""
    found = tenant_get(tenant)
    before = {"dunning_retry_days": found.dunning_retry_days, "dunning_final_action": found.dunning_final_action}
    fields: list[str] = []
    if retry_days is not None:
        if not retry_days_valid(retry_days):
            raise Invalid({"dunning.retry_days": [RETRY_DAYS_INVALID]}, code="invalid_retry_days")
        found.dunning_retry_days, fields = list(retry_days), [*fields, "dunning_retry_days"]
    if final_action is not None:
        found.dunning_final_action, fields = DunningFinalAction(final_action), [*fields, "dunning_final_action"]
    changes = {
        field: [before[field], getattr(found, field)] for field in fields if before[field] != getattr(found, field)
    }
    if changes:
        found.save(update_fields=fields)
        audit(tenant=found, action="tenant.updated", obj=found, changes=changes)
    return found
