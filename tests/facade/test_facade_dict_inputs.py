"""Inputs in the API's own shape ``{"data", "additional"}``; other mappings and sets refused."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from generio import AsyncGenerio, Generio, InputError
from generio.testing import Emulator, sample_png
from tests.helpers.facade import IMAGE_TEMPLATE, PROMPT_TEMPLATE


def test_one_mapping_is_one_input_with_its_additional(client: Generio, emu: Emulator) -> None:
    """run() with {"data", "additional"}: one input, its additional copied to its output."""
    result = client.run(PROMPT_TEMPLATE, {"data": "a red chair", "additional": {"n": 1}})
    (entry,) = emu.ledger
    assert entry.input_count == 1
    (given,) = client.flows.inputs(result.flow.id, include_data=True)
    assert given.data == b"a red chair"
    assert given.additional == {"n": 1}
    assert [o.additional for o in result.outputs] == [{"n": 1}]


def test_a_list_mixes_mappings_and_plain_inputs(client: Generio) -> None:
    """In a list each mapping keeps its own additional; plain inputs have none."""
    flow = client.flows.create(
        IMAGE_TEMPLATE,
        inputs=[
            {"data": sample_png(), "additional": ["front"]},
            sample_png(),
            {"data": sample_png()},
        ],
    )
    assert [a.additional for a in client.flows.inputs(flow.id)] == [["front"], None, None]


def test_upload_input_takes_a_mapping(client: Generio) -> None:
    """upload_input accepts the mapping; additional given twice is refused."""
    flow = client.flows.create(IMAGE_TEMPLATE)
    asset = client.flows.upload_input(flow.id, {"data": sample_png(), "additional": {"v": 2}})
    assert asset.additional == {"v": 2}
    with pytest.raises(InputError, match="twice"):
        client.flows.upload_input(flow.id, {"data": sample_png(), "additional": 1}, additional=2)
    assert len(client.flows.inputs(flow.id)) == 1


@pytest.mark.parametrize(
    "inputs",
    [
        {"a chair": "x"},
        {"prompt": "a chair"},
        {"data": "a chair", "extra": 1},
        {"a chair", "a table"},
        frozenset({"a chair"}),
        ["ok", {"prompt": "a chair"}],
        [{"data": {"data": "nested"}}],
    ],
    ids=repr,
)
def test_other_mappings_and_sets_are_refused_before_any_request(
    client: Generio, emu: Emulator, inputs: Any
) -> None:
    """A mapping of another shape, or a set, is an InputError; nothing is sent or billed."""
    with pytest.raises(InputError):
        client.run(PROMPT_TEMPLATE, inputs)
    with pytest.raises(InputError):
        client.flows.create(PROMPT_TEMPLATE, inputs=inputs)
    assert emu.ledger == []


def test_run_many_job_with_a_mapping_input(emu: Emulator) -> None:
    """A run_many job's inputs may be the mapping too; a bad one fails only its job."""
    jobs: list[dict[str, Any]] = [
        {"template": PROMPT_TEMPLATE, "inputs": {"data": "a lamp", "additional": "L"}},
        {"template": PROMPT_TEMPLATE, "inputs": {"lamp": "a lamp"}},
    ]

    async def main() -> list[Any]:
        async with AsyncGenerio(emu.api_key, emu.base_url) as client:
            return await client.run_many(jobs)

    good, bad = anyio.run(main)
    assert [o.additional for o in good.outputs] == ["L"]
    assert isinstance(bad, InputError)
    assert len(emu.ledger) == 1
