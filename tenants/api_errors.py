"""The HTTP side of errors: the DRF exception of each domain error of `tenants.errors`
(`tenants.exception_handler` maps them before drf-standardized-errors renders), and
the errors that only the HTTP layer raises (a body too large) or renders itself
(middleware answers before DRF runs)."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse
from rest_framework import exceptions, status

from tenants.errors import Detail, DomainError, Message


class ConflictApiError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class UnprocessableApiError(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


class UnprocessableFieldsError(exceptions.ValidationError):
    """422 with field errors (a batch position whose key was reused): rendered as a
    validation error, so that `attr` names the field."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY


class RequestTooLarge(exceptions.APIException):
    """413: the body is larger than the service reads (settings.MAX_REQUEST_BODY_BYTES)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def _drf_detail(detail: Detail) -> Any:
    if isinstance(detail, Message):
        return exceptions.ErrorDetail(str(detail), code=detail.code)
    if isinstance(detail, str):
        return detail
    if isinstance(detail, dict):
        return {key: _drf_detail(value) for key, value in detail.items()}
    return [_drf_detail(item) for item in detail]


def api_exception(error: DomainError) -> exceptions.APIException:
    """The DRF exception that renders `error` with its status, code and fields."""
    detail, fields = _drf_detail(error.detail), not isinstance(error.detail, str)
    if error.status == status.HTTP_404_NOT_FOUND:
        return exceptions.NotFound(detail, code=error.code)
    if error.status == status.HTTP_409_CONFLICT:
        return ConflictApiError(detail, code=error.code)
    if error.status == status.HTTP_422_UNPROCESSABLE_ENTITY:
        return (UnprocessableFieldsError if fields else UnprocessableApiError)(detail, code=error.code)
    return exceptions.ValidationError(detail, code=error.code)


def error_response(status_code: int, code: str, detail: str, attr: str | None = None) -> JsonResponse:
    """The error envelope for answers given outside DRF (middleware, Django's error pages)."""
    kind = "server_error" if status_code >= 500 else "validation_error" if attr else "client_error"
    body = {"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}
    return JsonResponse(body, status=status_code)
