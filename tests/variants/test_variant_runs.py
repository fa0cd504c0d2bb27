"""The core job in every dialect: run() completes, outputs arrive, nothing is billed twice."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import anyio.from_thread
import pytest

from generio import AsyncGenerio, Generio
from generio.testing import Emulator
from tests.helpers.emulator import emulator_outputs
from tests.helpers.facade import PROMPT_TEMPLATE, Blocking
from tests.helpers.variant_dialects import DIALECTS, LIST_DIALECTS
from tests.helpers.variant_server import VariantServer

#: The degradation each dialect makes run() log (once), when it makes one.
WARNS = {
    "template_aliases": "template.id",
    "template_parameter_list": "template.parameter_list",
    "template_unreadable": "template_unreadable",
    "template_without_types": "template.no_input_types",
    "flow_status": "flow.status",
    "ids_as_id": "flow.id",
    "epoch_times": "epoch_time",
    "bare_lists": "bare_list.outputs",
    "asset_status_unknown": "asset_status.succeeded",
    "misprinted_data_uri": "misprinted_data_uri",
}


@contextlib.contextmanager
def open_client(kind: str, server: VariantServer) -> Iterator[Generio]:
    """Open a ``Generio``, or a blocking view of an ``AsyncGenerio``, on the variant server."""
    key = server.emulator.api_key
    if kind == "sync":
        with Generio(key, server.base_url) as client:
            yield client
        return

    async def build() -> AsyncGenerio:
        return AsyncGenerio(key, server.base_url)

    with anyio.from_thread.start_blocking_portal("asyncio") as portal:
        aclient = portal.call(build)
        try:
            yield Blocking(aclient, portal)  # type: ignore[misc]
        finally:
            portal.call(aclient.aclose)


def _warnings(caplog: pytest.LogCaptureFixture, kind: str) -> int:
    return sum(
        1
        for r in caplog.records
        if r.name == "generio" and r.levelno == logging.WARNING and f"({kind})" in r.getMessage()
    )


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("to_disk", [False, True], ids=["in_memory", "out_dir"])
@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_run_completes_in_every_dialect(
    dialect: str,
    to_disk: bool,
    kind: str,
    emu: Emulator,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """run() creates one flow, waits and returns every output, whatever the dialect."""
    caplog.set_level(logging.WARNING, "generio")
    out_dir = tmp_path / "out" if to_disk else None
    with VariantServer(emu, dialect) as server, open_client(kind, server) as client:
        first = client.run(PROMPT_TEMPLATE, "a wooden chair", out_dir=out_dir, timeout=60)
        second = client.run(PROMPT_TEMPLATE, "a lamp", out_dir=out_dir, timeout=60)
    for result in (first, second):
        assert result.flow.state == "completed"
        assert len(result.outputs) == 1
        reference = emulator_outputs(emu, result.flow.id)  # straight from the emulator
        if to_disk:
            assert len(result.paths) == 1
            assert [result.paths[0].read_bytes()] == reference
            assert result.paths[0].suffix == ".glb"
        else:
            assert result.paths == ()
            assert [result.outputs[0].data] == reference
    assert [entry.flow_id for entry in emu.ledger] == [first.flow.id, second.flow.id]
    if dialect in WARNS:
        assert _warnings(caplog, WARNS[dialect]) == 1  # two runs, many answers: said once


@pytest.mark.parametrize("dialect", [*LIST_DIALECTS, "template_aliases", "conflict_400"])
def test_create_answered_500_after_it_ran_bills_one_flow(dialect: str, emu: Emulator) -> None:
    """A create carried out but answered 500 is found in the list (any shape) and adopted."""
    with VariantServer(emu, dialect) as server, Generio(emu.api_key, server.base_url) as client:
        for _ in range(3):  # other flows, so the lost one sits on a later page
            client.flows.create(PROMPT_TEMPLATE, inputs="a stool", additional={"job": 1})
        server.lose_next("create_flow")
        flow = client.flows.create(PROMPT_TEMPLATE, inputs="a lamp", additional={"job": 2})
        assert server.count("POST", "/flows") == 4  # the lost POST was not repeated
        assert server.count("GET", "/flows") >= 1  # the lookup read the list
    assert len(emu.ledger) == 4
    assert flow.id == emu.ledger[-1].flow_id
    if dialect.startswith("paginated"):
        assert server.count("GET", "/flows") == 2  # 4 flows in pages of 2
