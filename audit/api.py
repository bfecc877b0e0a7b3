"""`GET /v1/tenants/{tid}/audit-log` (API.md Part 2, "Audit log"): admins only, and
read only: no route changes an entry."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from audit import selectors
from audit.filtersets import AuditEntryFilterSet
from audit.models import AuditEntry
from tenants.models import Role
from tenants.params import from_to_parameters, from_to_params
from tenants.scoping import TenantScopedApi


class ActorOutput(serializers.Serializer):
    type = serializers.ChoiceField(choices=AuditEntry.ActorType.choices, source="actor_type")
    id = serializers.CharField(source="actor_id")
    email = serializers.CharField(source="actor_email", allow_null=True)

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        return {**data, "email": data["email"] or None}


class AuditEntryOutput(serializers.ModelSerializer):
    actor = ActorOutput(source="*")
    changes = serializers.JSONField(help_text="{field: [old, new]}")

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "action", "object_type", "object_id", "changes", "reason", "request_id"]


class AuditEntryListApi(TenantScopedApi):
    model = AuditEntry
    read_role: ClassVar[str] = Role.ADMIN
    filterset_class = AuditEntryFilterSet
    cursor_ordering = ("-at", "-id")

    def get_queryset(self) -> QuerySet[Any]:
        start, end = from_to_params(self.request)
        return selectors.audit_entry_list(tenant=self.tenant_id, start=start, end=end)

    @extend_schema(
        operation_id="audit_log_list",
        parameters=[
            *AuditEntryFilterSet.schema_parameters,
            *from_to_parameters("Default: no lower bound.", "Default: no upper bound."),
        ],
        responses=AuditEntryOutput(many=True),
    )
    def get(self, request: Request, tenant_id: uuid.UUID) -> Response:
        return self.list_response(lambda page: AuditEntryOutput(page, many=True).data)
