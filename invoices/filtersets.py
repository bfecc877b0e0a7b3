import django_filters

from invoices.models import CreditNote, Invoice
from tenants.filtersets import StrictFilterSet


class InvoiceFilterSet(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=Invoice.Status.choices)
    customer_id = django_filters.UUIDFilter()
    subscription_id = django_filters.UUIDFilter()

    class Meta:
        model = Invoice
        fields = ["status", "customer_id", "subscription_id"]


class CreditNoteFilterSet(StrictFilterSet):
    invoice_id = django_filters.UUIDFilter()
    customer_id = django_filters.UUIDFilter()

    class Meta:
        model = CreditNote
        fields = ["invoice_id", "customer_id"]
