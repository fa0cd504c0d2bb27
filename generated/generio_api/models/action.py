from enum import StrEnum


class Action(StrEnum):
    ABORT = "abort"
    START = "start"

    def __str__(self) -> str:
        return str(self.value)
