"""Writes of the subscriptions app: customers and subscriptions.

Every service takes `*, tenant` first and stamps or checks it; none reads a request.
Errors are DRF exceptions with module-level message constants, so the API renders
them as they are and the tests assert the very texts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework.exceptions import NotFound, ValidationError

from subscriptions.models import Customer
from subscriptions.validators import validate_metadata
from tenants.errors import ConflictError
from tenants.models import Tenant

CUSTOMER_NOT_FOUND = "No customer with this id in this tenant."
CUSTOMER_EXTERNAL_ID_TAKEN = "A customer with external_id {external_id!r} already exists in this tenant."
CUSTOMER_EXTERNAL_ID_IMMUTABLE = "external_id cannot change once the customer exists; create another customer."
CUSTOMER_UPDATABLE_FIELDS = frozenset({"name", "email", "metadata"})


def _check_metadata(metadata: Any) -> dict[str, Any]:
    try:
        validate_metadata(metadata)
    except DjangoValidationError as exc:
        raise ValidationError({"metadata": exc.messages}, code=exc.code) from exc
    return metadata


def _check_owned(tenant: Tenant, customer: Customer) -> None:
    # Fail closed: a caller that fetched the customer without scoping gets a 404, not a write.
    if customer.tenant_id != tenant.pk:
        raise NotFound(CUSTOMER_NOT_FOUND)


def customer_create(
    *, tenant: Tenant, external_id: str, name: str, email: str | None = "", metadata: dict[str, Any] | None = None
) -> Customer:
    """Create a customer; 409 (on `external_id`) if the tenant already has that external_id.

    The unique constraint decides, so two concurrent creates give one 201 and one 409.
    """
    customer = Customer(
        tenant=tenant,
        external_id=external_id,
        name=name,
        email=email or "",
        metadata=_check_metadata({} if metadata is None else metadata),
    )
    try:
        with transaction.atomic():
            customer.save(force_insert=True)
    except IntegrityError as exc:
        taken = CUSTOMER_EXTERNAL_ID_TAKEN.format(external_id=external_id)
        raise ConflictError({"external_id": taken}, code="external_id_taken") from exc
    return customer


def customer_update(*, tenant: Tenant, customer: Customer, data: Mapping[str, Any]) -> Customer:
    """Change `name`, `email` and/or `metadata` (replaced whole, not merged).

    `external_id` is fixed: usage events already name the customer by it.
    """
    _check_owned(tenant, customer)
    if "external_id" in data and data["external_id"] != customer.external_id:
        raise ValidationError({"external_id": CUSTOMER_EXTERNAL_ID_IMMUTABLE}, code="immutable")
    changes = {key: value for key, value in data.items() if key in CUSTOMER_UPDATABLE_FIELDS}
    if "metadata" in changes:
        _check_metadata(changes["metadata"])
    if "email" in changes:
        changes["email"] = changes["email"] or ""
    for key, value in changes.items():
        setattr(customer, key, value)
    if changes:
        customer.save(update_fields=sorted(changes))
    return customer
