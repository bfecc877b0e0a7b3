"""OpenAPI (drf-spectacular) pieces: the authentication schemes, the error envelope,
and the AutoSchema of every view (`REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]`).

Both credentials travel as `Authorization: Bearer`: a user's access JWT, or a tenant's
API key (`bk_…`). Errors are documented with the one envelope of API.md, whatever the
field or code: `{"type", "errors": [{"code", "detail", "attr"}]}`. (drf-standardized-errors'
per-field error components list codes and attrs that the services do not keep to:
`events.3.meter`, `limit`, `Idempotency-Key`, `token_not_valid`.) The extensions are
registered by `TenantsConfig.ready()`.

The schema states the limits the code enforces (checked by the schemathesis run,
tests/test_fuzz.py): text fields refuse NUL (PostgreSQL cannot store it) and, unless
blank is allowed, text that DRF's trimming leaves empty; every POST and DELETE of a
tenant route takes the optional `Idempotency-Key` header (tenants.idempotency) and may
answer 422 for a key reused with another body.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiParameter, extend_schema_serializer
from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from drf_standardized_errors.openapi_serializers import ClientErrorEnum, ValidationErrorEnum
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from tenants.idempotency import HEADER, IDEMPOTENCY_KEY_PATTERN, METHODS, REPLAYED_HEADER

# What Python's str.strip() removes (DRF trims text fields with it), as \u escapes that
# both ECMAScript and Python regular expressions read.
_TRIMMED = r"\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NO_NUL_PATTERN = r"^[^\u0000]*$"
NOT_BLANK_PATTERN = rf"^[^\u0000]*[^\u0000{_TRIMMED}][^\u0000]*$"
IDEMPOTENCY_KEY_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": IDEMPOTENCY_KEY_PATTERN.replace(r"\x", r"\u00"),
}


GENERIC_KEY_DESCRIPTION = (
    "1 to 255 printable ASCII characters. The same key and body again gets the first answer "
    f"(header `{REPLAYED_HEADER}: true`); another body is a 422; while the first request still "
    "runs, a 409. Kept 24 hours, per tenant, method and path."
)


def idempotency_key_parameter(*, required: bool, description: str = GENERIC_KEY_DESCRIPTION) -> OpenApiParameter:
    return OpenApiParameter(
        HEADER, IDEMPOTENCY_KEY_SCHEMA, OpenApiParameter.HEADER, required=required, description=description
    )


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
    """drf-standardized-errors' schema, plus a 409 on every write of a tenant route
    (services raise `Conflict` for duplicates and state conflicts), a 413 on every write
    (a body over MAX_REQUEST_BODY_BYTES) and on no read, the `Idempotency-Key` header
    and its 422, and the text patterns of request fields."""

    _direction = "response"

    def _honours_idempotency_key(self) -> bool:
        from tenants.scoping import TenantScopedApi  # scoping imports the models

        return isinstance(self.view, TenantScopedApi) and self.view.generic_idempotency and self.method in METHODS

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self._honours_idempotency_key():
            parameters.append(idempotency_key_parameter(required=False))
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction=direction)
        if direction == "response" and self._honours_idempotency_key() and "422" not in responses:
            responses["422"] = self._get_response_for_code(ErrorResponseSerializer, "422", direction=direction)
        return responses

    def _get_filter_parameters(self) -> list[dict[str, Any]]:
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("type") == "string" and not {"format", "enum", "pattern"} & schema.keys():
                schema["pattern"] = NO_NUL_PATTERN  # Django's form fields refuse NUL in text filters
        return parameters

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> Any:
        # Remembered for _insert_field_validators, which is not told (patterns are for input).
        outer, self._direction = self._direction, direction
        try:
            return super()._map_basic_serializer(serializer, direction)
        finally:
            self._direction = outer

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)
        if (
            self._direction == "request"
            and isinstance(field, serializers.CharField)
            and schema.get("type") == "string"
            and not {"pattern", "enum"} & schema.keys()
        ):
            blank_ok = field.allow_blank or not field.trim_whitespace
            schema["pattern"] = NO_NUL_PATTERN if blank_ok else NOT_BLANK_PATTERN
        # A field's own statement of what its validators check beyond DRF's (say, Django's
        # password validators), which wins over the generic pattern.
        schema.update(getattr(field, "openapi_constraints", {}))

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
