from enum import StrEnum


class ModelEnum(StrEnum):
    PACKAGE = "package"
    PER_UNIT = "per_unit"
    TIERED = "tiered"
    VOLUME = "volume"

    def __str__(self) -> str:
        return str(self.value)
