"""Where downloads land: safe file names, and files that appear whole or not at all."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from generio._errors import InputError, OutputSaveError
from generio._payload.parts import open_part

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_MAX_STEM = 100  # far below every file system's 255, leaving room for suffixes
_MAX_EXTENSION = 16
# Device names Windows reserves in any case and with any extension ("con.glb" included).
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"{dev}{n}" for dev in ("COM", "LPT") for n in range(10)}
)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _clean_extension(extension: str) -> str:
    letters = re.sub(r"[^A-Za-z0-9]", "", extension)[:_MAX_EXTENSION]
    return f".{letters}" if letters else ""


def safe_filename(asset_id: str, extension: str, *, taken: set[str] | None = None) -> str:
    """Return a file name for ``asset_id`` that is safe on Linux, macOS and Windows."""
    ext = _clean_extension(extension)
    stem = _UNSAFE.sub("_", asset_id).lstrip(".-").rstrip(".")
    if stem.split(".", 1)[0].upper() in _RESERVED:
        stem = f"_{stem}"
    if len(stem) > _MAX_STEM:
        stem = stem[:_MAX_STEM].rstrip(".")
    changed = stem != asset_id or not stem  # an empty id gets "asset-<hash>"
    if changed:
        stem = f"{stem or 'asset'}-{_digest(asset_id)}"
    name = stem + ext
    if taken is not None:
        used = {t.lower() for t in taken}
        if name.lower() in used and not changed:
            stem = f"{stem}-{_digest(asset_id)}"
            name = stem + ext
        counter = 2
        while name.lower() in used:
            name = f"{stem}-{counter}{ext}"
            counter += 1
        taken.add(name)
    return name


def _open_temporary(directory: Path, filename: str, owner: _Owner) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    for extra in ("O_BINARY", "O_NOFOLLOW", "O_CLOEXEC"):
        flags |= getattr(os, extra, 0)
    try:
        return open_part(directory, filename, flags)
    except OSError as exc:
        raise owner.failed(exc, directory) from None


def sync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); best effort, as some file systems refuse."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def open_stream(fd: int) -> BinaryIO:
    """Return the file object a part is written through (fault-injection tests replace it)."""
    return os.fdopen(fd, "wb")


class _Owner:
    """Whose file is written (a flow's output, or not), for the error of a local failure."""

    def __init__(self, flow_id: str | None, asset_id: str | None) -> None:
        self.flow_id = flow_id
        self.asset_id = asset_id

    def failed(self, exc: OSError, path: Path) -> OutputSaveError:
        return OutputSaveError(exc, path, flow_id=self.flow_id, asset_id=self.asset_id)


@contextlib.contextmanager
def atomic_writer(
    directory: Path,
    filename: str,
    *,
    flow_id: str | None = None,
    asset_id: str | None = None,
) -> Iterator[BinaryIO]:
    """Write ``directory / filename`` so that it appears complete or not at all."""
    directory = Path(directory)
    owner = _Owner(flow_id, asset_id)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise InputError(
            f"cannot create the directory {str(directory)!r}: {exc.strerror or exc}; choose "
            "another one."
        ) from None
    except OSError as exc:
        raise owner.failed(exc, directory) from None
    root = directory.resolve()
    target = root / filename
    separators = {os.sep, "/"} | ({os.altsep} if os.altsep else set())
    if (
        filename in {"", ".", ".."}
        or any(sep in filename for sep in separators)
        or "\x00" in filename
        or target.resolve().parent != root
    ):
        raise InputError(
            f"refusing to write {filename!r}: it would not land directly inside "
            f"{str(directory)!r}. Build names with safe_filename()."
        )
    if target.is_dir():
        raise InputError(f"cannot write {str(target)!r}: a directory has that name.")
    fd, temporary = _open_temporary(root, filename, owner)
    stream = open_stream(fd)
    try:
        yield stream
        try:
            if not stream.closed:
                stream.flush()
                os.fsync(stream.fileno())
            stream.close()
            os.replace(temporary, target)
        except OSError as exc:
            raise owner.failed(exc, target) from None
    except BaseException:
        # Closing may fail again (the buffer still cannot be written): the first error wins.
        with contextlib.suppress(OSError):
            stream.close()
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    sync_directory(root)
