"""Fault injection: what can go wrong, where, how often, and a log of what did.

Faults are drawn from seeded random generators, one per configured fault, so a test that
makes the same requests in the same order sees the same faults. Request faults are drawn by
the ASGI layer in front of the app; flow faults (``fail_flow``, ``unknown_state``) are drawn
when ``create_flow`` actually creates a flow, and mark that flow.
"""

from __future__ import annotations

import random
import threading
from datetime import datetime
from enum import StrEnum
from typing import Any

from attrs import field, frozen

from generio.testing._clock import from_iso, now, to_datetime
from generio.testing._routing import OPERATION_IDS

__all__ = ["FLOW_FAULTS", "Fault", "FaultKind", "FaultPlan", "FaultRecord"]


class FaultKind(StrEnum):
    """The kinds of fault the emulator can inject."""

    RATE_LIMIT = "rate_limit"
    """429 with ``Retry-After`` (seconds, or an HTTP date with ``http_date=True``); not executed."""
    SERVER_ERROR = "server_error"
    """500 with a JSON body; the request is not executed."""
    BAD_GATEWAY = "bad_gateway"
    """502 with an HTML body, as a proxy sends it; the request is not executed."""
    UNAVAILABLE = "unavailable"
    """503 with a JSON body and ``Retry-After``; the request is not executed."""
    CONNECTION_RESET = "connection_reset"
    """TCP reset before any response; the request is not executed."""
    SLOW = "slow"
    """The request is executed, then the response waits ``delay`` seconds."""
    LOST_RESPONSE = "lost_response"
    """The request is executed, then the connection is closed without a response."""
    TRUNCATED_JSON = "truncated_json"
    """The request is executed; the response's body is cut in half (Content-Length matches)."""
    FAIL_FLOW = "fail_flow"
    """The created flow ends ``failed``; its last output carries an ``error``."""
    UNKNOWN_STATE = "unknown_state"
    """The created flow reports ``state`` (e.g. ``queued``) for the first half of its run."""


#: Kinds that mark a flow at creation rather than change a response.
FLOW_FAULTS = frozenset({FaultKind.FAIL_FLOW, FaultKind.UNKNOWN_STATE})


def _to_kind(value: str | FaultKind) -> FaultKind:
    try:
        return FaultKind(value)
    except ValueError:
        known = ", ".join(kind.value for kind in FaultKind)
        raise ValueError(f"unknown fault kind {value!r}; use one of {known}") from None


@frozen
class Fault:
    """One configured fault: which kind, on which operation, how often.

    Args:
        kind: What to inject (a :class:`FaultKind` or its value).
        operation: An operationId of the spec (``get_flow``, ``create_flow``...) or ``"*"``.
            Flow faults apply only to ``create_flow`` (or ``"*"``, which means the same).
        rate: Probability, from 0 to 1, that a matching request gets the fault.
        count: Inject at most this many times; None for no limit.
        retry_after: Seconds sent in ``Retry-After`` by ``rate_limit`` and ``unavailable``.
        http_date: Send ``Retry-After`` as an HTTP date instead of seconds.
        delay: Seconds ``slow`` holds a response back (make it longer than the client's
            timeout).
        state: The state value ``unknown_state`` reports.

    Raises:
        ValueError: For an unknown kind or operation, a rate outside [0, 1], a count below 1,
            or a flow fault on an operation other than ``create_flow``.
    """

    kind: FaultKind = field(converter=_to_kind)
    operation: str = "*"
    rate: float = 1.0
    count: int | None = None
    retry_after: int = 1
    http_date: bool = False
    delay: float = 5.0
    state: str = "queued"

    def __attrs_post_init__(self) -> None:
        if self.operation != "*" and self.operation not in OPERATION_IDS:
            raise ValueError(
                f"unknown operation {self.operation!r}; use '*' or one of "
                + ", ".join(OPERATION_IDS)
            )
        if self.kind in FLOW_FAULTS and self.operation not in ("*", "create_flow"):
            raise ValueError(f"{self.kind.value} marks flows at creation: use create_flow")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, not {self.rate}")
        if self.count is not None and self.count < 1:
            raise ValueError(f"count must be at least 1 (or None), not {self.count}")
        if self.retry_after < 0 or self.delay < 0:
            raise ValueError("retry_after and delay cannot be negative")

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict, for the control plane of a child-process emulator."""
        return {
            "kind": self.kind.value,
            "operation": self.operation,
            "rate": self.rate,
            "count": self.count,
            "retry_after": self.retry_after,
            "http_date": self.http_date,
            "delay": self.delay,
            "state": self.state,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        """Rebuild a fault from :meth:`to_json`'s output."""
        return cls(**data)


