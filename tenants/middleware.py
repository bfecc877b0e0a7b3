"""Request ids: the caller's `X-Request-ID` (if sane) or a new one, echoed on every
response; and the caller's address on every log line, as the throttles count it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import structlog
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django_structlog.signals import bind_extra_request_metadata
from rest_framework.throttling import BaseThrottle

_SANE_ID = re.compile(r"^[\x21-\x7e]{1,200}$")


class RequestIdMiddleware:
    """Runs before django-structlog's middleware, which binds the same id to every log line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = given if _SANE_ID.match(given) else str(uuid.uuid4())
        request.META["HTTP_X_REQUEST_ID"] = request_id
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


@receiver(bind_extra_request_metadata)
def bind_client_address(request: HttpRequest, **kwargs: object) -> None:
    """Log the address the throttles count (the socket's, or with NUM_PROXIES the one our
    proxies saw): django-structlog's own `ip` (django-ipware) believes X-Forwarded-For
    as the client wrote it, which would let a guesser sign the log with any address."""
    # get_ident reads only request.META, which a Django request has as a DRF one does.
    structlog.contextvars.bind_contextvars(ip=BaseThrottle().get_ident(request))  # type: ignore[arg-type]
