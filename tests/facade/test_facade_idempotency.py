"""Idempotency keys: one flow per key, made from the call's own inputs, additional intact."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest

from generio import (
    IDEMPOTENCY_FIELD,
    AsyncGenerio,
    Generio,
    IdempotencyConflictError,
    InputError,
)
from generio.testing import Emulator, sample_png
from tests.helpers.emulator import fired
from tests.helpers.facade import IMAGE_TEMPLATE, PROMPT_TEMPLATE, either_client
from tests.helpers.variant_server import VariantServer

ADDITIONALS: list[Any] = [None, {}, {"project": "chairs", "n": [1, 2]}, [1, "two"], "tag", 7, 2.5]


@pytest.mark.parametrize("additional", ADDITIONALS, ids=repr)
def test_additional_reads_back_exactly_everywhere(
    client: Generio, emu: Emulator, additional: Any
) -> None:
    """flow.additional is what the caller passed, on create, get, list, wait and run."""
    created = client.flows.create(PROMPT_TEMPLATE, inputs="a stool", additional=additional)
    assert created.additional == additional
    assert client.flows.get(created.id).additional == additional
    assert [f.additional for f in client.flows.list()] == [additional]
    assert client.flows.wait(created.id).additional == additional
    assert client.run(PROMPT_TEMPLATE, "a bench", additional=additional).flow.additional == (
        additional
    )
    # On the wire the key travels under the one reserved name.
    for entry in emu.ledger:
        stamp = entry.additional[IDEMPOTENCY_FIELD]
        assert stamp["key"].startswith("auto-")
        assert stamp["fingerprint"].startswith("sha256:")
        if isinstance(additional, dict):
            assert {k: v for k, v in entry.additional.items() if k != IDEMPOTENCY_FIELD} == (
                additional
            )
        else:
            assert stamp["value"] == additional


def test_reserved_name_in_additional_is_refused(client: Generio, emu: Emulator) -> None:
    """A dict additional that uses the reserved name is an InputError; nothing is created."""
    with pytest.raises(InputError, match=IDEMPOTENCY_FIELD):
        client.flows.create(PROMPT_TEMPLATE, inputs="x", additional={IDEMPOTENCY_FIELD: 1})
    assert emu.ledger == []


def test_same_key_returns_the_same_flow(client: Generio, emu: Emulator) -> None:
    """A key used again returns the flow it made: create, create, then run; one flow."""
    first = client.flows.create(PROMPT_TEMPLATE, inputs="a desk", idempotency_key="job-1")
    again = client.flows.create(PROMPT_TEMPLATE, inputs="a desk", idempotency_key="job-1")
    ran = client.run(PROMPT_TEMPLATE, "a desk", idempotency_key="job-1")
    assert first.id == again.id == ran.flow.id
    assert ran.flow.state == "completed"
    assert [e.flow_id for e in emu.ledger] == [first.id]
    assert emu.ledger[0].additional[IDEMPOTENCY_FIELD]["key"] == "job-1"


@pytest.mark.parametrize(
    "change",
    [
        {"inputs": "a different desk"},
        {"parameters": {"seed": 5}},
        {"template": IMAGE_TEMPLATE, "inputs": sample_png()},
    ],
    ids=["inputs", "parameters", "template"],
)
def test_key_reused_for_another_request_is_a_conflict(
    client: Generio, emu: Emulator, change: dict[str, Any]
) -> None:
    """Same key, other template, parameters or inputs: IdempotencyConflictError, no flow."""
    first = client.flows.create(PROMPT_TEMPLATE, inputs="a desk", idempotency_key="job-2")
    arguments: dict[str, Any] = {"template": PROMPT_TEMPLATE, "inputs": "a desk", **change}
    with pytest.raises(IdempotencyConflictError) as caught:
        client.flows.create(**arguments, idempotency_key="job-2")
    assert isinstance(caught.value, InputError)
    assert "'job-2'" in str(caught.value)
    assert first.id in str(caught.value)
    with pytest.raises(IdempotencyConflictError):
        client.run(PROMPT_TEMPLATE, "yet another desk", idempotency_key="job-2")
    assert [e.flow_id for e in emu.ledger] == [first.id]


def test_same_content_as_path_or_data_uri_is_the_same_request(
    client: Generio, emu: Emulator, tmp_path: Any
) -> None:
    """The fingerprint is of the content: a file as Path, bytes or data URI is one request."""
    from generio import data_uri

    png = tmp_path / "p.png"
    png.write_bytes(sample_png())
    ids = {
        client.flows.create(IMAGE_TEMPLATE, inputs=source, idempotency_key="img").id
        for source in (png, sample_png(), data_uri.encode(sample_png()))
    }
    assert len(ids) == 1
    assert len(emu.ledger) == 1


@pytest.mark.parametrize("key", ["", "   ", 42, "x" * 256, "tab\there"])
def test_bad_keys_are_refused_before_any_request(client: Generio, emu: Emulator, key: Any) -> None:
    """A key that is not a short printable str is an InputError; nothing is created."""
    with pytest.raises(InputError, match="idempotency_key"):
        client.flows.create(PROMPT_TEMPLATE, inputs="x", idempotency_key=key)
    assert emu.ledger == []


def test_same_key_from_two_clients_makes_one_flow(emu: Emulator) -> None:
    """A sync and an async client with the same key share one flow in the ledger."""
    with either_client("sync", emu) as one, either_client("async", emu) as two:
        a = one.run(PROMPT_TEMPLATE, "a shelf", idempotency_key="shared")
        b = two.run(PROMPT_TEMPLATE, "a shelf", idempotency_key="shared")
    assert a.flow.id == b.flow.id
    assert [e.flow_id for e in emu.ledger] == [a.flow.id]


def test_concurrent_calls_of_one_client_with_one_key_share_the_flow(emu: Emulator) -> None:
    """Threads of one client using the same key at once take turns: one flow for all."""
    ids: list[str] = []
    with Generio(emu.api_key, emu.base_url) as client:

        def create() -> None:
            ids.append(client.flows.create(PROMPT_TEMPLATE, inputs="a bed", idempotency_key="k").id)

        threads = [threading.Thread(target=create) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(ids) == 6
    assert len(set(ids)) == 1
    assert len(emu.ledger) == 1


PROMPTS = [f"a chair in style {i}" for i in range(6)]


def test_run_many_jobs_take_idempotency_keys(emu: Emulator) -> None:
    """run_many jobs accept idempotency_key: a second batch with the same keys reuses flows."""
    jobs = [
        {"template": PROMPT_TEMPLATE, "inputs": p, "idempotency_key": f"batch-{i}"}
        for i, p in enumerate(PROMPTS[:3])
    ]

    async def main() -> tuple[list[Any], list[Any]]:
        async with AsyncGenerio(emu.api_key, emu.base_url) as client:
            return await client.run_many(jobs), await client.run_many(jobs)

    first, second = anyio.run(main)
    assert [r.flow.id for r in first] == [r.flow.id for r in second]
    assert len(emu.ledger) == 3


def test_keys_hold_when_list_entries_lack_additional(emu: Emulator) -> None:
    """A listing without additional: the key is found by reading the flows one by one."""
    with (
        VariantServer(emu, "list_without_additional") as proxy,
        Generio(emu.api_key, proxy.base_url) as client,
    ):
        other = client.flows.create(PROMPT_TEMPLATE, inputs="someone else's chair")
        first = client.flows.create(PROMPT_TEMPLATE, inputs="a sofa", idempotency_key="v-1")
        proxy.requests.clear()
        again = client.flows.create(PROMPT_TEMPLATE, inputs="a sofa", idempotency_key="v-1")
        assert again.id == first.id
        assert again.additional is None
        # One listing, then the flow with the key read whole; `other` was read by the first
        # call's look-up, and a flow's additional never changes, so it is not read again.
        assert proxy.requests == [("GET", "/flows"), ("GET", f"/flows/{first.id}")]
        # A lost answer is adopted the same way; the client remembers what it read.
        emu.add_fault("lost_response", "create_flow", count=1)
        proxy.requests.clear()
        lost = client.flows.create(PROMPT_TEMPLATE, inputs="a lost sofa")
        reads = [r for r in proxy.requests if r[0] == "GET" and r[1].startswith("/flows/")]
        assert reads == [("GET", f"/flows/{lost.id}")]
        with pytest.raises(IdempotencyConflictError):
            client.flows.create(PROMPT_TEMPLATE, inputs="a chaise", idempotency_key="v-1")
    assert len(emu.ledger) == 3
    assert fired(emu) == [("lost_response", "create_flow")]
    assert [f.id for f in (other, first, lost)] == [e.flow_id for e in emu.ledger]
