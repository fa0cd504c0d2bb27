"""Batches on both clients: order, results as they end, chains, failures, progress, keys."""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from generio import (
    IDEMPOTENCY_FIELD,
    AsyncGenerio,
    BatchProgress,
    ConfigurationError,
    FlowFailed,
    Generio,
    GenerioError,
    InputError,
    JobError,
    RunResult,
)
from generio._jobs.batch_progress import Tracker
from generio.testing import Emulator, Fault
from tests.helpers.facade import IMAGE_TEMPLATE, OPTIMIZE_TEMPLATE, PROMPT_TEMPLATE

KINDS = ["sync", "async"]


def run_many(kind: str, emu: Emulator, jobs: list[Any], **kwargs: Any) -> list[Any]:
    """Call run_many on a fresh client of the kind."""
    if kind == "sync":
        with Generio(emu.api_key, emu.base_url) as client:
            return client.run_many(jobs, **kwargs)

    async def main() -> list[Any]:
        async with AsyncGenerio(emu.api_key, emu.base_url) as client:
            return await client.run_many(jobs, **kwargs)

    return anyio.run(main)


def iterate(kind: str, emu: Emulator, jobs: list[Any], **kwargs: Any) -> list[tuple[int, Any]]:
    """Collect iter_run_many's (index, result) pairs in the order they came."""
    if kind == "sync":
        with Generio(emu.api_key, emu.base_url) as client:
            return list(client.iter_run_many(jobs, **kwargs))

    async def main() -> list[tuple[int, Any]]:
        async with AsyncGenerio(emu.api_key, emu.base_url) as client:
            return [pair async for pair in client.iter_run_many(jobs, **kwargs)]

    return anyio.run(main)


def _key_of(entry: Any) -> str:
    return str(entry.additional[IDEMPOTENCY_FIELD]["key"])


def _until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the condition"
        time.sleep(0.02)


@pytest.mark.parametrize("kind", KINDS)
def test_results_in_job_order_one_per_job(emu: Emulator, kind: str) -> None:
    """run_many: one result per job, in job order, a bad job's error in its place."""
    jobs: list[Any] = [
        {"template": PROMPT_TEMPLATE, "inputs": f"object {i}", "additional": i} for i in range(5)
    ]
    jobs.insert(2, {"template": IMAGE_TEMPLATE, "inputs": "not an image"})
    results = run_many(kind, emu, jobs, concurrency=3)
    assert len(results) == 6
    assert isinstance(results[2], InputError)
    assert [r.flow.additional for r in results if isinstance(r, RunResult)] == [0, 1, 2, 3, 4]
    assert all(r.steps == (r.flow,) for r in results if isinstance(r, RunResult))
    assert len(emu.ledger) == 5


@pytest.mark.parametrize("kind", KINDS)
def test_a_job_saving_its_outputs_holds_no_place(emu: Emulator, kind: str, tmp_path: Path) -> None:
    """The next job's flow starts while the last one's outputs download, never beside a flow."""
    emu.add_fault(Fault("slow", "get_output", delay=1.5, count=1))
    ends: list[int] = []  # the jobs, as they end

    def seen(progress: BatchProgress) -> None:
        if progress.job is not None and progress.finished > len(ends):
            ends.append(progress.job)

    jobs = [
        {"template": PROMPT_TEMPLATE, "inputs": f"saved {i}", "out_dir": tmp_path / str(i)}
        for i in range(3)
    ]
    results = run_many(kind, emu, jobs, concurrency=1, on_progress=seen)
    assert all(isinstance(r, RunResult) and r.paths for r in results)
    # Job 0's download waited 1.5 s: the other two jobs ran and ended meanwhile.
    assert ends == [1, 2, 0]
    flows = sorted(emu.ledger, key=lambda entry: entry.created_at)
    for before, after in itertools.pairwise(flows):  # one flow on the service at a time
        assert before.finished_at is not None
        assert before.finished_at <= after.created_at


