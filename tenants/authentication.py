"""Who is calling: a user with a JWT, or a tenant's backend with an API key.

Both kinds of caller expose `tenant_id` and `role`, which is all the tenant-scoping
permission reads.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication

from tenants import api_key_cache, clock
from tenants.models import API_KEY_PREFIX, ApiKey, Role, hash_api_key

INVALID_API_KEY = "Invalid or revoked API key."
_KEY_SQL = "SELECT id, tenant_id, last_used_at FROM tenants_apikey WHERE key_hash = %s AND revoked_at IS NULL"


@dataclass(frozen=True)
class ApiKeyCaller:
    """The request.user of a call made with an API key: a member of the key's tenant."""

    api_key_id: uuid.UUID
    tenant_id: uuid.UUID
    role: str = Role.MEMBER
    is_authenticated: bool = field(default=True, init=False)
    is_active: bool = field(default=True, init=False)
    is_staff: bool = field(default=False, init=False)

    @property
    def pk(self) -> str:
        return f"apikey:{self.api_key_id}"

    id = pk


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer bk_…`; other bearer tokens are left to the JWT class."""

    def authenticate(self, request: Request) -> tuple[ApiKeyCaller, api_key_cache.CachedKey] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer" or not parts[1].startswith(API_KEY_PREFIX.encode()):
            return None
        key_hash = hash_api_key(parts[1].decode(errors="replace"))
        key = api_key_cache.cached(key_hash) or self._lookup(key_hash)
        self._touch(key)
        # request.auth is the key's id and tenant (nothing reads more of it): no model instance.
        return ApiKeyCaller(api_key_id=key.id, tenant_id=key.tenant_id), key

    @staticmethod
    def _lookup(key_hash: str) -> api_key_cache.CachedKey:
        # One indexed lookup in plain SQL: compiling the ORM query cost more than the
        # query itself. The key is then remembered until its row changes (api_key_cache).
        with connection.cursor() as cursor:
            cursor.execute(_KEY_SQL, [key_hash])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(INVALID_API_KEY)
        key = api_key_cache.CachedKey(id=row[0], tenant_id=row[1], last_used_at=row[2])
        api_key_cache.remember(key_hash, key)
        return key

    @staticmethod
    def _touch(key: api_key_cache.CachedKey) -> None:
        # At most one write per key per interval (per process once the key is
        # remembered): ingestion sends thousands of requests a second.
        now = clock.real_now()
        if key.last_used_at is None or now - key.last_used_at > timedelta(seconds=settings.API_KEY_TOUCH_SECONDS):
            # Unscoped: the key's own row, found by its hash before any tenant is known.
            ApiKey.unscoped().filter(pk=key.id).update(last_used_at=now)
            key.last_used_at = now

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class TenantJWTAuthentication(JWTAuthentication):
    """simplejwt's authentication; the token's user must still be active."""

    def get_user(self, validated_token: Any) -> Any:
        user = super().get_user(validated_token)
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User is inactive.", code="user_inactive")
        return user
