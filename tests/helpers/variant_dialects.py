"""Dialects: plausible ways a real service could answer differently from our emulator.

Each dialect rewrites the emulator's answers (status, JSON, headers) in one way the issue
names. :mod:`variant_server` applies one to every answer of a real emulator, so the whole
lifecycle keeps its real semantics while the wire format changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

#: Operations whose answer is one flow, one template, one asset.
FLOW_OPS = frozenset({"get_flow", "create_flow", "update_flow"})
TEMPLATE_OPS = frozenset({"get_template"})
ASSET_OPS = frozenset({"get_input", "get_output", "upload_input"})
#: List operations and the key of their entries.
LIST_OPS = {
    "list_flows": "flows",
    "list_templates": "templates",
    "list_inputs": "inputs",
    "list_outputs": "outputs",
}


@attrs.define
class Reply:
    """One answer on its way to the client; a dialect changes it in place."""

    op: str | None
    method: str
    status: int
    body: Any  # parsed JSON, or None when ``raw`` is set
    raw: bytes | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = attrs.field(factory=dict)


Rewrite = Callable[[Reply], None]


def _each(reply: Reply, kind: str) -> list[dict[str, Any]]:
    """Return the objects of ``kind`` (flow, template, asset) in a success answer."""
    if reply.status >= 300 or reply.body is None:
        return []
    singles = {"flow": FLOW_OPS, "template": TEMPLATE_OPS, "asset": ASSET_OPS}[kind]
    lists = {"flow": {"list_flows"}, "template": {"list_templates"}}.get(
        kind, {"list_inputs", "list_outputs"}
    )
    if reply.op in singles and isinstance(reply.body, dict):
        return [reply.body]
    if reply.op in lists:
        items = reply.body if isinstance(reply.body, list) else reply.body.get(LIST_OPS[reply.op])
        return [item for item in items or [] if isinstance(item, dict)]
    return []


def _rename(kind: str, **names: str) -> Rewrite:
    def rewrite(reply: Reply) -> None:
        for obj in _each(reply, kind):
            for old, new in names.items():
                if old in obj:
                    obj[new] = obj.pop(old)

    return rewrite


def added_field(kind: str, name: str, value: Any) -> Rewrite:
    """Return a rewrite adding ``name`` to every ``kind`` answered: a field a new spec adds."""

    def rewrite(reply: Reply) -> None:
        for obj in _each(reply, kind):
            obj[name] = value

    return rewrite


def _params_as_list(reply: Reply) -> None:
    for template in _each(reply, "template"):
        template["parameters"] = [{"name": k, **v} for k, v in template["parameters"].items()]


def _unreadable_template(reply: Reply) -> None:
    if reply.op in ("get_template", "list_templates") and reply.status == 200:
        reply.body = {"message": "ok", "see": "https://docs.example/templates"}


def _template_without_types(reply: Reply) -> None:
    for template in _each(reply, "template"):
        for field in ("input_types", "output_types", "parameters", "template_id"):
            template.pop(field, None)


def _epoch(value: object) -> object:
    if isinstance(value, str):
        return datetime.fromisoformat(value).timestamp()
    return value


def _epoch_times(reply: Reply) -> None:
    for flow in _each(reply, "flow"):
        for field in ("created_at", "started_at", "finished_at"):
            flow[field] = _epoch(flow.get(field))
    for asset in _each(reply, "asset"):
        asset["processed"] = _epoch(asset.get("processed"))


def _bare_lists(reply: Reply) -> None:
    if reply.op in LIST_OPS and reply.status == 200 and isinstance(reply.body, dict):
        reply.body = reply.body[LIST_OPS[reply.op]]


def _status_answer(method: str, status: int, body: Any) -> Rewrite:
    def rewrite(reply: Reply) -> None:
        if reply.method == method and reply.status == 200:
            reply.status = status
            reply.body = body

    return rewrite


def _acknowledged(extra: dict[str, Any]) -> Rewrite:
    """Answer a PATCH with the flow's id and an acknowledgement instead of the flow."""

    def rewrite(reply: Reply) -> None:
        if reply.method == "PATCH" and reply.status == 200 and isinstance(reply.body, dict):
            reply.body = {"flow_id": reply.body.get("flow_id"), **extra}

    return rewrite


def _conflict_as(status: int) -> Rewrite:
    def rewrite(reply: Reply) -> None:
        if reply.status == 409:
            reply.status = status

    return rewrite


def _asset_status(reply: Reply) -> None:
    for asset in _each(reply, "asset"):
        if asset.get("status") in ("ready", "available"):
            asset["status"] = "succeeded"


def _misprint(value: object) -> object:
    if isinstance(value, str) and value.startswith("data:") and ";base64," in value:
        header, data = value.split(";base64,", 1)
        return f"{header},base64;{data}"
    return value


def _misprinted_data(reply: Reply) -> None:
    for asset in _each(reply, "asset"):
        asset["data"] = _misprint(asset.get("data"))


