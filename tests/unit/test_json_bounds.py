"""Bounds on JSON answers: values counted before parsing, models bounded by their own limit.

Through ``httpx.MockTransport`` (sizes a test server need not send): an answer carrying a
model is bounded by ``max_download_bytes``, every other by ``max_response_bytes``; the value
count is an upper bound; a PATCH acknowledgement is not taken for the flow.
"""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generio import ResponseTooLargeError
from generio._http.settings import DEFAULT_MAX_RESPONSE_BYTES
from generio._payload.json_bounds import MAX_JSON_VALUES, json_values, too_many_values
from generio._payload.wire import flow_or_none
from generio._secret import Secret, hide_secrets, proxy_secrets, redact_credentials
from tests.helpers.facade import FLOW_JSON, mock_client

MODEL = b"glTF" + bytes(12 * 1024 * 1024)  # 12 MiB: past the JSON cap, within the model's


def _values(value: object) -> int:
    if isinstance(value, dict):
        return 1 + sum(_values(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_values(v) for v in value)
    return 1


json_trees = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=3), children, max_size=4)
    ),
    max_leaves=30,
)


@given(json_trees)
@settings(max_examples=200, deadline=None, database=None)
def test_the_value_count_is_an_upper_bound(tree: object) -> None:
    """However the JSON is shaped, the cheap count is never below the real number of values."""
    body = json.dumps(tree).encode()
    assert json_values(body) >= _values(tree)
    assert json_values(body.decode()) == json_values(body)


def test_too_many_values_only_past_the_bound() -> None:
    """A body of MAX_JSON_VALUES values (the array and its items) passes; one more does not."""
    at_bound = b"[" + b",".join([b"0"] * (MAX_JSON_VALUES - 1)) + b"]"
    assert json_values(at_bound) == MAX_JSON_VALUES
    assert not too_many_values(at_bound)
    assert too_many_values(b"[" + b",".join([b"0"] * MAX_JSON_VALUES) + b"]")


def _streamed(body: object) -> httpx.Response:
    """Return a JSON answer streamed as a server sends it (no Content-Length), unread."""
    content = json.dumps(body).encode()
    headers = {"content-type": "application/json"}
    return httpx.Response(200, headers=headers, stream=httpx.ByteStream(content))


def _model_answer(request: httpx.Request) -> httpx.Response:
    uri = "data:model/gltf-binary;base64," + base64.b64encode(MODEL).decode()
    if request.url.path.endswith("/outputs"):
        return _streamed({"outputs": [{"asset_id": "a1", "data": uri}]})
    if "/outputs/" in request.url.path:
        return _streamed({"asset_id": "a1", "data": uri})
    return _streamed({**FLOW_JSON, "additional": {"notes": "x" * len(MODEL)}})


def test_models_are_bounded_by_max_download_bytes_not_the_json_cap() -> None:
    """output() and outputs(include_data) of 12 MiB work; a 12 MiB flow answer does not."""
    with mock_client(_model_answer, max_retries=0) as client:
        assert client.flows.output("f1", "a1").data == MODEL
        (listed,) = client.flows.outputs("f1", include_data=True)
        assert listed.data == MODEL
        with pytest.raises(ResponseTooLargeError, match="max_response_bytes") as caught:
            client.flows.get("f1")
    assert caught.value.limit == DEFAULT_MAX_RESPONSE_BYTES


def test_a_model_past_max_download_bytes_is_refused_in_memory_too() -> None:
    """With max_download_bytes of 4 MiB, output() of a 12 MiB model is refused, typed."""
    with (
        mock_client(_model_answer, max_retries=0, max_download_bytes=4 * 1024 * 1024) as client,
        pytest.raises(ResponseTooLargeError, match="max_download_bytes"),
    ):
        client.flows.output("f1", "a1")


def test_a_page_past_the_value_bound_is_not_parsed() -> None:
    """A page of minimal entries under the byte cap but of a million values: refused."""
    body = b'{"flows": [' + b",".join([b'{"id":"a","state":"s"}'] * 350_000) + b"]}"
    assert len(body) < DEFAULT_MAX_RESPONSE_BYTES
    handler = lambda request: httpx.Response(200, stream=httpx.ByteStream(body))  # noqa: E731
    with (
        mock_client(handler, max_retries=0) as client,
        pytest.raises(ResponseTooLargeError, match="JSON values") as caught,
    ):
        client.flows.list()
    assert caught.value.limit == MAX_JSON_VALUES


@pytest.mark.parametrize(
    "body",
    [
        {"flow_id": "f1", "status": "accepted"},
        {"id": "f1", "ok": True},
        {"flow_id": "f2", "state": "running"},
        {"status": "ok"},
        None,
    ],
)
def test_a_patch_acknowledgement_is_not_the_flow(body: object) -> None:
    """An id with no documented state, or another flow's id: not the flow (a GET follows)."""
    assert flow_or_none(body, "f1") is None


def test_a_patch_answer_that_is_the_flow_is_kept() -> None:
    """The flow itself, with a documented state, is taken as it is."""
    flow = flow_or_none({**FLOW_JSON, "state": "starting"}, "f1")
    assert flow is not None
    assert flow.state == "starting"


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        ('{"authorization": "Bearer sk-abc123def456"}', "sk-abc123def456"),
        ("'Authorization': 'Bearer tok-0123456789'", "tok-0123456789"),
        ("via http://user:hunter2@proxy.example:3128/", "hunter2"),
        ("auth was Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ== here", "QWxhZGRpbjpvcGVuIHNlc2FtZQ"),
    ],
)
def test_credential_shaped_text_is_redacted(text: str, hidden: str) -> None:
    """Header values, scheme tokens and URL passwords become ***, whoever they belong to."""
    assert hidden not in redact_credentials(text)
    assert "***" in redact_credentials(text)


def test_plain_words_after_bearer_stay() -> None:
    """A server's words ("Bearer authentication required") are not mistaken for a token."""
    text = "Bearer authentication required; see the Basic documentation"
    assert redact_credentials(text) == text


def test_proxy_credentials_are_hidden_in_every_form() -> None:
    """The password, user:password and its base64 are hidden while their secrets live."""
    secrets = proxy_secrets("http://alice:s3cret-pass-word@proxy:3128")
    pair = base64.b64encode(b"alice:s3cret-pass-word").decode()
    text = f"pw=s3cret-pass-word pair=alice:s3cret-pass-word b64={pair}"
    assert hide_secrets(text) == "pw=*** pair=*** b64=***"
    assert proxy_secrets("http://proxy:3128") == ()
    del secrets


def test_a_live_key_is_hidden_everywhere_even_outside_a_call() -> None:
    """Any live Secret is hidden by hide_secrets, with no hiding() block around."""
    secret = Secret("sk-live-everywhere-1234")
    assert hide_secrets("key sk-live-everywhere-1234 here") == "key *** here"
    del secret
