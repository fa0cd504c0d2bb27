"""GENERIO_NO_DELAYS: a child process (an app under test) polls fast and never backs off.

``no_delays()`` works in the process that calls it; an application run as a subprocess by
its tests gets the same with ``GENERIO_NO_DELAYS=1`` in its environment. It refuses a base
URL off this machine, so it can never reach the real service.
"""

from __future__ import annotations

import os
import subprocess
import sys

from generio.testing import Emulator

CHILD = """
from generio import Generio
from generio._http.policy import delays_disabled, test_poll_interval
with Generio() as client:
    result = client.run("model_generate_fromprompt", "a lamp")
print(result.flow.state, delays_disabled(), test_poll_interval())
"""
REFUSED = """
from generio import ConfigurationError, Generio
try:
    Generio(api_key="sk-key-123456789", base_url="https://flows.generio.ai")
except ConfigurationError as exc:
    print("refused:", exc)
"""


def _child(code: str, emu: Emulator, switch: str | None, timeout: float = 60) -> str:
    env = {k: v for k, v in os.environ.items() if k != "GENERIO_NO_DELAYS"}
    env |= {"GENERIO_API_KEY": emu.api_key, "GENERIO_BASE_URL": emu.base_url}
    if switch is not None:
        env["GENERIO_NO_DELAYS"] = switch
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout,
        check=True,
    )  # fmt: skip
    return done.stdout.strip()


def test_switch_makes_a_child_skip_backoff_and_poll_fast(emu: Emulator) -> None:
    """A 429 asking for 30 s is not waited out; polls come every 0.02 s."""
    # Without the switch this Retry-After alone holds the child 30 s (the cap): the 20 s
    # timeout would fail the test.
    emu.add_fault("rate_limit", "get_flow", count=1, retry_after=3600)
    assert _child(CHILD, emu, "1", timeout=20) == "completed True 0.02"
    assert len(emu.fault_log) == 1


def test_without_the_switch_a_child_keeps_real_delays(emu: Emulator) -> None:
    """Unset (or 0), the child's delays are the real ones."""
    assert _child(CHILD, emu, None) == "completed False 0.0"
    assert _child(CHILD, emu, "0") == "completed False 0.0"


def test_switch_refuses_a_base_url_off_this_machine(emu: Emulator) -> None:
    """With the switch on, a client of the real service is a ConfigurationError."""
    said = _child(REFUSED, emu, "true")
    assert said.startswith("refused: GENERIO_NO_DELAYS is set")
    assert "https://flows.generio.ai" in said
