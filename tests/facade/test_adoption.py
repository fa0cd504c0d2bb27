"""Adoption after an ambiguous POST: the flow a lost, late or cut create made is found again.

A POST whose answer never arrives (lost, held past the timeout, cut, or a 5xx after it ran)
may still have created the flow. The client looks for it (a listing, matched on what it
sent) before it sends again, so each call ends with exactly one flow of its own: never a
duplicate, never another call's flow.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx
import pytest

from generio import AsyncGenerio, Flow, Generio, ServerError
from generio.testing import Emulator, sample_png
from tests.helpers.emulator import fired
from tests.helpers.facade import (
    FLOW_JSON,
    IMAGE_TEMPLATE,
    KEY,
    MOCK_URL,
    PROMPT_TEMPLATE,
    MockFactory,
)

PROMPTS = [f"a chair in style {i}" for i in range(6)]


def _inputs_of(client: Generio, flow_id: str) -> list[str]:
    return [a.data.decode() for a in client.flows.inputs(flow_id, include_data=True) if a.data]


def _template() -> dict[str, object]:
    return {
        "template_id": "t1",
        "name": "model_generate_fromprompt",
        "description": "d",
        "parameters": {},
        "input_types": ["text/plain"],
        "output_types": ["model/gltf-binary"],
    }


CREATE_FAULTS = [
    "lost_response",
    "connection_reset",
    "rate_limit",
    "bad_gateway",
    "server_error",
    "unavailable",
    "truncated_json",
]


@pytest.mark.parametrize("kind", CREATE_FAULTS)
def test_create_under_fault_makes_one_flow(client: Generio, emu: Emulator, kind: str) -> None:
    """A fault on POST /flows is retried or reconciled: exactly one flow is created."""
    emu.add_fault(kind, "create_flow", count=1)
    result = client.run(PROMPT_TEMPLATE, "a chair", additional={"fault": kind})
    assert result.flow.state == "completed"
    assert [f.kind.value for f in emu.fault_log] == [kind]
    assert len(emu.ledger) == 1
    assert emu.ledger[0].flow_id == result.flow.id


def test_create_slow_answer_adopts_flow(emu: Emulator) -> None:
    """A POST /flows answer held past the read timeout: the flow is found, not duplicated."""
    # The answer is held a minute, the client waits 2 s: far apart whatever the machine's load.
    emu.add_fault("slow", "create_flow", count=1, delay=60.0)
    with Generio(emu.api_key, emu.base_url, timeout=2.0) as client:
        flow = client.flows.create(PROMPT_TEMPLATE, inputs=["a lamp"])
    assert [e.flow_id for e in emu.ledger] == [flow.id]
    assert fired(emu) == [("slow", "create_flow")]


def test_create_lost_every_time_never_duplicates(client: Generio, emu: Emulator) -> None:
    """Every POST /flows answer lost: each attempt's flow is adopted, still one flow."""
    emu.add_fault("lost_response", "create_flow")
    flow = client.flows.create(PROMPT_TEMPLATE, inputs=["a table"])
    assert [e.flow_id for e in emu.ledger] == [flow.id]
    assert [r.kind.value for r in emu.fault_log] == ["lost_response"]


def test_concurrent_identical_creates_get_distinct_flows(emu: Emulator) -> None:
    """Identical concurrent creates with lost answers each end with their own flow."""
    import anyio

    emu.add_fault("lost_response", "create_flow", count=3)  # certain, unlike a random rate

    async def main() -> list[str]:
        async with AsyncGenerio(emu.api_key, emu.base_url, max_retries=5) as client:
            ids: list[str] = []

            async def one() -> None:
                flow = await client.flows.create(PROMPT_TEMPLATE, inputs=["same"])
                ids.append(flow.id)

            async with anyio.create_task_group() as group:
                for _ in range(6):
                    group.start_soon(one)
            return ids

    ids = anyio.run(main)
    assert len(set(ids)) == 6
    assert any(r.kind.value == "lost_response" for r in emu.fault_log)
    assert sorted(e.flow_id for e in emu.ledger) == sorted(ids)


def test_reconcile_compares_json_as_stored(client: Generio, emu: Emulator) -> None:
    """Values that change in a JSON round trip (tuples) still match: no second flow."""
    emu.add_fault("lost_response", "create_flow", count=1)
    flow = client.flows.create(
        PROMPT_TEMPLATE, inputs=["a rug"], parameters={"seed": 3}, additional={"pair": (1, 2)}
    )
    assert flow.additional == {"pair": [1, 2]}
    assert [e.flow_id for e in emu.ledger] == [flow.id]
    emu.add_fault("lost_response", "upload_input", count=1)
    created = client.flows.create(IMAGE_TEMPLATE)
    asset = client.flows.upload_input(created.id, sample_png(), additional=("front", 1))
    assert [a.id for a in client.flows.inputs(created.id)] == [asset.id]
    assert [r.operation for r in emu.fault_log] == ["create_flow", "upload_input"]


