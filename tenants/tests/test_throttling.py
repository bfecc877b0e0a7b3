"""Throttles fail open: with Redis down (the cache on a closed port) login and sign-up
answer as they would without a throttle, never 500, and each such request logs a warning."""

from __future__ import annotations

import logging

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import BaseThrottle

from tenants.api import BAD_CREDENTIALS
from tenants.models import Tenant
from tenants.tests.factories import PASSWORD
from tenants.tests.test_auth import SIGNUP
from tenants.tests.utils import all_routes
from tenants.throttling import THROTTLE_CACHE_UNAVAILABLE, FailOpenScopedRateThrottle

pytestmark = pytest.mark.django_db

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_PORT,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }


def throttle_warnings(caplog) -> list[dict]:
    return [
        r.msg
        for r in caplog.records
        if r.levelno == logging.WARNING and isinstance(r.msg, dict) and r.msg["event"] == THROTTLE_CACHE_UNAVAILABLE
    ]


def test_login_answers_without_redis_and_warns(redis_down, member_user, caplog):
    client = APIClient()
    body = {"email": member_user.email, "password": "wrong"}

    wrong = [client.post("/v1/auth/login", body, format="json") for _ in range(11)]
    right = client.post("/v1/auth/login", {**body, "password": PASSWORD}, format="json")

    # 11 wrong passwords would be throttled with Redis (test_auth): here the rate waits for it
    assert [r.status_code for r in wrong] == [401] * 11
    assert wrong[0].json()["errors"][0]["detail"] == BAD_CREDENTIALS
    assert right.status_code == 200
    assert right.json()["tenant_id"] == str(member_user.tenant_id)
    warnings = throttle_warnings(caplog)
    assert len(warnings) == 12
    assert {w["scope"] for w in warnings} == {"login"}
    assert "127.0.0.1:1" in warnings[0]["error"]


def test_signup_answers_without_redis_and_warns(redis_down, caplog):
    response = APIClient().post("/v1/tenants", SIGNUP, format="json")

    assert response.status_code == 201
    assert response.json()["tenant"]["name"] == SIGNUP["name"]
    assert Tenant.objects.filter(name=SIGNUP["name"]).count() == 1
    assert [w["scope"] for w in throttle_warnings(caplog)] == ["signup"]


def test_with_redis_up_nothing_is_logged_and_the_rate_holds(member_user, caplog):
    client = APIClient()
    body = {"email": member_user.email, "password": "wrong"}
    codes = [client.post("/v1/auth/login", body, format="json").status_code for _ in range(11)]
    assert codes == [401] * 10 + [429]
    assert throttle_warnings(caplog) == []


def test_every_throttled_route_fails_open():

    throttled = {}
    for route, pattern in all_routes():
        view_class = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
        classes: list[type[BaseThrottle]] = list(getattr(view_class, "throttle_classes", []))
        if classes:
            throttled[route] = classes
    assert set(throttled) == {"v1/tenants", "v1/auth/login"}
    for route, classes in throttled.items():
        assert all(issubclass(c, FailOpenScopedRateThrottle) for c in classes), route
