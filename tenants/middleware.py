"""Request ids (the caller's `X-Request-ID` if sane, or a new one, echoed on every
response) and the guards that refuse oversized bodies and NUL in query strings."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from tenants.errors import RequestTooLarge, error_response
from tenants.parsers import NULL_CHARACTER, NULL_CHARACTER_CODE, REQUEST_TOO_LARGE, declared_length

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
