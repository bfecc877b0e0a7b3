from enum import StrEnum


class KindEnum(StrEnum):
    CORRECTION = "correction"
    CREDIT_PURCHASE = "credit_purchase"
    DISCOUNT = "discount"
    FLAT_FEE = "flat_fee"
    LATE_USAGE = "late_usage"
    MINIMUM_TRUE_UP = "minimum_true_up"
    PROGRESSIVE_BILLING_CREDIT = "progressive_billing_credit"
    PRORATION = "proration"
    USAGE = "usage"

    def __str__(self) -> str:
        return str(self.value)
