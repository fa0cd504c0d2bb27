"""Downloading a finished flow's outputs, the job half: which files, and retrying them.

Each output becomes a :class:`~generio._jobs.effects.Download` effect; the driver streams it
into a file (``generio._drivers.writer``: bounded memory, safe names, no partial files). A
download that breaks off is started again from scratch within the retry budget
(``retries.retry_download``); the broken attempt leaves nothing behind.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from generio._degrade import degraded
from generio._errors import APIConnectionError, InputError, ServerError
from generio._http.operations import list_outputs_op, quote_id
from generio._jobs.effects import Download, Job, Local, download, local
from generio._jobs.retries import call, retry_download
from generio._jobs.state import ClientState
from generio._models import Asset

__all__ = [
    "PrepareDir",
    "download_outputs_job",
    "note_status",
]


def note_status(asset: Asset) -> None:
    """Log (once) an output status generio does not know; such an output is still fetched."""
    if asset.status is not None and not asset.is_ready and asset.status != "processing":
        degraded(
            f"asset_status.{asset.status}",
            f"An output's status {asset.status!r} is not one generio knows; read as ready.",
        )


@attrs.frozen
class PrepareDir(Local[Path]):
    """Create ``path`` (with parents) if missing; the result is the path.

    Attributes:
        path: the output directory.
    """

    path: Path

    def perform(self) -> Path:
        """Make the directory.

        Raises:
            InputError: it exists and is not a directory, or it cannot be created.
        """
        out_dir = self.path
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise InputError(f"out_dir '{out_dir}' exists and is not a directory.") from None
        except OSError as exc:
            why = exc.strerror or exc
            raise InputError(f"out_dir '{out_dir}' cannot be created: {why}.") from None
        return out_dir


def _download_one(
    state: ClientState, flow_id: str, asset_id: str, directory: Path, taken: set[str]
) -> Job[Path]:
    """One output to one file; a download that broke off starts again from scratch."""
    budget = state.budget()
    path = f"/flows/{quote_id(flow_id)}/outputs/{quote_id(asset_id)}"
    while True:
        try:
            written = yield from download(
                Download(path, asset_id, directory, frozenset(taken), budget)
            )
        except (APIConnectionError, ServerError) as exc:
            yield from retry_download(budget, exc)
            continue
        taken.add(written.name)
        return written


def download_outputs_job(
    state: ClientState, flow_id: str, out_dir: Path
) -> Job[tuple[list[Asset], list[Path]]]:
    """Every ready output of a finished flow into ``out_dir`` (created if missing).

    Returns:
        The outputs as listed (without data) and the files written, in the same order;
        outputs that failed (``error``) get no file. Any other status, even one this version
        does not know, is downloaded: an output is never silently dropped.

    Raises:
        InputError: ``out_dir`` cannot be a directory.
        ConflictError: the flow has not finished yet.
    """
    directory = yield from local(PrepareDir(out_dir))
    outputs: list[Asset] = yield from call(list_outputs_op(flow_id, False), state.budget())
    taken: set[str] = set()
    paths: list[Path] = []
    for asset in outputs:
        if asset.is_failed:
            continue
        note_status(asset)
        paths.append((yield from _download_one(state, flow_id, asset.id, directory, taken)))
    return outputs, paths
