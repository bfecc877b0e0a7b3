"""OpenAPI (drf-spectacular) extensions for the tenants app's authentication classes.

Loaded from `TenantsConfig.ready()`. Both credentials travel as `Authorization: Bearer`:
a user's access JWT, or a tenant's API key (`bk_…`).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class TenantJWTScheme(SimpleJWTScheme):
    target_class = "tenants.authentication.TenantJWTAuthentication"
    name = "jwtAuth"


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        definition = build_bearer_security_scheme_object(
            header_name="HTTP_AUTHORIZATION",
            token_prefix="Bearer",  # noqa: S106 - the scheme's name, not a secret
            bearer_format="bk_…",
        )
        definition["description"] = "A tenant's API key (acts with the member role), shown once at creation."
        return definition
