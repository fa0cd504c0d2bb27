"""The one error of a local failure to save an output: :class:`OutputSaveError`.

A full disk, a read-only or vanished ``out_dir``, a permission refused: none of them is the
service's fault, none is cured by asking the service again, and the flow is already paid
for. So such a failure is never retried nor reported as a server error (``ServerError``):
it raises :class:`OutputSaveError`, which names the flow, says that it completed and how
to fetch its outputs again, and leaves no partial file. It is also an ``OSError`` (its
``errno``, ``strerror`` and ``filename`` are the system's), so ``except OSError`` code and
``errno.ENOSPC`` checks keep working.
"""

from __future__ import annotations

import errno as _errno
import os

from generio._errors import GenerioError

__all__ = ["OutputSaveError"]


class OutputSaveError(GenerioError, OSError):
    """An output could not be written locally (disk full, read-only, permissions...).

    Nothing partial is left, and nothing was retried against the service. The flow completed
    and its outputs stay on the service: fetch them again once the cause is fixed.

    Attributes:
        generio_flow_id: the flow the output belongs to (None when not known).
        asset_id: the output's id (None when not known).
        path: the file (or directory) that could not be written.
        errno: the system's error number (``errno.ENOSPC``, ``errno.EROFS``, ...).
        strerror: the system's words for it.
        filename: the same as ``path``, as ``OSError`` names it.
    """

    def __init__(
        self,
        error: OSError,
        path: str | os.PathLike[str],
        *,
        flow_id: str | None = None,
        asset_id: str | None = None,
    ) -> None:
        where = os.fspath(path)
        why = error.strerror or str(error) or type(error).__name__
        code = _errno.errorcode.get(error.errno or 0)
        output = f"output {asset_id}" if asset_id else "an output"
        if flow_id:
            what = (
                f"could not save {output} of flow {flow_id} to {where!r}: {why}"
                f"{f' ({code})' if code else ''}. This failed here, not on the service: flow "
                f"{flow_id} completed and its outputs stay there. What to do: free space or "
                "fix the directory (permissions, a read-only or missing disk), or choose "
                f"another one, then fetch them again with flows.download_outputs({flow_id!r}, "
                "out_dir), which creates no new flow."
            )
        else:
            what = (
                f"could not save {output} to {where!r}: {why}{f' ({code})' if code else ''}. "
                "What to do: free space or fix the directory (permissions, a read-only or "
                "missing disk), or choose another one, then save it again."
            )
        super().__init__(what)
        self.errno: int | None = error.errno
        self.strerror: str | None = error.strerror
        self.filename = where
        self.path = where
        self.asset_id = asset_id
        self.generio_flow_id = flow_id

    def __str__(self) -> str:
        # OSError's own would print "[Errno 28] ...: 'path'" and drop what to do.
        return self.message
