from enum import StrEnum


class PaymentWebhookInputTypeEnum(StrEnum):
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    REFUND_FAILED = "refund.failed"
    REFUND_SUCCEEDED = "refund.succeeded"

    def __str__(self) -> str:
        return str(self.value)
