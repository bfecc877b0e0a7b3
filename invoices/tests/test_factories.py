"""The test factories make rows the services would make: invoices that add up and are
numbered from the tenant's sequence, usage events that share a tenant."""

from decimal import Decimal

import pytest

from invoices.models import Invoice
from invoices.serializers import invoice_body
from invoices.tests.factories import InvoiceFactory, InvoiceLineFactory, InvoiceRunFactory, bill
from plans.tests.factories import PlanFactory
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.tests.utils import at
from usage.tests.factories import UsageEventFactory

pytestmark = pytest.mark.django_db


def test_an_invoice_adds_up_its_lines_and_is_open_while_something_is_due(tenant):
    sub = SubscriptionFactory(tenant=tenant, plan=PlanFactory(tenant=tenant, name="Pro", amount=Decimal("49.00")))
    invoice = InvoiceFactory(subscription=sub, line_amounts=["49.00", "21.25"], credits_applied=Decimal("10.00"))
    body = invoice_body(invoice)
    assert (body["number"], body["status"], body["customer_id"]) == ("INV-000001", "open", str(sub.customer_id))
    assert (body["subtotal"], body["total"], body["credits_applied"], body["amount_due"]) == (
        "70.25", "70.25", "10.00", "60.25"
    )  # fmt: skip
    assert [(line["kind"], line["amount"]) for line in body["lines"]] == [("flat_fee", "49.00"), ("usage", "21.25")]
    assert body["lines"][0]["description"] == "Pro (month)"
    assert (invoice.tenant_id, invoice.period_start, invoice.issued_at) == (
        tenant.id, sub.current_period_start, sub.current_period_end
    )  # fmt: skip


def test_an_invoice_with_nothing_due_is_paid_when_issued(tenant):
    invoice = InvoiceFactory(tenant=tenant, subscription__plan__amount=Decimal(0))
    assert (invoice.status, invoice.total, invoice.paid_at) == (Invoice.Status.PAID, Decimal(0), invoice.issued_at)
    assert not invoice.lines.exists()


def test_factory_invoices_and_billed_ones_share_the_tenants_gapless_sequence(tenant, other_tenant):
    sub = SubscriptionFactory(tenant=tenant, start_at=at(2026, 1, 1))
    InvoiceFactory(tenant=tenant)
    InvoiceFactory(tenant=other_tenant)
    [january] = bill(tenant, at(2026, 2, 1))
    assert (january.subscription_id, january.number) == (sub.id, "INV-000002")
    assert InvoiceFactory(tenant=tenant).number == "INV-000003"
    assert Invoice.objects.for_tenant(other_tenant).get().number == "INV-000001"


def test_related_objects_take_the_tenant_of_the_one_given(tenant):
    customer = CustomerFactory(tenant=tenant)
    event = UsageEventFactory(customer=customer)
    line = InvoiceLineFactory(invoice=InvoiceFactory(subscription=SubscriptionFactory(customer=customer)))
    assert {event.tenant_id, event.meter.tenant_id, line.tenant_id, line.meter.tenant_id} == {tenant.id}
    assert event.created_at - event.timestamp == at(2026, 1, 1, 0, 0, 1) - at(2026, 1, 1)
    assert InvoiceRunFactory(tenant=tenant).status == "queued"
