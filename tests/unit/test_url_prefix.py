"""The drivers make each request's URL whole themselves: the same URL httpx's merge makes."""

from __future__ import annotations

import httpx
import pytest

from generio._drivers.answers import Prefix
from generio._http.operations import get_flow_op, get_output_op, list_outputs_op, page_op

BASES = [
    "http://127.0.0.1:8000",
    "http://127.0.0.1:8000/",
    "https://api.example.com/v1",
    "https://api.example.com/v1/",
    "https://api.example.com/a%20b//",
    "http://[::1]:9000/x",
    "https://bücher.example/api",
]
OPERATIONS = [
    get_flow_op("f1"),
    get_output_op("f/1 x", "a?b"),
    list_outputs_op("f1", include_data=True),
    page_op(list_outputs_op("f1", include_data=False), "/flows?page=2&after=%20x"),
    page_op(list_outputs_op("f1", include_data=False), "//elsewhere.example/flows"),
    page_op(list_outputs_op("f1", include_data=False), "flows?page=3"),
]


@pytest.mark.parametrize("base", BASES)
def test_prefixed_urls_are_the_ones_httpx_merges(base: str) -> None:
    """For every base and path, the URL made with the prefix equals httpx's own merge."""
    client = httpx.Client(base_url=base)
    prefix = Prefix().of(client)
    assert prefix is not None
    for op in OPERATIONS:
        merged = client.build_request(**op.raw_request()).url
        made = op.raw_request(base=prefix)
        assert client.build_request(**made).url == merged, (base, op.path)
        if op.path.startswith("/") and not op.path.startswith("//"):
            assert made["url"] == prefix + op.path  # made whole here: httpx parses it once


@pytest.mark.parametrize("base", ["http://127.0.0.1:8000/api?tenant=1", "http://h.example/a#top"])
def test_a_base_with_a_query_or_fragment_is_left_to_httpx(base: str) -> None:
    """A base URL holding a query or a fragment gives no prefix: httpx merges those paths."""
    client = httpx.Client(base_url=base)
    assert Prefix().of(client) is None
    assert get_flow_op("f1").raw_request(base=None)["url"] == "/flows/f1"


def test_the_prefix_follows_a_changed_base_url() -> None:
    """Setting the client's base_url afterwards changes the prefix with it."""
    client = httpx.Client(base_url="http://127.0.0.1:8000")
    prefix = Prefix()
    assert prefix.of(client) == "http://127.0.0.1:8000"
    client.base_url = httpx.URL("http://127.0.0.1:9000/v2")
    assert prefix.of(client) == "http://127.0.0.1:9000/v2"
