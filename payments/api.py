"""`POST /v1/webhooks/payment`: the payment provider's signed report of a charge
(`payment.*`) or of a credit note's refund (`refund.*`).

No user or API key here: the Standard Webhooks signature (secret
`PAYMENT_WEBHOOK_SECRET`) is the authentication, and the tenant is the invoice's.
The signature is checked over the raw bytes before anything is parsed; then the body
is validated and `payments.services.payment_event_receive` applies it once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from drf_standardized_errors.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed, ErrorDetail
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from invoices import models
from invoices.api import InvoiceStatusChangeApi
from payments import dunning, services
from payments.models import PaymentEvent
from tenants.actors import Actor, acting_as
from tenants.api_errors import RequestTooLarge
from tenants.fields import StrictDecimalField
from tenants.models import Role
from tenants.parsers import JsonBodyError, declared_length, loads
from tenants.validators import currency_exponent

SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
BAD_SIGNATURE = "Bad webhook signature: {reason}."
UNREADABLE_SIGNATURE = "Bad webhook signature: the signature headers cannot be read."
PAYMENT_WEBHOOK_MAX_BYTES = 64 * 1024  # a provider's notice is a few hundred bytes
WEBHOOK_TOO_LARGE = f"A payment webhook body may be at most {PAYMENT_WEBHOOK_MAX_BYTES} bytes."
WEBHOOK_ID_TOO_LONG = "The webhook-id header is longer than 255 characters."
AMOUNT_NOT_A_DECIMAL_STRING = 'Send the amount as a decimal string, like "73.50".'
# An invoice's amounts: numeric(48, 12) (invoices.models).
AMOUNT_MAX_INTEGER_DIGITS = models.AMOUNT_MAX_DIGITS - models.AMOUNT_DECIMAL_PLACES
AMOUNT_DECIMAL_PLACES = models.AMOUNT_DECIMAL_PLACES


def verified_body(request: Request, headers: dict[str, str]) -> Any:
    """The JSON of the body once its Standard Webhooks signature checks out, else 401.

    A body over PAYMENT_WEBHOOK_MAX_BYTES is a 413 before it is read. The library
    refuses missing headers, a bad signature and a timestamp more than 5 minutes from
    now; malformed headers make it raise ValueError, which is a bad signature too. Only
    a signed body is parsed (by the API's one JSON reader, `tenants.parsers`): JSON
    that fails there is a 400.
    """
    if declared_length(request) > PAYMENT_WEBHOOK_MAX_BYTES:
        raise RequestTooLarge(WEBHOOK_TOO_LARGE)
    body = request.body
    try:
        Webhook(settings.PAYMENT_WEBHOOK_SECRET).verify(body, headers, json_parse=False)
    except WebhookVerificationError as exc:
        raise AuthenticationFailed(BAD_SIGNATURE.format(reason=str(exc).lower())) from exc
    except ValueError as exc:  # a signature without "v1,", bad base64, bytes that are not UTF-8
        raise AuthenticationFailed(UNREADABLE_SIGNATURE) from exc
    try:
        return loads(body.decode())  # UTF-8: the signature check has decoded it already
    except JsonBodyError as exc:
        raise exc.as_api_error() from None


@extend_schema_serializer(component_name="PaymentWebhookData")
class PaymentWebhookDataInput(serializers.Serializer):
    invoice_id = serializers.UUIDField(required=False, help_text="payment.*: the invoice charged (required)")
    credit_note_id = serializers.UUIDField(required=False, help_text="refund.*: the credit note refunded (required)")
    amount = StrictDecimalField(
        strings_only=True,
        integer_digits=AMOUNT_MAX_INTEGER_DIGITS,
        decimal_places=AMOUNT_DECIMAL_PLACES,
        min_value=Decimal(0),
        error_messages={"invalid": AMOUNT_NOT_A_DECIMAL_STRING},
        help_text='Decimal string, like "73.50"',
    )
    currency = serializers.CharField(
        min_length=3, max_length=3, required=False, help_text="ISO 4217, upper case (required for payment.*)"
    )
    failure_reason = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=255)

    def validate_currency(self, value: str) -> str:
        try:
            currency_exponent(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code="invalid_currency") from exc
        return value


# What each kind of webhook must carry in `data`, besides the amount.
REQUIRED_DATA = {"payment": ("invoice_id", "currency"), "refund": ("credit_note_id",)}


@extend_schema_serializer(component_name="PaymentWebhookInput")
class PaymentWebhookInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=PaymentEvent.Type.choices)
    # DRF's metaclass pops declared fields, so `data` does not shadow Serializer.data.
    data = PaymentWebhookDataInput()  # type: ignore[assignment]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """A charge's webhook names its invoice and currency, a refund's its credit note."""
        required = REQUIRED_DATA[attrs["type"].split(".", 1)[0]]
        missing = [name for name in required if name not in attrs["data"]]
        if missing:
            message = str(serializers.Field.default_error_messages["required"])
            raise serializers.ValidationError(
                {"data": {name: [ErrorDetail(message, code="required")] for name in missing}}
            )
        return attrs


@extend_schema_serializer(component_name="PaymentWebhookOutput")
class PaymentWebhookOutput(serializers.Serializer):
    webhook_id = serializers.CharField()
    invoice_id = serializers.UUIDField()
    credit_note_id = serializers.UUIDField(allow_null=True, help_text="refund.*: the credit note; null for payment.*")
    outcome = serializers.ChoiceField(choices=PaymentEvent.Outcome.choices)
    duplicate = serializers.BooleanField(help_text="True when this webhook-id was received before")


PAYMENT_WEBHOOK = Actor(type="system", id="payment_webhook")  # the audit log's actor


class PaymentWebhookSchema(AutoSchema):
    """Documents the 401 (signature), 404 (unknown invoice) and 409 (amount differs,
    void invoice) that neither an authentication class nor a path parameter implies;
    their bodies are the envelope of `DRF_STANDARDIZED_ERRORS["ERROR_SCHEMAS"]`."""

    def _should_add_error_response(self, responses: dict[str, Any], status_code: str) -> bool:
        if status_code in {"401", "404", "409"}:
            return status_code not in responses
        return bool(super()._should_add_error_response(responses, status_code))


# On the class, not the method: a method annotation would be built on the default
# schema class and hide PaymentWebhookSchema's error responses.
@extend_schema(
    summary="Payment webhook (from the payment provider)",
    description=(
        "Signed per Standard Webhooks with `PAYMENT_WEBHOOK_SECRET`: 401 for a bad or missing "
        "signature or a timestamp more than 5 minutes off; the same `webhook-id` again is a 200 "
        "with no second effect. See docs/payments.md."
    ),
    parameters=[OpenApiParameter(name, location=OpenApiParameter.HEADER, required=True) for name in SIGNATURE_HEADERS],
    request=PaymentWebhookInput,
    responses={200: PaymentWebhookOutput},
    auth=[],
)
class PaymentWebhookApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    schema = PaymentWebhookSchema()

    def get_authenticate_header(self, request: Request) -> str:
        # Without authenticators DRF would turn AuthenticationFailed into a 403.
        return 'StandardWebhooks realm="payments"'

    def post(self, request: Request) -> Response:
        headers = {name: request.headers.get(name, "") for name in SIGNATURE_HEADERS}
        payload = verified_body(request, headers)
        if len(headers["webhook-id"]) > PaymentEvent._meta.get_field("webhook_id").max_length:  # type: ignore[operator]
            raise serializers.ValidationError({"webhook-id": [WEBHOOK_ID_TOO_LONG]})
        data = PaymentWebhookInput(data=payload)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        notice = services.PaymentNotice(
            webhook_id=headers["webhook-id"],
            type=body["type"],
            invoice_id=body["data"].get("invoice_id"),
            credit_note_id=body["data"].get("credit_note_id"),
            amount=body["data"]["amount"],
            currency=body["data"].get("currency", ""),
            failure_reason=body["data"].get("failure_reason") or "",
            payload=payload,
        )
        with acting_as(PAYMENT_WEBHOOK):
            event, created = services.payment_event_receive(notice=notice)
        output = {
            "webhook_id": event.webhook_id,
            "invoice_id": event.invoice_id,
            "credit_note_id": event.credit_note_id,
            "outcome": event.outcome,
        }
        return Response(PaymentWebhookOutput({**output, "duplicate": not created}).data)


class InvoicePayApi(InvoiceStatusChangeApi):
    # `POST …/invoices/{id}/pay` (members): charge the open invoice now (API.md Part 2,
    # "Collections"). No docstring: drf-spectacular would show it as the description.
    write_role = Role.MEMBER
    change = dunning.invoice_pay
