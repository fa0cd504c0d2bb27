"""Every public exception pickles to an equal-looking one, across processes too, without the key.

A 404 in a ``ProcessPoolExecutor`` used to break the whole pool (every other future failed,
their flows left running) and a ``multiprocessing.Pool`` hung: no generio error could be
unpickled. Now each class of ``generio.__all__`` comes back with its message, status, flow
ids, request id, notes and any attribute added later (the test adds some of its own).
"""

from __future__ import annotations

import multiprocessing
import pickle
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

import generio
from generio import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    Asset,
    ClientClosedError,
    ConfigurationError,
    DownloadTimeoutError,
    Flow,
    FlowFailed,
    FlowNotStarted,
    GenerioError,
    IdempotencyConflictError,
    InputError,
    JobError,
    LookupIncompleteError,
    MissingExtraError,
    NotFoundError,
    OutputSaveError,
    ResponseTooLargeError,
    WaitTimeout,
    WrongEventLoopError,
)
from generio._payload.error_body import error_from_response
from generio._secret import Secret
from generio.testing import Emulator
from tests.helpers.pool_tasks import MISSING, run_or_fail

KEY = "sk-live-pickle-5d41402abc4b2a76"
FLOW = Flow("f1", "model_generate_fromprompt", "failed", 0.5, {"seed": 1}, {"sku": 7})
RUNNING = Flow("f2", "model_generate_fromprompt", "running", 0.25, {}, None)
CREATED = Flow("f3", "model_optimize", "created", 0.0, {}, None)
BROKEN = Asset("a1", status="error", error="mesh too large", flow_id="f1", kind="output")


def _answer(status: int, body: bytes) -> Callable[[], GenerioError]:
    # The body echoes the key: the error must hold *** instead, pickled or not.
    headers = {"x-request-id": "req-42", "retry-after": "3", "content-type": "application/json"}
    return lambda: error_from_response(
        "GET", "/flows/f1", status, body.replace(b"KEY", KEY.encode()), headers
    )


EXAMPLES: dict[str, Callable[[], BaseException]] = {
    "APIConnectionError": lambda: APIConnectionError("reset", method="GET", path="/flows"),
    "APIError": lambda: APIError("failed", method="POST", path="/flows"),
    "APIStatusError": _answer(418, b'{"detail": "teapot KEY", "code": "tea"}'),
    "APITimeoutError": lambda: APITimeoutError("slow", method="GET", path="/flows/f1"),
    "AuthenticationError": _answer(401, b'{"detail": "bad key KEY"}'),
    "ClientClosedError": lambda: ClientClosedError("Generio", in_flight=True),
    "ConfigurationError": lambda: ConfigurationError("no API key"),
    "ConflictError": _answer(409, b'{"error": {"code": "state", "message": "running"}}'),
    "DownloadTimeoutError": lambda: DownloadTimeoutError("late", method="GET", path="/o"),
    "FlowFailed": lambda: FlowFailed(FLOW, [BROKEN]),
    "FlowNotStarted": lambda: FlowNotStarted(CREATED),
    "GenerioError": lambda: GenerioError("something"),
    "IdempotencyConflictError": lambda: IdempotencyConflictError("order-1", "f1"),
    "InputError": lambda: InputError("empty file"),
    "JobError": lambda: JobError(3, ValueError("a callback failed")),
    "LookupIncompleteError": lambda: LookupIncompleteError(
        "order-1", "the page bound", pages=1000, flows=100_000, oldest=None, after=""
    ),
    "MissingExtraError": lambda: MissingExtraError("Emulator()", "emulator", "fastapi"),
    "NotFoundError": _answer(404, b'{"detail": "no flow f1"}'),
    "OutputSaveError": lambda: OutputSaveError(
        OSError(28, "No space left on device"), "/out/m.glb", flow_id="f1", asset_id="a1"
    ),
    "PermissionDeniedError": _answer(403, b"<html>forbidden KEY</html>"),
    "RateLimitError": _answer(429, b'{"message": "slow down"}'),
    "ResponseTooLargeError": lambda: ResponseTooLargeError(
        "too big", limit=8, method="GET", path="/flows", status_code=200
    ),
    "ServerError": _answer(502, b"Bad gateway: Authorization: Bearer KEY"),
    "ValidationError": _answer(
        422, b'{"detail": [{"loc": ["body", "parameters", "seed"], "msg": "bad", "type": "x"}]}'
    ),
    "WaitTimeout": lambda: WaitTimeout("f2", 5.0, RUNNING),
    "WrongEventLoopError": WrongEventLoopError,
}


