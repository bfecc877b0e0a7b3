"""`POST …/customers/{id}/portal-sessions` (members): a link to the customer's portal."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from portal import services
from subscriptions.selectors import customer_get
from subscriptions.services import CUSTOMER_NOT_FOUND
from tenants.errors import found
from tenants.inputs import JsonInput
from tenants.scoping import TenantScopedApi


@extend_schema_serializer(component_name="PortalSessionInput")
class PortalSessionInput(JsonInput):
    pass  # nothing to choose: the link opens the path's customer


class PortalSessionOutput(serializers.Serializer):
    url = serializers.URLField(
        help_text="The customer's portal: no login, opens this customer only; "
        "under PORTAL_BASE_URL, else the address this request was sent to"
    )
    expires_at = serializers.DateTimeField(help_text="An hour from now in real time (sandbox tenants too); then 403")


class PortalSessionCreateApi(TenantScopedApi):
    """A link to the customer's portal, valid for an hour: its subscriptions, usage so
    far this period, upcoming invoice, invoices with their PDFs and credit balance.
    Anyone with the link sees them: hand it to the customer only. Nothing is stored; a
    link cannot be revoked before it expires."""

    # A replay of the Idempotency-Key answers the same link: kept encrypted, as a secret.
    idempotency_sealed_fields = ("url",)

    @extend_schema(
        operation_id="customers_portal_sessions_create",
        request=PortalSessionInput,
        responses={201: PortalSessionOutput},
    )
    def post(self, request: Request, tenant_id: str, customer_id: str) -> Response:
        customer = found(customer_get(tenant=self.tenant_id, customer_id=customer_id), CUSTOMER_NOT_FOUND)
        PortalSessionInput.valid(request.data)
        session = services.portal_session_create(tenant=self.tenant_id, customer=customer)
        url = session.url(services.portal_base_url(request.build_absolute_uri("/")))
        body = PortalSessionOutput({"url": url, "expires_at": session.expires_at}).data
        return Response(body, status=status.HTTP_201_CREATED)
