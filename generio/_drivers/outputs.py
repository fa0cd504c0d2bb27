"""``flows.download_output`` and ``flows.stream_output``, the two clients' shared part.

``download_output(flow_id, asset_id, dest)`` writes one output where you say (a job of
``generio._jobs.downloads``; ``dest`` is looked at before it starts). ``stream_output``
hands out an ``OutputStream`` (``streams.py``, loaded on the first stream).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from generio._errors import InputError

if TYPE_CHECKING:
    from generio._async_client import AsyncGenerio
    from generio._client import Generio
    from generio._drivers.streams import AsyncOutputStream, OutputStream
    from generio._jobs.state import ClientState

__all__ = ["AsyncOutputMethods", "OutputMethods", "output_path", "output_target"]


def output_path(flow_id: str, asset_id: str) -> str:
    """Return the URL path of one output."""
    from generio._http.operations import quote_id

    return f"/flows/{quote_id(flow_id)}/outputs/{quote_id(asset_id)}"


def output_target(dest: str | os.PathLike[str]) -> tuple[Path, str | None]:
    """Split ``dest`` into a directory and a file name (None: named by the asset id).

    Looked at before the download's job starts (the job does no file work).

    Raises:
        InputError: ``dest`` is neither a file name nor a directory.
    """
    target = Path(dest)
    if target.is_dir():
        return target, None
    if not target.name or target.name in {".", ".."}:
        raise InputError(f"dest {str(dest)!r} is neither a file name nor a directory.")
    return target.parent, target.name


class OutputMethods:
    """``flows.download_output`` and ``flows.stream_output`` of :class:`~generio.Generio`."""

    _client: Generio
    _state: ClientState

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
        return self._client._drive(job).path

    def stream_output(self, flow_id: str, asset_id: str) -> OutputStream:
        """Return one output's decoded content as an iterable of byte chunks.

        Nothing is staged on disk or held whole in memory: pass a model straight on (a
        web response, an upload elsewhere). Iterate the result, or use it with ``with``
        to open the request first; ``.mime_type`` says what the content is.

        >>> with client.flows.stream_output(flow_id, asset_id) as chunks:  # doctest: +SKIP
        ...     for chunk in chunks:
        ...         sink.write(chunk)

        Raises:
            ConflictError: the flow has not finished yet.
            NotFoundError: no such flow or output.
            APIConnectionError: the connection broke off (after the first chunk, this is
                not retried: the chunks already given cannot be taken back).
        """
        from generio._drivers.streams import OutputStream  # loaded on the first stream

        return OutputStream(self._client, flow_id, asset_id)


class AsyncOutputMethods:
    """``flows.download_output`` and ``flows.stream_output`` of :class:`~generio.AsyncGenerio`."""

    _client: AsyncGenerio
    _state: ClientState

    async def download_output(
        self, flow_id: str, asset_id: str, dest: str | os.PathLike[str]
    ) -> Path:
        from generio._jobs.downloads import download_output_job

        job = download_output_job(self._state, flow_id, asset_id, *output_target(dest))
        return (await self._client._drive(job)).path

    def stream_output(self, flow_id: str, asset_id: str) -> AsyncOutputStream:
        from generio._drivers.streams import AsyncOutputStream

        return AsyncOutputStream(self._client, flow_id, asset_id)

    download_output.__doc__ = OutputMethods.download_output.__doc__
    stream_output.__doc__ = (
        (OutputMethods.stream_output.__doc__ or "")
        .replace("with client", "async with client")
        .replace("...     for chunk", "...     async for chunk")
    )
