from enum import StrEnum


class FlowStateFilter(StrEnum):
    ABORTED = "aborted"
    ABORTING = "aborting"
    COMPLETED = "completed"
    CREATED = "created"
    FAILED = "failed"
    RUNNING = "running"

    def __str__(self) -> str:
        return str(self.value)
