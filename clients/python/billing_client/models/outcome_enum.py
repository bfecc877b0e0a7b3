from enum import StrEnum


class OutcomeEnum(StrEnum):
    ALREADY_PAID = "already_paid"
    AMOUNT_MISMATCH = "amount_mismatch"
    IGNORED = "ignored"
    INVOICE_NOT_PAYABLE = "invoice_not_payable"
    OVERPAID = "overpaid"
    PAID = "paid"
    PAYMENT_FAILED = "payment_failed"
    REFUNDED = "refunded"
    REFUND_FAILED = "refund_failed"
    REFUND_SETTLED = "refund_settled"

    def __str__(self) -> str:
        return str(self.value)
