"""Where run()'s outputs go: left on the service, under a chosen name; and on_interrupt="auto".

``fetch_outputs=False`` returns the flow and its outputs (with the template's MIME type)
without their bytes, to stream or save later; ``out_name`` names the files; the default
``on_interrupt="auto"`` keeps a keyed call's flow and aborts others. Both clients.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generio import AsyncGenerio, Flow, Generio, InputError, Job, RunResult
from generio.testing import Emulator
from tests.helpers.emulator import emulator_outputs
from tests.helpers.facade import OPTIMIZE_TEMPLATE, PROMPT_TEMPLATE, either_client

KINDS = ["sync", "async"]


@pytest.mark.parametrize("kind", KINDS)
def test_run_can_leave_outputs_on_the_service(emu: Emulator, kind: str) -> None:
    """fetch_outputs=False: the outputs are listed with their MIME type; bytes stream later."""
    with either_client(kind, emu) as client:
        result = client.run(PROMPT_TEMPLATE, "a bowl", fetch_outputs=False)
        (output,) = result.outputs
        assert (output.mime_type, output.has_data, output.left_on_service) == (
            "model/gltf-binary",
            False,
            True,
        )
        with pytest.raises(InputError, match=r"left on the service.*stream_output"):
            _ = output.data
    with Generio(emu.api_key, emu.base_url) as sync:
        streamed = b"".join(sync.flows.stream_output(result.flow.id, output.id))
    assert [streamed] == emulator_outputs(emu, result.flow.id)
    assert result.paths == ()


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"fetch_outputs": False, "out_dir": "x"}, "nothing to write"),
        ({"out_name": "chair"}, "give out_dir too"),
        ({"out_name": "../chair", "out_dir": "x"}, "one visible file"),
        ({"out_name": ".hidden", "out_dir": "x"}, "one visible file"),
        ({"out_name": "", "out_dir": "x"}, "non-empty file name"),
        ({"fetch_outputs": "no"}, "True or False"),
        ({"progress_interval": 0}, "progress_interval"),
        ({"on_interrupt": "stop"}, "'auto', 'abort' or 'keep'"),
    ],
)
def test_bad_collect_options_cost_nothing(
    emu: Emulator, options: dict[str, object], words: str
) -> None:
    """A bad fetch_outputs, out_name or progress_interval is an InputError before any flow."""
    with Generio(emu.api_key, emu.base_url) as client, pytest.raises(InputError, match=words):
        client.run(PROMPT_TEMPLATE, "a pot", **options)  # type: ignore[arg-type]
    assert emu.ledger == []


@pytest.mark.parametrize("kind", KINDS)
def test_out_name_names_the_files_and_replaces_them(
    emu: Emulator, kind: str, tmp_path: Path
) -> None:
    """out_name gives chair.glb; a run again with the same name replaces it."""
    with either_client(kind, emu) as client:
        first = client.run(PROMPT_TEMPLATE, "a chair", out_dir=tmp_path, out_name="chair")
        second = client.run(PROMPT_TEMPLATE, "a stool", out_dir=tmp_path, out_name="chair.glb")
    assert first.paths == second.paths == (tmp_path / "chair.glb",)
    assert [p.name for p in tmp_path.iterdir()] == ["chair.glb"]
    assert [(tmp_path / "chair.glb").read_bytes()] == emulator_outputs(emu, second.flow.id)


@pytest.mark.parametrize("kind", KINDS)
def test_batch_jobs_name_their_files_and_can_leave_outputs(
    emu: Emulator, kind: str, tmp_path: Path
) -> None:
    """A chained job's out_name names its last step's file; another leaves it on the service."""
    jobs: list[Job] = [
        {
            "template": PROMPT_TEMPLATE,
            "inputs": "a sofa",
            "then": {"template": OPTIMIZE_TEMPLATE},
            "out_dir": tmp_path,
            "out_name": "sofa-small",
        },
        {"template": PROMPT_TEMPLATE, "inputs": "a bed", "fetch_outputs": False},
    ]
    with either_client(kind, emu) as client:
        named, left = client.run_many(jobs)
    assert isinstance(named, RunResult)
    assert isinstance(left, RunResult)
    assert named.paths == (tmp_path / "sofa-small.glb",)
    assert [named.paths[0].read_bytes()] == emulator_outputs(emu, named.flow.id)
    assert [(o.has_data, o.mime_type) for o in left.outputs] == [(False, "model/gltf-binary")]


def test_two_jobs_may_not_name_the_same_file(emu: Emulator, tmp_path: Path) -> None:
    """Two jobs naming one file in one folder: an InputError naming both, before any request."""
    jobs: list[Job] = [
        {"template": PROMPT_TEMPLATE, "inputs": "a", "out_dir": tmp_path, "out_name": "m"},
        {"template": PROMPT_TEMPLATE, "inputs": "b", "out_dir": tmp_path, "out_name": "M"},
    ]
    with (
        Generio(emu.api_key, emu.base_url) as client,
        pytest.raises(InputError, match="job 1 and job 0 both name their files 'M'"),
    ):
        client.run_many(jobs)
    assert emu.ledger == []


class Stop(Exception):
    """Raised by on_progress: an interruption of run(), as Ctrl-C would be."""


def _interrupted(client: Generio, key: str | None) -> Stop:
    def stop(_flow: Flow) -> None:
        raise Stop

    with pytest.raises(Stop) as caught:
        client.run(PROMPT_TEMPLATE, "a clock", on_progress=stop, idempotency_key=key)
    return caught.value


@pytest.mark.parametrize("kind", KINDS)
def test_auto_keeps_a_keyed_runs_flow_and_aborts_an_unkeyed_one(emu: Emulator, kind: str) -> None:
    """on_interrupt="auto" (the default): keyed, the flow runs on; unkeyed, it is aborted."""
    emu.flow_seconds = 3600
    with either_client(kind, emu) as client:
        kept = _interrupted(client, "clock-1")
        aborted = _interrupted(client, None)
        kept_state = client.flows.get(kept.generio_flow_id).state  # type: ignore[attr-defined]
        aborted_state = client.flows.get(aborted.generio_flow_id).state  # type: ignore[attr-defined]
    assert kept_state in ("starting", "running")
    assert aborted_state in ("aborting", "aborted")
    assert "kept running (it has your idempotency_key)" in " ".join(kept.__notes__)
    assert "was aborted" in " ".join(aborted.__notes__)


def test_the_default_is_one_across_library_and_cli() -> None:
    """run(), run_many, iter_run_many (both clients) and `generio batch` default to "auto"."""
    import inspect

    from generio._cli._batch import batch

    for method in (
        Generio.run, Generio.run_many, Generio.iter_run_many,
        AsyncGenerio.run, AsyncGenerio.run_many, AsyncGenerio.iter_run_many,
    ):  # fmt: skip
        assert inspect.signature(method).parameters["on_interrupt"].default == "auto", method
    assert inspect.signature(batch).parameters["on_interrupt"].default == "auto"


@pytest.mark.parametrize("kind", KINDS)
def test_progress_interval_reaches_run_and_wait(emu: Emulator, kind: str) -> None:
    """run() and flows.wait() take progress_interval on both clients, polls faulted or not."""
    emu.add_fault("rate_limit", "get_flow", count=2, retry_after=0)
    seen: list[str] = []
    with either_client(kind, emu) as client:
        result = client.run(
            PROMPT_TEMPLATE,
            "a bell",
            progress_interval=0.5,
            on_progress=lambda f: seen.append(f.state),
        )
        again = client.flows.wait(result.flow.id, progress_interval=2)
        with pytest.raises(InputError, match="progress_interval"):
            client.flows.wait(result.flow.id, progress_interval=-1)
    assert (result.flow.state, again.state, seen[-1]) == ("completed", "completed", "completed")
    assert len(emu.fault_log) == 2
