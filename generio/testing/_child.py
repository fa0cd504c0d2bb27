"""Entry point of a child-process emulator: ``python -m generio.testing._child``.

Reads one JSON line of configuration from stdin, prints ``{"base_url": ...}`` once bound,
serves, and shuts down when stdin reaches EOF (the parent stopped or died) or on SIGTERM.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading

from generio.testing._core import Core
from generio.testing._faults import Fault
from generio.testing._listing import Listing
from generio.testing._server import ServerHandle

__all__ = ["main"]


def main() -> None:
    """Serve one emulator configured by the parent."""
    config = json.loads(sys.stdin.readline())
    core = Core(
        config["api_key"],
        config["flow_seconds"],
        config["seed"],
        [Fault.from_json(fault) for fault in config["faults"]],
        Listing(**config.get("listing", {})),
    )
    handle = ServerHandle(core, config["host"], config["port"])

    def watch_parent() -> None:
        sys.stdin.read()
        handle.middleware.close()
        handle.server.should_exit = True
        handle.server.wake()

    threading.Thread(target=watch_parent, daemon=True).start()
    print(json.dumps({"base_url": handle.base_url}), flush=True)
    # Ctrl-C reaches the whole process group: uvicorn shuts down, then re-raises it.
    with contextlib.suppress(KeyboardInterrupt):
        handle.serve_forever()


if __name__ == "__main__":
    main()
