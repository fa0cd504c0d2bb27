"""A driver with no HTTP: runs a job, answering each effect from a script.

The jobs (``generio._jobs``) only yield effects and receive results, so their logic can be
tested by a driver that answers from a list instead of a server: each API call is checked
against the next expected ``METHOD path`` and answered with the JSON the service would send
(read by the operation's own parser), with an exception, or by a function of the call.
Sleeps advance a fake clock; downloads are answered from the script too; local file work
(``Local`` effects) is performed for real, as the real drivers do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from generio._http.settings import NOT_GIVEN, resolve_settings
from generio._jobs.effects import Call, Download, Effect, Job, Local, Sleep, Stepper
from generio._jobs.state import ClientState

T = TypeVar("T")


def new_state(max_retries: int = 2) -> ClientState:
    """Return a client's state, as a client would make it (no connection is opened)."""
    settings = resolve_settings(
        "sk-test-key-123456",
        "https://flows.example/api",
        timeout=NOT_GIVEN,
        max_retries=max_retries,
        allow_insecure=False,
        environ={},
    )
    return ClientState(settings)


@attrs.frozen
class Step:
    """One expected effect and its answer.

    Attributes:
        expect: ``"METHOD path"`` of a call, or ``"DOWNLOAD path"``.
        answer: JSON for the operation's parser (a call), a Saved (a download), an exception
            to raise, or a function of the effect returning the result.
    """

    expect: str
    answer: Any


class FakeClock:
    """``time.monotonic`` for jobs under the fake driver: only sleeps move it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        """Return the fake time."""
        return self.now


class FakeDriver:
    """Drives jobs like the real drivers, with scripted answers and a fake clock."""

    def __init__(self, steps: list[Step], clock: FakeClock | None = None) -> None:
        self.steps = list(steps)
        self.clock = clock or FakeClock()
        #: Every effect performed, in order.
        self.effects: list[Effect] = []
        #: The seconds of every Sleep.
        self.slept: list[float] = []

    def drive(self, job: Job[T]) -> T:
        """Run ``job`` to its end; its result, or the exception it raised."""
        stepper = Stepper(job)
        while (effect := stepper.advance()) is not None:
            try:
                stepper.succeed(self._perform(effect))
            except Exception as exc:
                stepper.fail(exc)
        return stepper.result

    def assert_done(self) -> None:
        """Fail when scripted steps were never asked for."""
        assert [step.expect for step in self.steps] == []

    def _perform(self, effect: Effect) -> Any:
        self.effects.append(effect)
        if isinstance(effect, Sleep):
            self.slept.append(effect.seconds)
            self.clock.now += effect.seconds
            return None
        if isinstance(effect, Local):
            return effect.perform()
        if isinstance(effect, Download):
            return self._answer(f"DOWNLOAD {effect.path}", effect, lambda value: value)
        return self._answer(f"{effect.op.method} {effect.op.path}", effect, effect.op.parse)

    def _answer(self, seen: str, effect: Effect, parse: Callable[[Any], Any]) -> Any:
        assert self.steps, f"the job asked for {seen!r} after the script ended"
        step = self.steps.pop(0)
        assert seen == step.expect, f"the job asked for {seen!r}, the script expected {step}"
        answer = step.answer
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(effect)
        return parse(answer)


def calls(driver: FakeDriver) -> list[str]:
    """List ``METHOD path`` of every call and download the driver performed, in order."""
    seen = []
    for effect in driver.effects:
        if isinstance(effect, Call):
            seen.append(f"{effect.op.method} {effect.op.path}")
        elif isinstance(effect, Download):
            seen.append(f"DOWNLOAD {effect.path}")
    return seen
