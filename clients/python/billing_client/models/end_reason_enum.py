from enum import StrEnum


class EndReasonEnum(StrEnum):
    REMOVED = "removed"
    USED = "used"

    def __str__(self) -> str:
        return str(self.value)
