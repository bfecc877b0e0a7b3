from enum import StrEnum


class TenantsCustomersBalanceTransactionsListKind(StrEnum):
    ADJUSTMENT = "adjustment"
    APPLIED_TO_INVOICE = "applied_to_invoice"
    CREDIT_NOTE = "credit_note"
    INVOICE_VOIDED = "invoice_voided"
    NEGATIVE_INVOICE = "negative_invoice"
    OVERPAYMENT = "overpayment"
    REFUND_FAILED = "refund_failed"

    def __str__(self) -> str:
        return str(self.value)
