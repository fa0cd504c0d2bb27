"""Serving the emulator with uvicorn: in a background thread, or in the foreground.

The listening socket is bound here (port 0 picks a free one), so the port is known before
uvicorn starts. uvicorn keeps each connection's protocol object in its server state; the
middleware finds a request's transport there by client address, to reset or drop it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn

from generio.testing._access import AccessLog
from generio.testing._app import build_app
from generio.testing._core import Core
from generio.testing._fast import FastPath
from generio.testing._handlers import Operations
from generio.testing._middleware import EmulatorMiddleware

__all__ = ["ServerHandle"]


class _Server(uvicorn.Server):
    """uvicorn's server, telling the middleware to let go of held-back responses on a signal.

    It also stops as soon as asked (:meth:`wake`): uvicorn looks at ``should_exit`` only every
    0.1 s, half of the 0.2 s an emulator took to stop (tests start and stop many).
    """

    def __init__(self, config: uvicorn.Config, middleware: EmulatorMiddleware) -> None:
        super().__init__(config)
        self.middleware = middleware
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        """Run the once-a-tick housekeeping, with a wait that :meth:`wake` cuts short."""
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)

    def wake(self) -> None:
        """Have the main loop look at ``should_exit`` now; callable from any thread."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(wake.set)

    def handle_exit(self, sig: int, frame: Any) -> None:
        self.middleware.close()
        super().handle_exit(sig, frame)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say
    # they are TCP, and with Nagle on, uvicorn's separate writes of head and body wait for
    # the client's delayed ACK: 40 ms per answer.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        # Listen now, not when uvicorn starts: a client that connects as soon as the port is
        # announced is queued instead of refused.
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


class ServerHandle:
    """One emulator's HTTP server, bound but not yet serving.

    Args:
        core: What the server serves.
        host: The address to listen on.
        port: The port; 0 picks a free one.
        log_config: uvicorn's logging setup; None leaves the process's logging alone.
        on_request: receives one line per request answered (or dropped); None logs nothing.

    Raises:
        OSError: When the address cannot be bound (e.g. the port is taken).
    """

    def __init__(
        self,
        core: Core,
        host: str,
        port: int,
        log_config: dict[str, Any] | None = None,
        on_request: Callable[[str], object] | None = None,
    ) -> None:
        self.middleware = EmulatorMiddleware(FastPath(build_app, Operations(core)), core)
        app: Any = self.middleware if on_request is None else AccessLog(self.middleware, on_request)
        self.socket = _bind(host, port)
        self.host = host
        self.port: int = self.socket.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_config=log_config,
            log_level="warning",
            access_log=False,
            lifespan="off",
            # The standard library's loop, uvloop installed or not: the same server for
            # everyone (uvicorn picks httptools, which the emulator extra brings, over h11).
            loop="asyncio",
            # Clients must not rewrite scope["client"]: it is how a connection is found.
            proxy_headers=False,
            timeout_graceful_shutdown=2,
        )
        self.server = _Server(config, self.middleware)
        self.middleware.find_transport = self._find_transport
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _find_transport(self, client: Any) -> asyncio.Transport | None:
        for connection in list(self.server.server_state.connections):
            if getattr(connection, "client", None) == client:
                transport: asyncio.Transport | None = getattr(connection, "transport", None)
                return transport
        return None

    def start(self, timeout: float = 10.0) -> None:
        """Serve in a daemon thread; return once uvicorn accepts connections.

        Raises:
            RuntimeError: When the server did not come up within ``timeout`` seconds.
        """
        self._thread = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": [self.socket]},
            name=f"generio-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the emulator did not start on {self.base_url}")
            time.sleep(0.002)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving: held-back responses are dropped, open connections closed."""
        self.middleware.close()
        self.server.should_exit = True
        self.server.wake()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.socket.close()

    def serve_forever(self) -> None:
        """Serve in this (main) thread until SIGINT or SIGTERM."""
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.socket.close()