@pytest.mark.parametrize("kind", KINDS)
def test_a_chain_holds_its_place_until_its_last_flow_ends(emu: Emulator, kind: str) -> None:
    """Between a chain's steps nothing is saved: the next job waits for the last step's flow."""
    emu.add_fault(Fault("slow", "get_output", delay=0.5, count=2))
    jobs = [
        {
            "template": PROMPT_TEMPLATE,
            "inputs": f"chained {i}",
            "then": {"template": OPTIMIZE_TEMPLATE},
        }
        for i in range(2)
    ]
    reports: list[BatchProgress] = []
    results = run_many(kind, emu, jobs, concurrency=1, on_progress=reports.append)
    assert all(isinstance(r, RunResult) and len(r.steps) == 2 for r in results)
    assert max(r.running for r in reports) == 1
    flows = sorted(emu.ledger, key=lambda entry: entry.created_at)
    assert [f.template for f in flows] == [PROMPT_TEMPLATE, OPTIMIZE_TEMPLATE] * 2
    for before, after in itertools.pairwise(flows):
        assert before.finished_at is not None
        assert before.finished_at <= after.created_at


@pytest.mark.parametrize("kind", KINDS)
def test_iteration_yields_each_job_as_it_ends(emu: Emulator, kind: str) -> None:
    """iter_run_many: a fast failing job comes before slower good ones; every index once."""
    jobs: list[Any] = [{"template": PROMPT_TEMPLATE, "inputs": f"thing {i}"} for i in range(4)]
    jobs.append({"template": IMAGE_TEMPLATE, "inputs": "no file"})  # fails before any flow
    pairs = iterate(kind, emu, jobs, concurrency=5)
    assert sorted(i for i, _ in pairs) == [0, 1, 2, 3, 4]
    assert pairs[0][0] == 4
    assert isinstance(pairs[0][1], InputError)
    assert all(isinstance(r, RunResult) for i, r in pairs if i != 4)


@pytest.mark.parametrize("kind", KINDS)
def test_concurrency_bounds_the_jobs_running(emu: Emulator, kind: str) -> None:
    """At most `concurrency` jobs run at once; progress counts add up at every report."""
    reports: list[BatchProgress] = []
    jobs = [{"template": PROMPT_TEMPLATE, "inputs": f"bounded {i}"} for i in range(7)]
    results = run_many(kind, emu, jobs, concurrency=2, on_progress=reports.append)
    assert all(isinstance(r, RunResult) for r in results)
    assert max(r.running for r in reports) == 2
    assert max(r.saving for r in reports) <= 2
    for report in reports:
        assert report.queued + report.running + report.saving + report.finished == 7
    assert (reports[0].queued, reports[0].job, reports[0].remaining) == (7, None, None)
    last = reports[-1]
    assert (last.done, last.failed, last.running, last.queued, last.remaining) == (7, 0, 0, 0, 0.0)
    # Each job is reported once starting and once ending.
    assert sorted(r.job for r in reports[1:]) == sorted([*range(7), *range(7)])


def test_estimate_is_the_jobs_left_at_the_rate_so_far() -> None:
    """BatchProgress.remaining: None before any job ended, then left * elapsed / finished."""
    now = [100.0]
    tracker = Tracker(4, clock=lambda: now[0])
    tracker.start()
    tracker.start()
    now[0] = 110.0
    assert tracker.snapshot().remaining is None
    tracker.end(True)
    assert tracker.snapshot().remaining == pytest.approx(30.0)
    tracker.end(False)
    now[0] = 120.0
    snap = tracker.snapshot(1)
    assert (snap.done, snap.failed, snap.finished, snap.job) == (1, 1, 2, 1)
    assert snap.remaining == pytest.approx(20.0)


