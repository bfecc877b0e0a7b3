"""Customer portal links (API.md Part 2, "Documents, portal, export"): a signed token
that opens one customer's portal for an hour of real time.

The token is `django.core.signing` of `[tenant id, customer id, expiry]` with its own
salt (HMAC-SHA256 with DJANGO_SECRET_KEY): whoever holds the link sees that customer
and nothing else, and changing any character of it fails the signature. No database
row is written: a link is a bearer credential that dies by itself within the hour
(Stripe's portal sessions live as briefly). The price is that one link cannot be
revoked before then; rotating DJANGO_SECRET_KEY ends every link at once (and every
login). A tenant that wants a customer out sooner deletes nothing: it simply stops
handing out links, and the last one expires within the hour.

The expiry is real time (`clock.real_now()`), for sandbox tenants too (API.md,
"Billing clock": tokens and portal links are real time); what the page shows is at
the tenant's business time (portal.selectors).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from subscriptions.models import Customer
from tenants import clock
from tenants.models import TenantRef, tenant_pk

PORTAL_SALT = "billing.portal.session"
PORTAL_SESSION_LIFETIME = timedelta(hours=1)

PORTAL_LINK_EXPIRED = "This portal link has expired. Ask for a new one."
PORTAL_LINK_INVALID = "This portal link is not valid. Check that it was copied whole, or ask for a new one."


class PortalLinkRefused(Exception):
    """A token that opens nothing: altered, malformed, expired, or of a customer that is
    gone. `message` is what the page says (the 403's text)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PortalSession:
    """A link to one customer's portal: `token` is the path's secret."""

    token: str
    expires_at: datetime

    def url(self, base: str) -> str:
        """The link under `base` (an origin such as `https://billing.example.com`)."""
        return f"{base.rstrip('/')}{reverse('portal-page', kwargs={'token': self.token})}"


@dataclass(frozen=True)
class PortalAccess:
    """What a valid token opens: one customer of one tenant, until `expires_at`."""

    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    expires_at: datetime


def portal_session_create(*, tenant: TenantRef, customer: Customer) -> PortalSession:
    """A link to `customer`'s portal, valid for PORTAL_SESSION_LIFETIME of real time.

    >>> portal_session_create(tenant=t, customer=c).expires_at - clock.real_now()
    datetime.timedelta(seconds=3600)  # to the second: the token carries whole seconds
    """
    expires_at = (clock.real_now() + PORTAL_SESSION_LIFETIME).replace(microsecond=0)
    claims = [uuid.UUID(str(tenant_pk(tenant))).hex, customer.pk.hex, int(expires_at.timestamp())]
    return PortalSession(token=signing.dumps(claims, salt=PORTAL_SALT, compress=True), expires_at=expires_at)


def portal_token_read(token: str) -> PortalAccess:
    """The tenant and customer `token` opens, or PortalLinkRefused (altered, malformed
    or expired: the page answers 403)."""
    try:
        tenant_hex, customer_hex, expiry = signing.loads(token, salt=PORTAL_SALT)
        access = PortalAccess(
            uuid.UUID(hex=tenant_hex), uuid.UUID(hex=customer_hex), datetime.fromtimestamp(expiry, tz=UTC)
        )
    except (signing.BadSignature, ValueError, TypeError, OverflowError):
        # A signature that holds over a shape we never wrote would need the secret key:
        # the same answer as an altered token.
        raise PortalLinkRefused(PORTAL_LINK_INVALID) from None
    if clock.real_now() >= access.expires_at:
        raise PortalLinkRefused(PORTAL_LINK_EXPIRED)
    return access


def portal_base_url(request_origin: str) -> str:
    """Where links start: PORTAL_BASE_URL, else the origin the API was called at."""
    return settings.PORTAL_BASE_URL or request_origin
