"""The emulator as a large account: pages with next links, a quick history, listing switches."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from generio.testing import Emulator

PROMPT = {"template": "model_generate_fromprompt", "inputs": [{"data": "a chair"}]}


def _pages(http: httpx.Client, first: str = "/flows") -> list[dict[str, Any]]:
    """Every page of a listing, following next links."""
    pages: list[dict[str, Any]] = []
    link: str | None = first
    while link is not None:
        body = http.get(link).json()
        pages.append(body)
        link = body.get("next")
    return pages


def _times(pages: list[dict[str, Any]]) -> list[datetime]:
    return [datetime.fromisoformat(f["created_at"]) for page in pages for f in page["flows"]]


def test_listing_is_paged_with_relative_next_links(http: httpx.Client, emu: Emulator) -> None:
    """250 flows at 100 a page: three pages, oldest first, each but the last with next."""
    emu.prefill(245)
    made = [http.post("/flows", json=PROMPT).json()["flow_id"] for _ in range(5)]
    pages = _pages(http)
    assert [len(p["flows"]) for p in pages] == [100, 100, 50]
    assert [p.get("next") for p in pages] == [
        "/flows?sort_by=created_at&page=2",
        "/flows?sort_by=created_at&page=3",
        None,
    ]
    times = _times(pages)
    assert times == sorted(times)
    assert [f["flow_id"] for f in pages[-1]["flows"][-5:]] == made
    assert len({f["flow_id"] for p in pages for f in p["flows"]}) == 250


def test_page_size_order_and_additional_switch(http: httpx.Client, emu: Emulator) -> None:
    """set_listing: 7 a page, newest first, entries without additional; reset restores."""
    emu.prefill(20)
    emu.set_listing(page_size=7, order="descending", additional=False)
    pages = _pages(http)
    assert [len(p["flows"]) for p in pages] == [7, 7, 6]
    times = _times(pages)
    assert times == sorted(times, reverse=True)
    assert all("additional" not in f for p in pages for f in p["flows"])
    one = pages[0]["flows"][0]["flow_id"]
    assert http.get(f"/flows/{one}").json()["additional"] == {"account": "history", "n": 19}
    filtered = _pages(http, "/flows?filter_by=completed")
    assert sum(len(p["flows"]) for p in filtered) == 20
    assert filtered[0]["next"] == "/flows?filter_by=completed&sort_by=created_at&page=2"
    emu.reset()
    assert emu.listing.page_size == 100
    assert emu.listing.order == "ascending"
    assert emu.listing.additional is True


def test_prefill_is_history_not_ledger(http: httpx.Client, emu: Emulator) -> None:
    """A history of 20,000 flows over 30 days, 50 keyed: listed, readable, not in the ledger."""
    keys = emu.prefill(20_000, keyed=50, span=timedelta(days=30))
    assert len(keys) == 50
    assert emu.ledger == []
    pages = _pages(http)
    assert len(pages) == 200
    times = _times(pages)
    assert times == sorted(times)
    assert timedelta(days=29) < times[-1] - times[0] <= timedelta(days=30)
    one = http.get(f"/flows/{keys['history-400']}").json()
    assert one["state"] == "completed"
    assert one["additional"]["_generio_idempotency"]["key"] == "history-400"
    outputs = http.get(f"/flows/{keys['history-400']}/outputs", params={"include_data": True})
    assert outputs.json()["outputs"][0]["data"].startswith("data:model/gltf-binary;base64,")


def test_prefill_takes_every_template_in_turn(http: httpx.Client, emu: Emulator) -> None:
    """Three templates alternate through the history, each flow with its one input."""
    templates = ("model_generate_fromprompt", "model_generate_fromimage", "model_optimize")
    emu.prefill(6, templates=templates)
    flows = _pages(http)[0]["flows"]
    assert [f["template"] for f in flows] == [*templates, *templates]
    assert len(http.get(f"/flows/{flows[1]['flow_id']}/inputs").json()["inputs"]) == 1


@pytest.mark.parametrize(
    "changes",
    [{"page_size": 0}, {"page_size": True}, {"order": "sideways"}, {"additional": "yes"}],
    ids=["size-0", "size-bool", "order", "additional"],
)
def test_bad_listing_options_are_refused(emu: Emulator, changes: dict[str, Any]) -> None:
    """A page size below 1, an unknown order or a non-bool switch is a ValueError."""
    with pytest.raises(ValueError, match=next(iter(changes))):
        emu.set_listing(**changes)
    with pytest.raises(ValueError, match=r"count|keyed"):
        emu.prefill(5, keyed=6)


def test_requests_are_counted_per_operation(http: httpx.Client, emu: Emulator) -> None:
    """request_counts: what was served, by operation id; reset() clears it."""
    emu.prefill(150)
    http.get("/flows")
    http.get("/flows?page=2")
    http.post("/flows", json=PROMPT)
    assert emu.request_counts == {"list_flows": 2, "create_flow": 1}
    emu.reset()
    assert emu.request_counts == {}


def test_listing_options_work_in_a_child_process() -> None:
    """An emulator in a child process pages, prefills and switches over its admin routes."""
    with Emulator(process=True, page_size=3, list_order="descending") as emu:
        keys = emu.prefill(10, keyed=2)
        headers = {"Authorization": f"Bearer {emu.api_key}"}
        with httpx.Client(base_url=emu.base_url, headers=headers) as http:
            pages = _pages(http)
            assert [len(p["flows"]) for p in pages] == [3, 3, 3, 1]
            assert pages[-1]["flows"][0]["flow_id"] == keys["history-0"]
            emu.set_listing(additional=False)
            assert emu.listing.additional is False
            assert "additional" not in http.get("/flows").json()["flows"][0]
        assert emu.request_counts == {"list_flows": 5}
