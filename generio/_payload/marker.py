"""Idempotency keys on the wire: the marker every ``POST /flows`` carries in ``additional``."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, Final

import attrs

from generio._errors import InputError

#: The reserved name, inside a flow's ``additional``, of generio's idempotency marker.
IDEMPOTENCY_FIELD: Final = "_generio_idempotency"
#: Longest idempotency key accepted, in characters.
MAX_KEY_LENGTH: Final = 255
#: Stands for "the answer did not include ``additional`` at all" (a list that omits it).
ABSENT: Final = "<absent>"


@attrs.frozen
class Marker:
    """The key and fingerprint (``sha256:<hex>`` of the request) a flow was created with."""

    key: str
    fingerprint: str


def new_key() -> str:
    """Return a fresh random key for one logical call (128 bits)."""
    return f"auto-{secrets.token_hex(16)}"


def check_key(key: object) -> str:
    """Return the caller's key, checked."""
    if not isinstance(key, str) or not key.strip():
        raise InputError(f"idempotency_key must be a non-empty str, not {key!r}.")
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InputError(
            f"idempotency_key must be at most {MAX_KEY_LENGTH} printable characters "
            f"(got {len(key)}); use e.g. a UUID or your own job id."
        )
    return key


def wire_additional(additional: Any, marker: Marker) -> dict[str, Any]:
    """Return the ``additional`` to send: the caller's value with the marker added."""
    stamp: dict[str, Any] = {"key": marker.key, "fingerprint": marker.fingerprint}
    if not isinstance(additional, Mapping):
        return {IDEMPOTENCY_FIELD: {**stamp, "value": additional}}
    if IDEMPOTENCY_FIELD in additional:
        raise InputError(
            f"additional cannot hold the key {IDEMPOTENCY_FIELD!r}: generio reserves it "
            "for the idempotency key. Rename that entry."
        )
    return {**additional, IDEMPOTENCY_FIELD: stamp}


def _stamp(raw: Any) -> Mapping[str, Any] | None:
    if raw is None:  # most flows: no additional at all
        return None
    stamp = raw.get(IDEMPOTENCY_FIELD) if isinstance(raw, Mapping) else None
    return stamp if isinstance(stamp, Mapping) and isinstance(stamp.get("key"), str) else None


def marker_of(raw: Any) -> Marker | None:
    """Return the marker a flow's stored ``additional`` carries, if any."""
    stamp = _stamp(raw)
    if stamp is None:
        return None
    fingerprint = stamp.get("fingerprint")
    return Marker(stamp["key"], fingerprint if isinstance(fingerprint, str) else "")


def public_additional(raw: Any) -> Any:
    """Return a flow's ``additional`` as its creator passed it: the marker removed."""
    stamp = _stamp(raw)
    if stamp is None:
        return raw
    if "value" in stamp:
        return stamp["value"]
    return {name: value for name, value in raw.items() if name != IDEMPOTENCY_FIELD}
