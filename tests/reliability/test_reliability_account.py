"""At-most-once at account scale: a fake service of 5,000-20,000 flows, not the emulator.

Every case of issue 23's adversarial round, on both clients, with the requests each call
cost counted: one flow per call or key, and lookups that cost what is new, not the account.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from typing import Any

import anyio
import pytest

from generio import AsyncGenerio, Generio, LookupIncompleteError
from generio._drivers.asynchronous import AsyncDriver
from generio._drivers.sync import SyncDriver
from generio._jobs.account import MAX_CLAIMS
from generio._jobs.effects import Call, Effect
from tests.helpers.big_account import BigAccount, FakeFlow, serve
from tests.helpers.facade import client_at

PROMPT = "model_generate_fromprompt"
OPTIMIZE = "model_optimize"
KINDS = ["sync", "async"]
#: Templates of the account that no test calls: their flows are not candidates.
OTHER_TEMPLATES = [f"model_other_{n}" for n in range(9)]


def _work(counts: Counter[str]) -> Counter[str]:
    """Return the requests that are a flow's own work or a lookup: templates left out."""
    return Counter({k: v for k, v in counts.items() if not k.startswith("GET /templates")})


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("additional", [True, False], ids=["additional", "summaries"])
def test_unkeyed_calls_send_only_their_own_work(kind: str, additional: bool) -> None:
    """run, run_many, iter_run_many and chains without a key: create, polls, outputs; no list."""
    account = BigAccount(additional=additional, flow_seconds=0.05)
    account.prefill(5_000)
    jobs: list[Any] = [{"template": PROMPT, "inputs": f"a chair {i}"} for i in range(4)]
    jobs.append({"template": PROMPT, "inputs": "a stool", "then": {"template": OPTIMIZE}})
    with serve(account), client_at(kind, "key", account.base_url) as client:
        client.run(PROMPT, "a lamp")
        client.run(PROMPT, "a desk", out_dir=None)
        results = client.run_many(jobs, concurrency=3)
        iterated = client.iter_run_many(jobs[:2])
        if kind == "sync":
            assert len(list(iterated)) == 2
        else:
            assert len(client._portal.call(_drain, iterated)) == 2  # type: ignore[attr-defined]
    assert all(not isinstance(r, Exception) for r in results)
    flows = 2 + 6 + 2
    work = _work(account.by_path())
    assert set(work) <= {"POST /flows", "GET /flows/{id}", "GET /flows/{id}/outputs"}, work
    assert work["POST /flows"] == len(account.ledger) == flows
    assert work["GET /flows/{id}/outputs"] == flows
    assert account.pages() == 0


