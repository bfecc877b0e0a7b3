"""The Django admin for support staff: masked secrets, read-only events and deliveries,
and the retry action."""

from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tenants.models import User
from webhooks.admin import NOT_RETRIED, RETRIED, mask_secret
from webhooks.models import WebhookDelivery
from webhooks.services import DELIVERY_ALREADY_PENDING
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


def test_deliveries_cannot_be_added_changed_or_deleted(staff_client, tenant):
    delivery = WebhookDeliveryFactory(tenant=tenant, status=WebhookDelivery.Status.DEAD, attempts=8)
    change = reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])

    assert staff_client.get(reverse("admin:webhooks_webhookdelivery_add")).status_code == 403
    assert staff_client.post(change, {"status": "succeeded", "attempts": "0"}).status_code == 403
    delete = reverse("admin:webhooks_webhookdelivery_delete", args=[delivery.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = staff_client.get(reverse("admin:webhooks_webhookdelivery_changelist"))
    assert [name for name, _ in changelist.context["action_form"].fields["action"].choices if name] == [
        "retry_selected"
    ]  # no "delete selected"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.DEAD, 8)
    event_delete = reverse("admin:webhooks_event_delete", args=[delivery.event_id])
    assert staff_client.post(event_delete, {"post": "yes"}).status_code == 403
    assert WebhookDelivery.objects.filter(pk=delivery.pk).exists()


def test_a_deliverys_page_shows_its_payload_indented_and_links_to_its_object(staff_client, tenant):
    invoice_id = "0b7f6f4e-0000-4000-8000-000000000001"
    delivery = WebhookDeliveryFactory(
        tenant=tenant,
        status=WebhookDelivery.Status.DEAD,
        event__type="invoice.payment_failed",
        event__data={"id": invoice_id, "number": "INV-000042", "amount_due": "51.00"},
    )

    page = staff_client.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])).content.decode()

    assert '<pre class="json">{\n  &quot;created_at&quot;' in page
    assert "  &quot;data&quot;: {\n    &quot;amount_due&quot;: &quot;51.00&quot;," in page
    assert f"&quot;id&quot;: &quot;{delivery.event.public_id}&quot;" in page
    assert f'<a href="/admin/invoices/invoice/{invoice_id}/change/">invoice INV-000042</a>' in page
    assert 'id="retry-delivery"' in page
    assert 'name="_save"' not in page


def test_the_retry_button_queues_a_dead_delivery_again(
    staff_client, tenant, endpoint, receiver, django_capture_on_commit_callbacks
):
    dead = WebhookDeliveryFactory(tenant=tenant, endpoint=endpoint, status=WebhookDelivery.Status.DEAD, attempts=8)
    retry = reverse("admin:webhooks_webhookdelivery_retry", args=[dead.pk])

    assert staff_client.get(retry).status_code == 405  # a button posts; a link followed changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(retry, follow=True)

    assert response.redirect_chain == [(reverse("admin:webhooks_webhookdelivery_change", args=[dead.pk]), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        RETRIED.format(event=dead.event.public_id, url=endpoint.url)
    ]
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (WebhookDelivery.Status.SUCCEEDED, 1)
    assert len(requests_to(receiver, "/hook")) == 1


def test_retrying_a_pending_delivery_says_why_nothing_happened(staff_client, tenant):
    pending = WebhookDeliveryFactory(tenant=tenant)

    response = staff_client.post(reverse("admin:webhooks_webhookdelivery_retry", args=[pending.pk]), follow=True)

    assert [str(m) for m in response.context["messages"]] == [NOT_RETRIED.format(reason=DELIVERY_ALREADY_PENDING)]


def test_staff_who_may_only_view_deliveries_get_no_retry_button(tenant):
    user = User.objects.create_user(email="clerk@billing.test", password="correct-horse-battery-staple")
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_webhookdelivery", "view_event"]))
    client = Client()
    client.force_login(user)
    dead = WebhookDeliveryFactory(tenant=tenant, status=WebhookDelivery.Status.DEAD)

    page = client.get(reverse("admin:webhooks_webhookdelivery_change", args=[dead.pk])).content.decode()
    assert 'id="retry-delivery"' not in page
    assert client.post(reverse("admin:webhooks_webhookdelivery_retry", args=[dead.pk])).status_code == 403
    dead.refresh_from_db()
    assert dead.status == WebhookDelivery.Status.DEAD


def test_deliveries_are_found_by_the_object_their_event_is_about(staff_client, tenant):
    about = WebhookDeliveryFactory(tenant=tenant, event__data={"id": "obj-1"})
    WebhookDeliveryFactory(tenant=tenant, event__data={"id": "obj-2"})

    response = staff_client.get(reverse("admin:webhooks_webhookdelivery_changelist"), {"object": "obj-1"})

    assert list(response.context["cl"].queryset) == [about]
