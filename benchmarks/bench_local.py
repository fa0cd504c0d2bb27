"""Rows that need no server: data-URI codec throughput and import time."""

from __future__ import annotations

import base64
import io
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from _report import Row, ratio_row

SIZE = 64 * 1024 * 1024


def _best(fn: Callable[[], object], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def codec() -> list[Row]:
    """data_uri.encode/decode against stdlib base64 on the same 64 MB (MB/s, higher is better)."""
    from generio import data_uri

    raw = os.urandom(SIZE)
    mb = SIZE / 1e6
    uri = data_uri.encode(raw, "model/gltf-binary")
    b64 = base64.b64encode(raw)
    # Alternate candidate and baseline so both see the same machine load.
    ours_enc = _best(lambda: data_uri.encode(raw, "model/gltf-binary"))
    std_enc = _best(lambda: base64.b64encode(raw))
    ours_dec = _best(lambda: data_uri.decode(uri))
    std_dec = _best(lambda: base64.b64decode(b64))
    assert data_uri.decode(uri) == ("model/gltf-binary", raw)

    # The streaming codec that uploads and downloads use (never one 85 MB str).
    from generio._payload.data_uri import Base64StreamDecoder, iter_encode

    def stream_encode() -> None:
        for _ in iter_encode(io.BytesIO(raw), "model/gltf-binary"):
            pass

    def stream_decode() -> None:
        decoder = Base64StreamDecoder()
        view = memoryview(b64)
        for start in range(0, len(view), 1 << 16):
            decoder.feed(view[start : start + (1 << 16)])
        decoder.finish()

    ours_senc = _best(stream_encode)
    ours_sdec = _best(stream_decode)
    return [
        ratio_row(
            "codec encode",
            "data_uri.encode 64 MB",
            mb / ours_enc,
            mb / std_enc,
            "MB/s",
            0.8,
            higher_is_better=True,
        ),
        ratio_row(
            "codec decode",
            "data_uri.decode 64 MB",
            mb / ours_dec,
            mb / std_dec,
            "MB/s",
            0.8,
            higher_is_better=True,
        ),
        ratio_row(
            "stream encode",
            "iter_encode 64 MB (uploads)",
            mb / ours_senc,
            mb / std_enc,
            "MB/s",
            0.8,
            higher_is_better=True,
        ),
        ratio_row(
            "stream decode",
            "Base64StreamDecoder 64 KiB feeds (downloads)",
            mb / ours_sdec,
            mb / std_dec,
            "MB/s",
            0.8,
            higher_is_better=True,
        ),
    ]


def _import_time(statement: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True)
    return time.perf_counter() - start


def import_time(rounds: int = 15) -> list[Row]:
    """`python -c "import generio"` against `python -c "import httpx"`, alternating medians.

    generio loads its clients lazily, so the second row also times what an application
    really pays on first use: `from generio import Generio` (which loads httpx and the
    generated client).
    """
    ours, base, client = [], [], []
    for _ in range(rounds):
        ours.append(_import_time("import generio"))
        base.append(_import_time("import httpx"))
        client.append(_import_time("from generio import Generio"))
    baseline = statistics.median(base)
    return [
        ratio_row(
            "import", 'python -c "import generio"', statistics.median(ours), baseline, "s", 2.0
        ),
        ratio_row(
            "import client",
            'python -c "from generio import Generio"',
            statistics.median(client),
            baseline,
            "s",
            1.4,  # issue 15: the client costs at most 1.4x httpx
        ),
    ]
