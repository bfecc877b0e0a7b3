from enum import StrEnum


class ReasonEnum(StrEnum):
    DUPLICATE = "duplicate"
    FRAUDULENT = "fraudulent"
    ORDER_CHANGE = "order_change"
    OTHER = "other"
    PRODUCT_UNSATISFACTORY = "product_unsatisfactory"

    def __str__(self) -> str:
        return str(self.value)