@pytest.mark.parametrize("kind", KINDS)
def test_failing_job_among_good_ones(emu: Emulator, kind: str) -> None:
    """A flow that fails is its job's FlowFailed; the other jobs complete."""
    emu.add_fault("fail_flow", "create_flow", count=1)
    jobs = [{"template": PROMPT_TEMPLATE, "inputs": f"maybe {i}"} for i in range(4)]
    results = run_many(kind, emu, jobs, concurrency=4)
    failed = [r for r in results if isinstance(r, FlowFailed)]
    assert len(failed) == 1
    assert sum(isinstance(r, RunResult) for r in results) == 3
    assert {e.state for e in emu.ledger} == {"completed", "failed"}
    assert [e.flow_id for e in emu.ledger if e.state == "failed"] == [failed[0].flow.id]


@pytest.mark.parametrize("kind", KINDS)
def test_other_exceptions_are_wrapped_and_the_flow_aborted(emu: Emulator, kind: str) -> None:
    """A job's on_progress raising ValueError: a JobError whose cause it is; others go on."""
    emu.flow_seconds = 2

    def broken(_flow: object) -> None:
        raise ValueError("my callback broke")

    jobs: list[Any] = [
        {"template": PROMPT_TEMPLATE, "inputs": "fine"},
        {"template": PROMPT_TEMPLATE, "inputs": "broken", "on_progress": broken},
    ]
    good, bad = run_many(kind, emu, jobs)
    assert isinstance(good, RunResult)
    assert isinstance(bad, JobError)
    assert isinstance(bad, GenerioError)
    assert bad.index == 1
    assert isinstance(bad.__cause__, ValueError)
    assert "ValueError: my callback broke" in str(bad)
    states = {e.flow_id: e.state for e in emu.ledger}
    assert states[good.flow.id] == "completed"
    assert states[bad.generio_flow_id] in ("aborting", "aborted")  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
def test_chained_steps_feed_outputs_forward(emu: Emulator, kind: str) -> None:
    """then: optimise each generated model; keys derived from the job's; steps in the result."""
    jobs: list[Any] = [
        {
            "template": PROMPT_TEMPLATE,
            "inputs": f"a chair {i}",
            "idempotency_key": f"catalogue/chair-{i}",
            "then": {"template": OPTIMIZE_TEMPLATE, "parameters": {"polygon_count": 20000}},
        }
        for i in range(3)
    ]
    results = run_many(kind, emu, jobs, concurrency=2)
    assert all(isinstance(r, RunResult) for r in results)
    with Generio(emu.api_key, emu.base_url) as client:
        for result in results:
            first, second = result.steps
            assert result.flow == second
            assert (first.template, second.template) == (PROMPT_TEMPLATE, OPTIMIZE_TEMPLATE)
            assert second.parameters["polygon_count"] == 20000
            made = client.flows.outputs(first.id, include_data=True)
            given = client.flows.inputs(second.id, include_data=True)
            assert [a.data for a in given] == [a.data for a in made]
            assert result.outputs[0].data is not None
    keys = sorted(_key_of(e) for e in emu.ledger)
    assert keys == sorted(
        k for i in range(3) for k in (f"catalogue/chair-{i}", f"catalogue/chair-{i}/then/1")
    )


