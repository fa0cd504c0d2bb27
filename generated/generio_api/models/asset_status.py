from enum import StrEnum


class AssetStatus(StrEnum):
    AVAILABLE = "available"
    ERROR = "error"
    PROCESSING = "processing"
    READY = "ready"

    def __str__(self) -> str:
        return str(self.value)
