"""Regressions the reliability suite found in the facade, each pinned by its own test."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
import pytest

from generio import (
    AsyncGenerio,
    ConfigurationError,
    Generio,
    GenerioError,
    InputError,
    ServerError,
)
from generio.testing import Emulator, sample_png
from tests.helpers.facade import IMAGE_TEMPLATE, MOCK_URL, PROMPT_TEMPLATE, Blocking


@pytest.mark.parametrize(
    "operation", ["get_flow", "list_outputs", "get_template", "get_output", "list_flows"]
)
def test_cut_answer_to_a_get_is_retried(client: Generio, emu: Emulator, operation: str) -> None:
    """A 200 whose JSON arrived cut, answering a GET, is asked again instead of failing run()."""
    if operation == "get_output":
        done = client.run(PROMPT_TEMPLATE, "a chair")
        emu.add_fault("truncated_json", operation, count=1)
        one = client.flows.output(done.flow.id, done.outputs[0].id)
        assert one.data == done.outputs[0].data
        assert [r.operation for r in emu.fault_log] == [operation]
        return
    emu.add_fault("truncated_json", operation, count=1)
    if operation == "list_flows":
        assert client.flows.list() == []
    else:
        result = client.run(PROMPT_TEMPLATE, "a chair")
        assert result.flow.state == "completed"
        assert result.outputs[0].data is not None
    assert [r.operation for r in emu.fault_log] == [operation]


def test_cut_answer_to_start_and_delete_is_retried(client: Generio, emu: Emulator) -> None:
    """PATCH start and DELETE whose answers arrived cut are retried, and count as done."""
    flow = client.flows.create(IMAGE_TEMPLATE)
    client.flows.upload_input(flow.id, sample_png())
    emu.add_fault("truncated_json", "update_flow", count=1)
    assert client.flows.start(flow.id).state in ("starting", "running", "completed")
    client.flows.wait(flow.id)
    emu.add_fault("truncated_json", "delete_flow", count=1)
    assert client.flows.delete(flow.id) is None
    assert emu.ledger[0].deleted
    assert len(emu.fault_log) == 2


def test_cut_answers_to_a_get_within_the_budget_only(emu: Emulator) -> None:
    """Cut answers beyond max_retries still end in the ServerError that names them."""
    emu.add_fault("truncated_json", "get_template")
    with (
        Generio(emu.api_key, emu.base_url, max_retries=2) as client,
        pytest.raises(ServerError, match="unreadable body"),
    ):
        client.templates.get(PROMPT_TEMPLATE)
    assert len(emu.fault_log) == 3


@pytest.mark.parametrize("bad", ["timeout", "out_dir-file", "out_dir-under-file"])
def test_run_checks_its_arguments_before_creating(
    client: Generio, emu: Emulator, tmp_path: Path, bad: str
) -> None:
    """A bad timeout or out_dir fails run() before a flow is created (and billed)."""
    blocker = tmp_path / "file"
    blocker.write_bytes(b"x")
    arguments: dict[str, Any] = {
        "timeout": {"timeout": -1},
        "out_dir-file": {"out_dir": blocker},
        "out_dir-under-file": {"out_dir": blocker / "models"},
    }[bad]
    with pytest.raises(InputError, match=r"timeout|out_dir"):
        client.run(PROMPT_TEMPLATE, "a chair", **arguments)
    assert emu.ledger == []


@pytest.mark.parametrize("timeout", ["5", float("nan"), True])
def test_run_refuses_a_timeout_that_is_no_number(
    client: Generio, emu: Emulator, timeout: object
) -> None:
    """A timeout that is not a number of seconds is an InputError, not a TypeError."""
    with pytest.raises(InputError, match="timeout must be a number of seconds"):
        client.run(PROMPT_TEMPLATE, "a chair", timeout=timeout)  # type: ignore[arg-type]
    assert emu.ledger == []


@pytest.mark.parametrize("key", [b"sk-bytes-key-93b1", 93131, ["sk-in-a-list-93b1"]])
@pytest.mark.parametrize("cls", [Generio, AsyncGenerio])
def test_api_key_that_is_no_str(cls: type[Generio], key: object) -> None:
    """A key of the wrong type is a ConfigurationError naming the type, never the key."""
    with pytest.raises(ConfigurationError, match="api_key must be a str") as caught:
        cls(key, "https://flows.example")  # type: ignore[arg-type]
    assert "93b1" not in str(caught.value)
    assert "93131" not in str(caught.value)


REFLECTED_KEY = "sk-live-reflected-5c2e91"


def _reflecting(request: httpx.Request) -> httpx.Response:
    """Answer as a misconfigured proxy would: with the request's credentials in the body."""
    auth = request.headers["authorization"]
    path = request.url.path
    if path == "/flows/html":
        return httpx.Response(
            401, text=f"<p>denied: {auth}</p>", headers={"content-type": "text/html"}
        )
    if path == "/flows/detail":
        return httpx.Response(403, json={"detail": f"key {auth} is revoked"})
    if path == "/flows/fields":
        error = {"loc": ["header", "authorization"], "msg": f"bad value {auth}", "type": "x"}
        return httpx.Response(422, json={"detail": [error]})
    if path == "/flows/cut":
        return httpx.Response(200, content=f'{{"flow_id": "{auth}'.encode())
    if path.endswith("/outputs"):
        return httpx.Response(200, json={"flow_id": "dl", "outputs": [{"asset_id": "a1"}]})
    return httpx.Response(
        404, text=f"no such output for {auth}", headers={"content-type": "text/plain"}
    )


