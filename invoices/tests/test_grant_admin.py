"""The Django admin of credit grants: a customer's grants inline on its page, a grant's
page with its ledger read only, and "Void selected credit grants" after a confirmation
page (a refused one named in a warning)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from invoices.grant_admin import NOT_VOIDED, VOIDED
from invoices.grant_services import GRANT_NOT_VOIDABLE
from invoices.models import CreditGrant, CreditGrantEntry
from invoices.tests.factories import CreditGrantFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:invoices_creditgrant_changelist")


@pytest.fixture
def grant(tenant):
    grant = CreditGrantFactory(tenant=tenant, name="Welcome", amount=Decimal("30.00"), used=Decimal("12.50"))
    CreditGrantEntry.objects.create(tenant=tenant, grant=grant, kind="used", amount=Decimal("12.50"))
    return grant


def test_a_customers_grants_are_inline_on_its_page(staff_client, grant):
    page = staff_client.get(reverse("admin:subscriptions_customer_change", args=[grant.customer_id]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "credit grants" in text.lower()
    assert "Welcome" in text and "17.50 USD" in text  # what remains


def test_a_grants_page_shows_its_ledger_read_only(staff_client, grant):
    page = staff_client.get(reverse("admin:invoices_creditgrant_change", args=[grant.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "ledger (in the order written)" in text.lower() and "12.50" in text
    assert 'name="amount"' not in text  # nothing to edit
    assert staff_client.post(reverse("admin:invoices_creditgrant_delete", args=[grant.pk])).status_code == 403


def test_void_asks_first_then_voids_and_names_those_it_could_not(staff_client, tenant, grant):
    expired = CreditGrantFactory(tenant=tenant, name="Old", status="expired")
    chosen = {"action": "void_selected", "_selected_action": [str(grant.pk), str(expired.pk)]}
    asked = staff_client.post(CHANGELIST, chosen)
    assert asked.status_code == 200
    assert "Yes, void them" in asked.content.decode()
    assert CreditGrant.objects.get(pk=grant.pk).status == "active"  # nothing happened yet

    done = staff_client.post(CHANGELIST, {**chosen, "post": "yes"}, follow=True)
    messages = [str(m) for m in done.context["messages"]]
    assert VOIDED.format(count=1) in messages
    assert NOT_VOIDED.format(grant=expired, reason=GRANT_NOT_VOIDABLE.format(status="expired")) in messages
    voided = CreditGrant.objects.get(pk=grant.pk)
    assert (voided.status, voided.voided, voided.remaining) == ("voided", Decimal("17.50"), 0)
