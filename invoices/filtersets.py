import django_filters

from invoices.models import BalanceTransaction, CreditNote, Invoice
from tenants.filtersets import StrictFilterSet
from tenants.validators import CURRENCY_CODES


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


class BalanceTransactionFilterSet(StrictFilterSet):
    currency = django_filters.ChoiceFilter(choices=[(code, code) for code in CURRENCY_CODES])
    kind = django_filters.ChoiceFilter(choices=BalanceTransaction.Kind.choices)

    class Meta:
        model = BalanceTransaction
        fields = ["currency", "kind"]
