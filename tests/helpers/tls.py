"""Loopback TLS for the tests: a certificate authority, a TLS front and a CONNECT proxy.

Both servers relay bytes: the front terminates TLS and passes the plain bytes to a target
(the emulator), so a client speaks real HTTPS to it; the proxy answers ``CONNECT host:port``
and then passes bytes both ways, over plain TCP or over TLS of its own (an HTTPS proxy).
Each runs an asyncio loop in a daemon thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from pathlib import Path
from types import TracebackType

import trustme

__all__ = ["Authority", "Relay"]


class Authority:
    """A throwaway CA and a certificate for 127.0.0.1 and localhost signed by it."""

    def __init__(self) -> None:
        self._ca = trustme.CA()
        self._cert = self._ca.issue_cert("127.0.0.1", "localhost")

    def server_context(self) -> ssl.SSLContext:
        """Return a server's context presenting the certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._cert.configure_cert(context)
        return context

    def client_context(self) -> ssl.SSLContext:
        """Return a client's context that trusts only this CA."""
        context = ssl.create_default_context()
        self._ca.configure_trust(context)
        return context

    def write_ca(self, path: Path) -> Path:
        """Write the CA's certificate as PEM (for ``SSL_CERT_FILE``); return ``path``."""
        self._ca.cert_pem.write_to_path(str(path))
        return path


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


class Relay:
    """Relay connections to ``target``, or, without one, to where each ``CONNECT`` asks.

    ``tls`` makes the relay itself speak TLS to its clients. ``connections`` counts the
    clients' connections; ``tunnels`` lists the authorities ``CONNECT`` asked for.
    """

    def __init__(self, target: tuple[str, int] | None, tls: ssl.SSLContext | None) -> None:
        self.target, self.tls = target, tls
        self.connections = 0
        self.tunnels: list[str] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Future[None] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        """The relay's address as a URL (https when it speaks TLS)."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        self._stop = self._loop.create_future()
        tasks: set[asyncio.Task[None]] = set()

        def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = self._loop.create_task(self._relay(reader, writer))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        server = await asyncio.start_server(accepted, "127.0.0.1", 0, ssl=self.tls)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        upstream: asyncio.StreamWriter | None = None
        try:
            target = self.target
            if target is None:
                head = await reader.readuntil(b"\r\n\r\n")
                method, authority, _ = head.split(b"\r\n", 1)[0].decode("ascii").split(" ")
                if method != "CONNECT":
                    writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                    return
                self.tunnels.append(authority)
                host, port = authority.rsplit(":", 1)
                target = (host, int(port))
            up_reader, upstream = await asyncio.open_connection(*target)
            if self.target is None:
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await asyncio.gather(_pump(reader, upstream), _pump(up_reader, writer))
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            for side in (writer, upstream):
                if side is not None:
                    side.close()
                    with contextlib.suppress(Exception):
                        await side.wait_closed()

    def __enter__(self) -> Relay:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stop = self._stop
        if stop is not None:
            self._loop.call_soon_threadsafe(stop.set_result, None)
        self._thread.join(10)
