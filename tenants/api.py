"""Tenant sign-up, login, users and API keys (API.md, Authentication and tenancy)."""

from __future__ import annotations

import hmac
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed, ErrorDetail, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.views import TokenRefreshView

from tenants import services
from tenants.fields import AwareDateTimeField
from tenants.inputs import EMAIL_MAX_LENGTH, CurrencyField, JsonInput
from tenants.models import ApiKey, Role, User
from tenants.openapi import ClientErrorResponseSerializer
from tenants.scoping import ListCreateApi, TenantScopedApi
from tenants.serializers import TenantOutput
from tenants.throttling import FailOpenScopedRateThrottle

BAD_CREDENTIALS = "No active account found with the given credentials."
BAD_SIGNUP_TOKEN = "A valid X-Signup-Token header is required to create a tenant."  # noqa: S105


def _with_valid_password(attrs: dict[str, Any], password_field: str, email_field: str) -> dict[str, Any]:
    """`attrs`, or a 400 naming the field `password_field` when Django's password validators
    refuse its value (for the user of the email in the field `email_field`)."""
    try:
        password_validation.validate_password(attrs[password_field], user=User(email=attrs[email_field]))
    except DjangoValidationError as exc:
        # Django's codes (password_too_short, password_too_common, …) say which rule failed.
        details = [
            ErrorDetail(message, code=error.code or "invalid") for error in exc.error_list for message in error.messages
        ]
        raise serializers.ValidationError({password_field: details}) from exc
    return attrs


def _minimum_password_length() -> int:
    lengths = [
        v.min_length
        for v in password_validation.get_default_password_validators()
        if isinstance(v, password_validation.MinimumLengthValidator)
    ]
    return max(lengths, default=1)


class NewPasswordField(serializers.CharField):
    """A password being set: taken as typed (not trimmed, as Django's own forms do)."""

    # For the schema (tenants.openapi.AutoSchema): long enough and not only digits, as
    # Django's validators check; they also refuse common passwords and ones too similar
    # to the email, which no schema can say.
    openapi_constraints: ClassVar[dict[str, Any]] = {
        "minLength": _minimum_password_length(),
        "pattern": r"^[^\u0000]*[^\u00000-9][^\u0000]*$",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Checked by Django's password validators")
        super().__init__(write_only=True, trim_whitespace=False, **kwargs)


class UserOutput(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "role", "created_at"]


class PublicApi(APIView):
    # A route for callers without credentials (yet), throttled by its `throttle_scope`.
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [FailOpenScopedRateThrottle]


class TenantSignupApi(PublicApi):
    throttle_scope = "signup"

    @extend_schema_serializer(component_name="TenantSignupInput")
    class Input(JsonInput):
        name = serializers.CharField(max_length=200)
        admin_email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH)
        admin_password = NewPasswordField()
        default_currency = CurrencyField(default=settings.DEFAULT_CURRENCY)
        sandbox = serializers.BooleanField(
            default=False, help_text="A test tenant whose time is its own clock, moved only by advancing it"
        )
        clock_time = AwareDateTimeField(
            required=False, help_text="Sandbox only: where its clock starts (RFC 3339 with its offset); default: now"
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            return _with_valid_password(attrs, "admin_password", "admin_email")

    @extend_schema_serializer(component_name="TenantSignupOutput")
    class Output(serializers.Serializer):
        tenant = TenantOutput()
        user = inline_serializer(
            "SignupUser",
            {"id": serializers.UUIDField(), "email": serializers.EmailField(), "role": serializers.CharField()},
        )
        access = serializers.CharField()
        refresh = serializers.CharField()

    @extend_schema(
        request=Input,
        responses={201: Output, 403: ClientErrorResponseSerializer, 409: ClientErrorResponseSerializer},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        expected = settings.TENANT_SIGNUP_TOKEN
        given = request.headers.get("X-Signup-Token", "")
        # Constant time: a plain != would tell a guesser how much of the token is right.
        if expected and not hmac.compare_digest(given.encode(), expected.encode()):
            raise PermissionDenied(BAD_SIGNUP_TOKEN)
        data = self.Input.valid(request.data)
        result = services.tenant_signup(**data)
        return Response(self.Output(result).data, status=status.HTTP_201_CREATED)


class LoginApi(PublicApi):
    throttle_scope = "login"

    @extend_schema_serializer(component_name="LoginInput")
    class Input(JsonInput):
        email = serializers.EmailField()
        password = serializers.CharField(write_only=True, trim_whitespace=False)

    @extend_schema_serializer(component_name="LoginOutput")
    class Output(serializers.Serializer):
        access = serializers.CharField()
        refresh = serializers.CharField()
        tenant_id = serializers.UUIDField(allow_null=True)
        role = serializers.CharField()

    def get_authenticate_header(self, request: Request) -> str:
        # Without authenticators DRF would turn AuthenticationFailed into a 403.
        return 'Bearer realm="api"'

    @extend_schema(request=Input, responses={200: Output, 401: ClientErrorResponseSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = self.Input.valid(request.data)
        # authenticate() runs the hasher even for unknown emails, so both answers take as long.
        user = authenticate(request, email=data["email"].lower(), password=data["password"])
        if user is None or not user.is_active:
            raise AuthenticationFailed(BAD_CREDENTIALS, code="no_active_account")
        assert isinstance(user, User)
        body = {**services.tokens_for_user(user), "tenant_id": user.tenant_id, "role": user.role}
        return Response(self.Output(body).data)


@extend_schema_view(post=extend_schema(responses={200: TokenRefreshSerializer, 401: ClientErrorResponseSerializer}))
class RefreshApi(TokenRefreshView):
    """simplejwt's refresh with rotation: the old refresh token is blacklisted."""


class UserListCreateApi(ListCreateApi):
    model = User
    read_role = Role.ADMIN
    write_role = Role.ADMIN
    serializer_class = UserOutput

    @extend_schema_serializer(component_name="UserCreateInput")
    class Input(JsonInput):
        email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH)
        password = NewPasswordField()
        role = serializers.ChoiceField(choices=Role.choices)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            return _with_valid_password(attrs, "password", "email")

    def create(self, data: dict[str, Any]) -> User:
        return services.user_create(tenant=self.tenant, **data)


class ApiKeyOutput(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]


class ApiKeyListCreateApi(ListCreateApi):
    model = ApiKey
    read_role = Role.ADMIN
    write_role = Role.ADMIN
    serializer_class = ApiKeyOutput
    # A replay shows the key again, but the database keeps it only encrypted.
    idempotency_sealed_fields = ("key",)

    @extend_schema_serializer(component_name="ApiKeyCreateInput")
    class Input(JsonInput):
        name = serializers.CharField(max_length=200)

    @extend_schema_serializer(component_name="ApiKeyCreatedOutput")
    class CreatedOutput(serializers.Serializer):
        id = serializers.UUIDField()
        name = serializers.CharField()
        prefix = serializers.CharField()
        key = serializers.CharField(help_text="The secret: shown only in this response")
        created_at = serializers.DateTimeField()

    created_serializer_class = CreatedOutput

    def create(self, data: dict[str, Any]) -> dict[str, Any]:
        key, raw = services.api_key_create(tenant=self.tenant_id, name=data["name"])
        return {"id": key.id, "name": key.name, "prefix": key.prefix, "key": raw, "created_at": key.created_at}


class ApiKeyRevokeApi(TenantScopedApi):
    model = ApiKey
    read_role = Role.ADMIN
    write_role = Role.ADMIN

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, tenant_id: str, key_id: str) -> Response:
        services.api_key_revoke(tenant=self.tenant_id, key_id=key_id)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
