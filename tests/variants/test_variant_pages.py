"""Pagination bounds, and the generated low-level client on answers it did not expect."""

from __future__ import annotations

import json
from base64 import b64encode

import httpx
import pytest
from generio_api.api.flows import delete_flow, get_flow, list_flows
from generio_api.api.templates import get_template
from generio_api.models import ErrorDetail, Flow, FlowDeleted, FlowList, Template
from generio_api.types import UNSET

from generio import Generio, ResponseTooLargeError
from generio._jobs import calls as _pages
from generio._payload.json_bounds import MAX_LISTING_ENTRIES
from generio.testing import Emulator
from tests.helpers.facade import MOCK_URL, PROMPT_TEMPLATE, mock_client
from tests.helpers.variant_server import VariantServer


def _pages_forever(request: httpx.Request) -> httpx.Response:
    page = int(request.url.params.get("page", "1"))
    flow = {"flow_id": f"f{page}", "state": "created"}
    return httpx.Response(200, json={"flows": [flow], "next": f"/flows?page={page + 1}"})


def test_endless_pages_end_at_the_bound_with_a_typed_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """An endless chain of next links stops at MAX_PAGES: ResponseTooLargeError, no half list."""
    monkeypatch.setattr(_pages, "MAX_PAGES", 5)
    served: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        served.append(request)
        return _pages_forever(request)

    with mock_client(handler) as client, pytest.raises(ResponseTooLargeError) as caught:
        client.flows.list()
    assert len(served) == 5
    assert caught.value.limit == 5
    assert "more than 5 pages" in str(caught.value)


def test_the_bound_leaves_room_for_large_accounts() -> None:
    """Pages of only 10 flows still reach 100,000 flows: the entry bound's."""
    assert _pages.MAX_PAGES * 10 >= MAX_LISTING_ENTRIES


@pytest.mark.parametrize("order", ["ascending", "descending"])
def test_an_account_of_20000_flows_is_listed_whole(
    client: Generio, emu: Emulator, order: str
) -> None:
    """flows.list() on 20,000 flows (200 pages) returns every one of them, once."""
    emu.prefill(20_000, keyed=10)
    emu.set_listing(order=order)
    flows = client.flows.list()
    assert len(flows) == 20_000
    assert len({f.id for f in flows}) == 20_000
    assert emu.request_counts["list_flows"] == 200


def test_a_link_seen_before_ends_the_list() -> None:
    """A next link back to a page already read is not followed again."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        page = request.url.params.get("page", "1")
        nxt = "/flows?page=2" if page == "1" else "/flows?page=1"
        return httpx.Response(200, json={"flows": [{"id": f"f{page}"}], "next": nxt})

    with mock_client(handler) as client:
        assert [f.id for f in client.flows.list()] == ["f1", "f2", "f1"]
    assert len(seen) == 3  # /flows, ?page=2, ?page=1; then ?page=2 again is refused


def test_a_link_to_another_host_is_not_followed() -> None:
    """The key never travels to a host a next link names: the list ends there."""
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return httpx.Response(
            200, json={"flows": [{"flow_id": "f1"}], "next": "https://evil.example/flows?p=2"}
        )

    with mock_client(handler) as client:
        assert [f.id for f in client.flows.list()] == ["f1"]
    assert hosts == [httpx.URL(MOCK_URL).host]


@pytest.mark.parametrize("dialect", ["sparse_fields"])
def test_generated_client_reads_flows_with_only_their_ids(dialect: str, emu: Emulator) -> None:
    """generio_api parses flows lacking every non-id field (the spec makes them optional)."""
    with (
        VariantServer(emu, dialect) as server,
        Generio(emu.api_key, server.base_url) as client,
    ):
        made = client.flows.create(PROMPT_TEMPLATE)
        one = get_flow.sync(made.id, client=client.low_level)
        listed = list_flows.sync(client=client.low_level)
    assert isinstance(one, Flow)
    assert one.flow_id == made.id
    assert one.template is UNSET
    assert one.created_at is UNSET
    assert isinstance(listed, FlowList)
    assert [f.flow_id for f in listed.flows] == [made.id]


def test_generated_client_reads_other_optional_gaps(emu: Emulator) -> None:
    """A template by name only, DELETE's other JSON, a 404 in another shape: no crash."""
    with VariantServer(emu, "template_without_types") as server:
        with Generio(emu.api_key, server.base_url) as client:
            template = get_template.sync(PROMPT_TEMPLATE, client=client.low_level)
        assert isinstance(template, Template)
        assert template.name == PROMPT_TEMPLATE
        assert template.input_types is UNSET
    with VariantServer(emu, "delete_other_json") as server:
        with Generio(emu.api_key, server.base_url) as client:
            flow = client.flows.create(PROMPT_TEMPLATE)
            deleted = delete_flow.sync(flow.id, client=client.low_level)
        assert isinstance(deleted, FlowDeleted)
        assert deleted.flow_id is UNSET
        assert deleted.additional_properties == {"ok": True, "message": "deleted"}
    with VariantServer(emu, "errors_nested") as server:
        with Generio(emu.api_key, server.base_url) as client:
            missing = get_flow.sync("no-such-flow", client=client.low_level)
        assert isinstance(missing, ErrorDetail)
        assert missing.detail is UNSET
        assert missing.additional_properties["error"]["code"] == "E404"


GLB = b"glTF\x02\x00\x00\x00" + bytes(range(64))
OUTPUTS = {"flow_id": "f1", "outputs": [{"asset_id": "a1", "status": "ready"}]}


def _single_output(content: bytes, content_type: str | None) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/outputs"):
            return httpx.Response(200, json=OUTPUTS)
        headers = {"content-type": content_type} if content_type else {}
        return httpx.Response(200, content=content, headers=headers)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (GLB, "model/gltf-binary"),
        (GLB, None),
        (GLB, "application/octet-stream"),
        (
            json.dumps(
                {"data": "data:model/gltf-binary;base64," + b64encode(GLB).decode()}
            ).encode(),
            None,
        ),
    ],
    ids=["typed-raw", "untyped-raw", "octet-stream", "untyped-json"],
)
def test_single_output_in_any_body(
    content: bytes, content_type: str | None, tmp_path: object
) -> None:
    """Raw bytes (typed, untyped, octet-stream) or JSON without a type: the same GLB."""
    http = httpx.Client(transport=_single_output(content, content_type))
    with Generio("sk-test-key-123456", MOCK_URL, http_client=http) as client:
        one = client.flows.output("f1", "a1")
        paths = client.flows.download_outputs("f1", tmp_path)  # type: ignore[arg-type]
    assert (one.data, one.mime_type) == (GLB, "model/gltf-binary")
    assert [(p.name, p.read_bytes()) for p in paths] == [("a1.glb", GLB)]
