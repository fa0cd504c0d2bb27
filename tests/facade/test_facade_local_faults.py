"""Local failures while saving outputs: one typed error that names the flow, nothing partial.

A full disk, a read-only or vanished ``out_dir``, a refused permission: each raises
``OutputSaveError`` (also an ``OSError``, ``errno`` kept) naming the flow, saying it
completed and how to fetch its outputs again; the download is never retried against the
service nor blamed on it (no ``ServerError``); no part file is left. Faults come from a
file layer that fails on demand (``tests/helpers/local_faults.py``) and, where the tests
may mount, from a real tmpfs of a few KiB. Requests are counted by a forward proxy.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from generio import InputError, OutputSaveError, ServerError
from generio.testing import Emulator
from tests.helpers.emulator import emulator_outputs
from tests.helpers.facade import PROMPT_TEMPLATE, either_client
from tests.helpers.forward_proxy import ForwardProxy
from tests.helpers.local_faults import count_requests, inject_write_fault, part_files, small_fs

KINDS = ["sync", "async"]
_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ForwardProxy]:
    """Send every request of the clients built in the test through a counting proxy."""
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    with ForwardProxy() as running:
        monkeypatch.setenv("HTTP_PROXY", running.url)
        yield running


def _output_gets(proxy: ForwardProxy) -> int:
    return count_requests(proxy.seen, "GET", "/outputs/")


def _only_flow(emu: Emulator) -> str:
    (entry,) = emu.ledger
    return entry.flow_id


def _check_named(error: OutputSaveError, flow_id: str, code: int) -> None:
    assert isinstance(error, OSError)
    assert error.errno == code
    assert error.generio_flow_id == flow_id
    text = str(error)
    assert f"flow {flow_id} completed" in text
    assert f"flows.download_outputs({flow_id!r}, out_dir)" in text
    assert not isinstance(error, ServerError)


@pytest.mark.parametrize("kind", KINDS)
def test_full_disk_while_saving_is_typed_named_and_not_retried(
    kind: str, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, proxy: ForwardProxy
) -> None:
    """ENOSPC mid-write: OutputSaveError (ENOSPC, the flow named), one GET, no part left."""
    streams = inject_write_fault(monkeypatch, errno.ENOSPC, after=4096)
    out = tmp_path / "out"
    with either_client(kind, emu) as client, pytest.raises(OutputSaveError) as caught:
        client.run(PROMPT_TEMPLATE, "a chair", out_dir=out)
    flow_id = _only_flow(emu)
    _check_named(caught.value, flow_id, errno.ENOSPC)
    assert caught.value.asset_id is not None
    assert [s.failed for s in streams] == [1]
    assert _output_gets(proxy) == 1
    assert list(out.iterdir()) == []
    monkeypatch.undo()  # the disk has room again: the outputs are fetched, not paid again
    with either_client(kind, emu) as client:
        paths = client.flows.download_outputs(flow_id, out)
    assert [p.read_bytes() for p in paths] == emulator_outputs(emu, flow_id)
    assert len(emu.ledger) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_out_dir_removed_while_the_flow_runs_is_made_again(
    kind: str, emu: Emulator, tmp_path: Path
) -> None:
    """out_dir removed after run() made it, before the outputs came: made again, all saved."""
    out = tmp_path / "a" / "out"
    removed: list[bool] = []

    def remove(_progress: object) -> None:
        if not removed:
            shutil.rmtree(tmp_path / "a")
            removed.append(True)

    with either_client(kind, emu) as client:
        result = client.run(PROMPT_TEMPLATE, "a bench", out_dir=out, on_progress=remove)
    assert removed
    assert [p.parent for p in result.paths] == [out]
    assert [p.read_bytes() for p in result.paths] == emulator_outputs(emu, _only_flow(emu))
    assert part_files(out) == []


@pytest.mark.parametrize("kind", KINDS)
def test_out_dir_replaced_by_a_file_while_the_flow_runs_is_typed(
    kind: str, emu: Emulator, tmp_path: Path
) -> None:
    """out_dir turned into a file before the outputs came: InputError naming the flow."""
    out = tmp_path / "out"

    def replace(_progress: object) -> None:
        if out.is_dir():
            out.rmdir()
            out.write_bytes(b"not a directory")

    with either_client(kind, emu) as client, pytest.raises(InputError) as caught:
        client.run(PROMPT_TEMPLATE, "a shelf", out_dir=out, on_progress=replace)
    assert _only_flow(emu) in str(caught.value)
    assert out.read_bytes() == b"not a directory"
    assert part_files(tmp_path) == []


@pytest.mark.parametrize("kind", KINDS)
def test_out_dir_vanishing_mid_download_is_typed(
    kind: str, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """out_dir removed while a part is written: OutputSaveError naming the flow, no file."""
    out = tmp_path / "out"
    inject_write_fault(
        monkeypatch, errno.ENOENT, after=1024, before_failing=lambda: shutil.rmtree(out)
    )
    with either_client(kind, emu) as client, pytest.raises(OutputSaveError) as caught:
        client.run(PROMPT_TEMPLATE, "a lamp", out_dir=out)
    _check_named(caught.value, _only_flow(emu), errno.ENOENT)
    assert not out.exists() or part_files(out) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS, errno.EDQUOT, errno.EIO])
def test_refused_part_is_typed_and_not_retried(
    kind: str,
    code: int,
    emu: Emulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    proxy: ForwardProxy,
) -> None:
    """A part the system refuses to create: OutputSaveError with that errno, never a retry."""
    from generio._payload import files as _files

    def refuse(directory: Path, filename: str, flags: int) -> tuple[int, Path]:
        raise OSError(code, "refused by the test's file layer")

    out = tmp_path / "out"
    out.mkdir()
    with either_client(kind, emu) as client:
        flow = client.flows.create(PROMPT_TEMPLATE, inputs="a cup")
        client.flows.wait(flow.id)
        monkeypatch.setattr(_files, "open_part", refuse)
        with pytest.raises(OutputSaveError) as caught:
            client.flows.download_outputs(flow.id, out)
    _check_named(caught.value, flow.id, code)
    assert _output_gets(proxy) == 1
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("kind", KINDS)
def test_real_full_disk_is_typed_and_leaves_nothing(
    kind: str, emu: Emulator, tmp_path: Path, proxy: ForwardProxy
) -> None:
    """A real 16 KiB tmpfs (a 70 KB model): OutputSaveError ENOSPC, one GET, nothing left."""
    with small_fs(tmp_path / "tiny", 16) as tiny, either_client(kind, emu) as client:
        with pytest.raises(OutputSaveError) as caught:
            client.run(PROMPT_TEMPLATE, "a chair", out_dir=tiny)
        assert list(tiny.iterdir()) == []
    _check_named(caught.value, _only_flow(emu), errno.ENOSPC)
    assert _output_gets(proxy) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_real_read_only_out_dir(
    kind: str, emu: Emulator, tmp_path: Path, proxy: ForwardProxy
) -> None:
    """Read-only: run() refuses before creating (InputError); a download is OutputSaveError."""
    with (
        small_fs(tmp_path / "ro", 64, read_only=True) as read_only,
        either_client(kind, emu) as client,
    ):
        with pytest.raises(InputError, match=r"cannot be created or written.*nothing was"):
            client.run(PROMPT_TEMPLATE, "a chair", out_dir=read_only)
        assert emu.ledger == []
        flow = client.flows.create(PROMPT_TEMPLATE, inputs="a chair")
        client.flows.wait(flow.id)
        (output,) = client.flows.outputs(flow.id)
        with pytest.raises(OutputSaveError) as caught:
            client.flows.download_outputs(flow.id, read_only)
        with pytest.raises(OutputSaveError) as single:
            client.flows.download_output(flow.id, output.id, read_only)
    _check_named(caught.value, flow.id, errno.EROFS)
    _check_named(single.value, flow.id, errno.EROFS)
    assert single.value.asset_id == output.id
    assert _output_gets(proxy) == 1  # the single download's one attempt, not three


@pytest.mark.parametrize("kind", KINDS)
def test_saving_an_asset_on_a_full_disk(
    kind: str, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asset.save on a full disk: OutputSaveError naming the flow and asset, no file."""
    with either_client(kind, emu) as client:
        (model,) = client.run(PROMPT_TEMPLATE, "a stool").outputs
    inject_write_fault(monkeypatch, errno.ENOSPC)
    with pytest.raises(OutputSaveError) as caught:
        model.save(tmp_path)
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.generio_flow_id == model.flow_id
    assert caught.value.asset_id == model.id
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_directory_under_the_outputs_name_is_refused_once(
    kind: str, emu: Emulator, tmp_path: Path, proxy: ForwardProxy
) -> None:
    """A directory holds the output's file name: InputError at once, one GET, not retried."""
    with either_client(kind, emu) as client:
        flow = client.flows.create(PROMPT_TEMPLATE, inputs="a desk")
        client.flows.wait(flow.id)
        (output,) = client.flows.outputs(flow.id)
        (tmp_path / f"{output.id}.glb").mkdir()  # the name download_output gives the file
        with pytest.raises(InputError, match="a directory has that name"):
            client.flows.download_output(flow.id, output.id, tmp_path)
    assert _output_gets(proxy) == 1
    assert part_files(tmp_path) == []


