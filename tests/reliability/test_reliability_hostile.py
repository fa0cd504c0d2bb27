"""Any answer to any operation: random bytes and random JSON meet nothing but GenerioErrors.

``MockTransport`` is the server here (no real server sends such answers on purpose). Every
public operation of :class:`Generio` runs against answers drawn by hypothesis: raw bytes,
arbitrary JSON, and JSON shaped like the API's objects with fields of the wrong kind,
under any status and content type. An operation may succeed (its results' content is read
too) or raise a :class:`GenerioError`; any other exception is a bug.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generio import Asset, AsyncGenerio, Generio, GenerioError, InputError, RunResult
from tests.helpers.facade import FLOW_JSON, MOCK_URL
from tests.helpers.hostile_answers import HUGE_PROGRESS, INVALID_UTF8, TOO_MANY_DIGITS, deep_nesting
from tests.helpers.reliability import locals_texts

KEY = "sk-live-hypothesis-5e1f0c"
PROMPT = "model_generate_fromprompt"

#: JSON values of any shape, small enough to keep examples quick.
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**330)  # past a float's range
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
_ASSET = {"asset_id": "a1", "status": "ready", "data": "data:model/gltf-binary;base64,Z2xURg=="}
_TEMPLATE = {
    "template_id": "t1",
    "name": PROMPT,
    "description": "d",
    "parameters": {},
    "input_types": ["text/plain"],
    "output_types": ["model/gltf-binary"],
}
#: The API's own objects, each field possibly replaced by anything.
SHAPES = [
    {**FLOW_JSON, "state": "completed", "progress": 1.0},
    {"flows": [FLOW_JSON]},
    {"templates": [_TEMPLATE]},
    _TEMPLATE,
    _ASSET,
    {"flow_id": "f1", "outputs": [_ASSET]},
    {"flow_id": "f1", "inputs": [_ASSET]},
    {"detail": [{"loc": ["body"], "msg": "m", "type": "t"}]},
]


@st.composite
def shaped(draw: st.DrawFn) -> object:
    """Draw one of the API's objects with some fields replaced by random JSON."""
    base: dict[str, Any] = dict(draw(st.sampled_from(SHAPES)))
    for key in draw(st.lists(st.sampled_from(sorted(base)), max_size=3)):
        base[key] = draw(JSON)
    return base


BODIES = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([deep_nesting(), HUGE_PROGRESS, TOO_MANY_DIGITS, INVALID_UTF8]),
    JSON.map(lambda value: json.dumps(value).encode()),
    shaped().map(lambda value: json.dumps(value).encode()),
)
ANSWERS = st.tuples(
    st.sampled_from([200, 201, 204, 302, 400, 401, 404, 409, 422, 429, 500, 503, 520]),
    st.sampled_from(["application/json", "text/html", "model/gltf-binary", ""]),
    BODIES,
)


def _content(result: object) -> None:
    """Read every asset's content, as a caller would (decoding can fail too)."""
    if isinstance(result, RunResult):
        result = list(result.outputs)
    items = result if isinstance(result, list) else [result]
    for item in items:
        if isinstance(item, Asset):
            _ = item.data


OPERATIONS: dict[str, Callable[[Generio, Path], object]] = {
    "templates.list": lambda c, _: c.templates.list(),
    "templates.get": lambda c, _: c.templates.get(PROMPT),
    "flows.list": lambda c, _: c.flows.list(),
    "flows.get": lambda c, _: c.flows.get("f1"),
    "flows.create": lambda c, _: c.flows.create(PROMPT, inputs=["a chair"]),
    "flows.upload_input": lambda c, _: c.flows.upload_input("f1", "a chair"),
    "flows.start": lambda c, _: c.flows.start("f1"),
    "flows.abort": lambda c, _: c.flows.abort("f1"),
    "flows.delete": lambda c, _: c.flows.delete("f1"),
    "flows.inputs": lambda c, _: c.flows.inputs("f1", include_data=True),
    "flows.input": lambda c, _: c.flows.input("f1", "a1"),
    "flows.outputs": lambda c, _: c.flows.outputs("f1", include_data=True),
    "flows.output": lambda c, _: c.flows.output("f1", "a1"),
    "flows.wait": lambda c, _: c.flows.wait("f1", timeout=0.05),
    "flows.download_outputs": lambda c, d: c.flows.download_outputs("f1", d),
    "run": lambda c, _: c.run(PROMPT, "a chair", timeout=0.05),
    "run.out_dir": lambda c, d: c.run(PROMPT, "a chair", out_dir=d, timeout=0.05),
}
#: Operations whose inputs the service's answers can judge (a template that does not take
#: a prompt): only these may end in an InputError.
JUDGES_INPUTS = {"flows.create", "flows.upload_input", "run", "run.out_dir"}
#: Outputs of a finished flow are fetched again after transient answers until
#: download_timeout: a short one keeps each example short.
PATIENCE: dict[str, Any] = {"download_timeout": 0.05}


def _sync(handler: Any, operation: str, out: Path) -> None:
    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as user,
        Generio(KEY, MOCK_URL, http_client=user, max_retries=1, **PATIENCE) as client,
    ):
        _content(OPERATIONS[operation](client, out))


def _async(handler: Any, operation: str, out: Path) -> None:
    async def run() -> None:
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(handler)) as user,
            AsyncGenerio(KEY, MOCK_URL, http_client=user, max_retries=1, **PATIENCE) as client,
        ):
            _content(await OPERATIONS[operation](client, out))  # type: ignore[arg-type]

    anyio.run(run)


@pytest.mark.parametrize("kind", [_sync, _async], ids=["sync", "async"])
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(answers=st.lists(ANSWERS, min_size=1, max_size=4))
def test_any_answer_to_any_operation(
    kind: Callable[[Any, str, Path], None],
    operation: str,
    answers: list[tuple[int, str, bytes]],
    tmp_path: Path,
) -> None:
    """Whatever the service answers, an operation returns or raises a GenerioError.

    The error shows no key, not even in a traceback formatted with its frames' locals.
    """
    sent: list[int] = []

    def handler(_: httpx.Request) -> httpx.Response:
        status, content_type, body = answers[len(sent) % len(answers)]
        sent.append(status)
        headers = {"content-type": content_type} if content_type else {}
        return httpx.Response(status, headers=headers, content=body)

    error: GenerioError | None = None
    try:
        kind(handler, operation, tmp_path / "out")
    except GenerioError as exc:
        error = exc
    assert sent, "the operation sent no request"
    assert KEY not in str(error)
    assert not [t for t in ([] if error is None else locals_texts(error)) if KEY in t]
    # InputError is the caller's mistake; a bad answer is never one.
    assert operation in JUDGES_INPUTS or not isinstance(error, InputError), repr(error)
