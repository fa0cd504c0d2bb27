"""Part files: named for the file they become and for generio; a killed writer's are removed.

A download is written to ``.<file>.generio.part`` and renamed once whole. A process killed
mid-download leaves its part; the next run saving that file into the same ``out_dir``
removes it (its lock died with its writer). A part whose writer lives, and parts of other
files, are left alone.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import BinaryIO

import pytest

from generio._payload import files as _files
from generio.testing import Emulator
from tests.helpers.emulator import emulator_outputs
from tests.helpers.facade import PROMPT_TEMPLATE, either_client
from tests.helpers.local_faults import part_files

KINDS = ["sync", "async"]

#: A child that starts a keyed run, writes part of the output, then hangs until killed.
_KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from generio import Generio
    from generio._payload import files

    real = files.open_stream

    class Hang:
        def __init__(self, inner):
            self.inner = inner
        def write(self, data):
            self.inner.write(data[:1000])
            self.inner.flush()
            print("writing", flush=True)
            time.sleep(600)
        def __getattr__(self, name):
            return getattr(self.inner, name)

    files.open_stream = lambda fd: Hang(real(fd))
    api_key, idempotency_key, base_url, out = sys.argv[1:5]
    with Generio(api_key, base_url) as client:
        client.run("model_generate_fromprompt", "a chair", out_dir=out,
                   idempotency_key=idempotency_key)
    """
)


def _kill_mid_download(emu: Emulator, out: Path, key: str) -> Path:
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, emu.api_key, key, emu.base_url, str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "writing"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    (stale,) = part_files(out)
    return stale


@pytest.mark.parametrize("kind", KINDS)
def test_killed_download_leaves_a_part_the_keyed_rerun_removes(
    kind: str, emu: Emulator, tmp_path: Path
) -> None:
    """SIGKILL mid-download leaves .<file>.generio.part; the keyed re-run removes it."""
    out = tmp_path / "out"
    stale = _kill_mid_download(emu, out, "chair-order-1")
    assert stale.name.startswith(".a-chair-")
    assert stale.name.endswith(".glb.generio.part")
    assert stale.stat().st_size == 1000
    with either_client(kind, emu) as client:
        result = client.run(
            PROMPT_TEMPLATE, "a chair", out_dir=out, idempotency_key="chair-order-1"
        )
    assert len(emu.ledger) == 1
    assert part_files(out) == []
    assert [p.name for p in result.paths] == [stale.name[1:].removesuffix(".generio.part")]
    assert [p.read_bytes() for p in result.paths] == emulator_outputs(emu, result.flow.id)


@pytest.mark.parametrize("kind", KINDS)
def test_download_outputs_removes_stale_parts_of_its_files_only(
    kind: str, emu: Emulator, tmp_path: Path
) -> None:
    """A stale part of the saved file goes; another file's part and a held part stay."""
    out = tmp_path / "out"
    with either_client(kind, emu) as client:
        flow = client.flows.create(PROMPT_TEMPLATE, inputs="a vase")
        client.flows.wait(flow.id)
        (first,) = client.flows.download_outputs(flow.id, out)
        first.unlink()
        stale = out / f".{first.name}.generio.part"
        stale.write_bytes(b"half a model")
        other = out / ".another.glb.generio.part"
        other.write_bytes(b"not ours to judge")
        (again,) = client.flows.download_outputs(flow.id, out)
    assert again == first
    assert not stale.exists()
    assert other.exists()
    assert again.read_bytes() == emulator_outputs(emu, flow.id)[0]


@pytest.mark.parametrize("kind", KINDS)
def test_a_part_held_by_a_live_writer_is_kept(kind: str, emu: Emulator, tmp_path: Path) -> None:
    """A part whose writer holds its lock is not removed: the download takes the next slot."""
    out = tmp_path / "out"
    with either_client(kind, emu) as client:
        flow = client.flows.create(PROMPT_TEMPLATE, inputs="a bowl")
        client.flows.wait(flow.id)
        (first,) = client.flows.download_outputs(flow.id, out)
        held = out / f".{first.name}.generio.part"
        fd = os.open(held, os.O_WRONLY | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            (again,) = client.flows.download_outputs(flow.id, out)
            assert held.exists()
        finally:
            os.close(fd)
        assert again.read_bytes() == emulator_outputs(emu, flow.id)[0]
        client.flows.download_outputs(flow.id, out)  # the lock is gone: now it is stale
    assert part_files(out) == []


def test_part_is_named_for_its_file_while_written(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a download is written, the only new entry is .<file>.generio.part."""
    seen: list[list[str]] = []
    real = _files.open_stream
    out = tmp_path / "out"

    def watching(fd: int) -> BinaryIO:
        seen.append(sorted(p.name for p in out.iterdir()))
        return real(fd)

    monkeypatch.setattr(_files, "open_stream", watching)
    with either_client("sync", emu) as client:
        result = client.run(PROMPT_TEMPLATE, "a desk", out_dir=out)
    (path,) = result.paths
    assert seen == [[f".{path.name}.generio.part"]]
    assert sorted(p.name for p in out.iterdir()) == [path.name]
