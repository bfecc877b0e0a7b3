from enum import StrEnum


class FinalActionEnum(StrEnum):
    CANCEL_SUBSCRIPTION = "cancel_subscription"
    MARK_UNCOLLECTIBLE = "mark_uncollectible"
    NONE = "none"

    def __str__(self) -> str:
        return str(self.value)
