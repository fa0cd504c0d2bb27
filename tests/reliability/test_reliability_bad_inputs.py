"""Bad inputs and failures, one table: each case's error type, its key words, and no key shown.

Every case runs through ``Generio`` and, where the code path differs, ``AsyncGenerio``. The
emulator produces every failure a server can produce, over loopback HTTP; ``MockTransport``
(through ``http_client=``) only what no well-behaved server sends: an interrupted body,
statuses the emulator never uses, unknown fields, an echoed key, a redirect.

While a case runs, the root, ``generio``, ``httpx`` and ``httpcore`` loggers are at DEBUG;
afterwards the API keys in play must appear in no log record, exception text (chained
causes and traceback included), client repr, or file the case wrote.
"""

from __future__ import annotations

import base64
import io
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import anyio.from_thread
import httpx
import pytest

from generio import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    Asset,
    AsyncGenerio,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    DownloadTimeoutError,
    FlowFailed,
    FlowNotStarted,
    Generio,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    RunResult,
    ServerError,
    ValidationError,
    WaitTimeout,
    WrongEventLoopError,
)
from generio.testing import Emulator, sample_glb, sample_jpeg, sample_png
from tests.helpers.facade import FLOW_JSON, MOCK_URL, Blocking
from tests.helpers.hostile_answers import (
    ESCAPES,
    GOOD_GLB_URI,
    HUGE_PROGRESS,
    INVALID_UTF8,
    SMALL_LIMIT,
    TOO_MANY_DIGITS,
    bomb_download,
    bomb_json,
    deep_nesting,
    echo_key,
    encoded,
    endless_download,
    endless_json,
    output_json,
    outputs_then,
    post_503_then_created,
    raw,
    trickle_download,
)
from tests.helpers.reliability import (
    IMAGE_TEMPLATE,
    OPTIMIZE_TEMPLATE,
    PROMPT_TEMPLATE,
    exception_texts,
    files_containing,
    locals_texts,
    tree,
    watch_logs,
)

MOCK_KEY = "sk-live-mock-4f1d2c9b8a7e"
# Secrets of single cases, named so that a traceback's source lines show names, not values.
SPACED_KEY = "sk live 77aa91"
BYTES_KEY = b"sk-bytes-5521ee"
WRONG_KEY = "sk-wrong-0b7d3e55"
URL_PASSWORD = "pw-31c8d0e7"
URL_WITH_PASSWORD = f"https://me:{URL_PASSWORD}@flows.example.com"
#: A key that every escaping changes (URL-quoting, HTML and JSON escapes).
ESCAPED_KEY = "sk-live+9f/8e&7d<6c>'5b\"4a"
GLB = sample_glb()
GLB_URI = "data:model/gltf-binary;base64," + base64.b64encode(GLB).decode()
Handler = Callable[[httpx.Request], httpx.Response]
Kind = Literal["sync", "async"]


