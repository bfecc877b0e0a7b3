"""The tenant as the API renders it: in the sign-up answer (`tenants.api`), and as the
base of `GET /v1/tenants/{tid}`, which the catalog extends with the default tax rates
(`plans.tax_api`)."""

from __future__ import annotations

from rest_framework import serializers

from tenants.models import Tenant


class TenantOutput(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["id", "name", "default_currency", "sandbox", "created_at"]
