from enum import StrEnum


class InvoicesExportFormat(StrEnum):
    CSV = "csv"

    def __str__(self) -> str:
        return str(self.value)
