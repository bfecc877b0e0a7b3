"""Portal links (portal.services): what a token carries and when it stops opening."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from portal.services import (
    PORTAL_LINK_EXPIRED,
    PORTAL_LINK_INVALID,
    PortalAccess,
    PortalLinkRefused,
    portal_session_create,
    portal_token_read,
)
from subscriptions.tests.factories import CustomerFactory
from tenants.tests.utils import at

pytestmark = pytest.mark.django_db

MADE = at(2026, 11, 30, 21, 15, 30)


def test_a_token_reads_back_its_tenant_customer_and_expiry(tenant):
    customer = CustomerFactory(tenant=tenant)
    with time_machine.travel(MADE + timedelta(microseconds=700), tick=False):
        session = portal_session_create(tenant=tenant, customer=customer)
        assert session.expires_at == MADE + timedelta(hours=1)  # whole seconds, as the token carries
        assert portal_token_read(session.token) == PortalAccess(tenant.id, customer.id, session.expires_at)
    assert session.url("https://billing.example.com/") == f"https://billing.example.com/portal/{session.token}/"


@pytest.mark.parametrize("moment", [MADE + timedelta(hours=1), MADE + timedelta(days=400)])
def test_a_token_is_refused_from_its_expiry_on(tenant, moment):
    with time_machine.travel(MADE, tick=False):
        token = portal_session_create(tenant=tenant, customer=CustomerFactory(tenant=tenant)).token
    with time_machine.travel(moment, tick=False), pytest.raises(PortalLinkRefused) as refused:
        portal_token_read(token)
    assert refused.value.message == PORTAL_LINK_EXPIRED


@pytest.mark.parametrize("token", ["", ":", "a:b:c", "W10:1xY8rH:AAAA", "🙂"])
def test_what_is_not_a_token_is_refused_as_invalid(token):
    with pytest.raises(PortalLinkRefused) as refused:
        portal_token_read(token)
    assert refused.value.message == PORTAL_LINK_INVALID
