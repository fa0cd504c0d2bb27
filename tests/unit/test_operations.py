"""Operations are what the generated client builds; bodies keep its layout and stream inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from generio_api.api.flows import create_flow, list_flows, update_flow
from generio_api.api.inputs import upload_input
from generio_api.api.outputs import get_output, list_outputs
from generio_api.models import Action, FlowAction, FlowCreate, FlowSortField, Input

from generio import InputError
from generio._http.operations import (
    create_flow_op,
    get_output_op,
    list_flows_op,
    list_outputs_op,
    page_op,
    update_flow_op,
    upload_input_op,
)
from generio._payload.inputs import Prepared


def _prompt(text: str, additional: object = None) -> Prepared:
    return Prepared("text/plain", "text prompt", additional, text=text, is_prompt=True)


def test_paths_quoting_and_queries_are_the_generated_clients() -> None:
    """Method, quoted path and query names come from each operation's generated module."""
    op = get_output_op("f/1 x", "a?b")
    made = get_output._get_kwargs("f/1 x", "a?b")
    assert (op.method, op.path) == (made["method"].upper(), made["url"])
    assert op.path == "/flows/f%2F1%20x/outputs/a%3Fb"
    listed = list_outputs_op("f1", True)
    assert listed.params == list_outputs._get_kwargs("f1", include_data=True)["params"]
    flows = list_flows_op("running", "progress")
    expected = list_flows._get_kwargs(filter_by="running", sort_by=FlowSortField.PROGRESS)
    assert (flows.path, dict(flows.params)) == (expected["url"], expected["params"])
    assert flows.target == "/flows?filter_by=running&sort_by=progress"
    assert page_op(flows, "/flows?page=2").raw_request() == {
        "method": "GET",
        "url": "/flows?page=2",
    }


def test_an_action_body_is_the_generated_models() -> None:
    """PATCH sends what FlowAction.to_dict() makes of the action."""
    op = update_flow_op("f1", "abort")
    expected = update_flow._get_kwargs("f1", body=FlowAction(action=Action.ABORT))
    assert (op.method, op.path, op.json) == ("PATCH", expected["url"], expected["json"])
    assert op.raw_request()["headers"] == expected["headers"]


def test_unknown_sort_field_names_the_generated_choices() -> None:
    """A sort field the enum lacks is an InputError listing the enum's values; nothing is sent."""
    with pytest.raises(InputError, match="sort_by must be one of") as caught:
        list_flows_op(None, "size")
    assert all(field.value in str(caught.value) for field in FlowSortField)


def test_unknown_state_goes_to_the_service() -> None:
    """A state the filter enum lacks is sent as it is: the service knows its states."""
    assert list_flows_op("paused", None).params == {"filter_by": "paused"}


def test_query_names_are_checked_by_the_generated_signature() -> None:
    """An extra query parameter the operation does not take names those it does."""
    with pytest.raises(InputError) as caught:
        list_flows_op(None, None, {"tag": "chairs"})
    text = str(caught.value)
    assert "'tag'" in text
    assert "filter_by" in text
    assert "sort_by" in text
    assert "regenerate" in text


def test_query_may_pass_a_known_parameter_once() -> None:
    """query= may name a parameter the method does not; naming one twice is refused."""
    assert list_flows_op(None, None, {"sort_by": "state"}).params == {"sort_by": "state"}
    with pytest.raises(InputError, match="repeats sort_by"):
        list_flows_op(None, "state", {"sort_by": "progress"})


def test_create_body_has_the_generated_layout_with_inputs_streamed(tmp_path: Path) -> None:
    """The streamed body is FlowCreate.to_dict() with each input's data in place."""
    image = tmp_path / "chair.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 5000)
    file_input = Prepared(
        "image/png", "file", {"view": "front"}, path=image, size=image.stat().st_size
    )
    prompt = _prompt('a "chair" named generio-stream-0123456789abcdef-0')
    op = create_flow_op("t", {"seed": 1}, {"k": [1]}, [prompt, file_input])
    assert (op.method, op.path) == ("POST", create_flow._get_kwargs(body=FlowCreate("t"))["url"])
    assert op.body is not None
    sent = b"".join(op.body)
    assert len(sent) == op.body.length
    assert op.raw_request()["headers"]["Content-Length"] == str(len(sent))
    body = json.loads(sent)
    data = "data:image/png;base64,"
    assert body["inputs"][1]["data"].startswith(data)
    assert body["inputs"][0]["data"] == prompt.text
    expected = FlowCreate(
        template="t",
        parameters={"seed": 1},
        additional={"k": [1]},
        inputs=[
            Input(data=prompt.text or ""),
            Input(data=body["inputs"][1]["data"], additional={"view": "front"}),
        ],
    ).to_dict()
    assert list(body) == list(expected)
    assert body == expected
    assert b"".join(op.body) == sent  # re-iterable: a retry sends the same bytes


def test_fields_left_out_are_not_sent() -> None:
    """No parameters, no inputs: the body holds only what was given."""
    op = create_flow_op("t", None, {"a": 1}, [])
    assert op.body is not None
    assert json.loads(b"".join(op.body)) == {"template": "t", "additional": {"a": 1}}


def test_upload_body_is_the_generated_input() -> None:
    """POST .../inputs sends Input.to_dict() with the data streamed."""
    op = upload_input_op("f1", _prompt("a chair", {"n": 2}))
    expected = upload_input._get_kwargs("f1", body=Input(data="a chair", additional={"n": 2}))
    assert op.path == expected["url"]
    assert op.body is not None
    assert json.loads(b"".join(op.body)) == expected["json"]


def test_an_input_additional_that_is_not_json_is_an_input_error() -> None:
    """A set in an input's additional is refused before anything is sent, and named."""
    with pytest.raises(InputError, match="an input's additional"):
        upload_input_op("f1", _prompt("a chair", {1, 2}))


@pytest.mark.parametrize("bad", ["", ".", ".."])
def test_ids_that_would_change_the_path_are_refused(bad: str) -> None:
    """An empty id, '.' or '..' is an InputError: the URL would address another resource."""
    with pytest.raises(InputError):
        get_output_op("f1", bad)
