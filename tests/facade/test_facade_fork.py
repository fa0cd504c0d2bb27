"""A client used on both sides of ``os.fork()``: no answer crosses from one process to the other.

Before, parent and child shared the pool's keep-alive connections, and some GETs read the
answer of another process's request. Now the child builds its own pools on its first
request (``_http/forksafe.py``) and never touches the parent's; the parent keeps its own.
Each side sends hundreds of concurrent GETs of distinct flows and checks every answer is
the flow it asked for.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import anyio.from_thread
import pytest

from generio import AsyncGenerio, Generio
from generio.testing import Emulator
from tests.helpers.facade import PROMPT_TEMPLATE

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")

ROUNDS = 400
THREADS = 8
#: Before the fork and after the child's exit a round only has to use every pooled connection
#: (THREADS of them at once): the race itself is the ROUNDS both processes send together.
AROUND = 8 * THREADS


def _mismatches_sync(client: Generio, ids: list[str], rounds: int = ROUNDS) -> int:
    asked = [ids[i % len(ids)] for i in range(rounds)]
    with ThreadPoolExecutor(THREADS) as pool:
        got = list(pool.map(lambda flow_id: client.flows.get(flow_id).id, asked))
    return sum(a != g for a, g in zip(asked, got, strict=True))


async def _mismatches_async(client: AsyncGenerio, ids: list[str], rounds: int = ROUNDS) -> int:
    asked = [ids[i % len(ids)] for i in range(rounds)]
    got: dict[int, str] = {}
    limiter = anyio.CapacityLimiter(THREADS)

    async def one(index: int, flow_id: str) -> None:
        async with limiter:
            got[index] = (await client.flows.get(flow_id)).id

    async with anyio.create_task_group() as group:
        for index, flow_id in enumerate(asked):
            group.start_soon(one, index, flow_id)
    return sum(asked[i] != got[i] for i in range(rounds))


def _fork(child: Callable[[], int]) -> tuple[int, int]:
    """Run ``child`` in a forked process; return its pid and a reader of its result."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; its coverage is not collected
        code = 3
        try:
            os.close(read_end)
            result = child()
            os.write(write_end, json.dumps(result).encode())
            code = 0
        except BaseException as exc:
            os.write(write_end, json.dumps(repr(exc)).encode())
        finally:
            sys.stdout.flush()
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def _child_result(pid: int, read_end: int) -> Any:
    with os.fdopen(read_end, "rb") as pipe:
        text = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status), text
    assert os.WEXITSTATUS(status) == 0, text
    return json.loads(text)


def _flows(client: Generio, count: int = 16) -> list[str]:
    return [client.flows.create(PROMPT_TEMPLATE, inputs=f"a chair {i}").id for i in range(count)]


def test_sync_client_on_both_sides_of_a_fork(emu: Emulator) -> None:
    """Generio: 400 concurrent GETs in parent and child at once, every answer its own."""
    with Generio(emu.api_key, emu.base_url) as client:
        ids = _flows(client)
        assert _mismatches_sync(client, ids, AROUND) == 0  # keep-alive connections in the pool
        pid, read_end = _fork(lambda: _mismatches_sync(client, ids))
        parent = _mismatches_sync(client, ids)
        child = _child_result(pid, read_end)
        after = _mismatches_sync(client, ids, AROUND)  # the parent's pool survived the child
    assert (parent, child, after) == (0, 0, 0)


def test_async_client_on_both_sides_of_a_fork(emu: Emulator) -> None:
    """AsyncGenerio: used in a loop of the parent and, after the fork, in the child's loop."""
    with Generio(emu.api_key, emu.base_url) as setup:
        ids = _flows(setup)
    with anyio.from_thread.start_blocking_portal("asyncio") as portal:
        client = portal.call(lambda: _make_async(emu))
        try:
            assert portal.call(_mismatches_async, client, ids, AROUND) == 0
            pid, read_end = _fork(lambda: anyio.run(_mismatches_async, client, ids))
            parent = portal.call(_mismatches_async, client, ids)
            child = _child_result(pid, read_end)
            after = portal.call(_mismatches_async, client, ids, AROUND)
        finally:
            portal.call(client.aclose)
    assert (parent, child, after) == (0, 0, 0)


async def _make_async(emu: Emulator) -> AsyncGenerio:
    return AsyncGenerio(emu.api_key, emu.base_url)


def test_child_that_closes_its_client_leaves_the_parents_pool(emu: Emulator) -> None:
    """A child closing its copy of the client closes nothing of the parent's."""
    with Generio(emu.api_key, emu.base_url) as client:
        ids = _flows(client, 4)
        assert _mismatches_sync(client, ids) == 0

        def child() -> int:
            client.close()
            return 0

        pid, read_end = _fork(child)
        assert _child_result(pid, read_end) == 0
        assert _mismatches_sync(client, ids) == 0
