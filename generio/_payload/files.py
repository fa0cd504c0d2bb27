"""Where downloads land: safe file names, and files that appear whole or not at all.

Asset ids come from the service, so they are treated as hostile: an id such as ``../../x``
or ``CON`` must never pick where a file goes. And a download of hundreds of megabytes can
fail half-way; a half-written ``model.glb`` that looks finished is worse than no file, so
content is written to a temporary file beside the target and renamed into place only once
complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from generio._errors import InputError

__all__ = ["atomic_writer", "safe_filename", "sync_directory"]

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
    """Return a file name for ``asset_id`` that is safe on Linux, macOS and Windows.

    Only ``A-Z a-z 0-9 . _ -`` are kept (others become ``_``), with no leading dot or dash,
    at most 100 characters before the extension, and never a reserved Windows device name.
    When anything had to change, a short hash of the original id is appended, so that two
    different ids never end up with the same name. The result is never empty and never
    contains a path separator.

    Args:
        asset_id: the id to name the file after; any string, including hostile ones.
        extension: such as ``".glb"`` (the dot is optional); only letters and digits kept.
        taken: names already used in the target directory. A name that collides with one
            of them (ignoring case, as macOS and Windows do) gets a hash, then a counter.
            The returned name is added to it, so one set can serve a whole batch.
    """
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


def _open_temporary(directory: Path, filename: str) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    for extra in ("O_BINARY", "O_NOFOLLOW", "O_CLOEXEC"):
        flags |= getattr(os, extra, 0)
    for _ in range(100):
        # Hidden, and ending in .part, so a glob for "*.glb" never picks it up.
        temporary = directory / f".{filename[:64]}.{secrets.token_hex(4)}.part"
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
        except OSError as exc:
            raise InputError(
                f"cannot create a file in {str(directory)!r}: {exc.strerror or exc}; check "
                "that the directory is writable or choose another one."
            ) from None
    raise InputError(f"cannot find a free temporary name in {str(directory)!r}.")


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


def _cannot_save(target: Path, exc: OSError) -> InputError:
    return InputError(
        f"cannot save {str(target)!r}: {exc.strerror or exc}; check the free space and "
        "permissions there, then download again."
    )


@contextlib.contextmanager
def atomic_writer(directory: Path, filename: str) -> Iterator[BinaryIO]:
    """Write ``directory / filename`` so that it appears complete or not at all.

    Yields a binary file object writing to a hidden temporary file in ``directory`` (so the
    final rename stays on one file system). When the block ends normally, the data is
    flushed and fsynced and the file is renamed over ``filename`` atomically. When the
    block raises anything, ``KeyboardInterrupt`` included, the temporary file is removed,
    an existing ``filename`` is left untouched, and the exception propagates. Do not
    close the yielded file yourself.

    Args:
        directory: where the file goes; created (with parents) if missing.
        filename: a single path component; see :func:`safe_filename`.

    Raises:
        InputError: ``filename`` would land anywhere but directly inside ``directory``
            (separators, ``..``, a symlink leading out), names a directory, or the
            directory cannot be created or written, or the data cannot be saved (disk full).
            Exceptions raised by the block itself pass through unchanged.
    """
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the directory {str(directory)!r}: {exc.strerror or exc}; choose "
            "another one."
        ) from None
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
    fd, temporary = _open_temporary(root, filename)
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            try:
                if not stream.closed:
                    stream.flush()
                    os.fsync(stream.fileno())
            except OSError as exc:
                raise _cannot_save(target, exc) from None
        try:
            os.replace(temporary, target)
        except OSError as exc:
            raise _cannot_save(target, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    sync_directory(root)
