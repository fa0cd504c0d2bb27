"""A threading HTTP server for the tests' own servers, quiet about clients that hang up.

The client under test drops connections on purpose (timeouts, cancelled streams, closed
clients); ``socketserver`` would print each as a traceback among the test results.
"""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer
from typing import Any

__all__ = ["QuietServer"]


class QuietServer(ThreadingHTTPServer):
    """A ``ThreadingHTTPServer`` in daemon threads that ignores a peer's reset or hang-up."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Print the traceback of a handler's failure, unless the client hung up."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return  # the client hung up: what the test meant it to do
        super().handle_error(request, client_address)