def test_a_chain_passes_outputs_without_decoding(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No local round trip: a step's outputs go to the next as their data URIs, undecoded."""
    from generio._payload import data_uri as _data_uri

    decoded: list[int] = []
    real = _data_uri.decode

    def counting(uri: str) -> Any:
        decoded.append(len(uri))
        return real(uri)

    monkeypatch.setattr(_data_uri, "decode", counting)
    job: Any = {
        "template": PROMPT_TEMPLATE,
        "inputs": "a lamp",
        "then": [{"template": OPTIMIZE_TEMPLATE}, {"template": OPTIMIZE_TEMPLATE}],
    }
    with Generio(emu.api_key, emu.base_url) as client:
        (result,) = client.run_many([job])
    assert isinstance(result, RunResult)
    assert len(result.steps) == 3
    assert decoded == []
    assert result.outputs[0].data is not None  # decoded on first access, by the caller
    assert len(decoded) == 1
    keys = [_key_of(e) for e in emu.ledger]
    assert keys[0].startswith("auto-")  # a job without a key gets a random one...
    assert keys[1:] == [f"{keys[0]}/then/1", f"{keys[0]}/then/2"]  # ...its steps derive


@pytest.mark.parametrize("kind", KINDS)
def test_chain_with_out_dir_writes_only_the_last_step(
    emu: Emulator, kind: str, tmp_path: Any
) -> None:
    """out_dir gets the last step's outputs; earlier steps' outputs stay in memory."""
    job: Any = {
        "template": PROMPT_TEMPLATE,
        "inputs": "a vase",
        "then": {"template": OPTIMIZE_TEMPLATE},
        "out_dir": tmp_path / "vase",
    }
    (result,) = run_many(kind, emu, [job])
    assert isinstance(result, RunResult)
    assert [p.parent for p in result.paths] == [tmp_path / "vase"]
    assert sorted(p.name for p in (tmp_path / "vase").iterdir()) == [result.paths[0].name]
    # The readable pattern: the last step's inputs are assets (no words), its flow's short id.
    assert result.paths[0].name == f"output-{result.flow.id[-8:]}-0.glb"
    assert result.outputs[0].path == result.paths[0]


@pytest.mark.parametrize("kind", KINDS)
def test_a_run_again_adopts_every_step(emu: Emulator, kind: str) -> None:
    """Keyed jobs run twice: the same flows come back; nothing is created the second time."""
    jobs: list[Any] = [
        {
            "template": PROMPT_TEMPLATE,
            "inputs": f"a table {i}",
            "idempotency_key": f"tables/{i}",
            "then": {"template": OPTIMIZE_TEMPLATE},
        }
        for i in range(2)
    ]
    first = run_many(kind, emu, jobs)
    again = run_many(kind, emu, jobs)
    assert [[f.id for f in r.steps] for r in again] == [[f.id for f in r.steps] for r in first]
    assert len(emu.ledger) == 4


def test_a_job_stopped_between_steps_resumes_at_the_second(emu: Emulator) -> None:
    """Step 1 done earlier under the job's key: the batch adopts it and runs only step 2."""
    with Generio(emu.api_key, emu.base_url) as client:
        earlier = client.run(PROMPT_TEMPLATE, "a shelf", idempotency_key="shelves/1")
        job: Any = {
            "template": PROMPT_TEMPLATE,
            "inputs": "a shelf",
            "idempotency_key": "shelves/1",
            "then": {"template": OPTIMIZE_TEMPLATE},
        }
        (result,) = client.run_many([job], on_interrupt="keep")
    assert isinstance(result, RunResult)
    assert result.steps[0].id == earlier.flow.id
    assert [_key_of(e) for e in emu.ledger] == ["shelves/1", "shelves/1/then/1"]


@pytest.mark.parametrize("kind", KINDS)
def test_faults_during_a_chained_batch(emu: Emulator, kind: str) -> None:
    """Lost, cut and refused answers all through a chained batch: each step billed once."""
    # Bounded counts: no call meets more faults in a row than its retry budget rides out.
    emu.add_fault("lost_response", "create_flow", count=3)
    emu.add_fault("server_error", "get_flow", rate=0.3, count=4)
    emu.add_fault("truncated_json", "list_outputs", rate=0.5, count=2)
    emu.add_fault("rate_limit", "list_flows", rate=0.5, count=2, retry_after=0)
    jobs: list[Any] = [
        {
            "template": PROMPT_TEMPLATE,
            "inputs": f"a faulty stool {i}",
            "then": {"template": OPTIMIZE_TEMPLATE},
        }
        for i in range(4)
    ]
    results = run_many(kind, emu, jobs, concurrency=4)
    assert all(isinstance(r, RunResult) for r in results), results
    assert [r.kind.value for r in emu.fault_log].count("lost_response") == 3
    keys = [_key_of(e) for e in emu.ledger]
    assert len(keys) == len(set(keys)) == 8
    assert {e.state for e in emu.ledger} == {"completed"}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("job", "words"),
    [
        ({"template": PROMPT_TEMPLATE, "inputs": "x", "paramters": {}}, "mean 'parameters'"),
        ({"template": PROMPT_TEMPLATE, "inputs": "x", "idempotency": "k"}, "unknown key"),
        ({"inputs": "x"}, "has no 'template'"),
        ({"template": PROMPT_TEMPLATE}, "has no 'inputs'"),
        (
            {"template": PROMPT_TEMPLATE, "inputs": "x", "then": {"template": "t", "input": 1}},
            "step 2 (then) has an unknown key 'input'",
        ),
        (
            {"template": PROMPT_TEMPLATE, "inputs": "x", "then": [{"template": "t", "inputs": 1}]},
            "previous step's outputs",
        ),
        ({"template": PROMPT_TEMPLATE, "inputs": "x", "then": "model_optimize"}, "then must be"),
        ({"template": PROMPT_TEMPLATE, "inputs": "x", "on_interrupt": "stop"}, "on_interrupt"),
        ("model_optimize", "must be a dict"),
    ],
    ids=["misspelt", "unknown", "no-template", "no-inputs", "step-key", "step-inputs",
         "then-str", "on-interrupt", "not-a-dict"],
)  # fmt: skip
def test_misspelt_job_keys_fail_before_any_request(
    emu: Emulator, kind: str, job: Any, words: str
) -> None:
    """An unusable job is an InputError naming it, raised at the call; nothing is sent."""
    good = {"template": PROMPT_TEMPLATE, "inputs": "fine"}
    with pytest.raises(InputError, match="job 1") as caught:
        run_many(kind, emu, [good, job])
    assert words in str(caught.value)
    assert emu.ledger == []


