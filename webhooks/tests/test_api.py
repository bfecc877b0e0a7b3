"""The HTTP API: endpoint CRUD (admins only), deliveries list/detail/retry, the SSRF
rule on `url`. Other tenants and lower roles are the battery's
(billing_project/tests/test_battery.py)."""

import pytest

from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint
from webhooks.tests.conftest import requests_to, verify
from webhooks.tests.factories import EventFactory, WebhookDeliveryFactory, WebhookEndpointFactory
from webhooks.url_guard import URL_BACKSLASH, URL_USERINFO

# Endpoints


def test_admin_creates_an_endpoint_and_sees_its_secret_once(api, turl, tenant):
    response = api.post(
        turl("webhook-endpoints"),
        {"url": "https://hooks.example.com/billing", "event_types": ["invoice.paid"], "description": "ERP"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "url", "event_types", "secret", "description", "active", "created_at", "updated_at"}
    assert body["url"] == "https://hooks.example.com/billing"
    assert body["event_types"] == ["invoice.paid"]
    assert body["description"] == "ERP"
    assert body["active"] is True
    assert body["secret"].startswith("whsec_")
    endpoint = WebhookEndpoint.objects.for_tenant(tenant).get(pk=body["id"])
    assert endpoint.secret == body["secret"]

    detail = api.get(turl(f"webhook-endpoints/{body['id']}"))
    assert detail.status_code == 200
    assert "secret" not in detail.json()
    listed = api.get(turl("webhook-endpoints")).json()["results"]
    assert [e["id"] for e in listed] == [body["id"]]
    assert "secret" not in listed[0]


def test_event_types_default_to_all(api, turl):
    response = api.post(turl("webhook-endpoints"), {"url": "https://hooks.example.com/all"}, format="json")
    assert response.status_code == 201
    assert response.json()["event_types"] == []


def test_an_unknown_event_type_is_400_naming_its_index(api, turl, tenant):
    response = api.post(
        turl("webhook-endpoints"),
        {"url": "https://hooks.example.com/x", "event_types": ["invoice.paid", "invoice.exploded"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    [error] = response.json()["errors"]
    assert error["attr"] == "event_types.1"
    assert error["code"] == "invalid_choice"
    assert not WebhookEndpoint.objects.for_tenant(tenant).exists()


def test_a_missing_or_malformed_url_is_400(api, turl):
    for payload in ({}, {"url": "not a url"}):
        response = api.post(turl("webhook-endpoints"), payload, format="json")
        assert response.status_code == 400
        assert [e["attr"] for e in response.json()["errors"]] == ["url"]


@pytest.fixture
def guard_on(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("https://127.0.0.1/hook", "The host 127.0.0.1 resolves to 127.0.0.1, which is not a public address."),
        ("https://10.0.0.1/hook", "The host 10.0.0.1 resolves to 10.0.0.1, which is not a public address."),
        (
            "https://169.254.169.254/latest/meta-data/",
            "The host 169.254.169.254 resolves to 169.254.169.254, which is not a public address.",
        ),
        ("https://[::1]/hook", "The host ::1 resolves to ::1, which is not a public address."),
        ("http://93.184.215.14/hook", "The URL must use https."),
        ("https://127.0.0.1:8594\\@8.8.8.8/hook", URL_BACKSLASH),
        ("https://admin:secret@hooks.example.com/hook", URL_USERINFO),
        ("https://[fec0::1]/hook", "The host fec0::1 resolves to fec0::1, which is not a public address."),
        ("https://192.0.0.9/hook", "The host 192.0.0.9 resolves to 192.0.0.9, which is not a public address."),
    ],
)
def test_the_ssrf_guard_refuses_unsafe_urls_with_400_on_url(guard_on, api, turl, tenant, url, detail):
    response = api.post(turl("webhook-endpoints"), {"url": url}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": "unsafe_url", "detail": detail, "attr": "url"}]
    assert not WebhookEndpoint.objects.for_tenant(tenant).exists()


@pytest.mark.parametrize("url", ["https://2130706433/hook", "https://0177.0.0.1/hook", "https://0x7f.1/hook"])
def test_decimal_octal_and_hex_ip_forms_are_refused_on_url(guard_on, api, turl, tenant, url):
    # DRF's URLField already refuses these; the guard does too (admin, services).
    response = api.post(turl("webhook-endpoints"), {"url": url}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": "invalid", "detail": "Enter a valid URL.", "attr": "url"}]
    assert not WebhookEndpoint.objects.for_tenant(tenant).exists()


@pytest.mark.parametrize(
    ("url", "detail"),
    [("http://127.0.0.1:8594\\@8.8.8.8/hook", URL_BACKSLASH), ("http://user:pass@127.0.0.1/hook", URL_USERINFO)],
)
def test_urls_that_parsers_read_differently_are_refused_even_with_private_urls_allowed(api, turl, tenant, url, detail):
    created = api.post(turl("webhook-endpoints"), {"url": url}, format="json")
    endpoint = WebhookEndpointFactory(tenant=tenant, url="http://127.0.0.1:9/hook")
    patched = api.patch(turl(f"webhook-endpoints/{endpoint.id}"), {"url": url}, format="json")

    for response in (created, patched):
        assert response.status_code == 400
        assert response.json()["errors"] == [{"code": "unsafe_url", "detail": detail, "attr": "url"}]
    assert list(WebhookEndpoint.objects.for_tenant(tenant).values_list("url", flat=True)) == [endpoint.url]


def test_the_ssrf_guard_refuses_localhost(guard_on, api, turl):
    response = api.post(turl("webhook-endpoints"), {"url": "https://localhost/hook"}, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["attr"] == "url"
    assert error["detail"].startswith("The host localhost resolves to ")


def test_the_ssrf_guard_refuses_a_hostname_resolving_to_a_private_address(guard_on, api, turl, dns):
    dns("192.168.10.20")
    response = api.post(turl("webhook-endpoints"), {"url": "https://intranet.example.com/hook"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["detail"] == (
        "The host intranet.example.com resolves to 192.168.10.20, which is not a public address."
    )


def test_the_ssrf_guard_accepts_a_public_https_url(guard_on, api, turl, dns):
    dns("93.184.215.14")
    response = api.post(turl("webhook-endpoints"), {"url": "https://hooks.example.com/hook"}, format="json")
    assert response.status_code == 201


def test_the_guard_also_applies_when_patching_the_url(guard_on, api, turl, tenant):
    endpoint = WebhookEndpointFactory(tenant=tenant, url="https://93.184.215.14/hook")
    response = api.patch(turl(f"webhook-endpoints/{endpoint.id}"), {"url": "https://10.0.0.1/"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "url"
    endpoint.refresh_from_db()
    assert endpoint.url == "https://93.184.215.14/hook"


def test_admin_updates_an_endpoint(api, turl, tenant):
    endpoint = WebhookEndpointFactory(tenant=tenant, description="old")
    secret = endpoint.secret

    response = api.patch(
        turl(f"webhook-endpoints/{endpoint.id}"),
        {"event_types": ["invoice.voided", "invoice.voided"], "active": False, "description": "new"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["event_types"] == ["invoice.voided"]
    assert response.json()["active"] is False
    assert response.json()["description"] == "new"
    assert response.json()["url"] == endpoint.url
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.event_types, endpoint.secret) == (False, ["invoice.voided"], secret)


def test_patch_ignores_a_secret_in_the_payload(api, turl, tenant):
    endpoint = WebhookEndpointFactory(tenant=tenant)
    response = api.patch(turl(f"webhook-endpoints/{endpoint.id}"), {"secret": "whsec_mine"}, format="json")
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.secret != "whsec_mine"


def test_admin_deletes_an_endpoint(api, turl, tenant):
    endpoint = WebhookEndpointFactory(tenant=tenant)
    WebhookDeliveryFactory(tenant=tenant, endpoint=endpoint)

    response = api.delete(turl(f"webhook-endpoints/{endpoint.id}"))

    assert response.status_code == 204
    assert not WebhookEndpoint.objects.for_tenant(tenant).exists()
    assert not WebhookDelivery.objects.for_tenant(tenant).exists()
    assert api.get(turl(f"webhook-endpoints/{endpoint.id}")).status_code == 404


# Deliveries


def test_deliveries_list_and_filter_by_status(api, turl, tenant):
    endpoint = WebhookEndpointFactory(tenant=tenant)
    dead = WebhookDeliveryFactory(tenant=tenant, endpoint=endpoint, status=WebhookDelivery.Status.DEAD, attempts=8)
    ok = WebhookDeliveryFactory(tenant=tenant, endpoint=endpoint, status=WebhookDelivery.Status.SUCCEEDED)

    everything = api.get(turl("webhook-deliveries")).json()["results"]
    assert [d["id"] for d in everything] == [str(ok.id), str(dead.id)]  # newest first

    [only_dead] = api.get(turl("webhook-deliveries"), {"status": "dead"}).json()["results"]
    assert only_dead["id"] == str(dead.id)
    assert only_dead["status"] == "dead"
    assert only_dead["attempts"] == 8
    assert only_dead["event_id"] == dead.event.public_id
    assert only_dead["event_type"] == "invoice.paid"
    assert only_dead["endpoint_id"] == str(endpoint.id)
    assert only_dead["url"] == endpoint.url
    assert api.get(turl("webhook-deliveries"), {"status": "pending"}).json()["results"] == []


def test_deliveries_filter_by_endpoint_and_event_type(api, turl, tenant):
    one, two = WebhookEndpointFactory(tenant=tenant), WebhookEndpointFactory(tenant=tenant)
    paid = WebhookDeliveryFactory(tenant=tenant, endpoint=one)
    voided = WebhookDeliveryFactory(
        tenant=tenant, endpoint=two, event=EventFactory(tenant=tenant, type=EventType.INVOICE_VOIDED)
    )

    by_endpoint = api.get(turl("webhook-deliveries"), {"endpoint_id": str(one.id)}).json()["results"]
    assert [d["id"] for d in by_endpoint] == [str(paid.id)]
    by_type = api.get(turl("webhook-deliveries"), {"event_type": "invoice.voided"}).json()["results"]
    assert [d["id"] for d in by_type] == [str(voided.id)]


def test_an_unknown_status_filter_is_400(api, turl):
    response = api.get(turl("webhook-deliveries"), {"status": "exploded"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "status"


def test_delivery_detail_shows_the_event_as_sent(api, turl, tenant):
    delivery = WebhookDeliveryFactory(tenant=tenant)

    response = api.get(turl(f"webhook-deliveries/{delivery.id}"))

    assert response.status_code == 200
    assert response.json()["event"] == {
        "id": delivery.event.public_id,
        "type": "invoice.paid",
        "created_at": delivery.event.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "data": {"id": "inv_1", "total": "12.50"},
    }


def test_retry_requeues_a_dead_delivery_and_it_is_delivered(
    api, turl, tenant, endpoint, receiver, django_capture_on_commit_callbacks
):
    delivery = WebhookDeliveryFactory(
        tenant=tenant, endpoint=endpoint, status=WebhookDelivery.Status.DEAD, attempts=8, next_attempt_at=None
    )

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = api.post(turl(f"webhook-deliveries/{delivery.id}/retry"))

    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    assert response.json()["attempts"] == 0
    assert len(queued) == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempts == 1
    [request] = requests_to(receiver, "/hook")
    assert verify(request, endpoint.secret)["id"] == delivery.event.public_id


def test_retry_of_a_pending_delivery_is_409(api, turl, tenant):
    delivery = WebhookDeliveryFactory(tenant=tenant)
    response = api.post(turl(f"webhook-deliveries/{delivery.id}/retry"))
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "already_pending"


def test_retry_of_an_unknown_delivery_is_404(api, turl):
    response = api.post(turl("webhook-deliveries/00000000-0000-4000-8000-000000000000/retry"))
    assert response.status_code == 404
