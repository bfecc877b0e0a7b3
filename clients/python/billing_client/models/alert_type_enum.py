from enum import StrEnum


class AlertTypeEnum(StrEnum):
    CREDIT_BALANCE = "credit_balance"
    METER_QUANTITY = "meter_quantity"
    USAGE_AMOUNT = "usage_amount"

    def __str__(self) -> str:
        return str(self.value)
