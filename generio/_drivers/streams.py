"""One output streamed as decoded bytes: ``flows.stream_output`` of both clients.

The content is yielded in chunks as it arrives, so a web service can pass a model on without
staging it on disk; memory stays bounded by one chunk of the answer. Opening the stream is
retried like any GET; once content has been handed out, a broken connection raises
:class:`~generio.APIConnectionError` (the bytes already given cannot be taken back). Loaded
on the first stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from generio._drivers.answers import bad_body, generio_errors
from generio._drivers.outputs import output_path
from generio._errors import ClientClosedError, InputError
from generio._http.bounded import body_limit, content_limit
from generio._http.operations import Operation
from generio._http.policy import budget_scope
from generio._payload.stream import BodyDecoder

if TYPE_CHECKING:
    from generio._async_client import AsyncGenerio
    from generio._client import Generio

__all__ = ["AsyncOutputStream", "OutputStream", "check_download_path"]


class _Decoded:
    """The decoding half of a stream: chunks of the body in, decoded pieces out."""

    def __init__(self, path: str, content_type: str) -> None:
        self._path = path
        self._pending: list[bytes] = []
        self._decoder = BodyDecoder(content_type, lambda _mime: None, self._pending.append)

    @property
    def mime_type(self) -> str | None:
        return self._decoder.mime_type

    def feed(self, chunk: bytes) -> list[bytes]:
        try:
            self._decoder.feed(chunk)
        except InputError as exc:
            raise bad_body(self._path, f"its body could not be read ({exc})") from None
        return self._take()

    def close(self) -> list[bytes]:
        try:
            self._decoder.close()
        except InputError as exc:
            raise bad_body(self._path, f"its body was cut short or malformed ({exc})") from None
        if self._decoder.mime_type is None:
            raise bad_body(self._path, "its body held no data")
        return self._take()

    def _take(self) -> list[bytes]:
        pieces, self._pending[:] = list(self._pending), []
        return [p for p in pieces if p]


class OutputStream:
    """The decoded content of one output, in chunks: ``flows.stream_output``'s answer.

    Iterate it (the request is made on the first step and closed at the end), or use it
    as a context manager to open the request first (errors surface at ``with``) and be
    sure it is closed::

        with client.flows.stream_output(flow_id, asset_id) as chunks:
            for chunk in chunks:
                sink.write(chunk)

    Attributes:
        mime_type: the content's MIME type, once the first chunk is known.

    Raises:
        ConflictError: the flow has not finished (from opening).
        NotFoundError: no such flow or output.
        APIConnectionError: the connection broke off.
        ServerError: the answer is not what the API documents.
    """

    def __init__(self, client: Generio, flow_id: str, asset_id: str) -> None:
        self._client = client
        self._path = output_path(flow_id, asset_id)
        self._op: Operation[None] = Operation("GET", self._path, lambda _m: None)
        self._secret = client._state.settings.api_key
        self._response: httpx.Response | None = None
        self._opened: Any = None
        self._decoded: _Decoded | None = None

    @property
    def mime_type(self) -> str | None:
        """The content's MIME type (None until the body showed it)."""
        return None if self._decoded is None else self._decoded.mime_type

    def _open(self) -> httpx.Response:
        if self._response is None:
            if self._client._http.is_closed:
                raise ClientClosedError("Generio")
            with (
                budget_scope(self._client._state.budget()),
                generio_errors(self._op, self._secret),
                body_limit(content_limit(self._client._state.settings.max_download_bytes)),
            ):
                self._opened = self._client._http.stream("GET", self._path)
                response: httpx.Response = self._opened.__enter__()
                if not response.is_success:
                    response.read()
                    self.close()
                check_download_path(self._path, response)
            self._response = response
            self._decoded = _Decoded(self._path, response.headers.get("content-type", ""))
        return self._response

    def __enter__(self) -> OutputStream:
        self._open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the answer (leaving the rest of the body unread)."""
        if self._opened is not None:
            opened, self._opened = self._opened, None
            opened.__exit__(None, None, None)

    def __iter__(self) -> Iterator[bytes]:
        response = self._open()
        assert self._decoded is not None  # noqa: S101 - set by _open
        try:
            with generio_errors(self._op, self._secret):
                for chunk in response.iter_bytes():
                    yield from self._decoded.feed(chunk)
                yield from self._decoded.close()
        finally:
            self.close()


class AsyncOutputStream:
    """The async :class:`OutputStream`: ``async with`` / ``async for``."""

    def __init__(self, client: AsyncGenerio, flow_id: str, asset_id: str) -> None:
        self._client = client
        self._path = output_path(flow_id, asset_id)
        self._op: Operation[None] = Operation("GET", self._path, lambda _m: None)
        self._secret = client._state.settings.api_key
        self._response: httpx.Response | None = None
        self._opened: Any = None
        self._decoded: _Decoded | None = None

    @property
    def mime_type(self) -> str | None:
        """The content's MIME type (None until the body showed it)."""
        return None if self._decoded is None else self._decoded.mime_type

    async def _open(self) -> httpx.Response:
        if self._response is None:
            self._client._driver.check_usable()
            with (
                budget_scope(self._client._state.budget()),
                generio_errors(self._op, self._secret),
                body_limit(content_limit(self._client._state.settings.max_download_bytes)),
            ):
                self._opened = self._client._http.stream("GET", self._path)
                response: httpx.Response = await self._opened.__aenter__()
                if not response.is_success:
                    await response.aread()
                    await self.aclose()
                check_download_path(self._path, response)
            self._response = response
            self._decoded = _Decoded(self._path, response.headers.get("content-type", ""))
        return self._response

    async def __aenter__(self) -> AsyncOutputStream:
        await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the answer (leaving the rest of the body unread)."""
        if self._opened is not None:
            opened, self._opened = self._opened, None
            await opened.__aexit__(None, None, None)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        response = await self._open()
        assert self._decoded is not None  # noqa: S101 - set by _open
        try:
            with generio_errors(self._op, self._secret):
                async for chunk in response.aiter_bytes():
                    for piece in self._decoded.feed(chunk):
                        yield piece
                for piece in self._decoded.close():
                    yield piece
        finally:
            await self.aclose()


def check_download_path(path: str, response: httpx.Response) -> None:
    """Raise the error an unsuccessful answer to ``GET path`` stands for."""
    from generio._errors import error_from_response

    if not 200 <= response.status_code < 300:
        raise error_from_response(
            "GET", path, response.status_code, response.content, response.headers
        )