@pytest.mark.parametrize("where", ["html", "detail", "fields", "cut", "download"])
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_key_echoed_by_the_server_is_hidden(tmp_path: Path, kind: str, where: str) -> None:
    """A body that echoes the Authorization header shows *** in the error, never the key."""
    with anyio.from_thread.start_blocking_portal("asyncio") as portal:
        if kind == "sync":
            client: Any = Generio(
                REFLECTED_KEY,
                MOCK_URL,
                http_client=httpx.Client(transport=httpx.MockTransport(_reflecting)),
                max_retries=0,
            )
        else:

            async def build() -> AsyncGenerio:
                transport = httpx.MockTransport(_reflecting)
                http = httpx.AsyncClient(transport=transport)
                return AsyncGenerio(REFLECTED_KEY, MOCK_URL, http_client=http, max_retries=0)

            client = Blocking(portal.call(build), portal)
        act = (
            (lambda: client.flows.download_outputs("dl", tmp_path))
            if where == "download"
            else (lambda: client.flows.get(where))
        )
        with pytest.raises(GenerioError) as caught:
            act()
    error = caught.value
    texts = [str(error), repr(error), repr(vars(error)), *traceback.format_exception(error)]
    assert not [text for text in texts if REFLECTED_KEY in text]
    assert "***" in str(error)


@pytest.mark.parametrize("flow_id", [".", ".."])
@pytest.mark.parametrize("method", ["get", "delete", "abort", "outputs"])
def test_dot_segment_ids_are_refused(emu: Emulator, flow_id: str, method: str) -> None:
    """An id of . or .. would reach another URL (httpx drops dot segments): refused locally."""
    seen: list[str] = []

    def spy(request: httpx.Request) -> None:
        seen.append(f"{request.method} {request.url.raw_path.decode()}")

    http = httpx.Client(event_hooks={"request": [spy]})
    with (
        Generio(emu.api_key, emu.base_url, http_client=http) as client,
        pytest.raises(InputError, match=r"'\.' or '\.\.'"),
    ):
        getattr(client.flows, method)(flow_id)
    http.close()
    assert seen == []


def test_dot_segment_asset_id_downloads_nothing(tmp_path: Path) -> None:
    """A listed output named .. is refused instead of fetching /flows/f1 in its place."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        outputs = [{"asset_id": "..", "status": "ready"}]
        return httpx.Response(200, json={"flow_id": "f1", "outputs": outputs})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with (
        Generio("sk-dots-key-0001", MOCK_URL, http_client=http) as client,
        pytest.raises(InputError, match=r"'\.\.'"),
    ):
        client.flows.download_outputs("f1", tmp_path / "out")
    assert seen == ["/flows/f1/outputs?include_data=false"]
    assert list((tmp_path / "out").iterdir()) == []