async def _drain(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


@pytest.mark.parametrize("kind", KINDS)
def test_keyed_resume_on_a_200_page_account(kind: str) -> None:
    """A keyed batch run again by a fresh client on 200 pages: one listing, nothing bought."""
    account = BigAccount()
    account.prefill(20_000)
    jobs: list[Any] = [
        {"template": PROMPT, "inputs": f"sku {i}", "idempotency_key": f"sku-{i}"} for i in range(3)
    ]
    with serve(account), client_at(kind, "key", account.base_url) as first:
        made = [r.flow.id for r in first.run_many(jobs)]
    assert account.pages() == 200  # the first batch's one listing
    account.requests.clear()
    with serve(account), client_at(kind, "key", account.base_url) as second:
        again = [r.flow.id for r in second.run_many(jobs)]
    assert again == made
    assert sorted(f.flow_id for f in account.ledger) == sorted(made)
    assert account.pages() == 201  # one listing of 20,003 flows for the whole batch
    assert account.count("POST") == 0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("order", ["ascending", "descending"])
@pytest.mark.parametrize("skew", [0.0, 90.0], ids=["same-clock", "service-90s-behind"])
def test_a_lost_answer_without_key_adopts_the_newest_flow(
    kind: str, order: str, skew: float
) -> None:
    """20,000 flows, the create's answer lost: its flow is found and returned, not bought twice."""
    account = BigAccount(order=order, skew=skew)
    account.prefill(20_000)
    account.lose_creates = 1
    with serve(account), client_at(kind, "key", account.base_url) as client:
        result = client.run(PROMPT, "a lost chair")
    assert [f.flow_id for f in account.ledger] == [result.flow.id]
    assert account.count("POST") == 1
    # Oldest first the newest flows are on the last page: all of it is read, once.
    assert account.pages() == (201 if order == "ascending" else 1)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("links", ["relative", "absolute", "cursor"])
def test_a_keyed_rerun_after_12000_newer_flows_newest_first(kind: str, links: str) -> None:
    """Newest first, 12,000 flows made after the key's: a fresh client still finds it."""
    account = BigAccount(order="descending", links=links)
    account.prefill(2_000)
    with serve(account):
        with client_at(kind, "key", account.base_url) as first:
            made = first.run(PROMPT, "a chair", idempotency_key="order-7").flow.id
        created = next(f.created for f in account.flows if f.flow_id == made)
        account.prefill(12_000, span=account.now() - created - 0.5, end=account.now())
        account.requests.clear()
        with client_at(kind, "key", account.base_url) as second:
            again = second.run(PROMPT, "a chair", idempotency_key="order-7")
    assert again.flow.id == made
    assert [f.flow_id for f in account.ledger] == [made]
    assert account.pages() == 121  # down to the key's flow, within the 24-hour window


@pytest.mark.parametrize("kind", KINDS)
def test_one_flow_dated_days_ahead_does_not_cut_a_keyed_lookup_short(kind: str) -> None:
    """Newest first, one flow dated 2 days ahead (a wrong clock): the key is still found.

    Bounds come from the newest creation time listed; one far past our clock would make a
    lookup stop at the first page and miss the key, so the call would be billed twice.
    """
    account = BigAccount(order="descending")
    account.prefill(2_000, span=60 * 3600)  # 20 pages, 8 of them inside the window
    ahead = FakeFlow(account.new_id(), PROMPT, {"n": "ahead"}, account.now() + 2 * 86400)
    account.flows.append(ahead)
    account._by_id[ahead.flow_id] = ahead
    with serve(account):
        with client_at(kind, "key", account.base_url) as first:
            made = first.run(PROMPT, "a lamp", idempotency_key="order-7").flow.id
        time.sleep(1.1)
        account.prefill(300, span=1.0, end=account.now())  # three pages made after it
        account.requests.clear()
        with client_at(kind, "key", account.base_url) as second:
            again = second.run(PROMPT, "a lamp", idempotency_key="order-7").flow.id
    assert again == made
    assert len(account.ledger) == 1
    assert account.pages() < 16  # down to the window (an hour past it), not all 24 pages


@pytest.mark.parametrize("kind", KINDS)
def test_pages_of_ten_flows_do_not_stop_a_keyed_lookup(kind: str) -> None:
    """12,000 flows listed 10 a page (1,200 pages): a fresh client's keyed call finds its key."""
    account = BigAccount(page_size=10)
    account.prefill(12_000)
    with serve(account):
        with client_at(kind, "key", account.base_url) as first:
            made = first.run(PROMPT, "a desk", idempotency_key="desk-1").flow.id
        with client_at(kind, "key", account.base_url) as second:
            again = second.run(PROMPT, "a desk", idempotency_key="desk-1").flow.id
    assert again == made
    assert len(account.ledger) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_flows_without_additional_are_read_once_per_client(kind: str) -> None:
    """10,050 flows inside the window, listed without additional: read once, not per call."""
    account = BigAccount(additional=False)
    # Ten templates in turn: the 1,005 of ours are read one by one, the others skipped.
    account.prefill(10_050, span=12 * 3600, templates=[PROMPT, *OTHER_TEMPLATES])
    with serve(account), client_at(kind, "key", account.base_url) as client:
        client.run(PROMPT, "a chair", idempotency_key="first")
        first_reads = account.flow_reads()
        assert first_reads == 1_005  # this template's flows, each once
        account.requests.clear()
        client.run(PROMPT, "a table", idempotency_key="second")
        client.run(PROMPT, "a chair", idempotency_key="first")
    assert account.flow_reads() <= 2  # the new flow, and the first key's flow found again
    assert account.pages() <= 4
    assert len(account.ledger) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_a_keyed_batch_shares_its_reads_one_by_one(kind: str) -> None:
    """A keyed batch on summaries: one listing, each flow of the window read once, a few at once."""
    account = BigAccount(additional=False)
    account.prefill(600, span=12 * 3600)
    history = {f"/flows/{flow.flow_id}" for flow in account.flows}
    real = account.handle
    lock = threading.Lock()
    live, most = [0], [0]

    def handle(method: str, target: str, body: bytes) -> tuple[int, Any]:
        if method != "GET" or target not in history:
            return real(method, target, body)
        with lock:
            live[0] += 1
            most[0] = max(most[0], live[0])
        try:
            time.sleep(0.02)  # a read takes a while: others start meanwhile
            return real(method, target, body)
        finally:
            with lock:
                live[0] -= 1

    account.handle = handle  # type: ignore[method-assign]
    jobs: list[Any] = [
        {"template": PROMPT, "inputs": f"a chair {i}", "idempotency_key": f"chair-{i}"}
        for i in range(12)
    ]
    with serve(account), client_at(kind, "key", account.base_url) as client:
        results = client.run_many(jobs, concurrency=12)
    assert all(not isinstance(r, Exception) for r in results), results
    reads = Counter(path for method, path in account.requests if path in history)
    assert len(reads) == 200  # this template's flows in the window
    assert set(reads.values()) == {1}  # each once
    assert account.pages() == 6  # one listing for the batch
    assert 2 <= most[0] <= MAX_CLAIMS
    assert len(account.ledger) == 12


@pytest.mark.parametrize("kind", KINDS)
def test_entries_without_additional_or_template(kind: str) -> None:
    """List entries with neither additional nor template: every recent flow is a candidate."""
    account = BigAccount(additional=False, template=False)
    account.prefill(2_000)
    with serve(account), client_at(kind, "key", account.base_url) as client:
        first = client.flows.create(PROMPT, inputs="a sofa", idempotency_key="sofa")
        again = client.flows.create(PROMPT, inputs="a sofa", idempotency_key="sofa")
        account.lose_creates = 1
        lost = client.run(PROMPT, "a lost sofa")
    assert first.id == again.id
    assert [f.flow_id for f in account.ledger] == [first.id, lost.flow.id]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("links", ["relative", "cursor"])
def test_cost_per_keyed_call_stays_flat(kind: str, links: str) -> None:
    """40 keyed run() calls on one client, 20,000 flows: one listing, then a page or two each."""
    account = BigAccount(links=links)
    account.prefill(20_000)
    costs: list[Counter[str]] = []
    with serve(account), client_at(kind, "key", account.base_url) as client:
        for i in range(40):
            account.requests.clear()
            client.run(PROMPT, f"lamp {i}", idempotency_key=f"lamp-{i}")
            costs.append(_work(account.by_path()))
    assert costs[0]["GET /flows"] == 200
    later = [c["GET /flows"] for c in costs[1:]]
    assert max(later) <= 3
    assert sum(later[-10:]) <= sum(later[:10]) + 2  # flat as the calls (and flows) grow
    assert all(c["POST /flows"] == 1 for c in costs)
    assert len(account.ledger) == 40


def _interrupt_sync_after_post(monkeypatch: pytest.MonkeyPatch) -> None:
    real = SyncDriver.perform

    def perform(self: SyncDriver, effect: Effect) -> Any:
        result = real(self, effect)
        if isinstance(effect, Call) and effect.op.method == "POST":
            raise KeyboardInterrupt  # the create was carried out; its answer never returns
        return result

    monkeypatch.setattr(SyncDriver, "perform", perform)


def _cancel_async_after_post(monkeypatch: pytest.MonkeyPatch, reached: list[anyio.Event]) -> None:
    real = AsyncDriver._perform_now

    async def perform_now(self: AsyncDriver, effect: Effect) -> Any:
        result = await real(self, effect)
        if isinstance(effect, Call) and effect.op.method == "POST" and not reached[0].is_set():
            reached[0].set()
            await anyio.sleep_forever()  # where the cancellation lands
        return result

    monkeypatch.setattr(AsyncDriver, "_perform_now", perform_now)


def _interrupted(
    monkeypatch: pytest.MonkeyPatch, kind: str, base_url: str, call: str, mode: str
) -> BaseException:
    """Interrupt run() or flows.create() right after its POST was carried out."""
    arguments: dict[str, Any] = {"on_interrupt": mode}
    if kind == "sync":
        _interrupt_sync_after_post(monkeypatch)
        with Generio("key", base_url) as client:
            start = client.run if call == "run" else client.flows.create
            with pytest.raises(KeyboardInterrupt) as caught:
                start(PROMPT, inputs="a chair", **arguments)  # type: ignore[operator]
        return caught.value
    reached: list[anyio.Event] = []
    caught_async: list[BaseException] = []
    _cancel_async_after_post(monkeypatch, reached)

    async def main() -> None:
        reached.append(anyio.Event())
        async with AsyncGenerio("key", base_url) as client, anyio.create_task_group() as group:

            async def go() -> None:
                try:
                    start = client.run if call == "run" else client.flows.create
                    await start(PROMPT, inputs="a chair", **arguments)  # type: ignore[operator]
                except BaseException as exc:
                    caught_async.append(exc)
                    raise

            group.start_soon(go)
            await reached[0].wait()
            group.cancel_scope.cancel()

    anyio.run(main)
    (error,) = caught_async
    assert isinstance(error, asyncio.CancelledError)
    return error


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("call", ["run", "create"])
@pytest.mark.parametrize("mode", ["abort", "keep"])
def test_ctrl_c_during_the_create_on_a_large_account(
    monkeypatch: pytest.MonkeyPatch, kind: str, call: str, mode: str
) -> None:
    """Interrupted while POST /flows is in flight on 10,100 flows: found, aborted or kept, named."""
    account = BigAccount(flow_seconds=3600)
    account.prefill(10_100)
    with serve(account):
        error = _interrupted(monkeypatch, kind, account.base_url, call, mode)
    (flow,) = account.ledger
    assert error.generio_flow_id == flow.flow_id  # type: ignore[attr-defined]
    note = " ".join(error.__notes__)
    if mode == "abort":
        assert flow.aborted is not None
        assert f"flow {flow.flow_id} was aborted" in note
    else:
        assert flow.aborted is None
        assert "kept running" in note
    assert account.pages() == 102  # the account read once, to its newest page


@pytest.mark.parametrize("kind", KINDS)
def test_a_lookup_past_its_page_bound_refuses_to_create(kind: str) -> None:
    """More pages than KeyLookup.max_pages: LookupIncompleteError names the key; nothing bought."""
    from generio import KeyLookup

    account = BigAccount()
    account.prefill(1_000)
    with (
        serve(account),
        client_at(kind, "key", account.base_url, key_lookup=KeyLookup(max_pages=5)) as client,
        pytest.raises(LookupIncompleteError) as caught,
    ):
        client.run(PROMPT, "a chair", idempotency_key="bounded")
    assert caught.value.key == "bounded"
    assert caught.value.pages == 5
    assert "max_pages" in str(caught.value)
    assert account.ledger == []
    with (
        serve(account),
        client_at(
            kind, "key", account.base_url, key_lookup=KeyLookup(max_pages=5, on_incomplete="create")
        ) as client,
    ):
        client.run(PROMPT, "a chair", idempotency_key="bounded")
    assert len(account.ledger) == 1


def test_a_page_that_cannot_be_read_refuses_to_create(monkeypatch: pytest.MonkeyPatch) -> None:
    """A list page failing past the retries: LookupIncompleteError, no create."""
    account = BigAccount()
    account.prefill(500)
    real = account.handle

    def handle(method: str, target: str, body: bytes) -> tuple[int, Any]:
        if "page=3" in target:
            return 503, {"detail": "down"}
        return real(method, target, body)

    monkeypatch.setattr(account, "handle", handle)
    with (
        serve(account),
        Generio("key", account.base_url, max_retries=1) as client,
        pytest.raises(LookupIncompleteError, match="page 3 could not be read"),
    ):
        client.flows.create(PROMPT, inputs="a chair", idempotency_key="k")
    assert account.ledger == []


def test_lookups_wait_for_each_other(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight threads with new keys at once: one listing serves them all."""
    import threading

    account = BigAccount()
    account.prefill(3_000)
    with serve(account), Generio("key", account.base_url) as client:
        threads = [
            threading.Thread(
                target=client.flows.create,
                args=(PROMPT,),
                kwargs={"inputs": f"chair {i}", "idempotency_key": f"t-{i}"},
            )
            for i in range(8)
        ]
        start = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert time.monotonic() - start < 60
    assert len(account.ledger) == 8
    assert account.pages() <= 30 + 7 * 2  # one listing, then at most a refresh per call