def test_iter_run_many_checks_at_the_call(emu: Emulator) -> None:
    """iter_run_many raises for a bad job or concurrency when called, not when iterated."""
    with Generio(emu.api_key, emu.base_url) as client:
        with pytest.raises(ConfigurationError, match="concurrency"):
            client.iter_run_many([], concurrency=0)
        with pytest.raises(InputError, match="unknown key"):
            client.iter_run_many([{"template": PROMPT_TEMPLATE, "inputs": "x", "seed": 1}])
    with pytest.raises(InputError, match="a list of jobs"):
        run_many("async", emu, {"template": PROMPT_TEMPLATE, "inputs": "x"})  # type: ignore[arg-type]


def _slow_jobs(keys: bool = False) -> list[Any]:
    jobs: list[Any] = [{"template": IMAGE_TEMPLATE, "inputs": "no such file"}]
    for i in range(2):
        job = {"template": PROMPT_TEMPLATE, "inputs": f"a long chair {i}"}
        if keys:
            job["idempotency_key"] = f"long/{i}"
        jobs.append(job)
    return jobs


@pytest.mark.parametrize("mode", ["abort", "keep"])
def test_leaving_the_loop_early_stops_the_jobs_in_flight(emu: Emulator, mode: str) -> None:
    """Breaking out of iter_run_many: the flows in flight are aborted, or kept with "keep"."""
    emu.flow_seconds = 60
    with Generio(emu.api_key, emu.base_url) as client:
        batch = client.iter_run_many(_slow_jobs(), concurrency=3, on_interrupt=mode)  # type: ignore[arg-type]
        with contextlib.closing(batch):
            for index, result in batch:
                assert (index, type(result)) == (0, InputError)
                _until(lambda: len(emu.ledger) == 2)
                break
    states = {e.state for e in emu.ledger}
    assert states <= ({"aborting", "aborted"} if mode == "abort" else {"starting", "running"})


