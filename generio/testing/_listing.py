"""How the emulator lists flows: pages with ``next`` links, and an account's history.

The docs call ``GET /flows`` paginated but name no parameter. Our assumption, which the
emulator serves: pages of :attr:`Listing.page_size` flows (100), each but the last with a
``next`` link relative to the service (``/flows?sort_by=created_at&page=2``), oldest first
(ascending, as the spec says). Two switches make it behave like other plausible services:
``order="descending"`` (newest first) and ``additional=False`` (list entries without
``additional``, the "flow summaries" some pages speak of: a key's flow must then be read
one by one).

:func:`history` makes an account's past quickly (20,000 completed flows in well under a
second): spread evenly over a span of time, some carrying generio's idempotency marker.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:  # the heavy modules load with the first history, not with the options
    from generio.testing._flows import Flow
    from generio.testing._inputs import ParsedInput
    from generio.testing._templates import TemplateSpec

__all__ = ["ORDERS", "Listing", "history", "next_link", "object_id_at"]

ORDERS = ("ascending", "descending")
_MARKER = "_generio_idempotency"  # generio.IDEMPOTENCY_FIELD, spelt out: no client import
_counter = itertools.count(int.from_bytes(os.urandom(3), "big"))
_PROCESS_PART = os.urandom(5).hex()


@dataclass
class Listing:
    """How ``GET /flows`` answers.

    Attributes:
        page_size: flows per page.
        order: ``"ascending"`` (oldest first) or ``"descending"`` by the sort field.
        additional: whether list entries carry ``additional``.
    """

    page_size: int = 100
    order: str = "ascending"
    additional: bool = True

    def __post_init__(self) -> None:
        size = self.page_size
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"page_size must be an integer >= 1, not {size!r}")
        if self.order not in ORDERS:
            raise ValueError(f"order must be 'ascending' or 'descending', not {self.order!r}")
        if self.additional not in (True, False):
            raise ValueError(f"additional must be True or False, not {self.additional!r}")

    def to_json(self) -> dict[str, Any]:
        """Return the options as JSON (the admin routes)."""
        return {"page_size": self.page_size, "order": self.order, "additional": self.additional}


def next_link(filter_by: str | None, sort_by: str, page: int) -> str:
    """Return the relative link to page ``page`` of the same listing."""
    query: dict[str, Any] = {"sort_by": sort_by, "page": page}
    if filter_by is not None:
        query = {"filter_by": filter_by, **query}
    return f"/flows?{urlencode(query)}"


def object_id_at(seconds: float) -> str:
    """Return an ObjectId-like id for a flow created at ``seconds`` (its first 8 hex digits)."""
    count = next(_counter) & 0xFFFFFF
    return f"{int(seconds) & 0xFFFFFFFF:08x}{_PROCESS_PART}{count:06x}"


def _inputs(template: TemplateSpec) -> ParsedInput:
    """One small input of the template's kind, parsed once and shared by every flow."""
    from generio._payload import data_uri
    from generio.testing._images import make_png
    from generio.testing._inputs import parse_input
    from generio.testing._meshes import sample_glb

    if template.kind == "prompt":
        return parse_input(template, "a chair from the account's history")
    raw = make_png() if template.kind == "image" else sample_glb()
    mime = "image/png" if template.kind == "image" else "model/gltf-binary"
    return parse_input(template, data_uri.encode(raw, mime))


def history(
    count: int, keyed: int, span: float, templates: tuple[str, ...], end: float
) -> tuple[list[Flow], dict[str, str]]:
    """Make ``count`` completed flows created evenly over ``span`` seconds before ``end``.

    Args:
        count: how many flows.
        keyed: how many of them (spread evenly) carry an idempotency key, ``history-<n>``.
        span: seconds between the oldest flow and ``end``.
        templates: the templates the flows cycle through.
        end: when the newest flow was created (epoch seconds).

    Returns:
        The flows, oldest first, and the keyed ones' ``key -> flow id``.

    Raises:
        ValueError: a negative count, a keyed count above it, an unknown template.
    """
    from generio.testing._flows import Flow, InputAsset
    from generio.testing._templates import find_template

    if count < 0 or not 0 <= keyed <= count or span < 0:
        raise ValueError("count and span must be >= 0, and keyed between 0 and count")
    specs = [find_template(name) for name in templates]
    if not specs or any(spec is None for spec in specs):
        raise ValueError(f"unknown template in {templates!r}")
    parsed = {spec.name: _inputs(spec) for spec in specs if spec is not None}
    defaults = {spec.name: spec.validate_parameters(None) for spec in specs if spec is not None}
    step = span / max(1, count - 1)
    every = count / keyed if keyed else 0.0
    keyed_at = {int(i * every) for i in range(keyed)}
    flows: list[Flow] = []
    keys: dict[str, str] = {}
    for index in range(count):
        spec = specs[index % len(specs)]
        assert spec is not None  # noqa: S101 - checked above
        created = end - span + index * step
        additional: Any = {"account": "history", "n": index}
        flow_id = object_id_at(created)
        if index in keyed_at:
            key = f"history-{index}"
            digest = hashlib.sha256(key.encode()).hexdigest()
            additional[_MARKER] = {"key": key, "fingerprint": f"sha256:{digest}"}
            keys[key] = flow_id
        flow = Flow(flow_id, spec, dict(defaults[spec.name]), additional, created, None)
        flow.inputs = [InputAsset(object_id_at(created), parsed[spec.name], None, created)]
        flow.input_count = 1
        flow.duration = min(1.0, step or 1.0)
        flow.started_at = created
        flows.append(flow)
    return flows, keys
