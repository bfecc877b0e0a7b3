"""A sandbox tenant's clock: `GET …/clock` and `POST …/clock/advance` (API.md Part 2,
"Billing clock"). A live tenant has no clock (404). The work of an advance is the
Celery task's (`tenants.sandbox`)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from tenants import sandbox
from tenants.fields import AwareDateTimeField
from tenants.inputs import JsonInput
from tenants.scoping import TenantScopedApi


@extend_schema_serializer(component_name="Clock")
class ClockOutput(serializers.Serializer):
    time = serializers.DateTimeField(help_text="The sandbox's business time")
    status = serializers.ChoiceField(choices=["ready", "advancing"])
    advancing_to = serializers.DateTimeField(allow_null=True, help_text="Where the running advance goes; else null")


class ClockApi(TenantScopedApi):
    @extend_schema(responses={200: ClockOutput})
    def get(self, request: Request, tenant_id: str) -> Response:
        return Response(ClockOutput(sandbox.clock_get(tenant=self.tenant_id)).data)


class ClockAdvanceApi(TenantScopedApi):
    @extend_schema_serializer(component_name="ClockAdvanceInput")
    class Input(JsonInput):
        to = AwareDateTimeField(help_text="RFC 3339 with its offset: after the clock, at most 3 years ahead")

    @extend_schema(request=Input, responses={202: ClockOutput})
    def post(self, request: Request, tenant_id: str) -> Response:
        data = self.Input.valid(request.data)
        state = sandbox.clock_advance_request(tenant=self.tenant_id, to=data["to"])
        return Response(ClockOutput(state).data, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("clock", ClockApi.as_view(), name="clock"),
    path("clock/advance", ClockAdvanceApi.as_view(), name="clock-advance"),
]
