from enum import StrEnum


class ErrorCode500Enum(StrEnum):
    ERROR = "error"

    def __str__(self) -> str:
        return str(self.value)
