"""The learned first look on a service that reports no progress and no start or finish times."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest

from generio import AsyncGenerio, Generio
from generio.testing import Emulator
from tests.helpers.facade import PROMPT_TEMPLATE
from tests.helpers.variant_dialects import Reply, _each
from tests.helpers.variant_server import VariantServer


@pytest.fixture
def flow_seconds() -> float:
    """Flows that the default schedule does not find done at its first look."""
    return 0.5


pytestmark = pytest.mark.usefixtures("real_polls")


def _blind(reply: Reply) -> None:
    """Report no progress until the end, and neither started_at nor finished_at."""
    for flow in _each(reply, "flow"):
        if flow.get("state") != "completed":
            flow["progress"] = 0.0
        flow.pop("started_at", None)
        flow.pop("finished_at", None)


def _polls(server: VariantServer) -> int:
    """Count the GET /flows/{id} the server received."""
    return sum(1 for m, p in server.requests if m == "GET" and p.count("/") == 2 and "/flows/" in p)


def _runs_sync(server: VariantServer) -> list[tuple[str, int]]:
    """Run two flows one after the other; each one's state and the polls it took."""
    done = []
    with Generio(server.emulator.api_key, server.base_url) as client:
        for prompt in ("a chair", "a lamp"):
            before = _polls(server)
            state = client.run(PROMPT_TEMPLATE, prompt).flow.state
            done.append((state, _polls(server) - before))
    return done


def _runs_async(server: VariantServer) -> list[tuple[str, int]]:
    """Run two flows one after the other on an AsyncGenerio (as ``_runs_sync``)."""

    async def both() -> list[tuple[str, int]]:
        done = []
        async with AsyncGenerio(server.emulator.api_key, server.base_url) as client:
            for prompt in ("a chair", "a lamp"):
                before = _polls(server)
                state = (await client.run(PROMPT_TEMPLATE, prompt)).flow.state
                done.append((state, _polls(server) - before))
        return done

    return anyio.run(both)


@pytest.mark.parametrize("runs", [_runs_sync, _runs_async], ids=["sync", "async"])
def test_without_progress_or_times_the_second_run_polls_once(
    runs: Callable[[VariantServer], list[tuple[str, int]]], emu: Emulator
) -> None:
    """The client learns from what it saw (create to the look that saw the end) and uses it."""
    with VariantServer(emu, "", extra=(_blind,)) as server:
        (first, first_polls), (second, second_polls) = runs(server)
    assert (first, second) == ("completed", "completed")
    assert first_polls >= 2  # nothing learned: looks that double, no rate to estimate from
    assert second_polls == 1
