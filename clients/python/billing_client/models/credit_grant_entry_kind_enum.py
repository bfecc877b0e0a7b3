from enum import StrEnum


class CreditGrantEntryKindEnum(StrEnum):
    EXPIRED = "expired"
    INVOICE_VOIDED = "invoice_voided"
    USED = "used"
    VOIDED = "voided"

    def __str__(self) -> str:
        return str(self.value)
