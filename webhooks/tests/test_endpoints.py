"""Endpoint services used directly (as the admin or another app would)."""

import base64

import pytest

from tenants.errors import Invalid
from webhooks.models import WebhookEndpoint
from webhooks.services import webhook_endpoint_create, webhook_endpoint_update


def test_a_new_endpoint_gets_a_standard_webhooks_secret(tenant):
    endpoint = webhook_endpoint_create(tenant=tenant, url="https://hooks.example.com/a")
    assert endpoint.secret.startswith("whsec_")
    assert len(base64.b64decode(endpoint.secret.removeprefix("whsec_"))) == 32
    other = webhook_endpoint_create(tenant=tenant, url="https://hooks.example.com/b")
    assert other.secret != endpoint.secret


def test_unknown_event_types_are_refused_by_the_service_too(tenant):
    with pytest.raises(Invalid) as caught:
        webhook_endpoint_create(tenant=tenant, url="https://hooks.example.com/a", event_types=["invoice.paid", "nope"])
    assert caught.value.detail["event_types"]["1"][0].startswith("Unknown event type 'nope'")
    assert not WebhookEndpoint.objects.for_tenant(tenant).exists()


def test_update_refuses_fields_it_does_not_own(tenant):
    endpoint = webhook_endpoint_create(tenant=tenant, url="https://hooks.example.com/a")
    with pytest.raises(TypeError, match="secret"):
        webhook_endpoint_update(tenant=tenant, endpoint_id=endpoint.pk, secret="whsec_mine")
