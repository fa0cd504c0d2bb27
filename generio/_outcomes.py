"""Errors about what became of a flow: it failed, was never started, or outlived a wait."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from generio._errors import GenerioError

if TYPE_CHECKING:
    from generio._payload.models import Asset, Flow


class FlowFailed(GenerioError):
    """A flow ended ``failed`` or ``aborted``; carries the flow and its partial outputs.

    Attributes:
        flow: the :class:`~generio.Flow` as it ended (``.state``, ``.id``, ``.template``).
        outputs: the :class:`~generio.Asset` outputs it made before it ended (maybe none).
    """

    def __init__(self, flow: Flow, outputs: Sequence[Asset] = ()) -> None:
        self.flow = flow
        self.outputs: tuple[Asset, ...] = tuple(outputs)
        self.generio_flow_id: str | None = flow.id
        reasons = sorted({a.error for a in self.outputs if a.error})
        why = f": {'; '.join(reasons)}" if reasons else ""
        super().__init__(
            f"flow {flow.id} ended {flow.state}{why}. "
            f"{len(self.outputs)} partial output(s) are in .outputs; "
            "check the inputs and parameters, then run it again."
        )


class FlowNotStarted(GenerioError):
    """A flow to wait for is still ``created``: without a start it would never finish."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.generio_flow_id: str | None = flow.id
        super().__init__(
            f"flow {flow.id} is in state 'created': it was created without inputs and never "
            f"started, so waiting for it would never end. Upload its inputs "
            f"(upload_input({flow.id!r}, ...)), then start({flow.id!r}), then wait."
        )


class WaitTimeout(GenerioError, TimeoutError):
    """Waiting for a flow gave up. The flow is left running; wait again or abort it."""

    def __init__(self, flow_id: str, timeout: float, last: Flow | None = None) -> None:
        self.flow_id = flow_id
        self.generio_flow_id: str | None = flow_id
        self.timeout = timeout
        self.last = last
        state = f" (last state {last.state}, progress {last.progress:.0%})" if last else ""
        super().__init__(
            f"flow {flow_id} did not finish within {timeout:g} s{state}. It is still running: "
            f"call wait({flow_id!r}) again, or abort({flow_id!r}) to stop it."
        )
