"""A local emulator of the GENERIO Flows API, for tests, demos and benchmarks.

Needs the ``emulator`` extra (``pip install '.[emulator]'`` from a clone, or the wheel with
``[emulator]``: see the README's *Install*); importing this package does not load fastapi
or uvicorn, starting an :class:`Emulator` does, and without the extra ``Emulator()`` raises
:class:`~generio.MissingExtraError` saying so. The emulator serves
every operation of ``openapi.json`` on 127.0.0.1 over real HTTP, with the documented flow
lifecycle, valid GLB outputs, seeded fault injection and a ledger of every flow created.

Start one in a background thread (``process=True`` serves from a child process instead,
with the same Python API, so client and server do not share a GIL)::

    from generio.testing import Emulator

    with Emulator(flow_seconds=0.2, seed=1) as emu:
        client = httpx.Client(base_url=emu.base_url,
                              headers={"Authorization": f"Bearer {emu.api_key}"})
        emu.add_fault("rate_limit", "get_flow", rate=0.5, retry_after=1)
        emu.add_fault("lost_response", "create_flow", count=1)
        ...
        assert len(emu.ledger) == 1          # every flow ever created, deleted ones too
        print(emu.fault_log)                 # what was injected, where and when
        emu.reset()                          # back to a fresh start

Pytest: installing generio registers a plugin with a ``generio_emulator`` fixture, a
running emulator (one per session) that is fault-free, has fast flows and is reset
before each test that uses it. The ini option ``generio_emulator_flow_seconds`` (default
0.1) sets how long its flows take::

    def test_my_code(generio_emulator):
        run_my_code(base_url=generio_emulator.base_url, api_key=generio_emulator.api_key)
        assert len(generio_emulator.ledger) == 1

Shell: ``generio emulator --port 8765 --api-key KEY --flow-seconds 5`` serves until
Ctrl-C, logging one line per request to stderr (``--quiet`` for none; needs the ``cli``
extra too).

:func:`sample_glb`, :func:`sample_png` and :func:`sample_jpeg` make valid inputs,
:func:`sample_chair_png` a picture of a chair that image-to-3D turns into a solid, and
:func:`no_delays` zeroes generio's own retry delays and polls a running flow every 20 ms
in tests.
"""

from __future__ import annotations

from generio.testing._delays import no_delays
from generio.testing._emulator import Emulator
from generio.testing._faults import Fault, FaultKind, FaultRecord
from generio.testing._images import make_jpeg as sample_jpeg
from generio.testing._images import make_png as sample_png
from generio.testing._ledger import LedgerEntry
from generio.testing._meshes import sample_glb
from generio.testing._pictures import chair_png as sample_chair_png
from generio.testing._routing import OPERATION_IDS

__all__ = [
    "OPERATION_IDS",
    "Emulator",
    "Fault",
    "FaultKind",
    "FaultRecord",
    "LedgerEntry",
    "no_delays",
    "sample_chair_png",
    "sample_glb",
    "sample_jpeg",
    "sample_png",
]
