"""API errors with statuses that DRF does not ship (rendered by drf-standardized-errors),
and the same envelope for the answers that middleware gives before DRF runs."""

from django.http import JsonResponse
from rest_framework import status
from rest_framework.exceptions import APIException


class ConflictError(APIException):
    """409: the request conflicts with the current state (duplicate, wrong status)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class UnprocessableError(APIException):
    """422: well-formed but cannot be processed (an idempotency key reused with another body)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


class RequestTooLarge(APIException):
    """413: the body is larger than the service reads (settings.MAX_REQUEST_BODY_BYTES)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def error_response(status_code: int, code: str, detail: str, attr: str | None = None) -> JsonResponse:
    """The error envelope for answers given outside DRF (middleware, Django's error pages)."""
    kind = "server_error" if status_code >= 500 else "validation_error" if attr else "client_error"
    body = {"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}
    return JsonResponse(body, status=status_code)