@pytest.mark.parametrize("mode", ["abort", "keep"])
def test_ctrl_c_in_a_sync_batch(emu: Emulator, mode: str) -> None:
    """KeyboardInterrupt stops the batch; its flows aborted or kept; the error lists them."""
    emu.flow_seconds = 60

    def on_progress(progress: BatchProgress) -> None:
        if progress.failed:
            _until(lambda: len(emu.ledger) == 2)
            raise KeyboardInterrupt

    with (
        Generio(emu.api_key, emu.base_url) as client,
        pytest.raises(KeyboardInterrupt) as caught,
    ):
        client.run_many(
            _slow_jobs(keys=True),
            concurrency=3,
            on_progress=on_progress,
            on_interrupt=mode,  # type: ignore[arg-type]
        )
    ids = sorted(caught.value.generio_flow_ids)  # type: ignore[attr-defined]
    assert ids == sorted(e.flow_id for e in emu.ledger)
    fate = "aborted" if mode == "abort" else "left running"
    assert fate in caught.value.__notes__[-1]
    states = {e.state for e in emu.ledger}
    assert states <= ({"aborting", "aborted"} if mode == "abort" else {"starting", "running"})


@pytest.mark.parametrize("mode", ["abort", "keep"])
def test_cancelled_async_batch(emu: Emulator, mode: str) -> None:
    """A cancelled AsyncGenerio.run_many: its flows aborted (shielded), or kept."""
    emu.flow_seconds = 60

    async def main() -> None:
        async with (
            AsyncGenerio(emu.api_key, emu.base_url) as client,
            anyio.create_task_group() as group,
        ):

            async def go() -> None:
                await client.run_many(_slow_jobs(), concurrency=3, on_interrupt=mode)  # type: ignore[arg-type]

            group.start_soon(go)
            while len(emu.ledger) < 2:  # noqa: ASYNC110 - the emulator has no event to await
                await anyio.sleep(0.02)
            group.cancel_scope.cancel()

    anyio.run(main)
    states = {e.state for e in emu.ledger}
    assert len(emu.ledger) == 2
    assert states <= ({"aborting", "aborted"} if mode == "abort" else {"starting", "running"})


@pytest.mark.parametrize("mode", ["abort", "keep"])
def test_closing_the_async_iterator_early_stops_the_jobs(emu: Emulator, mode: str) -> None:
    """aclosing() an async iter_run_many left early: flows aborted or kept, no exception group."""
    emu.flow_seconds = 60

    async def main() -> None:
        async with AsyncGenerio(emu.api_key, emu.base_url) as client:
            batch = client.iter_run_many(_slow_jobs(), concurrency=3, on_interrupt=mode)  # type: ignore[arg-type]
            async with contextlib.aclosing(batch):
                async for index, result in batch:
                    assert (index, type(result)) == (0, InputError)
                    while len(emu.ledger) < 2:  # noqa: ASYNC110 - no event to await
                        await anyio.sleep(0.02)
                    break

    anyio.run(main)
    states = {e.state for e in emu.ledger}
    assert len(emu.ledger) == 2
    assert states <= ({"aborting", "aborted"} if mode == "abort" else {"starting", "running"})


