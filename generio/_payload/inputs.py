"""Turning what a user passes as an input into something the API accepts, checked locally.

Accepted sources:

* ``str``: a data URI if it starts with ``data:`` and has a data URI's header, otherwise a
  text prompt. A file is never a ``str``: pass a :class:`pathlib.Path`, so a typo in a
  file name cannot silently become a prompt.
* :class:`os.PathLike`, ``bytes``/``bytearray``/``memoryview``, or a binary file object.
* an :class:`~generio.Asset` of another flow: its data URI travels as it came, without a
  decode and re-encode (one without data is fetched first, see ``_jobs/calls.py``).
* the API's own shape, a mapping ``{"data": <any of the above>, "additional": <JSON>}``:
  that one input with its own ``additional`` (copied by the service to its output). Any
  other mapping, and a set, is refused: iterating one would send its keys as prompts.

Every problem a user can fix (missing, directory, empty, unknown type, type not accepted by
the template) is an :class:`~generio.InputError` raised before anything is created. Files and
streams are not read here beyond their first bytes: ``_payload/body.py`` streams them at send time.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator, Mapping, Set
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeAlias, cast

import attrs

from generio._errors import InputError
from generio._payload import data_uri as _data_uri
from generio._payload import mime as _mime
from generio._payload.models import PROMPT_MIME, Asset, Template, mime_of_payload

__all__ = [
    "INPUT_KEYS",
    "InputSource",
    "Prepared",
    "check_accepted",
    "check_shape",
    "needs_fetch",
    "prepare",
    "unwrap",
]

#: What ``inputs=`` and ``upload_input`` take.
InputSource: TypeAlias = str | bytes | bytearray | memoryview | os.PathLike[str] | IO[bytes] | Asset

_HEAD = 512  # enough for every signature _mime.sniff knows
#: The keys of an input given in the API's own shape.
INPUT_KEYS = frozenset({"data", "additional"})
_NO_ADDITIONAL: Any = object()


def check_shape(source: object) -> None:
    """Refuse, before any request, a mapping that is not ``{"data", "additional"}``, or a set.

    Raises:
        InputError: naming the keys found and the shape expected.
    """
    if isinstance(source, Mapping):
        keys = set(source)
        if "data" not in keys or not keys <= INPUT_KEYS:
            raise InputError(
                f"an input given as a mapping must be {{'data': <input>, 'additional': "
                f"<JSON>}} ('additional' optional), not one with keys {sorted(map(str, keys))}. "
                "Pass several inputs as a list."
            )
        if isinstance(source["data"], Mapping | Set):
            raise InputError("an input's 'data' cannot itself be a mapping or a set.")
    elif isinstance(source, Set):
        raise InputError(
            "inputs cannot be a set: its order is random, so outputs would not match inputs. "
            "Pass a list."
        )


def unwrap(source: object, additional: Any = None) -> tuple[object, Any]:
    """Split an input into its data and its ``additional`` (the mapping's own wins).

    Raises:
        InputError: a badly shaped mapping or a set (see :func:`check_shape`), or an
            ``additional`` given both in the mapping and as an argument.
    """
    check_shape(source)
    if not isinstance(source, Mapping):
        return source, additional
    own = source.get("additional", _NO_ADDITIONAL)
    if own is _NO_ADDITIONAL:
        return source["data"], additional
    if additional is not None:
        raise InputError(
            "additional was given twice: in the input mapping and as an argument; give it once."
        )
    return source["data"], own


@attrs.frozen
class Prepared:
    """One checked input: its MIME type and how to produce its wire value again and again.

    Exactly one of ``text``, ``path``, ``blob`` and ``stream`` is set.

    Attributes:
        mime_type: the normalized MIME type.
        label: how messages name this input (``"file 'chair.png'"``, ``"text prompt"``).
        additional: JSON stored with the input and copied to its output.
        text: a prompt, or a ready data URI, sent as it is.
        path: a file, opened anew for each send.
        blob: bytes in memory.
        stream: a seekable binary file object, rewound to ``start`` for each send.
        start: where the stream's content begins.
        size: the raw content's size in bytes (files, bytes, streams).
        is_prompt: ``text`` is a prompt, sent without a data-URI prefix.
    """

    mime_type: str
    label: str
    additional: Any = None
    text: str | None = None
    path: Path | None = None
    blob: bytes | None = None
    stream: BinaryIO | None = attrs.field(default=None, eq=False)
    start: int = 0
    size: int = 0
    is_prompt: bool = False

    def open_raw(self) -> Iterator[BinaryIO]:
        """Yield (once) a binary stream at the content's start; a file is opened anew.

        A generator rather than a context manager so ``_payload/body.py`` can stream from it lazily.
        """
        if self.path is not None:
            with self.path.open("rb") as handle:
                yield handle
        elif self.blob is not None:
            yield io.BytesIO(self.blob)
        elif self.stream is not None:
            self.stream.seek(self.start)
            yield self.stream


def _detect(head: bytes, name: str | None, explicit: str | None, label: str) -> str:
    mime = _mime.detect(head, name=name, explicit=explicit)
    if not mime:
        raise InputError(
            f"cannot tell the type of {label} from its content or name; "
            "pass mime_type= (for example 'image/png' or 'model/gltf-binary')."
        )
    return mime


def _from_path(path: Path, explicit: str | None, additional: Any) -> Prepared:
    label = f"file '{path}'"
    try:
        if not path.exists():
            raise InputError(f"{label} does not exist; check the path.")
        if path.is_dir():
            raise InputError(f"{label} is a directory; pass a file inside it.")
        size = path.stat().st_size
        if size == 0:
            raise InputError(f"{label} is empty; a 0-byte file cannot be an input.")
        with path.open("rb") as handle:
            head = handle.read(_HEAD)
    except OSError as exc:
        raise InputError(f"{label} cannot be read: {exc.strerror or exc}.") from None
    mime = _detect(head, path.name, explicit, label)
    return Prepared(mime, label, additional, path=path, size=size)


def _from_bytes(data: bytes, explicit: str | None, additional: Any) -> Prepared:
    label = f"{len(data)} bytes"
    if not data:
        raise InputError("empty bytes cannot be an input; pass the file's content.")
    mime = _detect(data[:_HEAD], None, explicit, label)
    return Prepared(mime, label, additional, blob=data, size=len(data))


def _from_stream(stream: IO[bytes], explicit: str | None, additional: Any) -> Prepared:
    raw_name = getattr(stream, "name", None)
    name = os.path.basename(raw_name) if isinstance(raw_name, str) else None
    label = f"file object {name!r}" if name else "file object"
    if getattr(stream, "closed", False):
        raise InputError(f"{label} is closed; open it again (in binary mode).")
    try:
        seekable = stream.seekable()
        if not seekable:
            # Without seek a retry could not resend it: read it once, keep the bytes.
            return _from_bytes(_read_binary(stream, label), explicit, additional)
        start = stream.tell()
        size = stream.seek(0, os.SEEK_END) - start
        stream.seek(start)
        head = _read_binary(stream, label, _HEAD)
        stream.seek(start)
    except (OSError, ValueError) as exc:
        raise InputError(f"{label} cannot be read: {exc}.") from None
    if size <= 0:
        raise InputError(f"{label} is empty (nothing after its current position).")
    mime = _detect(head, name, explicit, label)
    return Prepared(mime, label, additional, stream=cast(BinaryIO, stream), start=start, size=size)


def _read_binary(stream: IO[bytes], label: str, size: int = -1) -> bytes:
    data = stream.read(size)
    if not isinstance(data, bytes | bytearray):
        raise InputError(f"{label} is not open in binary mode; open it with 'rb'.")
    return bytes(data)


def _not_utf8(text: str) -> str | None:
    """Name the first character UTF-8 cannot carry (a lone surrogate), or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"{text[exc.start]!r} at position {exc.start}"
    return None


def _from_text(text: str, explicit: str | None, additional: Any, label: str | None) -> Prepared:
    # "data: a red chair" is a prompt that happens to start so; "data:image/png,base64;..."
    # is a file whose URI is malformed, and parse_header says what the right form is.
    header = _data_uri.parse_header(text) if _data_uri.looks_like_data_uri(text) else None
    if header is None:
        if not text.strip():
            raise InputError("an empty prompt cannot be an input; describe the model.")
        bad = _not_utf8(text)
        if bad is not None:
            raise InputError(
                f"the prompt is not valid Unicode: it holds {bad} (a lone surrogate, as "
                "left by decoding bytes with errors='surrogateescape'), which cannot be sent "
                "as UTF-8. Decode the text correctly, or remove that character."
            )
        mime = _mime.normalize(explicit) if explicit else PROMPT_MIME
        return Prepared(mime, label or "text prompt", additional, text=text, is_prompt=True)
    mime = header
    if explicit and _mime.normalize(explicit) != mime:
        mime = _mime.normalize(explicit)
        text = f"data:{mime};base64," + text.split(",", 1)[1]
    return Prepared(mime, label or f"data URI ({mime})", additional, text=text)


def needs_fetch(source: object) -> Asset | None:
    """Return the asset whose content must be fetched before it can be an input, if any."""
    if isinstance(source, Mapping):
        source = source.get("data")
    if isinstance(source, Asset) and source.wire_value() is None and source.data is None:
        return source
    return None


def prepare(source: object, *, mime_type: str | None = None, additional: Any = None) -> Prepared:
    """Check one input locally and decide its MIME type; an explicit ``mime_type`` wins.

    Args:
        source: see :data:`InputSource`.
        mime_type: the MIME type to send, overriding detection.
        additional: JSON stored with the input.

    Raises:
        InputError: missing or unreadable file, directory, empty content, unknown type, a
            source of an unsupported kind, or an asset without content.
    """
    source, additional = unwrap(source, additional)
    if isinstance(source, Asset):
        wire = source.wire_value()
        label = f"asset {source.id}"
        if wire is not None:
            return _from_text(wire, mime_type or mime_of_payload(wire), additional, label)
        if source.data is not None:
            return _from_bytes(source.data, mime_type or source.mime_type, additional)
        raise InputError(f"{label} carries no data and no flow to fetch it from.")
    if isinstance(source, str):
        return _from_text(source, mime_type, additional, None)
    if isinstance(source, os.PathLike):
        return _from_path(Path(os.fspath(source)), mime_type, additional)
    if isinstance(source, bytes | bytearray | memoryview):
        return _from_bytes(bytes(source), mime_type, additional)
    if hasattr(source, "read"):
        return _from_stream(source, mime_type, additional)  # type: ignore[arg-type]
    raise InputError(
        f"an input cannot be a {type(source).__name__}: pass a str (prompt or data URI), a "
        "pathlib.Path, bytes, a binary file object or an Asset."
    )


def check_accepted(prepared: Prepared, template: Template, position: int | None = None) -> None:
    """Refuse an input whose MIME type the template does not accept, before any upload.

    The accepted types are our reading of the template: when the service named none (or
    the template could not be read), the check steps aside and the service judges.

    Raises:
        InputError: naming the input, its type, the template and the types it accepts.
    """
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


def as_sources(inputs: object) -> list[object]:
    """One input or a sequence of them, as a list (None is no input).

    Raises:
        InputError: a mapping of another shape, or a set (nothing is sent).
    """
    if inputs is None:
        return []
    single = (str, bytes, bytearray, memoryview, os.PathLike, Asset, Mapping)
    check_shape(inputs)
    if isinstance(inputs, single) or hasattr(inputs, "read"):
        return [inputs]
    if isinstance(inputs, Iterable):
        sources = list(inputs)
        for source in sources:
            check_shape(source)
        return sources
    return [inputs]