class Ctx:
    """What a case acts on: an emulator, a temp dir, and clients of one kind.

    Args:
        kind: which client class the case goes through.
        emu: the emulator (reset, fault-free, short flows).
        tmp: a directory of the case's own.
        portal: the event loop of the async client (None for the sync kind).
    """

    def __init__(
        self, kind: Kind, emu: Emulator, tmp: Path, portal: anyio.from_thread.BlockingPortal | None
    ) -> None:
        self.kind = kind
        self.emu = emu
        self.tmp = tmp
        self._portal = portal
        self.clients: list[Any] = []
        self.users: list[httpx.Client | httpx.AsyncClient] = []
        self.requests: list[httpx.Request] = []
        self._default: Any = None

    @property
    def default(self) -> Any:
        """The case's everyday client on the emulator (opened once)."""
        if self._default is None:
            self._default = self.client()
        return self._default

    def client(self, **kwargs: Any) -> Any:
        """Open a client of the case's kind; the emulator's URL and key unless given."""
        arguments: dict[str, Any] = {"api_key": self.emu.api_key, "base_url": self.emu.base_url}
        arguments.update(kwargs)
        if self._portal is None:
            client: Any = Generio(**arguments)
        else:

            async def build() -> AsyncGenerio:
                return AsyncGenerio(**arguments)

            client = Blocking(self._portal.call(build), self._portal)
        self.clients.append(client)
        return client

    def mock(self, handler: Handler, **kwargs: Any) -> Any:
        """Open a client of the case's kind whose requests ``handler`` answers (and records)."""

        def recording(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return handler(request)

        transport = httpx.MockTransport(recording)
        user: httpx.Client | httpx.AsyncClient
        user = (
            httpx.Client(transport=transport)
            if self._portal is None
            else httpx.AsyncClient(transport=transport)
        )
        self.users.append(user)
        arguments = {"api_key": MOCK_KEY, "base_url": MOCK_URL, "http_client": user, **kwargs}
        return self.client(**arguments)

    def file(self, name: str, content: bytes) -> Path:
        """Write a file into the case's directory."""
        path = self.tmp / name
        path.write_bytes(content)
        return path

    def running(self) -> str:
        """Create a flow that stays running through the case; its id."""
        self.emu.flow_seconds = 30
        return str(self.default.flows.create(PROMPT_TEMPLATE, inputs=["a lamp"]).id)

    def completed(self) -> RunResult:
        """Run a flow to completion."""
        result: RunResult = self.default.run(PROMPT_TEMPLATE, "a lamp")
        return result

    def close(self) -> None:
        """Close every client the case opened, and the httpx clients given to them."""
        for client in self.clients:
            if isinstance(client, Blocking):
                client.__exit__(None, None, None)
            else:
                client.close()
        for user in self.users:
            if isinstance(user, httpx.Client):
                user.close()
            elif self._portal is not None:
                self._portal.call(user.aclose)
            else:
                anyio.run(user.aclose)


@dataclass(frozen=True)
class Case:
    """One row of the table.

    Attributes:
        id: the case's name.
        via: what produces it: a local check, the emulator, or a MockTransport.
        act: does the bad thing; returns what a surviving case checks.
        error: the exception type expected; None when the case must be survived.
        words: what the error's message must say.
        check: further assertions on the error (or the result, when survived).
        kinds: the client kinds the case runs through.
        secrets: other strings, besides the keys in play, that must never be shown.
    """

    id: str
    via: Literal["local", "emulator", "mock"]
    act: Callable[[Ctx], Any]
    error: type[BaseException] | None
    words: tuple[str, ...] = ()
    check: Callable[[Ctx, Any], None] | None = None
    kinds: tuple[Kind, ...] = ("sync", "async")
    secrets: tuple[str, ...] = ()


# --- checks ---------------------------------------------------------------------------


def nothing_created(ctx: Ctx, _: object) -> None:
    """Check that the emulator's ledger holds no flow."""
    assert ctx.emu.ledger == []


def _requests(count: int) -> Callable[[Ctx, object], None]:
    def check(ctx: Ctx, _: object) -> None:
        assert len(ctx.requests) == count

    return check


def _faults(count: int) -> Callable[[Ctx, object], None]:
    def check(ctx: Ctx, _: object) -> None:
        assert len(ctx.emu.fault_log) == count

    return check


def _one_flow(ctx: Ctx, _: object) -> None:
    assert len(ctx.emu.ledger) == 1
    assert ctx.emu.fault_log, "the fault this case survives never fired"


def _completed(ctx: Ctx, result: RunResult) -> None:
    assert result.flow.state == "completed"
    assert len(ctx.emu.ledger) == 1
    assert len(ctx.emu.fault_log) == 1, "the fault this case survives did not fire once"


def _partial_outputs(ctx: Ctx, error: FlowFailed) -> None:
    assert error.flow.state == "failed"
    assert len(error.outputs) == 2
    assert error.outputs[-1].error
    assert ctx.emu.ledger[0].state == "failed"


def _wait_timeout(ctx: Ctx, error: WaitTimeout) -> None:
    (entry,) = ctx.emu.ledger
    assert error.flow_id == entry.flow_id
    assert entry.flow_id in str(error)
    assert isinstance(error, TimeoutError)


def _retry_after_from_date(_: Ctx, error: RateLimitError) -> None:
    # The date is a whole second at least 600 s ahead when sent: seconds, not 0 or None,
    # however long the answer took to be read.
    assert error.retry_after is not None
    assert 300.0 < error.retry_after <= 601.0


def _no_files(ctx: Ctx, _: object) -> None:
    assert tree(ctx.tmp) == []


# --- the emulator's cases ---------------------------------------------------------------


def _start_twice(ctx: Ctx) -> object:
    flow = ctx.default.flows.create(PROMPT_TEMPLATE, inputs=["a stool"])
    return ctx.default.flows.start(flow.id)


def _start_without_inputs(ctx: Ctx) -> object:
    return ctx.default.flows.start(ctx.default.flows.create(IMAGE_TEMPLATE).id)


def _upload_after_start(ctx: Ctx) -> object:
    return ctx.default.flows.upload_input(ctx.running(), "another prompt")


def _abort_completed(ctx: Ctx) -> object:
    return ctx.default.flows.abort(ctx.completed().flow.id)


def _download_early(ctx: Ctx) -> object:
    return ctx.default.flows.download_outputs(ctx.running(), ctx.tmp / "out")


def _unknown_output(ctx: Ctx) -> object:
    return ctx.default.flows.output(ctx.completed().flow.id, "6b0000000000000000000000")


def _unknown_input(ctx: Ctx) -> object:
    return ctx.default.flows.input(ctx.completed().flow.id, "6b0000000000000000000000")


def _wait_never_started(ctx: Ctx) -> object:
    return ctx.default.flows.wait(ctx.default.flows.create(PROMPT_TEMPLATE).id)


def _wait_timeout_act(ctx: Ctx) -> object:
    return ctx.default.flows.wait(ctx.running(), timeout=0)


def _failed_flow(ctx: Ctx) -> object:
    ctx.emu.add_fault("fail_flow", "create_flow")
    return ctx.default.run(OPTIMIZE_TEMPLATE, [sample_glb(), sample_glb()])


def _fault(kind: str, operation: str, act: Callable[[Ctx], Any], **fault: Any) -> Callable:
    def run(ctx: Ctx) -> Any:
        ctx.emu.add_fault(kind, operation, **fault)
        return act(ctx)

    return run


def _template_with(**settings: Any) -> Callable[[Ctx], Any]:
    return lambda ctx: ctx.client(**settings).templates.get(PROMPT_TEMPLATE)


def _unknown_state(ctx: Ctx) -> list[str]:
    ctx.emu.add_fault("unknown_state", "create_flow", state="queued")
    states: list[str] = []
    result = ctx.default.run(
        PROMPT_TEMPLATE, "a shelf", on_progress=lambda f: states.append(f.state)
    )
    return [*states, result.flow.state]


def _saw_unknown_state(_: Ctx, states: list[str]) -> None:
    assert "queued" in states
    assert states[-1] == "completed"


# --- MockTransport's cases --------------------------------------------------------------


def answer(
    status: int, body: object, content_type: str = "application/json", **headers: str
) -> Handler:
    """Answer every request with one response."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()

    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status, content=content, headers={"content-type": content_type, **headers}
        )

    return handler


def _get_flow_on(handler: Handler, **kwargs: Any) -> Callable[[Ctx], Any]:
    return lambda ctx: ctx.mock(handler, **kwargs).flows.get("f1")


def _extra_fields(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/outputs"):
        asset = {"asset_id": "a1", "status": "ready", "checksum": "x", "lod": [1, 2]}
        return httpx.Response(200, json={"flow_id": "f1", "outputs": [asset], "page": None})
    return httpx.Response(200, json={**FLOW_JSON, "state": "completed", "queue_position": 3})


def _survive_extra_fields(ctx: Ctx) -> tuple[Any, Any]:
    client = ctx.mock(_extra_fields)
    return client.flows.get("f1"), client.flows.outputs("f1")


def _extra_fields_read(_: Ctx, result: tuple[Any, Any]) -> None:
    flow, outputs = result
    assert (flow.id, flow.state) == ("f1", "completed")
    assert [o.id for o in outputs] == ["a1"]


def _echo_key(request: httpx.Request) -> httpx.Response:
    page = f"<html>401: credentials {request.headers['authorization']} rejected</html>"
    return httpx.Response(401, text=page, headers={"content-type": "text/html"})


def _redirect(_: httpx.Request) -> httpx.Response:
    return httpx.Response(302, headers={"location": "https://evil.example/collect"})


def _stayed_home(ctx: Ctx, _: object) -> None:
    assert {r.url.host for r in ctx.requests} == {"flows.example"}


class CutStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that breaks off after ``keep`` bytes, as a dropped connection does."""

    def __init__(self, body: bytes, keep: int) -> None:
        self._body = body
        self._keep = keep

    def __iter__(self) -> Iterator[bytes]:
        yield self._body[: self._keep]
        raise httpx.ReadError("the connection was closed mid-body")

    async def __aiter__(self) -> Any:
        yield self._body[: self._keep]
        raise httpx.ReadError("the connection was closed mid-body")


def _outputs_route(asset_id: str, output: Callable[[int], httpx.Response]) -> Handler:
    """Serve one output named ``asset_id``; ``output(n)`` answers its n-th download."""
    downloads: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/flows/f1/outputs":
            listing = {"flow_id": "f1", "outputs": [{"asset_id": asset_id, "status": "ready"}]}
            return httpx.Response(200, json=listing)
        downloads.append(1)
        return output(len(downloads))

    return handler


def _body(full: bytes, cut_until: int) -> Callable[[int], httpx.Response]:
    """Answer downloads up to ``cut_until`` with a body cut halfway, later ones whole."""

    def output(n: int) -> httpx.Response:
        headers = {"content-type": "application/json", "content-length": str(len(full))}
        if n <= cut_until:
            return httpx.Response(200, headers=headers, stream=CutStream(full, len(full) // 2))
        return httpx.Response(200, headers=headers, content=full)

    return output


OUTPUT_JSON = json.dumps({"asset_id": "a1", "status": "ready", "data": GLB_URI}).encode()


def _download(handler: Handler) -> Callable[[Ctx], Any]:
    return lambda ctx: ctx.mock(handler).flows.download_outputs("f1", ctx.tmp / "out")


def _whole_file_only(ctx: Ctx, paths: list[Path]) -> None:
    assert [p.read_bytes() for p in paths] == [GLB]
    assert tree(ctx.tmp) == [f"out/{paths[0].name}"]


def _hostile(label: str, asset_id: str) -> Case:
    handler = _outputs_route(asset_id, lambda _n: httpx.Response(200, content=OUTPUT_JSON))
    return Case(f"hostile-asset-id-{label}", "mock", _download(handler), None, (), _whole_file_only)


def _run_many(jobs: list[dict[str, Any]], concurrency: int) -> Callable[[Ctx], Any]:
    return lambda ctx: ctx.default.run_many(jobs, concurrency=concurrency)


def _mixed_batch(ctx: Ctx, results: list[Any]) -> None:
    assert isinstance(results[0], RunResult)
    assert isinstance(results[1], InputError)
    assert "text prompt" in str(results[1])
    assert len(ctx.emu.ledger) == 1


# --- hostile answers and misuse (issue 10) ----------------------------------------------


def _get_template_on(handler: Handler, **kwargs: Any) -> Callable[[Ctx], Any]:
    return lambda ctx: ctx.mock(handler, **kwargs).templates.get(PROMPT_TEMPLATE)


def _download_with(handler: Handler, **kwargs: Any) -> Callable[[Ctx], Any]:
    return lambda ctx: ctx.mock(handler, **kwargs).flows.download_outputs("f1", ctx.tmp / "out")


def _output_data(data: str, **kwargs: Any) -> Callable[[Ctx], Any]:
    """Fetch output a1 whose answer carries ``data``, and read its content."""
    return lambda c: c.mock(outputs_then(output_json(data)), **kwargs).flows.output("f1", "a1").data


def _listed_data(data: str, **kwargs: Any) -> Callable[[Ctx], Any]:
    """List outputs with their data (``data`` in the answer), and read each content."""

    def act(ctx: Ctx) -> Any:
        client = ctx.mock(outputs_then(output_json(GOOD_GLB_URI), data=data), **kwargs)
        return [asset.data for asset in client.flows.outputs("f1", include_data=True)]

    return act


def _low_level_list(ctx: Ctx) -> object:
    """Call the generated endpoint through ``client.low_level``, as the README shows."""
    from generio_api.api.templates import list_templates

    client = ctx.mock(endless_json, **LIMIT)
    if ctx.kind == "sync":
        return list_templates.sync_detailed(client=client.low_level)
    assert ctx._portal is not None
    return ctx._portal.call(lambda: list_templates.asyncio_detailed(client=client.low_level))


def _closed_client(ctx: Ctx) -> object:
    client = ctx.client()
    if isinstance(client, Blocking):
        client.__exit__(None, None, None)
    else:
        client.close()
    return client.flows.get(ZERO_ID)


def _other_loop(ctx: Ctx) -> object:
    client = ctx.client()
    client.templates.list()  # first used in the case's event loop
    return anyio.run(client._target.templates.list)


def _half_built(_: Ctx) -> str:
    """Return the repr of a client whose constructor never ran (as a traceback shows it)."""
    return repr(Generio.__new__(Generio)) + repr(AsyncGenerio.__new__(AsyncGenerio))


def _repr_works(_: Ctx, text: str) -> None:
    assert text == "Generio(<not configured>)AsyncGenerio(<not configured>)"


def _post_503_retry_after(ctx: Ctx) -> list[Any]:
    from unittest import mock

    from generio._jobs import retries as _retries

    posts: list[httpx.Request] = []
    with mock.patch.object(_retries, "delay", wraps=_retries.delay) as delay:
        ctx.mock(post_503_then_created(posts, "7")).flows.create(PROMPT, inputs=["a vase"])
    return [len(posts), *delay.call_args_list]


def _waited_retry_after(_: Ctx, calls: list[Any]) -> None:
    posts, *delays = calls
    assert posts == 2
    assert [c.args for c in delays] == [(1, 7.0)]


def _sent_once(ctx: Ctx, _: object) -> None:
    assert len(ctx.requests) == 1


def _no_files_sent_once(ctx: Ctx, error: object) -> None:
    _no_files(ctx, error)
    assert len([r for r in ctx.requests if r.url.path.endswith("/a1")]) == 1


def _escaped_echo(label: str) -> Case:
    escape = ESCAPES[label]
    return Case(
        f"key-echoed-{label}",
        "mock",
        lambda c: c.mock(echo_key(escape), api_key=ESCAPED_KEY).flows.get("f1"),
        AuthenticationError,
        ("HTTP 401", "***"),
        secrets=(ESCAPED_KEY, escape(ESCAPED_KEY), escape("Bearer " + ESCAPED_KEY)),
    )


def _lone_surrogate_prompt(ctx: Ctx) -> object:
    return ctx.default.run(PROMPT, "a chair \udc80 of oak")


LIMIT = {"max_response_bytes": SMALL_LIMIT}
DOWNLOAD_LIMIT = {"max_download_bytes": SMALL_LIMIT}
#: A short download_timeout: a finished flow's outputs are fetched again until it passes.
PATIENCE = {"download_timeout": 0.5}
#: The words of the error a fetch of outputs ends with once download_timeout passed.
GAVE_UP = ("download_timeout", "retries included", "attempt(s) failed, the last with")


# --- the table --------------------------------------------------------------------------

PROMPT, IMAGE, MODEL = PROMPT_TEMPLATE, IMAGE_TEMPLATE, OPTIMIZE_TEMPLATE
ZERO_ID = "6b0000000000000000000000"


def _other_kind(ctx: Ctx) -> httpx.Client | httpx.AsyncClient:
    """Return an httpx client of the kind the case's client does not take."""
    user = httpx.AsyncClient() if ctx.kind == "sync" else httpx.Client()
    ctx.users.append(user)
    return user


def _user_client_with_nan_timeout(ctx: Ctx) -> object:
    """Build a client over the user's httpx client whose read timeout is NaN."""
    timeout = httpx.Timeout(5.0, read=math.nan)
    user = (
        httpx.Client(timeout=timeout) if ctx.kind == "sync" else httpx.AsyncClient(timeout=timeout)
    )
    ctx.users.append(user)
    return ctx.client(http_client=user)


def _closed_file(ctx: Ctx) -> object:
    handle = ctx.file("closed.png", sample_png()).open("rb")
    handle.close()
    return ctx.default.run(IMAGE, handle)


# fmt: off
CASES: list[Case] = [
    # Local checks: an InputError before anything is created.
    Case("missing-file", "local", lambda c: c.default.run(IMAGE, c.tmp / "missing.png"), InputError,
         ("does not exist", "missing.png"), nothing_created),
    Case("directory-as-file", "local", lambda c: c.default.run(IMAGE, c.tmp), InputError,
         ("is a directory", "pass a file inside it"), nothing_created),
    Case("empty-file", "local", lambda c: c.default.run(IMAGE, c.file("empty.png", b"")),
         InputError,
         ("is empty", "0-byte"), nothing_created),
    Case("empty-bytes", "local", lambda c: c.default.run(IMAGE, b""), InputError,
         ("empty bytes",), nothing_created),
    Case("png-to-optimize", "local",
         lambda c: c.default.run(MODEL, c.file("front.png", sample_png())), InputError,
         ("image/png", "'model_optimize' does not accept", "model/gltf-binary"), nothing_created),
    Case("glb-to-image-template", "local", lambda c: c.default.run(IMAGE, sample_glb()), InputError,
         ("model/gltf-binary", "image/png, image/jpeg, image/tiff, image/webp"), nothing_created),
    Case("jpeg-to-prompt-template", "local", lambda c: c.default.run(PROMPT, sample_jpeg()),
         InputError,
         ("image/jpeg", "text/plain", "pass it as a str"), nothing_created),
    Case("str-path-to-image-template", "local", lambda c: c.default.run(IMAGE, "front.png"),
         InputError, ("text prompt", "pass files as pathlib.Path", "image/png, image/jpeg"),
         nothing_created),
    Case("bytes-of-unknown-type", "local", lambda c: c.default.run(IMAGE, b"\x00\x01\x02\x03"),
         InputError, ("cannot tell the type", "mime_type="), nothing_created),
    Case("data-uri-of-unaccepted-type", "local",
         lambda c: c.default.run(IMAGE, "data:application/x-foo;base64,AAAA"), InputError,
         ("application/x-foo", "does not accept"), nothing_created),
    Case("data-uri-without-comma", "local", lambda c: c.default.run(IMAGE, "data:image/png;base64"),
         InputError, ("not a valid data URI", "no ','", "data:<MIME type>;base64,"),
         nothing_created),
    Case("data-uri-in-the-docs-wrong-form", "local",
         lambda c: c.default.run(IMAGE, "data:image/png,base64;iVBORw0KGgo"), InputError,
         ("not a valid data URI", "data:<MIME type>;base64,"), nothing_created),
    Case("data-uri-with-bad-base64", "emulator",
         lambda c: c.default.run(IMAGE, "data:image/png;base64,@@@@"), ValidationError,
         ("HTTP 422", "inputs.0.data", "not valid base64"), nothing_created),
    Case("empty-prompt", "local", lambda c: c.default.run(PROMPT, "   "), InputError,
         ("empty prompt",), nothing_created),
    Case("number-as-input", "local", lambda c: c.default.run(PROMPT, [42]), InputError,
         ("cannot be a int", "pathlib.Path"), nothing_created),
    Case("no-inputs", "local", lambda c: c.default.run(PROMPT, []), InputError,
         ("at least one input",), nothing_created),
    Case("text-mode-file", "local", lambda c: c.default.run(IMAGE, io.StringIO("x")), InputError,
         ("binary mode", "'rb'"), nothing_created),
    Case("closed-file", "local", _closed_file, InputError, ("is closed",), nothing_created),
    Case("asset-without-data", "local", lambda c: c.default.run(MODEL, Asset(id="a1")), InputError,
         ("no data and no flow",), nothing_created),
    Case("additional-not-json", "local",
         lambda c: c.default.run(PROMPT, "x", additional={"tags": {1, 2}}), InputError,
         ("additional must be JSON", "set"), nothing_created),
    Case("additional-nan", "local", lambda c: c.default.run(PROMPT, "x", additional=math.nan),
         InputError, ("additional must be JSON", "Out of range float"), nothing_created),
    Case("parameters-not-json", "local",
         lambda c: c.default.run(PROMPT, "x", parameters={"seed": object()}), InputError,
         ("parameters must be JSON",), nothing_created),
    Case("parameters-not-a-mapping", "local", lambda c: c.default.run(PROMPT, "x", parameters=[1]),
         InputError, ("parameters must be a mapping",), nothing_created),
    Case("template-not-a-name", "local", lambda c: c.default.run(3, "x"), InputError,
         ("template must be a template name",), nothing_created),
    Case("negative-run-timeout", "local", lambda c: c.default.run(PROMPT, "x", timeout=-1),
         InputError, ("timeout must be a number of seconds >= 0",), nothing_created),
    Case("out-dir-is-a-file", "local",
         lambda c: c.default.run(PROMPT, "x", out_dir=c.file("taken", b"x")), InputError,
         ("out_dir", "is not a directory"), nothing_created),
    Case("negative-wait-timeout", "local", lambda c: c.default.flows.wait(ZERO_ID, timeout=-1),
         InputError, ("timeout must be a number of seconds >= 0",)),
    Case("empty-flow-id", "local", lambda c: c.default.flows.get(""), InputError,
         ("an id must be a non-empty str",)),
    Case("dot-dot-flow-id", "local", lambda c: c.default.flows.delete(".."), InputError,
         ("cannot be '.' or '..'",)),
    Case("unknown-sort-field", "local", lambda c: c.default.flows.list(sort_by="size"),
         InputError, ("sort_by must be one of", "created_at")),
    Case("run-many-zero-concurrency", "local", _run_many([], 0), ConfigurationError,
         ("concurrency must be an integer >= 1",)),
    Case("run-many-bad-job-among-good", "emulator",
         _run_many([{"template": PROMPT, "inputs": "a cup"}, {"template": IMAGE, "inputs": "a"}],
                   2),
         None, (), _mixed_batch),
    # Settings: a ConfigurationError at construction, naming the setting.
    Case("no-key", "local", lambda c: c.client(api_key=None), ConfigurationError,
         ("no API key", "$GENERIO_API_KEY")),
    Case("blank-key", "local", lambda c: c.client(api_key="   "), ConfigurationError,
         ("no API key",)),
    Case("key-with-spaces", "local", lambda c: c.client(api_key=SPACED_KEY),
         ConfigurationError, ("spaces or control characters",), secrets=(SPACED_KEY,)),
    Case("key-of-bytes", "local", lambda c: c.client(api_key=BYTES_KEY),
         ConfigurationError, ("api_key must be a str", "bytes"), secrets=(BYTES_KEY.decode(),)),
    Case("negative-client-timeout", "local", lambda c: c.client(timeout=-1), ConfigurationError,
         ("timeout must be a positive number",)),
    # Longer than a socket takes: it failed every sync request with OverflowError.
    Case("timeout-past-a-socket-s", "local", lambda c: c.client(timeout=1e10),
         ConfigurationError, ("timeout must be a positive number", "at most 1e9")),
    Case("negative-max-retries", "local", lambda c: c.client(max_retries=-1),
         ConfigurationError, ("max_retries must be an integer >= 0",)),
    Case("http-to-public-host", "local", lambda c: c.client(base_url="http://flows.example.com"),
         ConfigurationError, ("plain http", "allow_insecure=True")),
    Case("http-to-private-ip", "local", lambda c: c.client(base_url="http://10.0.0.5:8000"),
         ConfigurationError, ("plain http", "allow_insecure=True")),
    Case("not-an-http-url", "local", lambda c: c.client(base_url="ftp://flows.example.com"),
         ConfigurationError, ("must be an http(s) URL",)),
    Case("credentials-in-url", "local",
         lambda c: c.client(base_url=URL_WITH_PASSWORD),
         ConfigurationError, ("must not carry credentials",), secrets=(URL_PASSWORD,)),
    # Every path goes after the base URL: a query there sent GET /v1?x=1/templates.
    Case("query-in-url", "local", lambda c: c.client(base_url="https://flows.example/v1?x=1"),
         ConfigurationError, ("must not carry a query or a fragment",)),
    Case("http-client-of-the-other-kind", "local",
         lambda c: c.client(http_client=_other_kind(c)),
         ConfigurationError, ("http_client must be an httpx.",)),
    # What the service refuses (the emulator answers).
    Case("unknown-template", "emulator", lambda c: c.default.run("model_nope", "x"),
         NotFoundError, ("HTTP 404", "Template 'model_nope' not found"), nothing_created),
    Case("unknown-parameter", "emulator",
         lambda c: c.default.run(PROMPT, "x", parameters={"colour": "red"}), ValidationError,
         ("HTTP 422", "parameters.colour", "Extra inputs are not permitted"), nothing_created),
    Case("quality-out-of-range", "emulator",
         lambda c: c.default.run(PROMPT, "x", parameters={"quality": "ultra"}), ValidationError,
         ("parameters.quality", "'low' or 'high'"), nothing_created),
    Case("seed-out-of-range", "emulator",
         lambda c: c.default.run(PROMPT, "x", parameters={"seed": -5}),
         ValidationError, ("parameters.seed", "greater than or equal to -1"), nothing_created),
    Case("polygon-count-zero", "emulator",
         lambda c: c.default.run(MODEL, sample_glb(), parameters={"polygon_count": 0}),
         ValidationError, ("parameters.polygon_count", "greater than 0"), nothing_created),
    Case("parameter-of-wrong-type", "emulator",
         lambda c: c.default.run(PROMPT, "x", parameters={"texture": "yes"}), ValidationError,
         ("parameters.texture", "valid boolean"), nothing_created),
    Case("unknown-state-filter", "emulator", lambda c: c.default.flows.list(state="bogus"),
         ValidationError, ("HTTP 422", "query.filter_by")),
    Case("start-twice", "emulator", _start_twice, ConflictError,
         ("HTTP 409", "only a flow in state created can be started", "What to do")),
    Case("start-without-inputs", "emulator", _start_without_inputs, ConflictError,
         ("HTTP 409", "has no inputs")),
    Case("upload-after-start", "emulator", _upload_after_start, ConflictError,
         ("HTTP 409", "only add inputs to a flow in state created")),
    Case("delete-running-flow", "emulator", lambda c: c.default.flows.delete(c.running()),
         ConflictError, ("HTTP 409", "can only be deleted when", "What to do")),
    Case("abort-completed-flow", "emulator", _abort_completed, ConflictError,
         ("HTTP 409", "only starting or running flows can be aborted")),
    Case("outputs-before-completion", "emulator",
         lambda c: c.default.flows.outputs(c.running()), ConflictError,
         ("HTTP 409", "outputs are available once it is completed")),
    Case("download-before-completion", "emulator", _download_early, ConflictError,
         ("HTTP 409", "outputs are available once"), _no_files),
    Case("unknown-flow-id", "emulator", lambda c: c.default.flows.get(ZERO_ID), NotFoundError,
         ("HTTP 404", f"Flow '{ZERO_ID}' not found", "check the id")),
    Case("delete-unknown-flow", "emulator", lambda c: c.default.flows.delete(ZERO_ID),
         NotFoundError, ("HTTP 404", "not found")),
    Case("unknown-output-id", "emulator", _unknown_output, NotFoundError,
         ("HTTP 404", f"Output '{ZERO_ID}' not found")),
    Case("unknown-input-id", "emulator", _unknown_input, NotFoundError,
         ("HTTP 404", f"Input '{ZERO_ID}' not found")),
    Case("wrong-key", "emulator",
         lambda c: c.client(api_key=WRONG_KEY).flows.list(), AuthenticationError,
         ("HTTP 401", "Invalid API key", "check the API key"), secrets=(WRONG_KEY,)),
    Case("wait-on-never-started-flow", "emulator", _wait_never_started, FlowNotStarted,
         ("state 'created'", "never started", "start(")),
    Case("wait-timeout", "emulator", _wait_timeout_act, WaitTimeout,
         ("did not finish within 0 s", "still running"), _wait_timeout),
    Case("failed-flow", "emulator", _failed_flow, FlowFailed,
         ("ended failed", "fault injected", "partial output(s) are in .outputs"),
         _partial_outputs),
    Case("broken-model-input", "emulator",
         lambda c: c.default.run(MODEL, b"glTF\x02\x00\x00\x00" + bytes(32)), FlowFailed,
         ("ended failed", "cannot read the model")),
    # Faults beyond the retry budget (the emulator injects them).
    Case("html-502-body", "emulator",
         _fault("bad_gateway", "get_template", _template_with(max_retries=1)), ServerError,
         ("HTTP 502", "unreadable body", "502 Bad Gateway", "retry later"), _faults(2)),
    Case("truncated-json-body", "emulator",
         _fault("truncated_json", "get_template", _template_with(max_retries=1)), ServerError,
         ("HTTP 200", "unreadable body"), _faults(2)),
    Case("server-error-on-create", "emulator",
         _fault("server_error", "create_flow", lambda c: c.client(max_retries=1).run(PROMPT, "x")),
         ServerError, ("POST /flows", "HTTP 500", "Internal Server Error"), nothing_created),
    Case("unavailable-with-retry-after", "emulator",
         _fault("unavailable", "get_template", _template_with(max_retries=1)), ServerError,
         ("HTTP 503", "Service temporarily unavailable"), _faults(2)),
    Case("rate-limit-http-date", "emulator",
         _fault("rate_limit", "get_template", _template_with(max_retries=0), http_date=True,
                retry_after=600),
         RateLimitError, ("HTTP 429", "Rate limit exceeded", "raise max_retries"),
         _retry_after_from_date),
    Case("read-timeout", "emulator",
         _fault("slow", "get_template", _template_with(timeout=1.0, max_retries=1), delay=30.0),
         APITimeoutError, ("GET /templates/", "timed out", "longer timeout="), _faults(2)),
    Case("connection-reset", "emulator",
         _fault("connection_reset", "get_template", _template_with(max_retries=1)),
         APIConnectionError, ("GET /templates/", "failed without a response"), _faults(2)),
    Case("answer-lost", "emulator",
         _fault("lost_response", "get_template", _template_with(max_retries=1)),
         APIConnectionError, ("failed without a response", "check the network"), _faults(2)),
    Case("connection-refused", "emulator",
         _template_with(base_url="http://127.0.0.1:9", max_retries=0), APIConnectionError,
         ("failed without a response", "ConnectError")),
    # Faults a client must survive.
    Case("unknown-state-survived", "emulator", _unknown_state, None, (), _saw_unknown_state),
    Case("truncated-json-survived", "emulator",
         _fault("truncated_json", "get_flow", lambda c: c.completed(), count=1), None, (),
         _completed),
    Case("rate-limit-http-date-survived", "emulator",
         _fault("rate_limit", "create_flow", lambda c: c.completed(), http_date=True, count=1),
         None, (), _completed),
    Case("create-answer-always-lost", "emulator",
         _fault("lost_response", "create_flow", lambda c: c.completed()), None, (), _one_flow),
    # What no well-behaved server sends (MockTransport).
    Case("unknown-extra-fields", "mock", _survive_extra_fields, None, (), _extra_fields_read),
    Case("status-403", "mock", _get_flow_on(answer(403, {"detail": "not for this key"})),
         PermissionDeniedError, ("HTTP 403", "not for this key", "may use this resource"),
         _requests(1)),
    Case("status-408", "mock", _get_flow_on(answer(408, {"detail": "too slow"})),
         APIStatusError, ("HTTP 408", "too slow"), _requests(3)),
    Case("status-520", "mock", _get_flow_on(answer(520, b"<h1>origin error</h1>", "text/html")),
         ServerError, ("HTTP 520", "origin error", "retry later"), _requests(1)),
    Case("status-429-without-retry-after", "mock",
         _get_flow_on(answer(429, {"detail": "slow down"})), RateLimitError,
         ("HTTP 429", "slow down"), _requests(3)),
    Case("html-404-from-a-proxy", "mock",
         _get_flow_on(answer(404, b"<html>not here</html>", "text/html")), NotFoundError,
         ("HTTP 404", "unreadable body")),
    Case("key-echoed-in-error-page", "mock", _get_flow_on(_echo_key), AuthenticationError,
         ("HTTP 401", "credentials Bearer ***")),
    Case("redirect-to-another-host", "mock", _get_flow_on(_redirect), ServerError,
         ("HTTP 302",), _stayed_home),
    Case("download-interrupted-once", "mock",
         _download(_outputs_route("a1", _body(OUTPUT_JSON, 1))), None, (), _whole_file_only),
    # A finished flow's outputs ride out transient failures until download_timeout.
    Case("download-always-interrupted", "mock",
         _download_with(_outputs_route("a1", _body(OUTPUT_JSON, 999)), **PATIENCE),
         DownloadTimeoutError, (*GAVE_UP, "failed without a response", "ReadError"), _no_files),
    _hostile("parent-dirs", "../../x"),
    _hostile("absolute", "/etc/passwd"),
    _hostile("windows-path", "C:\\Windows\\evil"),
    _hostile("device-name", "CON"),
    _hostile("hidden", ".hidden"),
    _hostile("encoded-dots", "%2e%2e%2fx"),
    _hostile("nul", "x\x00y"),
    _hostile("very-long", "x" * 400),
    # Bounded answers: past a limit, a typed error; nothing kept, nothing retried.
    Case("endless-json-body", "mock", _get_template_on(endless_json, **LIMIT),
         ResponseTooLargeError, ("more than 1048576 bytes", "max_response_bytes"), _sent_once),
    Case("gzip-bomb-json-body", "mock", _get_template_on(bomb_json(64 * SMALL_LIMIT), **LIMIT),
         ResponseTooLargeError, ("decompressed", "max_response_bytes"), _sent_once),
    Case("low-level-endless-body", "mock", _low_level_list, ResponseTooLargeError,
         ("GET /templates", "max_response_bytes")),
    Case("unasked-brotli-body", "mock", _get_template_on(encoded(200, b"\x0b", "br")),
         ServerError, ("Content-Encoding 'br'", "did not ask for")),
    Case("corrupt-gzip-body", "mock", _get_template_on(encoded(200, b"not gzip", "gzip")),
         APIConnectionError, ("DecodingError",)),
    Case("endless-download", "mock", _download_with(outputs_then(endless_download),
                                                    **DOWNLOAD_LIMIT),
         ResponseTooLargeError, ("max_download_bytes", "Nothing was saved"), _no_files_sent_once),
    Case("gzip-bomb-download", "mock", _download_with(outputs_then(bomb_download),
                                                      **DOWNLOAD_LIMIT),
         ResponseTooLargeError, ("max_download_bytes",), _no_files_sent_once),
    Case("trickling-download", "mock",
         _download_with(outputs_then(trickle_download), download_timeout=0.3),
         DownloadTimeoutError, ("download_timeout", "Nothing was saved"), _no_files_sent_once),
    # Hostile structure: a ServerError, or the status code's class; never another exception.
    Case("deeply-nested-json", "mock", _get_flow_on(raw(200, deep_nesting()), max_retries=0),
         ServerError, ("HTTP 200", "unreadable body")),
    Case("deeply-nested-error-body", "mock", _get_flow_on(raw(404, deep_nesting())),
         NotFoundError, ("HTTP 404", "check the id")),
    Case("number-too-large-for-a-float", "mock",
         _get_flow_on(raw(200, HUGE_PROGRESS), max_retries=0), ServerError, ("HTTP 200",)),
    Case("number-with-too-many-digits", "mock",
         _get_flow_on(raw(200, TOO_MANY_DIGITS), max_retries=0), ServerError, ("HTTP 200",)),
    Case("invalid-utf8-json", "mock", _get_flow_on(raw(200, INVALID_UTF8), max_retries=0),
         ServerError, ("HTTP 200", "unreadable body")),
    Case("wrong-types-in-json", "mock",
         lambda c: c.mock(raw(200, b'{"flows": "none"}'), max_retries=0).flows.list(),
         ServerError, ("HTTP 200", "unreadable body")),
    Case("asset-id-an-object", "mock",
         lambda c: c.mock(raw(200, b'{"flow_id": "f1", "outputs": [{"asset_id": {"x": 1}}]}'),
                          max_retries=0, **PATIENCE).flows.outputs("f1"),
         DownloadTimeoutError, (*GAVE_UP, "HTTP 200")),
    # Service data errors are service errors, on every path; nothing saved.
    Case("malformed-data-uri-download", "mock",
         _download_with(outputs_then(output_json("data:;base64,AAAA")), **PATIENCE),
         DownloadTimeoutError, (*GAVE_UP, "malformed data URI"), _no_files),
    Case("bad-base64-download", "mock",
         _download_with(outputs_then(output_json("data:model/gltf-binary;base64,@@@@")),
                        **PATIENCE),
         DownloadTimeoutError, (*GAVE_UP, "could not be read"), _no_files),
    Case("malformed-data-uri-output", "mock", _output_data("data:;base64,AAAA", **PATIENCE),
         DownloadTimeoutError, (*GAVE_UP, "HTTP 200", "unreadable body")),
    Case("bad-base64-output", "mock", _output_data("data:model/gltf-binary;base64,@@@@"),
         ServerError, ("its data is", "service's side")),
    Case("malformed-mime-in-listing", "mock", _listed_data("data:x;base64,AAAA", **PATIENCE),
         DownloadTimeoutError, (*GAVE_UP, "HTTP 200", "unreadable body")),
    Case("bad-base64-in-listing", "mock", _listed_data("data:model/gltf-binary;base64,A"),
         ServerError, ("its data is",)),
    # Configuration checked at construction.
    Case("nan-timeout", "local", lambda c: c.client(timeout=math.nan), ConfigurationError,
         ("timeout must be a positive number", "NaN")),
    Case("infinite-timeout", "local", lambda c: c.client(timeout=math.inf), ConfigurationError,
         ("timeout must be a positive number",)),
    Case("httpx-timeout-with-nan", "local",
         lambda c: c.client(timeout=httpx.Timeout(5.0, read=math.nan)), ConfigurationError,
         ("timeout's read must be a positive, finite number",)),
    Case("http-client-with-nan-timeout", "local", _user_client_with_nan_timeout,
         ConfigurationError, ("http_client's timeout's read must be a positive",)),
    Case("fractional-max-retries", "local", lambda c: c.client(max_retries=1.5),
         ConfigurationError, ("max_retries must be an integer >= 0",)),
    Case("bool-max-retries", "local", lambda c: c.client(max_retries=True),
         ConfigurationError, ("max_retries must be an integer >= 0",)),
    Case("zero-max-response-bytes", "local", lambda c: c.client(max_response_bytes=0),
         ConfigurationError, ("max_response_bytes must be an integer number of bytes",)),
    Case("nan-download-timeout", "local", lambda c: c.client(download_timeout=math.nan),
         ConfigurationError, ("download_timeout must be a positive, finite number",)),
    Case("negative-concurrency", "local", _run_many([], -3), ConfigurationError,
         ("concurrency must be an integer >= 1",), kinds=("async",)),
    # The key never shows: escaped echoes, a half-built client's repr.
    _escaped_echo("url-quoted"),
    _escaped_echo("url-quoted-lower"),
    _escaped_echo("html-escaped"),
    _escaped_echo("json-escaped"),
    Case("repr-of-half-built-client", "local", _half_built, None, (), _repr_works,
         kinds=("sync",)),
    # Retry hints honoured on every retry, POST included.
    Case("post-503-with-retry-after", "mock", _post_503_retry_after, None, (),
         _waited_retry_after),
    # Inputs: a prompt UTF-8 cannot carry.
    Case("lone-surrogate-prompt", "local", _lone_surrogate_prompt, InputError,
         ("not valid Unicode", "lone surrogate"), nothing_created),
    # Lifecycle.
    Case("closed-client", "local", _closed_client, ClientClosedError,
         ("is closed", "create a new")),
    Case("async-client-in-another-loop", "emulator", _other_loop, WrongEventLoopError,
         ("another event loop", "one AsyncGenerio per event loop"), kinds=("async",)),
]
# fmt: on


@pytest.fixture
def ctx_factory(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[Kind], Ctx]]:
    """Build a case's context of a given kind; closes its clients (and loop) afterwards."""
    monkeypatch.delenv("GENERIO_API_KEY", raising=False)
    monkeypatch.delenv("GENERIO_BASE_URL", raising=False)
    made: list[tuple[Ctx, Any]] = []

    def make(kind: Kind) -> Ctx:
        portal_cm = anyio.from_thread.start_blocking_portal("asyncio") if kind == "async" else None
        portal = portal_cm.__enter__() if portal_cm is not None else None
        ctx = Ctx(kind, emu, tmp_path / "case", portal)
        ctx.tmp.mkdir()
        made.append((ctx, portal_cm))
        return ctx

    yield make
    for ctx, portal_cm in made:
        ctx.close()
        if portal_cm is not None:
            portal_cm.__exit__(None, None, None)


@pytest.mark.parametrize(
    ("case", "kind"),
    [pytest.param(case, kind, id=f"{kind}-{case.id}") for case in CASES for kind in case.kinds],
)
def test_bad_input(case: Case, kind: Kind, ctx_factory: Callable[[Kind], Ctx]) -> None:
    """Each case ends in its typed error saying what to do (or is survived); no key shows."""
    ctx = ctx_factory(kind)
    secrets = (ctx.emu.api_key, MOCK_KEY, *case.secrets)
    error: BaseException | None = None
    outcome: Any = None
    with watch_logs(*secrets) as watch:
        try:
            outcome = case.act(ctx)
        except Exception as exc:
            error = exc
    if case.error is None:
        assert error is None, f"{case.id} raised {error!r}"
    else:
        assert isinstance(error, case.error), f"{case.id} raised {error!r}"
        missing = [word for word in case.words if word not in str(error)]
        assert not missing, f"{case.id}: {missing} not in {str(error)!r}"
        outcome = error
    if case.check is not None:
        case.check(ctx, outcome)
    texts = [*([] if error is None else exception_texts(error)), *map(repr, ctx.clients)]
    # Tracebacks formatted with their frames' locals (the URL's password is the caller's
    # own argument, in frames that check it; the keys are wrapped before any check).
    with_locals = [] if error is None else locals_texts(error)
    for secret in secrets:
        assert not [t for t in texts if secret in t], f"{case.id} shows {secret!r}"
        assert files_containing(ctx.tmp, secret) == []
        if secret != URL_PASSWORD:
            shown = [t for t in with_locals if secret in t]
            assert not shown, f"{case.id} shows {secret!r} in locals: {shown[0][:300]}"
    assert watch.leaks == []
    assert watch.records > 0 or case.via == "local"


def test_table_size() -> None:
    """The table keeps at least 40 distinct cases, covering local, emulator and mock paths."""
    assert len({case.id for case in CASES}) == len(CASES) >= 40
    assert {case.via for case in CASES} == {"local", "emulator", "mock"}
