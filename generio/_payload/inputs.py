"""What a user passes as inputs, normalised once per call and checked before anything is sent."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Set
from typing import Any

import attrs

from generio._errors import InputError
from generio._payload import mime as _mime
from generio._payload.data_uri import looks_like_data_uri, parse_header
from generio._payload.local import Prepared, read_local
from generio._payload.models import PROMPT_MIME, Asset, Template, mime_of_payload

#: The keys of an input given in the API's own shape.
INPUT_KEYS = frozenset({"data", "additional"})
_SINGLE = (str, bytes, bytearray, memoryview, os.PathLike, Asset, Mapping, Set)


@attrs.frozen
class Source:
    """One input as given, its shape checked and the API's mapping unwrapped."""

    data: object
    additional: Any = None


def source_of(item: object, additional: Any = None) -> Source:
    """Check one input's shape and unwrap ``{"data", "additional"}`` (its own ``additional``)."""
    if isinstance(item, Set):
        raise InputError(
            "inputs cannot be a set: its order is random, so outputs would not match inputs. "
            "Pass a list."
        )
    if not isinstance(item, Mapping):
        return Source(item, additional)
    keys = set(item)
    if "data" not in keys or not keys <= INPUT_KEYS:
        raise InputError(
            f"an input given as a mapping must be {{'data': <input>, 'additional': "
            f"<JSON>}} ('additional' optional), not one with keys {sorted(map(str, keys))}. "
            "Pass several inputs as a list."
        )
    if isinstance(item["data"], Mapping | Set):
        raise InputError("an input's 'data' cannot itself be a mapping or a set.")
    if "additional" not in item:
        return Source(item["data"], additional)
    if additional is not None:
        raise InputError(
            "additional was given twice: in the input mapping and as an argument; give it once."
        )
    return Source(item["data"], item["additional"])


def as_sources(inputs: object) -> list[Source]:
    """One input or a sequence of them, each checked and unwrapped (None is no input)."""
    if inputs is None:
        return []
    if isinstance(inputs, _SINGLE) or hasattr(inputs, "read") or not isinstance(inputs, Iterable):
        return [source_of(inputs)]
    return [source_of(item) for item in inputs]


def _from_text(text: str, explicit: str | None, additional: Any, label: str | None) -> Prepared:
    # "data: a red chair" is a prompt that happens to start so; "data:image/png,base64;..."
    # is a file whose URI is malformed, and parse_header says what the right form is.
    if not looks_like_data_uri(text):
        if not text.strip():
            raise InputError("an empty prompt cannot be an input; describe the model.")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputError(
                f"the prompt is not valid Unicode: it holds {text[exc.start]!r} at position "
                f"{exc.start} (a lone surrogate, as left by decoding bytes with "
                "errors='surrogateescape'), which cannot be sent as UTF-8. Decode the text "
                "correctly, or remove that character."
            ) from None
        mime = _mime.normalize(explicit) if explicit else PROMPT_MIME
        return Prepared(mime, label or "text prompt", additional, text=text, is_prompt=True)
    mime = parse_header(text)
    if explicit and _mime.normalize(explicit) != mime:
        mime = _mime.normalize(explicit)
        text = f"data:{mime};base64," + text.split(",", 1)[1]
    return Prepared(mime, label or f"data URI ({mime})", additional, text=text)


def needs_fetch(source: Source) -> Asset | None:
    """Return the asset whose content must be fetched before it can be an input, if any."""
    data = source.data
    if isinstance(data, Asset) and data.wire_value() is None and data.data is None:
        return data
    return None


def prepare(source: object, *, mime_type: str | None = None, additional: Any = None) -> Prepared:
    """Check one input's data locally and decide its MIME type; an explicit one wins."""
    if isinstance(source, Asset):
        wire = source.wire_value()
        label = f"asset {source.id}"
        if wire is not None:
            return _from_text(wire, mime_type or mime_of_payload(wire), additional, label)
        if source.data is not None:
            return attrs.evolve(
                read_local(source.data, mime_type or source.mime_type, additional), label=label
            )
        raise InputError(f"{label} carries no data and no flow to fetch it from.")
    if isinstance(source, str):
        return _from_text(source, mime_type, additional, None)
    return read_local(source, mime_type, additional)


def check_accepted(prepared: Prepared, template: Template, position: int | None = None) -> None:
    """Refuse an input whose MIME type the template does not accept, before any upload."""
    if not template.input_types_known:
        return
    accepted = {_mime.normalize(t) for t in template.input_types}
    if prepared.mime_type in accepted:
        return
    which = f"input {position} ({prepared.label})" if position is not None else prepared.label
    hint = ""
    if prepared.is_prompt:
        hint = " A str is sent as a text prompt: pass files as pathlib.Path."
    elif PROMPT_MIME in accepted:
        hint = " This template takes a text prompt: pass it as a str."
    raise InputError(
        f"{which} is {prepared.mime_type}, which template {template.name!r} does not accept; "
        f"it accepts {', '.join(template.input_types) or 'no inputs'}.{hint}"
    )
