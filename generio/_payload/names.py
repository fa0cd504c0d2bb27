"""Names a person recognises for saved outputs: ``<slug>-<flow>-<index>.<ext>``."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path, PurePath

from generio._errors import InputError, OutputSaveError
from generio._payload import files as _files
from generio._payload import mime as _mime

SLUG_LENGTH = 40
SHORT_ID = 8
FALLBACK_SLUG = "output"
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Return ``text`` as lower-case ASCII words joined by dashes (empty when none are left)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    return words[:SLUG_LENGTH].rstrip("-")


def slug_of_inputs(sources: Sequence[object]) -> str:
    """Return the slug of the first input that has words (a prompt or a file name)."""
    for source in sources:
        name = getattr(source, "name", None)  # an open file
        if isinstance(source, str) and not source.startswith("data:"):
            found = slug(source)
        elif isinstance(source, os.PathLike):
            found = slug(PurePath(os.fspath(source)).stem)
        elif isinstance(name, str) and hasattr(source, "read"):
            found = slug(PurePath(name).stem)
        else:
            continue
        if found:
            return found
    return FALLBACK_SLUG


#: Longest ``out_name``, leaving room for ``-<index>.<ext>`` under every file system's 255.
MAX_OUT_NAME = 200


def check_out_name(name: object) -> str:
    """Return ``name``, checked as the base of output file names."""
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"out_name must be a non-empty file name (a str), not {name!r}.")
    # os.sep and os.altsep are among these two on every OS; "." and ".." start with a dot.
    bad = name.startswith(".") or "/" in name or "\\" in name or not name.isprintable()
    if bad or len(name) > MAX_OUT_NAME:
        raise InputError(
            f"out_name {name!r} must name one visible file (no folder, no leading dot, no "
            f"control characters, at most {MAX_OUT_NAME} characters); put folders in out_dir."
        )
    return name


def named_file(name: str, index: int, extension: str) -> str:
    """Return the file name of output ``index`` for ``out_name=name``."""
    ext = extension if extension.startswith(".") or not extension else f".{extension}"
    stem = name[: -len(ext)] if ext and name.lower().endswith(ext.lower()) else name
    return f"{stem}{ext}" if index == 0 else f"{stem}-{index}{ext}"


def readable_base(stem: str, flow_id: str, index: int, extension: str) -> str:
    """Return ``<stem>-<short flow id>-<index><ext>``, before any ``-2`` is added."""
    short = slug(flow_id)[-SHORT_ID:] or "flow"
    return _files.safe_filename(f"{slug(stem) or FALLBACK_SLUG}-{short}-{index}", extension)


def readable_name(
    stem: str, flow_id: str, index: int, extension: str, directory: Path, taken: set[str]
) -> str:
    """Return ``<stem>-<short flow id>-<index><ext>``, free in ``directory`` and ``taken``."""
    name = _free_name(readable_base(stem, flow_id, index, extension), directory, taken)
    taken.add(name)
    return name


def _free_name(name: str, directory: Path, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """Return ``name`` or ``<stem>-2<ext>``, ``-3``, ...: the first free in both places."""
    path = PurePath(name)
    counter = 2
    used = {t.lower() for t in taken}
    while name.lower() in used or (directory / name).exists():
        name = f"{path.stem}-{counter}{path.suffix}"
        counter += 1
    return name


def save_data(
    data: bytes, mime_type: str | None, path: Path, *, asset_id: str, flow_id: str | None
) -> Path:
    """Write an asset's content to ``path`` (a file) or into it (a directory); see Asset.save."""
    if _files.is_directory(path):
        directory = path
        mime = mime_type or _mime.detect(data[: _mime.SNIFF_BYTES]) or ""
        name = _free_name(_files.safe_filename(asset_id, _mime.extension_for(mime)), directory)
    else:
        directory, name = path.parent, path.name
    with _files.atomic_writer(directory, name, flow_id=flow_id, asset_id=asset_id) as stream:
        try:
            stream.write(data)
        except OSError as exc:
            raise OutputSaveError(
                exc, directory / name, flow_id=flow_id, asset_id=asset_id
            ) from None
    return directory / name
