from enum import StrEnum


class ActorOutputTypeEnum(StrEnum):
    API_KEY = "api_key"
    STAFF = "staff"
    SYSTEM = "system"
    USER = "user"

    def __str__(self) -> str:
        return str(self.value)