def _raw_output(reply: Reply) -> None:
    if reply.op == "get_output" and reply.status == 200:
        from generio._payload.data_uri import decode

        mime, data = decode(reply.body["data"])
        reply.raw, reply.body, reply.content_type = data, None, mime


def _data_only(reply: Reply) -> None:
    if reply.op == "get_output" and reply.status == 200:
        reply.body = {"data": reply.body["data"]}


def _queued(reply: Reply) -> None:
    """Report a state this version does not know, 'queued', for half a run."""
    for flow in _each(reply, "flow"):
        if flow.get("state") in ("starting", "running") and flow.get("progress", 0) < 0.5:
            flow["state"] = "queued"


def _list_without_additional(reply: Reply) -> None:
    """Leave ``additional`` out of listed flows ("flow summaries"), as a real service may."""
    if reply.op == "list_flows":
        for flow in _each(reply, "flow"):
            flow.pop("additional", None)


def _sparse(reply: Reply) -> None:
    keep = {"flow": ("flow_id", "state", "progress"), "asset": ("asset_id", "status", "data")}
    for kind, fields in keep.items():
        for obj in _each(reply, kind):
            for key in set(obj) - set(fields):
                del obj[key]
    if reply.op in LIST_OPS and isinstance(reply.body, dict):
        reply.body = {LIST_OPS[reply.op]: reply.body[LIST_OPS[reply.op]]}


def _field_errors(detail: object) -> list[dict[str, str]]:
    return (
        [
            {
                "field": ".".join(str(p) for p in e["loc"][1:]),
                "message": e["msg"],
                "code": e["type"],
            }
            for e in detail
            if isinstance(e, dict)
        ]
        if isinstance(detail, list)
        else []
    )


def _words(body: object) -> str:
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):
        return "; ".join(str(e.get("msg")) for e in detail if isinstance(e, dict))
    return str(detail)


def _error_shape(shape: str) -> Rewrite:
    def rewrite(reply: Reply) -> None:
        if reply.status < 400 or reply.body is None:
            return
        words, code = _words(reply.body), f"E{reply.status}"
        if shape == "nested":
            fields = _field_errors(reply.body.get("detail"))
            reply.body = {"error": {"code": code, "message": words, "fields": fields}}
        elif shape == "message":
            reply.body = {"message": words, "code": code}
        elif shape == "string":
            reply.body = {"error": words}
        else:
            reply.raw, reply.body, reply.content_type = words.encode(), None, "text/plain"

    return rewrite


#: name -> the rewrites of the dialect. Pagination is done by the server (it needs pages).
DIALECTS: dict[str, tuple[Rewrite, ...]] = {
    "template_aliases": (
        _rename("template", template_id="id", input_types="inputs", output_types="outputs"),
    ),
    "template_parameter_list": (_params_as_list,),
    "template_unreadable": (_unreadable_template,),
    "template_without_types": (_template_without_types,),
    "flow_status": (_rename("flow", state="status"),),
    "ids_as_id": (_rename("flow", flow_id="id"), _rename("asset", asset_id="id")),
    "epoch_times": (_epoch_times,),
    "bare_lists": (_bare_lists,),
    "paginated_absolute": (),
    "paginated_relative": (),
    "delete_204": (_status_answer("DELETE", 204, None),),
    "delete_other_json": (_status_answer("DELETE", 200, {"ok": True, "message": "deleted"}),),
    "patch_not_a_flow": (_status_answer("PATCH", 202, {"status": "accepted"}),),
    "patch_ack_with_id": (_acknowledged({"status": "accepted"}),),
    "patch_ok_with_id": (_acknowledged({"ok": True, "action": "done"}),),
    "conflict_400": (_conflict_as(400),),
    "conflict_412": (_conflict_as(412),),
    "conflict_423": (_conflict_as(423),),
    "asset_status_unknown": (_asset_status,),
    "misprinted_data_uri": (_misprinted_data,),
    "output_raw_bytes": (_raw_output,),
    "output_data_only": (_data_only,),
    "unknown_state": (_queued,),
    "list_without_additional": (_list_without_additional,),
    "sparse_fields": (_sparse,),
    "errors_nested": (_error_shape("nested"),),
    "errors_message": (_error_shape("message"),),
    "errors_string": (_error_shape("string"),),
    "errors_text": (_error_shape("text"),),
}

#: Dialects that change how flows are listed (the adoption lookup reads the list).
LIST_DIALECTS = (
    "flow_status",
    "ids_as_id",
    "epoch_times",
    "bare_lists",
    "paginated_absolute",
    "paginated_relative",
    "unknown_state",
    "list_without_additional",
)


def encode(reply: Reply) -> bytes:
    """Return the answer's body as bytes."""
    if reply.raw is not None:
        return reply.raw
    if reply.body is None:
        return b""
    return json.dumps(reply.body).encode()
