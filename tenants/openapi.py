"""OpenAPI (drf-spectacular) pieces: the authentication schemes, the error envelope,
and the AutoSchema of every view (`REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]`).

Both credentials travel as `Authorization: Bearer`: a user's access JWT, or a tenant's
API key (`bk_…`). Errors are documented with the one envelope of API.md, whatever the
field or code: `{"type", "errors": [{"code", "detail", "attr"}]}`. (drf-standardized-errors'
per-field error components list codes and attrs that the services do not keep to:
`events.3.meter`, `limit`, `Idempotency-Key`, `token_not_valid`.) The extensions are
registered by `TenantsConfig.ready()`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import extend_schema_serializer
from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from drf_standardized_errors.openapi_serializers import ClientErrorEnum, ValidationErrorEnum
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS


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


@extend_schema_serializer(component_name="ApiError")
class ApiErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable: `required`, `not_found`, `conflict`, …")
    detail = serializers.CharField(help_text="A human sentence")
    attr = serializers.CharField(allow_null=True, help_text="The field path (`events.3.meter`), or null")


@extend_schema_serializer(component_name="ErrorResponse")
class ErrorResponseSerializer(serializers.Serializer):
    """`validation_error` (the fields listed in `errors`) or `client_error` (say, malformed JSON)."""

    type = serializers.ChoiceField(choices=[*ValidationErrorEnum.choices, *ClientErrorEnum.choices])
    errors = ApiErrorSerializer(many=True)  # type: ignore[assignment]  # the metaclass pops declared fields


BadRequestResponseSerializer = ErrorResponseSerializer  # the 400 of every operation


@extend_schema_serializer(component_name="ClientErrorResponse")
class ClientErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = ApiErrorSerializer(many=True)  # type: ignore[assignment]  # the metaclass pops declared fields


class AutoSchema(StandardizedErrorsAutoSchema):
    """drf-standardized-errors' schema, plus a 409 on every write of a tenant route:
    services raise `ConflictError` for duplicates and state conflicts; and a 413 on
    every write (a body over MAX_REQUEST_BODY_BYTES), on no read."""

    def _should_add_error_response(self, responses: dict[str, Any], status_code: str) -> bool:
        if status_code == "413":
            return status_code not in responses and self.method not in SAFE_METHODS
        if status_code == "409":
            from tenants.scoping import TenantScopedApi  # scoping imports the models

            return (
                status_code not in responses
                and self.method not in SAFE_METHODS
                and isinstance(self.view, TenantScopedApi)
            )
        return super()._should_add_error_response(responses, status_code)
