from enum import StrEnum


class ActionEnum(StrEnum):
    AMENDED = "amended"
    CREATED = "created"
    VOIDED = "voided"

    def __str__(self) -> str:
        return str(self.value)
