"""The output methods of ``client.flows``, the two clients' shared part."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from generio._errors import InputError

if TYPE_CHECKING:
    from generio._drivers.asynchronous import AsyncDriver
    from generio._drivers.streams import AsyncOutputStream, OutputStream
    from generio._drivers.sync import SyncDriver
    from generio._jobs.state import ClientState
    from generio._payload.models import Asset

__all__ = ["AsyncOutputMethods", "OutputMethods", "output_target"]


def output_target(dest: str | os.PathLike[str]) -> tuple[Path, str | None]:
    """Split ``dest`` into a directory and a file name (None: named by the asset id)."""
    target = Path(dest)
    if target.is_dir():
        return target, None
    if not target.name or target.name in {".", ".."}:
        raise InputError(f"dest {str(dest)!r} is neither a file name nor a directory.")
    return target.parent, target.name


class OutputMethods:
    """The output methods of ``client.flows`` of :class:`~generio.Generio`."""

    _driver: SyncDriver
    _state: ClientState

    def outputs(self, flow_id: str, *, include_data: bool = False) -> list[Asset]:
        """Return a finished flow's outputs; with ``include_data`` each carries its content.

        Raises:
            ConflictError: the flow has not finished yet.
        """
        from generio._jobs.downloads import list_outputs_job
        from generio._jobs.outputs import reading_outputs

        job = list_outputs_job(self._state, flow_id, include_data)
        return self._driver.drive(reading_outputs(self._state, flow_id, job))

    def output(self, flow_id: str, asset_id: str) -> Asset:
        """Return one output with its content: ``.data`` (bytes) and ``.mime_type``.

        Raises:
            ConflictError: the flow has not finished yet.
        """
        from generio._jobs.outputs import output_job, reading_outputs

        job = output_job(self._state, flow_id, asset_id)
        return self._driver.drive(reading_outputs(self._state, flow_id, job))

    def download_outputs(self, flow_id: str, out_dir: str | os.PathLike[str]) -> list[Path]:
        """Stream every ready output of a finished flow into files; return their paths.

        Files are named ``<asset id>.<ext>`` inside ``out_dir`` (created if missing); each
        appears only once complete.

        Raises:
            ConflictError: the flow has not finished yet.
            InputError: ``out_dir`` cannot be a directory.
        """
        from generio._jobs.downloads import download_outputs_job
        from generio._jobs.outputs import reading_outputs

        job = download_outputs_job(self._state, flow_id, Path(out_dir))
        return self._driver.drive(reading_outputs(self._state, flow_id, job))[1]

    def download_output(self, flow_id: str, asset_id: str, dest: str | os.PathLike[str]) -> Path:
        """Stream one output of a finished flow into a file; return its path.

        The file appears only once complete (a temporary file is renamed over it).

        Args:
            flow_id: the flow.
            asset_id: the output.
            dest: the file to write (an existing file of that name is replaced), or an
                existing directory: the file is then named ``<asset id>.<ext>`` inside it.

        Raises:
            ConflictError: the flow has not finished yet.
            NotFoundError: no such flow or output.
            InputError: ``dest`` cannot be written.
        """
        from generio._jobs.downloads import download_output_job

        job = download_output_job(self._state, flow_id, asset_id, *output_target(dest))
        return self._driver.drive(job).path

    def stream_output(self, flow_id: str, asset_id: str) -> OutputStream:
        """Return one output's decoded content as an iterable of byte chunks.

        Nothing is staged on disk or held whole in memory: pass a model straight on (a
        web response, an upload elsewhere). Open it first (``.open()`` or ``with``) to meet
        errors and learn ``.mime_type`` before anything is handed out, then iterate it. It
        may be opened in one thread or task and read in another (a web framework's
        streaming response); see the README's "Serving models from a web app".

        >>> with client.flows.stream_output(flow_id, asset_id) as chunks:  # doctest: +SKIP
        ...     for chunk in chunks:
        ...         sink.write(chunk)

        Opening and reading ride out transient failures until the client's
        ``download_timeout`` (a connection lost half-way continues where it broke off); the
        content may grow to ``max_download_bytes``.

        Raises:
            ConflictError: the flow has not finished yet.
            NotFoundError: no such flow or output.
            APIConnectionError: the connection kept failing until ``download_timeout``.
            ResponseTooLargeError: the content grew past ``max_download_bytes``.
            DownloadTimeoutError: the stream took longer than ``download_timeout``.
        """
        from generio._drivers.streams import OutputStream  # loaded on the first stream

        return OutputStream(self._driver, flow_id, asset_id)


class AsyncOutputMethods:
    """The output methods of ``client.flows`` of :class:`~generio.AsyncGenerio`."""

    _driver: AsyncDriver
    _state: ClientState

    async def outputs(self, flow_id: str, *, include_data: bool = False) -> list[Asset]:
        """Return a finished flow's outputs.

        Awaited :meth:`Flows.outputs`: the same arguments, result and errors.
        """
        from generio._jobs.downloads import list_outputs_job
        from generio._jobs.outputs import reading_outputs

        job = list_outputs_job(self._state, flow_id, include_data)
        return await self._driver.drive(reading_outputs(self._state, flow_id, job))

    async def output(self, flow_id: str, asset_id: str) -> Asset:
        """Return one output with its content (``.data``, ``.mime_type``).

        Awaited :meth:`Flows.output`: the same arguments, result and errors.
        """
        from generio._jobs.outputs import output_job, reading_outputs

        job = output_job(self._state, flow_id, asset_id)
        return await self._driver.drive(reading_outputs(self._state, flow_id, job))

    async def download_outputs(self, flow_id: str, out_dir: str | os.PathLike[str]) -> list[Path]:
        """Stream every ready output of a finished flow into ``out_dir``.

        Awaited :meth:`Flows.download_outputs`: the same arguments, result and errors.
        """
        from generio._jobs.downloads import download_outputs_job
        from generio._jobs.outputs import reading_outputs

        job = download_outputs_job(self._state, flow_id, Path(out_dir))
        return (await self._driver.drive(reading_outputs(self._state, flow_id, job)))[1]

    async def download_output(
        self, flow_id: str, asset_id: str, dest: str | os.PathLike[str]
    ) -> Path:
        """Stream one output of a finished flow into a file; return its path.

        Awaited :meth:`Flows.download_output`: the same arguments, result and errors.
        """
        from generio._jobs.downloads import download_output_job

        job = download_output_job(self._state, flow_id, asset_id, *output_target(dest))
        return (await self._driver.drive(job)).path

    def stream_output(self, flow_id: str, asset_id: str) -> AsyncOutputStream:
        """Return one output's decoded content as an async iterable of byte chunks.

        Not awaited itself: open the stream (``await .open()`` or ``async with``) to meet
        errors and learn ``.mime_type`` before anything is handed out, then iterate it with
        ``async for``. It may be opened in one task and read in another of the same event
        loop (a handler that returns it to Starlette's ``StreamingResponse``).

        >>> async with client.flows.stream_output(flow_id, asset_id) as chunks:  # doctest: +SKIP
        ...     async for chunk in chunks:
        ...         await sink.write(chunk)

        Arguments, limits, retries and errors as :meth:`Flows.stream_output`.
        """
        from generio._drivers.streams import AsyncOutputStream

        return AsyncOutputStream(self._driver, flow_id, asset_id)
