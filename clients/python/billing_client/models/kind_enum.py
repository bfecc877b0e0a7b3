from enum import StrEnum


class KindEnum(StrEnum):
    CORRECTION = "correction"
    CREDIT_PURCHASE = "credit_purchase"
    DISCOUNT = "discount"
    FLAT_FEE = "flat_fee"
    LATE_USAGE = "late_usage"
    PRORATION = "proration"
    USAGE = "usage"

    def __str__(self) -> str:
        return str(self.value)
