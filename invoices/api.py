"""Invoice runs, invoices, voiding, marking uncollectible, and the customer balance
(its ledger and manual adjustments). The subscription routes that invoice (cancel,
upcoming invoice) are in `invoices.subscription_api`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from invoices import selectors, services
from invoices.filtersets import BalanceTransactionFilterSet, InvoiceFilterSet
from invoices.models import BalanceTransaction, Invoice, InvoiceRun
from invoices.serializers import InvoiceOutput, InvoiceRunOutput, invoice_body
from plans.money import format_price
from subscriptions.models import Customer
from subscriptions.selectors import customer_get
from subscriptions.services import CUSTOMER_NOT_FOUND
from tenants.errors import found
from tenants.fields import AwareDateTimeField, StrictDecimalField
from tenants.inputs import CurrencyField, JsonInput
from tenants.models import Role
from tenants.scoping import TenantScopedApi
from tenants.validators import CURRENCY_CODES, currency_exponent

INVOICE_RUN_NOT_FOUND = "No such invoice run."


class InvoiceRunCreateApi(TenantScopedApi):
    class RunInput(JsonInput):
        as_of = AwareDateTimeField(required=False, help_text="RFC 3339 with its offset; default: now")

    class RunQueuedOutput(serializers.Serializer):
        id = serializers.UUIDField()
        status = serializers.CharField()
        as_of = serializers.DateTimeField()

    @extend_schema(request=RunInput, responses={202: RunQueuedOutput})
    def post(self, request: Request, tenant_id: str) -> Response:
        data = self.RunInput.valid(request.data)
        run = services.invoice_run_create(tenant=self.tenant_id, as_of=data.get("as_of"))
        return Response(self.RunQueuedOutput(run).data, status=status.HTTP_202_ACCEPTED)


class InvoiceRunDetailApi(TenantScopedApi):
    model = InvoiceRun
    serializer_class = InvoiceRunOutput

    def get(self, request: Request, tenant_id: str, run_id: str) -> Response:
        return Response(InvoiceRunOutput(self.found(run_id, INVOICE_RUN_NOT_FOUND)).data)


class InvoiceApi(TenantScopedApi):
    # The invoice routes' base: invoices with their lines.
    model = Invoice
    serializer_class = InvoiceOutput

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("lines")


class InvoiceListApi(InvoiceApi):
    filterset_class = InvoiceFilterSet
    # A batch gives all its invoices one created_at; the number breaks the tie so that
    # the cursor's pages neither repeat nor skip any of them.
    cursor_ordering = ("-created_at", "-number")

    @extend_schema(operation_id="invoices_list", responses=InvoiceOutput(many=True))
    def get(self, request: Request, tenant_id: str) -> Response:
        return self.list_response(lambda page: [invoice_body(invoice) for invoice in page])


class InvoiceDetailApi(InvoiceApi):
    @extend_schema(operation_id="invoices_retrieve")
    def get(self, request: Request, tenant_id: str, invoice_id: str) -> Response:
        return Response(invoice_body(self.found(invoice_id, services.INVOICE_NOT_FOUND)))


class InvoiceStatusChangeApi(TenantScopedApi):
    # An admin's change of one invoice's status by `change` (a service taking the
    # tenant and the invoice's id); answers the invoice. No docstring: drf-spectacular
    # would show it as the operations' description.
    write_role = Role.ADMIN
    change: ClassVar[Callable[..., Invoice]]

    @extend_schema(request=None, responses={200: InvoiceOutput})
    def post(self, request: Request, tenant_id: str, invoice_id: str) -> Response:
        return Response(invoice_body(type(self).change(tenant=self.tenant_id, invoice_id=invoice_id)))


class InvoiceVoidApi(InvoiceStatusChangeApi):
    change = services.invoice_void


class InvoiceMarkUncollectibleApi(InvoiceStatusChangeApi):
    change = services.invoice_mark_uncollectible


# Customer balance

AMOUNT_INVALID = 'amount is a decimal string, like "12.50" (a credit) or "-12.50" (a debit).'
# The most decimal places of any currency (CLF and UYW have 4): the currency's own
# bound is the service's (a relation between fields).
MAX_CURRENCY_PLACES = max(currency_exponent(code) for code in CURRENCY_CODES)


class CustomerBalanceAmountOutput(serializers.Serializer):
    currency = serializers.CharField()
    amount = serializers.CharField(help_text="Σ of the ledger entries in this currency, never below 0")


class CustomerBalanceOutput(serializers.Serializer):
    balances = CustomerBalanceAmountOutput(
        many=True, help_text="One per currency of the customer's ledger, by code; [] without entries"
    )


class BalanceTransactionOutput(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField(help_text="Positive: a credit to the customer; negative: a use of it")
    invoice_id = serializers.UUIDField(allow_null=True, help_text="The invoice that caused it, if any")
    credit_note_id = serializers.UUIDField(allow_null=True, help_text="The credit note that caused it, if any")

    class Meta:
        model = BalanceTransaction
        fields = ["id", "currency", "amount", "kind", "invoice_id", "credit_note_id", "description", "created_at"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "decimal", "example": "-12.50"})
    def get_amount(self, entry: BalanceTransaction) -> str:
        return format_price(entry.amount, entry.currency)


class CustomerBalanceApi(TenantScopedApi):
    """The customer's balance per currency: the sum of its ledger, never below 0."""

    model = Customer

    @extend_schema(responses={200: CustomerBalanceOutput})
    def get(self, request: Request, tenant_id: str, customer_id: str) -> Response:
        customer = self.found(customer_id, CUSTOMER_NOT_FOUND)
        balances = selectors.balances_for_customer(tenant=self.tenant_id, customer_id=customer.pk)
        return Response({"balances": [{"currency": c, "amount": format_price(a, c)} for c, a in balances]})


