"""A local emulator of the GENERIO Flows API, for tests, demos and benchmarks.

Needs the ``emulator`` extra (``pip install 'generio[emulator]'``); importing this package
does not load fastapi or uvicorn, starting an :class:`Emulator` does.

>>> from generio.testing import Emulator
>>> with Emulator(flow_seconds=0.2) as emu:  # doctest: +SKIP
...     client = httpx.Client(base_url=emu.base_url,
...                           headers={"Authorization": f"Bearer {emu.api_key}"})

Pytest users get a ``generio_emulator`` fixture from the plugin generio registers: a
running emulator, fault-free with fast flows, reset before each test.
"""

from __future__ import annotations

from generio.testing._delays import no_delays
from generio.testing._emulator import Emulator
from generio.testing._faults import Fault, FaultKind, FaultRecord
from generio.testing._images import make_jpeg as sample_jpeg
from generio.testing._images import make_png as sample_png
from generio.testing._ledger import LedgerEntry
from generio.testing._meshes import sample_glb
from generio.testing._routing import OPERATION_IDS

__all__ = [
    "OPERATION_IDS",
    "Emulator",
    "Fault",
    "FaultKind",
    "FaultRecord",
    "LedgerEntry",
    "no_delays",
    "sample_glb",
    "sample_jpeg",
    "sample_png",
]
