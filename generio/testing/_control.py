"""How an ``Emulator`` reaches its server: directly in a thread, over HTTP in a child.

Both offer the same operations, so ``Emulator``'s methods read the same in either mode.
The child-process flavour talks to the ``/_emulator/`` admin routes with the API key.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Protocol

import httpx

from generio.testing._faults import Fault, FaultRecord
from generio.testing._ledger import LedgerEntry
from generio.testing._listing import Listing

__all__ = ["Control", "ProcessControl", "ThreadControl"]


class Control(Protocol):
    """What ``Emulator`` needs from a running server."""

    base_url: str

    def ledger(self) -> list[LedgerEntry]: ...
    def faults(self) -> list[Fault]: ...
    def fault_log(self) -> list[FaultRecord]: ...
    def add_fault(self, fault: Fault) -> None: ...
    def clear_faults(self) -> None: ...
    def reset(self) -> None: ...
    def get_flow_seconds(self) -> float: ...
    def set_flow_seconds(self, seconds: float) -> None: ...
    def get_listing(self) -> Listing: ...
    def set_listing(self, listing: Listing) -> None: ...
    def requests(self) -> dict[str, int]: ...
    def prefill(
        self, count: int, keyed: int, span: float, templates: tuple[str, ...]
    ) -> dict[str, str]: ...
    def stop(self) -> None: ...


class ThreadControl:
    """A server in a background thread of this process; control calls go straight in."""

    def __init__(
        self,
        api_key: str,
        flow_seconds: float,
        seed: int | None,
        faults: list[Fault],
        host: str,
        port: int,
        listing: Listing,
    ) -> None:
        # Imported here: fastapi and uvicorn load only when an emulator actually starts.
        from generio.testing._core import Core
        from generio.testing._server import ServerHandle

        self.core = Core(api_key, flow_seconds, seed, faults, listing)
        self.handle = ServerHandle(self.core, host, port)
        self.handle.start()
        self.base_url = self.handle.base_url

    def ledger(self) -> list[LedgerEntry]:
        return self.core.store.ledger()

    def faults(self) -> list[Fault]:
        return self.core.plan.faults()

    def fault_log(self) -> list[FaultRecord]:
        return self.core.plan.log()

    def add_fault(self, fault: Fault) -> None:
        self.core.plan.add(fault)

    def clear_faults(self) -> None:
        self.core.plan.clear()

    def reset(self) -> None:
        self.core.reset()

    def get_flow_seconds(self) -> float:
        return self.core.store.flow_seconds

    def set_flow_seconds(self, seconds: float) -> None:
        self.core.store.flow_seconds = seconds

    def get_listing(self) -> Listing:
        return dataclasses.replace(self.core.store.listing)

    def requests(self) -> dict[str, int]:
        return dict(self.core.requests)

    def set_listing(self, listing: Listing) -> None:
        self.core.store.listing = listing

    def prefill(
        self, count: int, keyed: int, span: float, templates: tuple[str, ...]
    ) -> dict[str, str]:
        return self.core.store.prefill(count, keyed, span, templates)

    def stop(self) -> None:
        self.handle.stop()


def _read_line(stream: Any, timeout: float) -> str:
    """One line from a child's stdout, or "" when none comes within ``timeout``."""
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return result[0] if result else ""


class ProcessControl:
    """A server in a child Python process (its own GIL); control goes over HTTP.

    The child reads its configuration from stdin and stops when stdin closes, so it cannot
    outlive this process by much.
    """

    def __init__(
        self,
        api_key: str,
        flow_seconds: float,
        seed: int | None,
        faults: list[Fault],
        host: str,
        port: int,
        listing: Listing,
    ) -> None:
        config = {
            "api_key": api_key,
            "flow_seconds": flow_seconds,
            "seed": seed,
            "faults": [fault.to_json() for fault in faults],
            "host": host,
            "port": port,
            "listing": listing.to_json(),
        }
        env = dict(os.environ)
        # The child must import this very generio, even from a source tree not installed.
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "generio.testing._child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self._process.stdin is not None  # noqa: S101 - PIPE was asked for
        self._process.stdin.write(json.dumps(config) + "\n")
        self._process.stdin.flush()
        line = _read_line(self._process.stdout, timeout=30.0)
        if not line:
            self._terminate()
            raise RuntimeError("the emulator's child process did not start; see its stderr")
        self.base_url = json.loads(line)["base_url"]
        self._client = httpx.Client(
            base_url=f"{self.base_url}/_emulator",
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=30.0,
        )

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._client.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def ledger(self) -> list[LedgerEntry]:
        return [LedgerEntry.from_json(e) for e in self._call("GET", "/ledger")["ledger"]]

    def faults(self) -> list[Fault]:
        return [Fault.from_json(f) for f in self._call("GET", "/faults")["faults"]]

    def fault_log(self) -> list[FaultRecord]:
        return [FaultRecord.from_json(r) for r in self._call("GET", "/faults")["log"]]

    def add_fault(self, fault: Fault) -> None:
        self._call("POST", "/faults", fault.to_json())

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def reset(self) -> None:
        self._call("POST", "/reset")

    def get_flow_seconds(self) -> float:
        return float(self._call("GET", "/config")["flow_seconds"])

    def set_flow_seconds(self, seconds: float) -> None:
        self._call("PUT", "/config", {"flow_seconds": seconds})

    def get_listing(self) -> Listing:
        return Listing(**self._call("GET", "/listing"))

    def requests(self) -> dict[str, int]:
        counts: dict[str, int] = self._call("GET", "/requests")["requests"]
        return counts

    def set_listing(self, listing: Listing) -> None:
        self._call("PUT", "/listing", listing.to_json())

    def prefill(
        self, count: int, keyed: int, span: float, templates: tuple[str, ...]
    ) -> dict[str, str]:
        body = {"count": count, "keyed": keyed, "span": span, "templates": list(templates)}
        keys: dict[str, str] = self._call("POST", "/prefill", body)["keys"]
        return keys

    def _terminate(self) -> None:
        process = self._process
        if process.stdin is not None:
            process.stdin.close()  # the child's signal to shut down
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def stop(self) -> None:
        self._client.close()
        self._terminate()
