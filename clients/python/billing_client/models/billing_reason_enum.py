from enum import StrEnum


class BillingReasonEnum(StrEnum):
    ADJUSTMENT = "adjustment"
    CANCELLATION = "cancellation"
    CREDIT_PURCHASE = "credit_purchase"
    PERIOD = "period"
    PLAN_CHANGE = "plan_change"
    THRESHOLD = "threshold"

    def __str__(self) -> str:
        return str(self.value)
