"""The API's exception handler: drf-standardized-errors' own, with the domain errors
of `tenants.errors` mapped to DRF's first (settings DRF_STANDARDIZED_ERRORS
["EXCEPTION_HANDLER_CLASS"]). Its own module: drf-standardized-errors imports DRF's
views, which import the parsers, which import `tenants.api_errors`."""

from __future__ import annotations

from drf_standardized_errors.handler import ExceptionHandler

from tenants.api_errors import api_exception
from tenants.errors import DomainError


class DomainExceptionHandler(ExceptionHandler):
    """drf-standardized-errors' handler (settings DRF_STANDARDIZED_ERRORS
    ["EXCEPTION_HANDLER_CLASS"]) that maps the domain errors here, once."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, DomainError):
            return api_exception(exc)
        return super().convert_known_exceptions(exc)
