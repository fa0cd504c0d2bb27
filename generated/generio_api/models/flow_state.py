from enum import StrEnum


class FlowState(StrEnum):
    ABORTED = "aborted"
    ABORTING = "aborting"
    COMPLETED = "completed"
    CREATED = "created"
    FAILED = "failed"
    RUNNING = "running"
    STARTING = "starting"

    def __str__(self) -> str:
        return str(self.value)