@frozen
class FaultRecord:
    """One injected fault, as ``Emulator.fault_log`` reports it.

    Attributes:
        kind: What was injected.
        operation: The operationId of the request that got it.
        method: The request's HTTP method.
        path: The request's path.
        at: When it was injected (UTC).
        flow_id: The marked flow, for flow faults; None otherwise.
    """

    kind: FaultKind
    operation: str
    method: str
    path: str
    at: datetime
    flow_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict, for the control plane of a child-process emulator."""
        return {
            "kind": self.kind.value,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "at": self.at.isoformat(),
            "flow_id": self.flow_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRecord:
        """Rebuild a record from :meth:`to_json`'s output."""
        return cls(
            kind=FaultKind(data["kind"]),
            operation=data["operation"],
            method=data["method"],
            path=data["path"],
            at=from_iso(data["at"]),
            flow_id=data["flow_id"],
        )


class _Rule:
    """A fault with its own generator and remaining count."""

    __slots__ = ("fault", "remaining", "rng")

    def __init__(self, fault: Fault, rng: random.Random) -> None:
        self.fault = fault
        self.remaining = fault.count
        self.rng = rng


class FaultPlan:
    """The configured faults and the log of injected ones; thread-safe.

    Args:
        seed: Seeds every fault's generator (with the fault's position); None picks one.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._seed = random.SystemRandom().randrange(2**63) if seed is None else seed
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._added = 0
        self._log: list[FaultRecord] = []

    @property
    def active(self) -> bool:
        """Whether any fault is configured (lets the hot path skip the lock)."""
        return bool(self._rules)

    def add(self, fault: Fault) -> None:
        """Configure one more fault, checked after those already configured."""
        with self._lock:
            rng = random.Random(  # noqa: S311 - reproducible on purpose
                f"{self._seed}/{self._added}/{fault.kind}/{fault.operation}"
            )
            self._added += 1
            self._rules.append(_Rule(fault, rng))

    def faults(self) -> list[Fault]:
        """Return the configured faults, in order."""
        with self._lock:
            return [rule.fault for rule in self._rules]

    def clear(self) -> None:
        """Remove every configured fault (the log stays)."""
        with self._lock:
            self._rules = []

    def reset(self) -> None:
        """Remove faults and log, and restart the numbering that seeds the generators."""
        with self._lock:
            self._rules = []
            self._added = 0
            self._log = []

    def draw(self, operation: str, *, flow: bool) -> Fault | None:
        """Pick the fault for one request (``flow=False``) or one new flow (``flow=True``).

        Every matching fault with budget left rolls its generator once; the first that fires
        wins and spends one of its count.
        """
        if not self._rules:
            return None
        with self._lock:
            for rule in self._rules:
                fault = rule.fault
                if (fault.kind in FLOW_FAULTS) != flow or rule.remaining == 0:
                    continue
                if fault.operation not in ("*", operation):
                    continue
                if rule.rng.random() < fault.rate:
                    if rule.remaining is not None:
                        rule.remaining -= 1
                    return fault
        return None

    def record(
        self, fault: Fault, operation: str, method: str, path: str, flow_id: str | None = None
    ) -> None:
        """Log that ``fault`` was injected."""
        entry = FaultRecord(fault.kind, operation, method, path, to_datetime(now()), flow_id)
        with self._lock:
            self._log.append(entry)

    def log(self) -> list[FaultRecord]:
        """Every injected fault since the last reset, oldest first."""
        with self._lock:
            return list(self._log)
