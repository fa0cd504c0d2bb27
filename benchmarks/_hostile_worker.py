"""One hostile case in a fresh process, default limits: prints peak RSS above idle and the error.

Usage: python _hostile_worker.py CASE BASE_URL OUT_DIR
  endless_json / gzip_bomb / minimal_page / values_page / endless_listing /
  endless_download / trickle_download
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from _memory_worker import _peak_mb, _reset_peak, _status_mb

from generio import Generio

KEY = "sk-bench-hostile-0000"


ACTS = {
    "endless_json": lambda c, _: c.templates.get("endless"),
    "gzip_bomb": lambda c, _: c.templates.get("bomb"),
    "minimal_page": lambda c, _: c.flows.list(state="minimal"),
    "values_page": lambda c, _: c.flows.list(state="values"),
    "endless_listing": lambda c, _: c.flows.list(state="listing"),
    "endless_download": lambda c, out: c.flows.download_outputs("endless", out),
    "trickle_download": lambda c, out: c.flows.download_outputs("trickle", out),
}


def main() -> None:
    case, base_url, out_dir = sys.argv[1:4]
    act = ACTS[case]
    # The trickle never ends: a short deadline keeps the row quick; the rest use defaults.
    extra = {"download_timeout": 3.0} if case == "trickle_download" else {}
    with Generio(KEY, base_url, **extra) as client:  # type: ignore[arg-type]
        client.flows.outputs("warm")  # warm: connections, imports
        idle = _status_mb("VmRSS")
        _reset_peak()
        started = time.monotonic()
        error = "none"
        try:
            act(client, out_dir)
        except Exception as exc:
            error = type(exc).__name__
        seconds = time.monotonic() - started
        left = sorted(p.name for p in Path(out_dir).rglob("*"))
    print(
        json.dumps(
            {
                "above_idle_mb": _peak_mb() - idle,
                "error": error,
                "seconds": seconds,
                "files_left": left,
            }
        )
    )


if __name__ == "__main__":
    main()
