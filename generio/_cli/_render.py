"""How results look: short aligned text for people, plain JSON for programs.

JSON mirrors the facade's objects field for field (``attrs.asdict``), so it follows them
when they grow, and says what the Python API would: ``id``, ``state``, ``progress``...
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from generio import Asset, Flow, Template

__all__ = [
    "asset_json",
    "columns",
    "flow_json",
    "flow_text",
    "flows_text",
    "show",
    "size_text",
    "template_json",
    "template_text",
    "templates_text",
]


def _public(attribute: attrs.Attribute[Any], _value: Any) -> bool:
    # Asset keeps its raw content in private fields: never part of the output.
    return not attribute.name.startswith("_")


def _serialize(_instance: Any, _field: Any, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def _as_json(value: Flow | Template | Asset) -> dict[str, Any]:
    return attrs.asdict(value, filter=_public, value_serializer=_serialize)


def flow_json(flow: Flow) -> dict[str, Any]:
    """Return the flow as JSON: every field of :class:`generio.Flow`, times in ISO 8601."""
    return _as_json(flow)


def template_json(template: Template) -> dict[str, Any]:
    """Return the template as JSON: every field of :class:`generio.Template`."""
    return _as_json(template)


def asset_json(asset: Asset) -> dict[str, Any]:
    """Return the asset as JSON, without its content."""
    return _as_json(asset)


def show(value: Any) -> str:
    """Write a value as it is typed on the command line (``true``, ``-1``, ``high``)."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def size_text(size: int) -> str:
    """Write a file size for people: ``812 B``, ``1.7 kB``, ``3.2 MB``."""
    amount = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if amount < 1000 or unit == "GB":
            return f"{size} B" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def columns(rows: Iterable[Sequence[str]], indent: str = "") -> str:
    """Lay rows of cells out as lines, every column padded to its widest cell."""
    table = [list(row) for row in rows]
    if not table:
        return ""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return "\n".join(
        (indent + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))).rstrip()
        for row in table
    )


def templates_text(templates: Sequence[Template]) -> str:
    """List templates, one aligned line each."""
    if not templates:
        return "no templates"
    rows = [("NAME", "INPUTS", "DESCRIPTION")]
    rows += [(t.name, ", ".join(t.input_types), t.description) for t in templates]
    return columns(rows)


def _parameter_rows(parameters: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [("NAME", "TYPE", "DEFAULT", "ALLOWED", "DESCRIPTION")]
    for name, spec in parameters.items():
        allowed = spec.get("allowed")
        rows.append(
            (
                name,
                str(spec.get("type", "?")),
                show(spec.get("default")),
                ", ".join(show(v) for v in allowed) if allowed else "-",
                str(spec.get("description") or ""),
            )
        )
    return rows


def template_text(template: Template) -> str:
    """Describe one template: what it takes and makes, and its parameters for ``-p NAME=VALUE``."""
    head = [
        ("inputs", ", ".join(template.input_types) or "-"),
        ("outputs", ", ".join(template.output_types) or "-"),
    ]
    if template.category:
        head.insert(0, ("category", template.category))
    lines = [f"{template.name}: {template.description}", columns(head, "  ")]
    if template.parameters:
        lines += [
            "parameters (-p NAME=VALUE):",
            columns(_parameter_rows(template.parameters), "  "),
        ]
    else:
        lines.append("parameters: none")
    return "\n".join(lines)


def flow_text(flow: Flow) -> str:
    """Describe one flow, a field per line."""
    parameters = " ".join(f"{k}={show(v)}" for k, v in flow.parameters.items())
    rows = [
        ("flow", flow.id),
        ("template", flow.template),
        ("state", f"{flow.state} ({flow.progress:.0%})"),
        ("parameters", parameters or "-"),
    ]
    if flow.additional is not None:
        rows.append(("additional", json.dumps(flow.additional, ensure_ascii=False)))
    rows += [
        ("created", _when(flow.created_at)),
        ("started", _when(flow.started_at)),
        ("finished", _when(flow.finished_at)),
    ]
    return columns(rows)


def flows_text(flows: Sequence[Flow]) -> str:
    """List flows, one aligned line each."""
    if not flows:
        return "no flows"
    rows = [("ID", "TEMPLATE", "STATE", "PROGRESS", "CREATED")]
    rows += [(f.id, f.template, f.state, f"{f.progress:.0%}", _when(f.created_at)) for f in flows]
    return columns(rows)
