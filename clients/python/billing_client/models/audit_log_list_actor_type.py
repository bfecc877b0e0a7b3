from enum import StrEnum


class AuditLogListActorType(StrEnum):
    API_KEY = "api_key"
    STAFF = "staff"
    SYSTEM = "system"
    USER = "user"

    def __str__(self) -> str:
        return str(self.value)