class BalanceTransactionListCreateApi(TenantScopedApi):
    """The customer's balance ledger (every member); a manual adjustment (admins)."""

    model = BalanceTransaction
    serializer_class = BalanceTransactionOutput
    filterset_class = BalanceTransactionFilterSet
    cursor_ordering = ("-seq",)  # unique and in the order entries were written
    write_role = Role.ADMIN

    @extend_schema_serializer(component_name="BalanceAdjustmentInput")
    class Input(JsonInput):
        currency = CurrencyField()
        amount = StrictDecimalField(
            integer_digits=services.ADJUSTMENT_MAX_INTEGER_DIGITS,
            decimal_places=MAX_CURRENCY_PLACES,
            strings_only=True,
            error_messages={
                "invalid": AMOUNT_INVALID,
                "max_whole_digits": services.ADJUSTMENT_TOO_LARGE,
                "max_decimal_places": f"amount has at most {MAX_CURRENCY_PLACES} decimal places, "
                "and no more than its currency has (USD 2, JPY 0).",
            },
            help_text="Not 0; positive credits the customer, negative takes credit back "
            "(409 if the balance would go below 0); no more decimal places than the currency has",
        )
        description = serializers.CharField(max_length=services.ADJUSTMENT_DESCRIPTION_MAX_LENGTH)

    def _customer(self, customer_id: str) -> Customer:
        # The lookup of every customer-nested route (as the discounts'): one text for a missing customer.
        return found(customer_get(tenant=self.tenant_id, customer_id=customer_id), CUSTOMER_NOT_FOUND)

    @extend_schema(responses=BalanceTransactionOutput(many=True))
    def get(self, request: Request, tenant_id: str, customer_id: str) -> Response:
        customer = self._customer(customer_id)
        entries = selectors.balance_transaction_list(tenant=self.tenant_id, customer_id=customer.pk)
        return self.list_response(lambda page: BalanceTransactionOutput(page, many=True).data, entries)

    @extend_schema(request=Input, responses={201: BalanceTransactionOutput})
    def post(self, request: Request, tenant_id: str, customer_id: str) -> Response:
        customer = self._customer(customer_id)
        data = self.Input.valid(request.data)
        entry = services.balance_adjustment_create(tenant=self.tenant_id, customer=customer, **data)
        return Response(BalanceTransactionOutput(entry).data, status=status.HTTP_201_CREATED)