@pytest.mark.parametrize("kind", KINDS)
def test_batch_callback_that_raises_stops_the_batch(emu: Emulator, kind: str) -> None:
    """The batch's on_progress raising: the exception comes out as it was, flows aborted."""
    emu.flow_seconds = 60

    def on_progress(progress: BatchProgress) -> None:
        if progress.failed:  # job 0 gave up waiting: the other two flows exist by then
            raise ValueError("my batch callback broke")

    jobs: list[Any] = [{"template": PROMPT_TEMPLATE, "inputs": "a timed sofa", "timeout": 2}]
    jobs += [{"template": PROMPT_TEMPLATE, "inputs": f"a stopped sofa {i}"} for i in range(2)]
    with pytest.raises(ValueError, match="batch callback broke") as caught:
        run_many(kind, emu, jobs, concurrency=3, on_progress=on_progress)
    assert "the batch was interrupted" in caught.value.__notes__[-1]
    states = sorted(e.state for e in emu.ledger)
    assert len(states) == 3
    # Job 0's flow runs on (a wait that times out leaves its flow); the others stopped.
    assert sum(s in ("starting", "running") for s in states) == 1
    assert sum(s in ("aborting", "aborted") for s in states) == 2


def test_both_clients_offer_the_same_batch_methods() -> None:
    """Generio and AsyncGenerio: run_many and iter_run_many with the same parameters."""
    import inspect

    for name in ("run_many", "iter_run_many"):
        sync = inspect.signature(getattr(Generio, name)).parameters
        asynchronous = inspect.signature(getattr(AsyncGenerio, name)).parameters
        assert list(sync) == list(asynchronous) == [
            "self", "jobs", "concurrency", "on_progress", "on_interrupt", "journal"
        ]  # fmt: skip
    assert inspect.iscoroutinefunction(AsyncGenerio.run_many)
    assert inspect.isasyncgenfunction(AsyncGenerio.iter_run_many) is False  # checks at the call


def test_ctrl_c_ends_the_retry_pauses_of_a_sync_batch(emu: Emulator, real_polls: None) -> None:
    """Jobs waiting out a 429's Retry-After when the batch stops: they stop at once."""
    emu.flow_seconds = 60
    emu.add_fault("rate_limit", "get_flow", retry_after=30)
    raised: list[float] = []

    def on_progress(progress: BatchProgress) -> None:
        if progress.failed:
            _until(lambda: sum(r.operation == "get_flow" for r in emu.fault_log) >= 2)
            raised.append(time.monotonic())
            raise KeyboardInterrupt

    with (
        Generio(emu.api_key, emu.base_url) as client,
        pytest.raises(KeyboardInterrupt),
    ):
        client.run_many(_slow_jobs(), concurrency=3, on_progress=on_progress)
    # Each pause is 30 s; the jobs used to sleep it out before their clean-up.
    assert time.monotonic() - raised[0] < 8.0
    emu.clear_faults()
    assert {e.state for e in emu.ledger} <= {"aborting", "aborted"}
    assert len(emu.ledger) == 2


def test_ctrl_c_while_a_job_saves_says_its_flow_had_ended(emu: Emulator, tmp_path: Path) -> None:
    """The batch's note tells a saving job's ended flow apart from the flows it aborted."""
    emu.add_fault(Fault("slow", "list_outputs", delay=1.0, count=1))  # job 0 stops saving

    def on_progress(progress: BatchProgress) -> None:
        if progress.saving and progress.running:  # job 1 started while job 0 saves
            _until(lambda: len(emu.ledger) == 2)
            raise KeyboardInterrupt

    jobs = [
        {"template": PROMPT_TEMPLATE, "inputs": f"saved {i}", "out_dir": tmp_path / str(i)}
        for i in range(3)
    ]
    emu.flow_seconds = 0.2
    with (
        Generio(emu.api_key, emu.base_url) as client,
        pytest.raises(KeyboardInterrupt) as caught,
    ):
        client.run_many(jobs, concurrency=1, on_progress=on_progress, on_interrupt="abort")
    first, second = sorted(emu.ledger, key=lambda entry: entry.created_at)
    note = caught.value.__notes__[-1]
    assert f"in flight ({second.flow_id}) were aborted" in note
    assert f"Flows {first.flow_id} had ended" in note
    assert sorted(caught.value.generio_flow_ids) == sorted([first.flow_id, second.flow_id])  # type: ignore[attr-defined]
    assert first.state == "completed"
