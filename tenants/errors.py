"""API errors with statuses that DRF does not ship (rendered by drf-standardized-errors)."""

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
