"""``Emulator``: a faithful local GENERIO Flows API over real loopback HTTP.

One object, two ways to run: in a background thread of this process (the default; control
calls go straight to the state), or in a child process (``process=True``) for benchmarks
where client and server must not share a GIL (control calls go over admin HTTP routes).
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta
from types import TracebackType

from generio._errors import EMULATOR_MODULES, require_extra
from generio.testing._control import Control, ProcessControl, ThreadControl
from generio.testing._faults import Fault, FaultKind, FaultRecord
from generio.testing._ledger import LedgerEntry
from generio.testing._listing import Listing

__all__ = ["Emulator"]


class Emulator:
    """The Flows API on ``127.0.0.1``, with faults on demand and a ledger of flows.

    All twelve operations, the flow lifecycle, valid GLB outputs, seeded fault injection
    and a ledger of every flow created.

    Use it as a context manager (``with Emulator(flow_seconds=0.2) as emu: ...``) or call
    :meth:`start` and :meth:`stop`. Point a client at :attr:`base_url` with :attr:`api_key`.

    Args:
        api_key: The key clients must send as ``Authorization: Bearer <key>``; random when
            not given.
        flow_seconds: How long a flow takes from start to completion (progress grows
            linearly over it).
        seed: Seeds fault injection, so the same requests meet the same faults.
        faults: Faults active from the start (and again after :meth:`reset`).
        host: The address to listen on.
        port: The port; 0 picks a free one.
        process: Serve from a child process instead of a thread of this one.
        page_size: Flows per page of ``GET /flows``; each page but the last carries a
            ``next`` link (our assumption of the service's pagination).
        list_order: ``"ascending"`` (oldest first, as the spec says) or ``"descending"``.
        list_additional: Whether list entries carry ``additional``; ``False`` serves
            "flow summaries" without it, as some of the vendor's pages describe.

    Raises:
        ValueError: For a negative ``flow_seconds``, or bad listing options.
        MissingExtraError: When the ``emulator`` extra (fastapi, uvicorn) is not installed.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        flow_seconds: float = 5.0,
        seed: int | None = None,
        faults: Iterable[Fault] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        process: bool = False,
        page_size: int = 100,
        list_order: str = "ascending",
        list_additional: bool = True,
    ) -> None:
        require_extra("generio.testing.Emulator", "emulator", EMULATOR_MODULES)
        if flow_seconds < 0:
            raise ValueError(f"flow_seconds cannot be negative, not {flow_seconds}")
        self._listing = Listing(page_size, list_order, list_additional)
        self.api_key: str = api_key or f"emu-{secrets.token_urlsafe(24)}"
        self.process = process
        self._flow_seconds = float(flow_seconds)
        self._seed = seed
        self._faults = list(faults)
        self._host = host
        self._port = port
        self._control: Control | None = None

    def __repr__(self) -> str:
        where = self._control.base_url if self._control else "stopped"
        return f"Emulator({where}, process={self.process})"

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server is up."""
        return self._control is not None

    def _running(self) -> Control:
        if self._control is None:
            raise RuntimeError("the emulator is not running; call start() or use `with`")
        return self._control

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, the URL to give a client.

        Raises:
            RuntimeError: When the emulator is not running.
        """
        return self._running().base_url

    def start(self) -> Emulator:
        """Start serving and return self; a restarted emulator starts empty.

        Raises:
            RuntimeError: When it is already running or the server did not come up.
            OSError: When the port cannot be bound.
        """
        if self._control is not None:
            raise RuntimeError("the emulator is already running")
        kind = ProcessControl if self.process else ThreadControl
        self._control = kind(
            self.api_key,
            self._flow_seconds,
            self._seed,
            self._faults,
            self._host,
            self._port,
            self._listing,
        )
        return self

    def serve_forever(
        self,
        on_ready: Callable[[str], None] | None = None,
        on_request: Callable[[str], object] | None = None,
    ) -> None:
        """Serve in this (main) thread until Ctrl-C or SIGTERM, as ``generio emulator`` does.

        Args:
            on_ready: Called with :attr:`base_url` once the port is bound.
            on_request: Called with one line (``GET /flows 200 3 ms``) per request served.

        Raises:
            RuntimeError: When the emulator is already running.
            OSError: When the port cannot be bound.
        """
        if self._control is not None:
            raise RuntimeError("the emulator is already running")
        from generio.testing._core import Core  # heavy: fastapi and uvicorn
        from generio.testing._server import ServerHandle

        core = Core(self.api_key, self._flow_seconds, self._seed, self._faults, self._listing)
        handle = ServerHandle(core, self._host, self._port, on_request=on_request)
        if on_ready is not None:
            on_ready(handle.base_url)
        # uvicorn shuts down gracefully on Ctrl-C, then re-raises it: that is our normal exit.
        with contextlib.suppress(KeyboardInterrupt):
            handle.serve_forever()

    def stop(self) -> None:
        """Stop serving and close every connection; does nothing when not running."""
        control, self._control = self._control, None
        if control is not None:
            control.stop()

    @property
    def flow_seconds(self) -> float:
        """How long flows started from now on take; :meth:`reset` restores the initial value."""
        return self._running().get_flow_seconds() if self._control else self._flow_seconds

    @flow_seconds.setter
    def flow_seconds(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"flow_seconds cannot be negative, not {seconds}")
        self._running().set_flow_seconds(float(seconds))

    @property
    def listing(self) -> Listing:
        """How ``GET /flows`` answers now: ``page_size``, ``order``, ``additional``."""
        return (
            self._running().get_listing() if self._control else dataclasses.replace(self._listing)
        )

    def set_listing(
        self,
        *,
        page_size: int | None = None,
        order: str | None = None,
        additional: bool | None = None,
    ) -> None:
        """Change how ``GET /flows`` answers from now on; :meth:`reset` restores the start's.

        Raises:
            ValueError: For a page size below 1, an unknown order.
            RuntimeError: When the emulator is not running.
        """
        control = self._running()
        now = control.get_listing()
        control.set_listing(
            Listing(
                now.page_size if page_size is None else page_size,
                now.order if order is None else order,
                now.additional if additional is None else additional,
            )
        )

    def prefill(
        self,
        count: int,
        *,
        keyed: int = 0,
        span: float | timedelta = timedelta(days=30),
        templates: Iterable[str] = ("model_generate_fromprompt",),
    ) -> dict[str, str]:
        """Give the account a history: ``count`` completed flows, created over ``span``.

        Quick (20,000 flows in well under a second): the flows are made in place, spread
        evenly from ``span`` ago to two seconds ago, each with one small input whose output
        renders when first downloaded. They are the account's past, not this emulator's
        work: the ledger does not list them.

        Args:
            count: how many flows.
            keyed: how many of them, spread evenly, carry generio's idempotency marker
                with the key ``history-<n>`` (``n``: the flow's position, oldest 0) and a
                fingerprint no real request has.
            span: seconds (or a timedelta) between the oldest flow and the newest.
            templates: the templates the flows take in turn.

        Returns:
            The keyed flows: ``key -> flow id``.

        Raises:
            ValueError: For negative numbers, ``keyed`` above ``count``, an unknown
                template.
            RuntimeError: When the emulator is not running.
        """
        seconds = span.total_seconds() if isinstance(span, timedelta) else float(span)
        return self._running().prefill(count, keyed, seconds, tuple(templates))

    def add_fault(
        self,
        kind: FaultKind | str | Fault,
        operation: str = "*",
        *,
        rate: float = 1.0,
        count: int | None = None,
        retry_after: int = 1,
        http_date: bool = False,
        delay: float = 5.0,
        state: str = "queued",
    ) -> Fault:
        """Inject a fault from now on (see :class:`Fault` for the arguments); returns it.

        Raises:
            ValueError: For an invalid fault.
            RuntimeError: When the emulator is not running.
        """
        fault = (
            kind
            if isinstance(kind, Fault)
            else Fault(kind, operation, rate, count, retry_after, http_date, delay, state)
        )
        self._running().add_fault(fault)
        return fault

    def clear_faults(self) -> None:
        """Stop injecting faults (the log stays)."""
        self._running().clear_faults()

    @property
    def faults(self) -> list[Fault]:
        """The faults currently configured."""
        return self._running().faults()

    @property
    def fault_log(self) -> list[FaultRecord]:
        """Every fault injected since start or the last :meth:`reset`, oldest first."""
        return self._running().fault_log()

    @property
    def request_counts(self) -> dict[str, int]:
        """Requests served since start or the last :meth:`reset`, by operation id.

        ``{"list_flows": 201, "get_flow": 1950, ...}``: what a client's calls cost.
        """
        return self._running().requests()

    @property
    def ledger(self) -> list[LedgerEntry]:
        """Every flow created since start or the last :meth:`reset` (deleted ones too)."""
        return self._running().ledger()

    def reset(self) -> None:
        """Go back to a fresh start.

        No flows, an empty ledger and fault log, the constructor's faults and
        ``flow_seconds``, fault generators re-seeded.
        """
        self._running().reset()