def test_a_file_name_too_long_for_the_system_is_typed(emu: Emulator, tmp_path: Path) -> None:
    """dest= and Asset.save() with a 300-character name: OutputSaveError, not a raw OSError."""
    from generio import Generio
    from tests.helpers.emulator import finished_output

    flow_id, asset_id, _ = finished_output(emu, 10_000)
    long_name = "x" * 300 + ".glb"
    with Generio(emu.api_key, emu.base_url) as client:
        with pytest.raises(OutputSaveError) as caught:
            client.flows.download_output(flow_id, asset_id, tmp_path / long_name)
        assert caught.value.errno == errno.ENAMETOOLONG
        asset = client.flows.output(flow_id, asset_id)
        with pytest.raises(OutputSaveError):
            asset.save(tmp_path / long_name)
    assert list(tmp_path.iterdir()) == []


def test_an_input_file_gone_before_the_retry_is_an_input_error(
    emu: Emulator, tmp_path: Path
) -> None:
    """The create answered 503, the input file deleted before its retry: InputError, no flow."""
    import httpx

    from generio import Generio
    from generio.testing import sample_png

    image = tmp_path / "view.png"
    image.write_bytes(sample_png())

    def delete_on_503(response: httpx.Response) -> None:
        if response.status_code == 503:
            image.unlink(missing_ok=True)

    emu.add_fault("unavailable", "create_flow", count=1, retry_after=0)
    http = httpx.Client(event_hooks={"response": [delete_on_503]})
    with (
        Generio(emu.api_key, emu.base_url, http_client=http) as client,
        pytest.raises(InputError, match="could not be opened again to send it"),
    ):
        client.flows.create("model_generate_fromimage", inputs=[image])
    assert emu.ledger == []
