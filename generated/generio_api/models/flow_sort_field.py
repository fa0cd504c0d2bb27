from enum import StrEnum


class FlowSortField(StrEnum):
    CREATED_AT = "created_at"
    FINISHED_AT = "finished_at"
    PROGRESS = "progress"
    STARTED_AT = "started_at"
    STATE = "state"
    STATUS = "status"

    def __str__(self) -> str:
        return str(self.value)
