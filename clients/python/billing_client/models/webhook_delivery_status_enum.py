from enum import StrEnum


class WebhookDeliveryStatusEnum(StrEnum):
    DEAD = "dead"
    FAILED = "failed"
    PENDING = "pending"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)
