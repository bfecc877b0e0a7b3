"""The Django admin for support staff: masked secrets, read-only events and deliveries,
and the retry action."""

from django.urls import reverse

from webhooks.admin import mask_secret
from webhooks.models import WebhookDelivery
from webhooks.tests.conftest import requests_to
from webhooks.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory
from webhooks.url_guard import URL_BACKSLASH


def test_the_endpoint_page_shows_the_secret_masked_and_never_in_full(staff_client, tenant):
    endpoint = WebhookEndpointFactory(tenant=tenant)

    page = staff_client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])).content.decode()

    assert mask_secret(endpoint.secret) in page
    assert endpoint.secret not in page
    assert mask_secret(endpoint.secret) == endpoint.secret[:10] + "…"


def test_staff_cannot_change_the_secret(staff_client, tenant):
    endpoint = WebhookEndpointFactory(tenant=tenant)
    secret = endpoint.secret

    response = staff_client.post(
        reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]),
        {"url": endpoint.url, "event_types": "", "description": "edited", "active": "on", "secret": "whsec_mine"},
    )

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.description == "edited"
    assert endpoint.secret == secret


def test_the_admin_form_applies_the_ssrf_guard(staff_client, tenant, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    endpoint = WebhookEndpointFactory(tenant=tenant, url="https://93.184.215.14/hook")

    response = staff_client.post(
        reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]),
        {"url": "https://169.254.169.254/latest", "event_types": "", "description": "", "active": "on"},
    )

    assert response.status_code == 200
    assert "which is not a public address" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == "https://93.184.215.14/hook"


def test_deliveries_are_listed_and_filtered_by_status(staff_client, tenant):
    dead = WebhookDeliveryFactory(tenant=tenant, status=WebhookDelivery.Status.DEAD)
    ok = WebhookDeliveryFactory(tenant=tenant, status=WebhookDelivery.Status.SUCCEEDED)

    response = staff_client.get(reverse("admin:webhooks_webhookdelivery_changelist"), {"status__exact": "dead"})

    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [dead]
    assert ok not in response.context["cl"].queryset


def test_the_retry_action_requeues_selected_deliveries(
    staff_client, tenant, endpoint, receiver, django_capture_on_commit_callbacks
):
    dead = WebhookDeliveryFactory(tenant=tenant, endpoint=endpoint, status=WebhookDelivery.Status.DEAD, attempts=8)
    pending = WebhookDeliveryFactory(tenant=tenant, endpoint=endpoint, next_attempt_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:webhooks_webhookdelivery_changelist"),
            {"action": "retry_selected", "_selected_action": [str(dead.pk), str(pending.pk)]},
            follow=True,
        )

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["Queued 1 deliveries again; 1 were already pending and left as they are."]
    dead.refresh_from_db()
    pending.refresh_from_db()
    assert dead.status == WebhookDelivery.Status.SUCCEEDED
    assert dead.attempts == 1
    assert pending.status == WebhookDelivery.Status.PENDING
    assert len(requests_to(receiver, "/hook")) == 1


def test_events_are_read_only(staff_client, tenant):
    delivery = WebhookDeliveryFactory(tenant=tenant)
    url = reverse("admin:webhooks_event_change", args=[delivery.event.pk])

    page = staff_client.get(url)
    assert page.status_code == 200
    assert delivery.event.public_id in staff_client.get(reverse("admin:webhooks_event_changelist")).content.decode()
    assert staff_client.post(url, {"type": "invoice.voided"}).status_code == 403
    delivery.event.refresh_from_db()
    assert delivery.event.type == "invoice.paid"


def test_the_admin_form_refuses_a_url_that_parsers_read_differently(staff_client, tenant):
    endpoint = WebhookEndpointFactory(tenant=tenant, url="https://93.184.215.14/hook")

    response = staff_client.post(
        reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]),
        {"url": "https://127.0.0.1:8594\\@8.8.8.8/hook", "event_types": "", "description": "", "active": "on"},
    )

    assert response.status_code == 200
    assert URL_BACKSLASH in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == "https://93.184.215.14/hook"
