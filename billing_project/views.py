"""Health, readiness, and the JSON error pages for requests that never reach DRF."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpRequest, JsonResponse


def _error(status: int, code: str, detail: str, attr: str | None = None) -> JsonResponse:
    kind = "server_error" if status >= 500 else "client_error"
    return JsonResponse({"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}, status=status)


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _redis_ok() -> bool:
    try:
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        return bool(client.ping())
    except Exception:
        return False


def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"postgresql": _database_ok(), "redis": _redis_ok()}
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        detail = f"Not ready: {', '.join(failed)} did not answer."
        return JsonResponse(
            {
                "type": "server_error",
                "errors": [{"code": "not_ready", "detail": detail, "attr": None}],
                "checks": checks,
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "checks": checks})


def bad_request(request: HttpRequest, exception: Any = None) -> JsonResponse:
    """What Django refuses before any view (its SuspiciousOperation family): a missing or
    unknown Host header, too many fields or too large a form; in the envelope, not HTML."""
    if isinstance(exception, DisallowedHost):
        return _error(400, "invalid_host", "The Host header is missing or names no host this service answers.", "Host")
    return _error(400, "bad_request", "Bad request (400).")


def permission_denied(request: HttpRequest, exception: Any = None) -> JsonResponse:
    return _error(403, "permission_denied", "You do not have permission to perform this action.")


def not_found(request: HttpRequest, exception: Any = None) -> JsonResponse:
    return _error(404, "not_found", "Not found.")


def server_error(request: HttpRequest) -> JsonResponse:
    return _error(500, "error", "Server Error (500)")
