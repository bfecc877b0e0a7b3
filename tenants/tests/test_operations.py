"""Envelope, request ids, health, readiness, metrics, schema and docs."""

import pytest
import structlog
from django.core.cache import cache
from django_structlog.signals import bind_extra_request_metadata
from rest_framework.test import APIClient


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_200_when_postgres_and_redis_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"postgresql": True, "redis": True}


@pytest.mark.django_db
def test_readyz_is_503_naming_redis_when_redis_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    try:
        response = client.get("/readyz")
    finally:
        del cache._cache  # drop the client bound to the closed port
    assert response.status_code == 503
    assert response.json()["checks"] == {"postgresql": True, "redis": False}
    assert "redis" in response.json()["errors"][0]["detail"]


def test_readyz_is_503_naming_postgresql_when_the_database_is_down(client, monkeypatch):
    from billing_project import views

    monkeypatch.setattr(views, "_database_ok", lambda: False)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["errors"][0]["detail"] == "Not ready: postgresql did not answer."


def test_request_id_is_generated_when_missing(client):
    response = client.get("/healthz")
    assert len(response["X-Request-ID"]) == 36


def test_request_id_is_echoed_when_given(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="req-abc-123")
    assert response["X-Request-ID"] == "req-abc-123"


@pytest.fixture
def logged_ips():
    """The `ip` every request's log lines carry (read after our receiver has bound it)."""
    seen = []

    def record(**kwargs):
        seen.append(structlog.contextvars.get_contextvars().get("ip"))

    bind_extra_request_metadata.connect(record)
    yield seen
    bind_extra_request_metadata.disconnect(record)


def test_logs_carry_the_socket_address_not_a_forged_x_forwarded_for(client, logged_ips):
    client.get("/healthz", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert logged_ips == ["127.0.0.1"]


def test_behind_one_proxy_logs_carry_the_address_it_saw(client, logged_ips, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client.get("/healthz", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    assert logged_ips == ["198.51.100.7"]


@pytest.mark.django_db
def test_request_id_is_on_error_responses_too():
    response = APIClient().get("/v1/tenants/00000000-0000-0000-0000-000000000000", HTTP_X_REQUEST_ID="err-1")
    assert response.status_code == 401
    assert response["X-Request-ID"] == "err-1"


def test_unknown_route_is_a_json_404_in_the_envelope(client):
    response = client.get("/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
    }


@pytest.mark.django_db
def test_wrong_method_is_a_405_in_the_envelope():
    response = APIClient().delete("/v1/auth/login")
    assert response.status_code == 405
    assert response.json()["type"] == "client_error"
    assert response.json()["errors"][0]["code"] == "method_not_allowed"


def test_server_error_handler_answers_json_without_a_trace(rf):
    from billing_project.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Traceback" not in response.content
    assert b'"type": "server_error"' in response.content


@pytest.mark.django_db
def test_unhandled_exception_in_an_api_view_is_a_json_500(api, turl, monkeypatch):
    from tenants import api as tenants_api

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(tenants_api.TenantOutput, "to_representation", boom)
    api.raise_request_exception = False
    response = api.get(turl())
    assert response.status_code == 500
    assert response.json()["type"] == "server_error"
    assert "secret internals" not in response.content.decode()


@pytest.mark.django_db
def test_metrics_exposes_prometheus_text(client):
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"django_http_requests_total_by_method_total" in response.content


@pytest.mark.django_db
def test_schema_is_openapi_3_and_lists_tenant_routes(client):
    response = client.get("/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/v1/tenants/{tenant_id}/api-keys" in schema["paths"]


@pytest.mark.django_db
def test_docs_are_served_without_a_cdn(client):
    response = client.get("/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()


def test_schema_generates_without_warnings_or_errors():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    try:
        schema = SchemaGenerator().get_schema(request=None, public=True)
        warnings, errors = dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache)
    finally:
        GENERATOR_STATS.reset()
    assert warnings == {}
    assert errors == {}
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document


def test_schema_names_each_status_enum_and_serializer_after_its_owner():
    from drf_spectacular.generators import SchemaGenerator

    components = SchemaGenerator().get_schema(request=None, public=True)["components"]
    schemas = components["schemas"]
    assert schemas["SubscriptionStatusEnum"]["enum"] == ["trialing", "active", "past_due", "canceled"]
    assert schemas["WebhookDeliveryStatusEnum"]["enum"] == ["pending", "succeeded", "failed", "dead"]
    for name in ("TenantSignupInputRequest", "LoginInputRequest", "LoginOutput", "UsageBatchOutput"):
        assert name in schemas
    assert not {"Input", "InputRequest", "Output"} & set(schemas)
    assert set(components["securitySchemes"]) == {"jwtAuth", "apiKeyAuth"}


def test_schema_generation_gets_an_empty_queryset_without_a_tenant():
    from usage.api import UsageEventListIngestApi
    from webhooks.api import WebhookDeliveryListApi

    for api_class in (UsageEventListIngestApi, WebhookDeliveryListApi):
        view = api_class()
        view.swagger_fake_view = True
        view.kwargs = {}
        queryset = view.get_queryset()
        assert queryset.model is api_class.model
        assert queryset.query.is_empty()


def test_times_render_as_rfc_3339_with_four_digits_of_year():
    # glibc's %Y gave "410-01-19T…" (found by test_fuzz.py through `from`/`to` and `as_of`).
    from datetime import UTC, datetime

    from rest_framework import serializers

    field = serializers.DateTimeField()
    assert field.to_representation(datetime(410, 1, 19, 15, 21, 45, tzinfo=UTC)) == "0410-01-19T15:21:45.000000Z"
    assert field.to_representation(datetime(2026, 1, 31, tzinfo=UTC)) == "2026-01-31T00:00:00.000000Z"
