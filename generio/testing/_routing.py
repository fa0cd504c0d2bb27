"""Which operation of the spec a request is, decided before FastAPI routes it.

Auth and fault injection run in a plain ASGI layer in front of the app (cheap, and able to
drop connections), so they need the spec's operationId for a method and path without
FastAPI's router. A test checks this table against the committed ``openapi.json``.
"""

from __future__ import annotations

__all__ = ["ADMIN_PREFIX", "OPERATION_IDS", "operation_for"]

#: Path prefix of the control plane (ledger, faults, reset): not part of the spec.
ADMIN_PREFIX = "/_emulator/"

# (method, path segments with "*" for a path parameter, operationId)
_ROUTES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("GET", ("templates",), "list_templates"),
    ("GET", ("templates", "*"), "get_template"),
    ("GET", ("flows",), "list_flows"),
    ("POST", ("flows",), "create_flow"),
    ("GET", ("flows", "*"), "get_flow"),
    ("PATCH", ("flows", "*"), "update_flow"),
    ("DELETE", ("flows", "*"), "delete_flow"),
    ("GET", ("flows", "*", "inputs"), "list_inputs"),
    ("POST", ("flows", "*", "inputs"), "upload_input"),
    ("GET", ("flows", "*", "inputs", "*"), "get_input"),
    ("GET", ("flows", "*", "outputs"), "list_outputs"),
    ("GET", ("flows", "*", "outputs", "*"), "get_output"),
)

#: Every operationId of the spec, in the spec's order.
OPERATION_IDS: tuple[str, ...] = tuple(route[2] for route in _ROUTES)


#: The routes by method and number of segments: at most two to compare per request.
_BY_SHAPE: dict[tuple[str, int], list[tuple[tuple[str, ...], str]]] = {}
for _method, _pattern, _operation in _ROUTES:
    _BY_SHAPE.setdefault((_method, len(_pattern)), []).append((_pattern, _operation))


def operation_for(method: str, path: str) -> str | None:
    """Return the operationId serving ``method path``, or None for any other request."""
    if not path.startswith("/") or path.endswith("/"):
        return None
    segments = path[1:].split("/")
    for pattern, operation in _BY_SHAPE.get((method, len(segments)), ()):
        for expected, segment in zip(pattern, segments, strict=True):
            if expected != segment and (expected != "*" or not segment):
                break
        else:
            return operation
    return None
