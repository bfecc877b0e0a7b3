from enum import StrEnum


class ClockStatusEnum(StrEnum):
    ADVANCING = "advancing"
    READY = "ready"

    def __str__(self) -> str:
        return str(self.value)