def test_lost_creates_in_one_client_each_keep_their_own_inputs(emu: Emulator) -> None:
    """Concurrent creates that differ only in inputs, answers lost: each adopts its own."""
    emu.add_fault("lost_response", "create_flow", count=4)  # certain, unlike a random rate

    async def main() -> dict[str, Flow]:
        async with AsyncGenerio(emu.api_key, emu.base_url, max_retries=6) as client:
            made: dict[str, Flow] = {}

            async def one(prompt: str) -> None:
                made[prompt] = await client.flows.create(
                    PROMPT_TEMPLATE, inputs=prompt, parameters={"seed": 1}, additional={"b": 1}
                )

            async with anyio.create_task_group() as group:
                for prompt in PROMPTS:
                    group.start_soon(one, prompt)
            return made

    made = anyio.run(main)
    assert any(r.kind.value == "lost_response" for r in emu.fault_log)
    with Generio(emu.api_key, emu.base_url) as client:
        for prompt, flow in made.items():
            assert _inputs_of(client, flow.id) == [prompt]
    assert sorted(e.flow_id for e in emu.ledger) == sorted(f.id for f in made.values())


def test_late_creates_across_two_clients_each_keep_their_own_inputs(emu: Emulator) -> None:
    """Two clients, identical requests but inputs, answers late: no flow swapped or orphaned."""
    # Answers held half a minute against a 1 s timeout: late for sure, and an answer that is
    # not held is never late, however loaded the machine. The first three creates are held
    # (whichever client sends them): at a random rate, six creates all escaped it 1 in 64 runs.
    emu.add_fault("slow", "create_flow", count=3, delay=30.0)
    made: dict[str, str] = {}

    def batch(prompts: list[str]) -> None:
        with Generio(emu.api_key, emu.base_url, timeout=1.0, max_retries=6) as client:
            for prompt in prompts:
                made[prompt] = client.run(PROMPT_TEMPLATE, prompt, additional="same").flow.id

    threads = [threading.Thread(target=batch, args=(PROMPTS[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert any(r.kind.value == "slow" for r in emu.fault_log)
    with Generio(emu.api_key, emu.base_url) as client:
        for prompt, flow_id in made.items():
            assert _inputs_of(client, flow_id) == [prompt]
    assert sorted(e.flow_id for e in emu.ledger) == sorted(made.values())


def test_run_many_jobs_differing_only_in_inputs_keep_their_own(emu: Emulator) -> None:
    """run_many: same template, parameters and additional, lost answers; no models swap."""
    emu.add_fault("lost_response", "create_flow", count=3)  # certain, unlike a random rate
    jobs = [
        {
            "template": PROMPT_TEMPLATE,
            "inputs": [prompt],
            "parameters": {"quality": "low"},
            "additional": {"batch": "b"},
        }
        for prompt in PROMPTS
    ]

    async def main() -> list[Any]:
        async with AsyncGenerio(emu.api_key, emu.base_url, max_retries=6) as client:
            return await client.run_many(jobs, concurrency=6)

    results = anyio.run(main)
    assert any(r.kind.value == "lost_response" for r in emu.fault_log)
    with Generio(emu.api_key, emu.base_url) as client:
        for prompt, result in zip(PROMPTS, results, strict=True):
            assert not isinstance(result, Exception), result
            assert _inputs_of(client, result.flow.id) == [prompt]
            assert result.flow.additional == {"batch": "b"}
    assert sorted(e.flow_id for e in emu.ledger) == sorted(r.flow.id for r in results)


def test_cut_answer_to_a_post_is_not_repeated_blindly(client: Generio, emu: Emulator) -> None:
    """A POST /flows answered with cut JSON is reconciled, never simply sent again."""
    emu.add_fault("truncated_json", "create_flow", count=1)
    emu.add_fault("truncated_json", "list_flows", count=1)
    flow = client.flows.create(PROMPT_TEMPLATE, inputs=["a lamp"])
    assert [e.flow_id for e in emu.ledger] == [flow.id]
    assert [r.operation for r in emu.fault_log] == ["create_flow", "list_flows"]


def test_post_5xx_reconciled_not_blindly_retried(make_client: MockFactory) -> None:
    """A 503 on POST /flows is checked with a listing before any second POST."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path.startswith("/templates"):
            return httpx.Response(200, json=_template())
        if request.method == "POST":
            return httpx.Response(503, json={"detail": "busy"})
        return httpx.Response(200, json={"flows": []})

    with (
        make_client(httpx.MockTransport(handler), max_retries=1) as client,
        pytest.raises(ServerError),
    ):
        client.flows.create("model_generate_fromprompt", inputs=["a chair"])
    assert seen == [
        "GET /templates/model_generate_fromprompt",
        "POST /flows",
        "GET /flows",
        "GET /flows",  # looked at again after the pause, before the second POST
        "POST /flows",
        "GET /flows",
    ]


class _LateService:
    """A service that stores a create only after the first look for it (a late commit).

    ``on_post`` says what the POST gets: a 503, or KeyboardInterrupt (Ctrl-C while it is
    in flight). What it was sent is listed from the second ``GET /flows`` on.
    """

    def __init__(self, on_post: str) -> None:
        self.on_post = on_post
        self.seen: list[str] = []
        self.sent: dict[str, Any] = {}

    def flow(self, state: str = "running") -> dict[str, Any]:
        now = datetime.now(UTC).isoformat()
        return {**FLOW_JSON, "flow_id": "late1", "created_at": now, "state": state,
                "additional": self.sent["additional"]}  # fmt: skip

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        if request.url.path.startswith("/templates"):
            return httpx.Response(200, json=_template())
        if request.method == "POST":
            self.sent.update(json.loads(request.read()))
            if self.on_post == "interrupt":
                raise KeyboardInterrupt
            return httpx.Response(503, json={"detail": "busy"})
        if request.method == "PATCH":
            return httpx.Response(200, json=self.flow("aborting"))
        listed = self.seen.count("GET /flows") > 1
        return httpx.Response(200, json={"flows": [self.flow()] if listed else []})


def test_a_create_stored_after_its_503_is_found_not_bought_again(make_client: MockFactory) -> None:
    """A 503 on POST /flows whose flow is listed only a moment later: adopted, one POST."""
    service = _LateService("503")
    with make_client(httpx.MockTransport(service), max_retries=2) as client:
        flow = client.flows.create("model_generate_fromprompt", inputs=["a chair"])
    assert flow.id == "late1"
    assert service.seen.count("POST /flows") == 1


def test_ctrl_c_during_a_create_stored_late_still_aborts_its_flow() -> None:
    """Ctrl-C while POST /flows is in flight, the flow listed only later: found, aborted.

    A service stores a large create after it has read it, maybe after the client let go:
    one look straight away would miss the flow, left running and billed with no one to
    know its id.
    """
    service = _LateService("interrupt")
    http = httpx.Client(transport=httpx.MockTransport(service))
    with (
        Generio(KEY, MOCK_URL, http_client=http) as client,
        pytest.raises(KeyboardInterrupt) as caught,
    ):
        client.flows.create("model_generate_fromprompt", inputs=["a chair"])
    assert "flow late1 was aborted" in " ".join(caught.value.__notes__)
    assert service.seen.count("PATCH /flows/late1") == 1
    assert service.seen.count("POST /flows") == 1


class _Interrupting(httpx.BaseTransport):
    """Ctrl-C lands in POST /flows before its body is sent (connecting); lists are empty.

    ``again`` makes the first look for the flow meet a second Ctrl-C.
    """

    def __init__(self, again: bool = False) -> None:
        self.again = again
        self.seen: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        if request.url.path.startswith("/templates"):
            return httpx.Response(200, json=_template())
        if request.method == "POST":
            if self.again:
                request.read()  # sent: the service may have it
            raise KeyboardInterrupt
        if self.again:
            raise KeyboardInterrupt
        return httpx.Response(200, json={"flows": []})


def test_ctrl_c_before_the_create_s_body_was_sent_looks_once() -> None:
    """Nothing reached the service: one look for the flow, not 8 s of them."""
    transport = _Interrupting()
    with (
        Generio(KEY, MOCK_URL, http_client=httpx.Client(transport=transport)) as client,
        pytest.raises(KeyboardInterrupt) as caught,
    ):
        client.flows.create("model_generate_fromprompt", inputs=["a chair"])
    assert transport.seen.count("GET /flows") == 1
    assert "no flow with its key was found" in " ".join(caught.value.__notes__)


def test_a_second_ctrl_c_ends_the_look_and_keeps_the_note() -> None:
    """Ctrl-C again while the flow is looked for: the first one goes on, naming the key."""
    transport = _Interrupting(again=True)
    with (
        Generio(KEY, MOCK_URL, http_client=httpx.Client(transport=transport)) as client,
        pytest.raises(KeyboardInterrupt) as caught,
    ):
        client.flows.create("model_generate_fromprompt", inputs=["a chair"])
    notes = " ".join(caught.value.__notes__)
    assert "the look for it was cut" in notes
    assert "flows.find(idempotency_key='auto-" in notes
    assert transport.seen.count("GET /flows") == 1
