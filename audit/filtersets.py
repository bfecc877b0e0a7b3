"""List filters of the audit log."""

from __future__ import annotations

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter

from audit.models import AuditEntry
from tenants.filtersets import StrictFilterSet

OBJECT_TYPE_PATTERN = r"^[a-z0-9_]{1,64}$"
ACTION_PATTERN = r"^[a-z0-9_]{1,32}\.[a-z0-9_]{1,64}$"
NAME_INVALID = "Lower-case letters, digits and underscores, as the entries name them (e.g. credit_note)."
ACTION_INVALID = "<object_type>.<what happened> in lower case, as the entries name them (e.g. invoice.voided)."


class AuditEntryFilterSet(StrictFilterSet):
    """`?object_type=&object_id=&actor=&actor_type=&action=`; `?from=&to=` are read by
    `tenants.params`. `actor` is a user's or API key's id, a user's email, or a system
    actor's name (`task:…`, `payment_webhook`)."""

    object_type = django_filters.CharFilter(validators=[RegexValidator(OBJECT_TYPE_PATTERN, NAME_INVALID)])
    object_id = django_filters.CharFilter(max_length=64)
    action = django_filters.CharFilter(validators=[RegexValidator(ACTION_PATTERN, ACTION_INVALID)])
    actor = django_filters.CharFilter(method="by_actor", max_length=254)
    actor_type = django_filters.ChoiceFilter(choices=AuditEntry.ActorType.choices)

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    # What django-filter's schema leaves out: the OpenAPI parameters state the same bounds.
    schema_parameters = [
        OpenApiParameter("object_type", {"type": "string", "pattern": OBJECT_TYPE_PATTERN}),
        OpenApiParameter("action", {"type": "string", "pattern": ACTION_PATTERN}),
        OpenApiParameter("object_id", {"type": "string", "maxLength": 64}),
        OpenApiParameter("actor", {"type": "string", "maxLength": 254}, description="An id, an email or a name"),
    ]

    def by_actor(self, queryset: QuerySet[AuditEntry], name: str, value: str) -> QuerySet[AuditEntry]:
        return queryset.filter(Q(actor_id=value) | Q(actor_email__iexact=value)) if value else queryset
