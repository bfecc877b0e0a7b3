from enum import StrEnum


class CreditGrantStatusEnum(StrEnum):
    ACTIVE = "active"
    DEPLETED = "depleted"
    EXPIRED = "expired"
    PENDING = "pending"
    VOIDED = "voided"

    def __str__(self) -> str:
        return str(self.value)
