"""Downloading a finished flow's outputs, the job half: which files, and retrying them.

The flow is paid for, so a broken download is started again, with backoff, until
``download_timeout`` (``retries.ride_out``); a broken attempt leaves nothing behind.
"""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

import attrs

from generio._degrade import degraded
from generio._errors import InputError, OutputSaveError
from generio._http.operations import get_output_op, list_outputs_op
from generio._jobs.calls import patient_job
from generio._jobs.effects import Download, Job, Local, Saved, local
from generio._jobs.outputs import reading_outputs
from generio._jobs.retries import Patience, patiently
from generio._jobs.state import ClientState
from generio._payload.models import Asset

logger = logging.getLogger("generio")


def note_status(asset: Asset) -> None:
    """Log (once) an output status generio does not know; such an output is still fetched."""
    if asset.status is not None and not asset.is_ready and asset.status != "processing":
        degraded(
            f"asset_status.{asset.status}",
            f"An output's status {asset.status!r} is not one generio knows; read as ready.",
        )


def _check_writable(path: Path) -> None:
    """Raise the OSError a file created in ``path`` would meet (EROFS, EACCES), if any."""
    if os.access(path, os.W_OK | os.X_OK):
        return
    try:
        read_only = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):  # not POSIX
        read_only = False
    code = errno.EROFS if read_only else errno.EACCES
    raise OSError(code, os.strerror(code), str(path))


@attrs.frozen
class PrepareDir(Local[Path]):
    """Create ``path`` (with parents) if missing and check it is writable; the result is it."""

    path: Path
    flow_id: str | None = None

    def perform(self) -> Path:
        """Make the directory."""
        out_dir = self.path
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            _check_writable(out_dir)
        except (FileExistsError, NotADirectoryError):
            raise InputError(f"out_dir '{out_dir}' exists and is not a directory.") from None
        except OSError as exc:
            if self.flow_id is not None:
                raise OutputSaveError(exc, out_dir, flow_id=self.flow_id) from None
            why = exc.strerror or exc
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                why = f"{why}, so no output could be saved there (nothing was created)"
            raise InputError(f"out_dir '{out_dir}' cannot be created or written: {why}.") from None
        return out_dir


def download_one_job(
    state: ClientState,
    flow_id: str,
    asset_id: str,
    directory: Path,
    taken: set[str],
    *,
    stem: str | None = None,
    index: int = 0,
    filename: str | None = None,
    named: str | None = None,
) -> Job[Saved]:
    """One output to one file; a download that broke off starts again from scratch."""
    op = get_output_op(flow_id, asset_id)
    patience = Patience.start(state.settings.download_timeout)

    def attempt() -> Job[Saved]:
        budget = state.budget()
        budget.deadline = patience.deadline
        saved: Saved = yield Download(
            op, asset_id, directory, frozenset(taken), budget, stem, flow_id, index,
            filename, named, patience.deadline,
        )  # fmt: skip
        return saved

    saved = yield from patiently(patience, attempt)
    taken.add(saved.path.name)
    logger.info("wrote output %s of flow %s to %s", asset_id, flow_id, saved.path)
    return saved


def list_outputs_job(
    state: ClientState, flow_id: str, include_data: bool = False
) -> Job[list[Asset]]:
    """List a finished flow's outputs, riding out transient failures (``ride_out``)."""
    return (yield from patient_job(state, list_outputs_op(flow_id, include_data)))


def download_outputs_job(
    state: ClientState,
    flow_id: str,
    out_dir: Path,
    stem: str | None = None,
    named: str | None = None,
    prepared: bool = False,
) -> Job[tuple[list[Asset], list[Path]]]:
    """Every ready output of a finished flow into ``out_dir`` (created if missing).

    ``prepared``: the caller made and checked ``out_dir`` already (``run`` does, before it
    creates the flow); each file's writer makes it again should it have vanished since, and
    types a failure with the flow's id. Callers name the flow in what this raises.
    """
    directory = out_dir if prepared else (yield from local(PrepareDir(out_dir, flow_id)))
    outputs = yield from list_outputs_job(state, flow_id)
    taken: set[str] = set()
    paths: list[Path] = []
    for index, asset in enumerate(outputs):
        if asset.is_failed:
            continue
        note_status(asset)
        job = download_one_job(
            state, flow_id, asset.id, directory, taken, stem=stem, index=index, named=named
        )
        saved = yield from job
        outputs[index] = attrs.evolve(asset, mime_type=saved.mime_type)
        paths.append(saved.path)
    return outputs, paths


def download_output_job(
    state: ClientState, flow_id: str, asset_id: str, directory: Path, filename: str | None
) -> Job[Saved]:
    """One output into ``directory``, as ``filename`` (None: named by the asset id)."""
    job = download_one_job(state, flow_id, asset_id, directory, set(), filename=filename)
    return (yield from reading_outputs(state, flow_id, job))
