from enum import StrEnum


class AggregationEnum(StrEnum):
    COUNT = "count"
    MAX = "max"
    SUM = "sum"
    UNIQUE_COUNT = "unique_count"

    def __str__(self) -> str:
        return str(self.value)
