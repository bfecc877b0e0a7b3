"""Domain errors: what services, selectors and commands raise. No HTTP here.

One small hierarchy, rendered once, in `tenants.api_errors.exception_handler`, as the
error envelope of API.md (status, `code`, `detail`, `attr`):

| error | status | example |
| --- | --- | --- |
| `Invalid` | 400 | `Invalid({"start_at": [START_AT_OUT_OF_RANGE]}, code="out_of_range")` |
| `NotFound` | 404 | `NotFound(INVOICE_NOT_FOUND)` |
| `Conflict` | 409 | `Conflict({"external_id": taken}, code="external_id_taken")` |
| `Unprocessable` | 422 | `Unprocessable(KEY_REUSED, code="idempotency_key_reused")` |

`detail` is a sentence, or field errors: a mapping of field name to sentences (or to
nested field errors, for `charges.1.tiers.2.up_to`). A sentence that needs its own
code, different from the error's, is a `Message(text, code)`. Commands and the admin
catch `DomainError` and show `str(error)`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeAlias, TypeVar

T = TypeVar("T")

Detail: TypeAlias = "str | Mapping[str, Detail] | Sequence[Detail]"


class Message(str):
    """A sentence with a code of its own (a field error among others)."""

    code: str

    def __new__(cls, text: str, code: str) -> Message:
        message = super().__new__(cls, text)
        message.code = code
        return message


class DomainError(Exception):
    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "invalid"
    default_detail: ClassVar[str] = "The request is invalid."

    def __init__(self, detail: Detail | None = None, code: str | None = None) -> None:
        self.detail: Detail = self.default_detail if detail is None else detail
        self.code = code or self.default_code
        super().__init__(self.detail)

    def __str__(self) -> str:
        return "; ".join(_sentences(self.detail))

    def get_codes(self) -> Any:
        """The detail's shape with each sentence replaced by its code (as DRF's)."""
        return _codes(self.detail, self.code)


class Invalid(DomainError):
    """400: the input breaks a rule (field errors name the fields)."""


class NotFound(DomainError):
    """404: no such object in the caller's tenant."""

    status = 404
    default_code = "not_found"
    default_detail = "Not found."


class Conflict(DomainError):
    """409: the request conflicts with the current state (duplicate, wrong status)."""

    status = 409
    default_code = "conflict"
    default_detail = "The request conflicts with the current state of the resource."


class Unprocessable(DomainError):
    """422: well-formed but cannot be processed (an idempotency key reused with another body)."""

    status = 422
    default_code = "unprocessable"
    default_detail = "The request cannot be processed."


def found(obj: T | None, missing: str) -> T:
    """`obj`, or NotFound(missing) when a selector found nothing (selectors return
    Optional; the caller says what is missing)."""
    if obj is None:
        raise NotFound(missing)
    return obj


# The names the services used before the hierarchy had its own module.
ConflictError = Conflict
UnprocessableError = Unprocessable


def _sentences(detail: Detail, path: str = "") -> list[str]:
    if isinstance(detail, str):
        return [f"{path}: {detail}" if path else detail]
    if isinstance(detail, Mapping):
        return [s for key, value in detail.items() for s in _sentences(value, f"{path}.{key}" if path else key)]
    return [s for item in detail for s in _sentences(item, path)]


def _codes(detail: Detail, code: str) -> Any:
    if isinstance(detail, str):
        return detail.code if isinstance(detail, Message) else code
    if isinstance(detail, Mapping):
        return {key: _codes(value, code) for key, value in detail.items()}
    return [_codes(item, code) for item in detail]
