"""The one reader of local content: a file, bytes or a binary file object, checked."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

import attrs

from generio._errors import InputError
from generio._payload import mime as _mime

_HEAD = 512  # enough for every signature _mime.sniff knows
_READ = 1024 * 1024


@attrs.frozen
class Prepared:
    """One checked input: its MIME type and how to produce its content again and again."""

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
        """Yield (once) a binary stream at the content's start; a file is opened anew."""
        if self.path is not None:
            try:  # opened again for each attempt: a retry may find it gone
                handle = open(self.path, "rb")  # noqa: SIM115 - closed by the with below
            except OSError as exc:
                raise InputError(
                    f"{self.label} could not be opened again to send it "
                    f"({exc.strerror or exc}); keep it in place until the call returns."
                ) from None
            with handle:
                yield handle
        elif self.blob is not None:
            yield io.BytesIO(self.blob)
        elif self.stream is not None:
            self.stream.seek(self.start)
            yield self.stream


def detect(head: bytes, name: str | None, explicit: str | None, label: str) -> str:
    """Return the MIME type: ``explicit``, else the content's, else the name's."""
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
        with open(path, "rb") as handle:
            head = handle.read(_HEAD)
    except OSError as exc:
        raise InputError(f"{label} cannot be read: {exc.strerror or exc}.") from None
    return Prepared(
        detect(head, path.name, explicit, label), label, additional, path=path, size=size
    )


def _from_bytes(data: bytes, explicit: str | None, additional: Any, label: str = "") -> Prepared:
    if not data:
        raise InputError(
            f"{label} is empty (nothing after its current position)."
            if label
            else "empty bytes cannot be an input; pass the file's content."
        )
    label = label or f"{len(data)} bytes"
    mime = detect(data[:_HEAD], None, explicit, label)
    return Prepared(mime, label, additional, blob=data, size=len(data))


def read_binary(stream: IO[bytes], label: str, size: int = -1) -> bytes:
    """``stream.read(size)``, refusing a text-mode stream with what to do."""
    data = stream.read(size)
    if not isinstance(data, bytes | bytearray):
        raise InputError(f"{label} is not open in binary mode; open it with 'rb'.")
    return bytes(data)


def _from_stream(stream: IO[bytes], explicit: str | None, additional: Any) -> Prepared:
    raw_name = getattr(stream, "name", None)
    name = os.path.basename(raw_name) if isinstance(raw_name, str) else None
    label = f"file object {name!r}" if name else "file object"
    if getattr(stream, "closed", False):
        raise InputError(f"{label} is closed; open it again (in binary mode).")
    try:
        seekable = getattr(stream, "seekable", None)
        if not callable(seekable) or not seekable():
            # Without seek a retry could not send it again: read it once, keep the bytes.
            chunks = iter(lambda: read_binary(stream, label, _READ), b"")
            return _from_bytes(b"".join(chunks), explicit, additional, label)
        start = stream.tell()
        size = stream.seek(0, os.SEEK_END) - start
        stream.seek(start)
        head = read_binary(stream, label, _HEAD)
        stream.seek(start)
    except (OSError, ValueError) as exc:
        raise InputError(f"{label} cannot be read: {exc}.") from None
    if size <= 0:
        raise InputError(f"{label} is empty (nothing after its current position).")
    mime = detect(head, name, explicit, label)
    return Prepared(mime, label, additional, stream=cast(BinaryIO, stream), start=start, size=size)


def read_local(source: object, mime_type: str | None = None, additional: Any = None) -> Prepared:
    """Check a file (``os.PathLike``), bytes-like or binary file object; decide its type."""
    if isinstance(source, os.PathLike):
        return _from_path(Path(os.fspath(source)), mime_type, additional)
    if isinstance(source, bytes | bytearray | memoryview):
        try:
            view = memoryview(source).cast("B")
        except TypeError as exc:
            raise InputError(f"cannot read this buffer ({exc}); pass contiguous bytes.") from None
        return _from_bytes(view.tobytes(), mime_type, additional)
    if hasattr(source, "read"):
        return _from_stream(cast(IO[bytes], source), mime_type, additional)
    raise InputError(
        f"an input cannot be a {type(source).__name__}: pass a str (prompt or data URI), a "
        "pathlib.Path, bytes, a binary file object or an Asset."
    )
