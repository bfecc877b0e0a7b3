"""Request ids: the caller's `X-Request-ID` (if sane) or a new one, echoed on every
response and carried by every log line of the request; the caller's address on every
log line, as the throttles count it; and the guards that refuse oversized bodies and
NUL in query strings.

django-structlog's RequestMiddleware binds `request_id` for the lines logged inside the
middleware chain (it trusts the header, which this middleware has made sane first,
`DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID`), and Celery tasks queued meanwhile carry
it to the worker. It clears the context when the response leaves it, but Django logs
a 4xx/5xx answer ("Unauthorized: /v1/…") after the whole chain: so the id is bound
again here until the request finishes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django_structlog.signals import bind_extra_request_metadata
from rest_framework.throttling import BaseThrottle

from tenants.actors import acting_as
from tenants.api_errors import RequestTooLarge, error_response
from tenants.parsers import NULL_CHARACTER, NULL_CHARACTER_CODE, REQUEST_TOO_LARGE, declared_length

_SANE_ID = re.compile(r"^[\x21-\x7e]{1,200}$")


def _forget_request(**kwargs: Any) -> None:
    structlog.contextvars.clear_contextvars()


class RequestIdMiddleware:
    """Runs before django-structlog's middleware, which binds the same id to every log line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        request_finished.connect(_forget_request, dispatch_uid="tenants.middleware.forget_request")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = given if _SANE_ID.match(given) else str(uuid.uuid4())
        request.META["HTTP_X_REQUEST_ID"] = request_id
        request.__dict__.pop("headers", None)  # a cached request.headers would keep the caller's value
        structlog.contextvars.clear_contextvars()  # nothing of a previous request on this thread
        structlog.contextvars.bind_contextvars(request_id=request_id)
        with acting_as(None):  # the caller is set once authenticated (tenants.actors)
            response = self.get_response(request)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        response["X-Request-ID"] = request_id
        return response


@receiver(bind_extra_request_metadata)
def bind_client_address(request: HttpRequest, **kwargs: object) -> None:
    """Log the address the throttles count (the socket's, or with NUM_PROXIES the one our
    proxies saw): django-structlog's own `ip` (django-ipware) believes X-Forwarded-For
    as the client wrote it, which would let a guesser sign the log with any address."""
    # get_ident reads only request.META, which a Django request has as a DRF one does.
    structlog.contextvars.bind_contextvars(ip=BaseThrottle().get_ident(request))  # type: ignore[arg-type]


class RequestGuardMiddleware:
    """Refuses what no view should see, before anything reads the request:

    - a body over settings.MAX_REQUEST_BODY_BYTES → 413, by its Content-Length (which
      bounds what Django reads of a body).
    - NUL in a query parameter → 400 naming it. PostgreSQL refuses NUL in text; forms
      and serializers catch it in the fields they declare, this catches the rest (the
      admin's lookups, for one) in one place.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.MAX_REQUEST_BODY_BYTES
        if declared_length(request) > limit:
            return error_response(413, RequestTooLarge.default_code, REQUEST_TOO_LARGE.format(limit=limit))
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                attr = None if "\x00" in name else name
                return error_response(400, NULL_CHARACTER_CODE, NULL_CHARACTER, attr)
        return self.get_response(request)


class OutsideApi:
    """A mixin for Django middleware that does nothing for the JSON API (`/v1/…`) but
    costs time on every request: API requests go straight to the next middleware. The
    API authenticates with bearer tokens (JWT or API key), never a session cookie, so it
    has no session, no CSRF token (DRF's views are exempt, and it has no session
    authentication), no Django user from a session and no messages. The admin and the
    customer portal keep all of them. (Subclasses, so Django's checks still find the
    middleware the admin needs.)"""

    PREFIX = "/v1/"
    get_response: Any  # the middleware's own (MiddlewareMixin)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(self.PREFIX):
            return self.get_response(request)
        return super().__call__(request)  # type: ignore[misc]


class SessionOutsideApi(OutsideApi, SessionMiddleware):
    pass


class CsrfOutsideApi(OutsideApi, CsrfViewMiddleware):
    pass


class AuthenticationOutsideApi(OutsideApi, AuthenticationMiddleware):
    pass


class MessagesOutsideApi(OutsideApi, MessageMiddleware):
    pass