def _public_exceptions() -> list[str]:
    return [
        name
        for name in generio.__all__
        if isinstance(getattr(generio, name), type)
        and issubclass(getattr(generio, name), BaseException)
    ]


def _assert_same(before: BaseException, after: BaseException) -> None:
    assert type(after) is type(before)
    assert str(after) == str(before)
    assert after.args == before.args
    assert vars(after) == vars(before)
    if isinstance(before, OSError):
        assert isinstance(after, OSError)
        assert (after.errno, after.strerror, after.filename) == (
            before.errno,
            before.strerror,
            before.filename,
        )
    if isinstance(before, ImportError):
        assert isinstance(after, ImportError)
        assert after.name == before.name


def test_the_examples_cover_every_public_exception() -> None:
    """A new public exception must be added to the examples (and so be pickled here)."""
    assert sorted(EXAMPLES) == sorted(_public_exceptions())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_public_exception_pickles_whole(name: str) -> None:
    """Message, status, flow ids, request id, notes and later attributes survive; no key."""
    secret = Secret(KEY)  # alive while errors are built: hidden from every text
    error = EXAMPLES[name]()
    assert isinstance(error, getattr(generio, name))
    error.generio_flow_id = "f1"  # type: ignore[attr-defined]
    error.generio_flow_ids = ["f1", "f2"]  # type: ignore[attr-defined]
    error.add_note("generio: a note that travels")
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        data = pickle.dumps(error, protocol=protocol)
        assert KEY.encode() not in data
        _assert_same(error, pickle.loads(data))  # noqa: S301 - our own bytes
    assert KEY not in repr(vars(error))
    del secret


def test_status_errors_keep_what_the_server_said() -> None:
    """A 429's status, retry_after, request id, code and headers survive a round trip."""
    error = _answer(429, b'{"message": "slow down", "code": "rate"}')()
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert isinstance(copy, generio.RateLimitError)
    assert (copy.status_code, copy.retry_after, copy.request_id, copy.code) == (
        429,
        3.0,
        "req-42",
        "rate",
    )
    assert copy.headers == error.headers


def test_a_404_in_a_process_pool_fails_only_its_future(emu: Emulator) -> None:
    """ProcessPoolExecutor: the 404 comes back typed; the other jobs finish, no flow left."""
    tasks = [(emu.api_key, emu.base_url, p) for p in ("a chair", "missing", "a lamp", "a cup")]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=4, mp_context=context) as pool:
        futures = [pool.submit(run_or_fail, task) for task in tasks]
        outcomes: list[Any] = []
        for future in futures:
            try:
                outcomes.append(future.result(timeout=120))
            except NotFoundError as exc:
                outcomes.append(exc)
    error = outcomes[1]
    assert isinstance(error, NotFoundError)
    assert error.status_code == 404
    assert MISSING in error.path
    flow_ids = [o for i, o in enumerate(outcomes) if i != 1]
    assert sorted(flow_ids) == sorted(e.flow_id for e in emu.ledger)
    assert {e.state for e in emu.ledger} == {"completed"}


def test_a_404_in_a_multiprocessing_pool_does_not_hang(emu: Emulator) -> None:
    """multiprocessing.Pool.map: the 404 is raised in the parent, typed; nothing hangs."""
    tasks = [(emu.api_key, emu.base_url, p) for p in ("a chair", "missing")]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        result = pool.map_async(run_or_fail, tasks)
        with pytest.raises(NotFoundError) as caught:
            result.get(timeout=120)
    assert caught.value.status_code == 404
    assert {e.state for e in emu.ledger} <= {"completed"}
