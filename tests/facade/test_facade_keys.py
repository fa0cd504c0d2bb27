"""Keys on the emulator: flows.find, a create that cleans up when interrupted, the journal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generio import IDEMPOTENCY_FIELD, Generio, InputError, KeyLookup
from generio._drivers.sync import SyncDriver
from generio._jobs.effects import Call, Effect
from generio.testing import Emulator
from tests.helpers.big_account import BigAccount, serve
from tests.helpers.facade import PROMPT_TEMPLATE, client_at, either_client

KINDS = ["sync", "async"]


@pytest.mark.parametrize("kind", KINDS)
def test_find_returns_the_flow_a_key_made(emu: Emulator, kind: str) -> None:
    """flows.find: the key's flow as it is now, its additional intact; None for a new key."""
    with either_client(kind, emu) as client:
        made = client.flows.create(
            PROMPT_TEMPLATE, inputs="a chair", additional={"sku": 3}, idempotency_key="find-me"
        )
        found = client.flows.find(idempotency_key="find-me")
        assert found is not None
        assert (found.id, found.additional) == (made.id, {"sku": 3})
        assert client.flows.find(idempotency_key="find-me", template="model_optimize") is not None
        assert client.flows.find(idempotency_key="never-used") is None
        with pytest.raises(InputError, match="idempotency_key"):
            client.flows.find(idempotency_key="")
    with either_client(kind, emu) as other:  # another client, as another process would
        again = other.flows.find(idempotency_key="find-me")
    assert again is not None
    assert again.id == made.id


def test_find_sees_chained_steps_by_their_keys(emu: Emulator) -> None:
    """A chained job's step n > 1 is found under f"{key}/then/{n - 1}"."""
    job: Any = {
        "template": PROMPT_TEMPLATE,
        "inputs": "a vase",
        "idempotency_key": "chain-1",
        "then": {"template": "model_optimize"},
    }
    with Generio(emu.api_key, emu.base_url) as client:
        (result,) = client.run_many([job])
        first = client.flows.find(idempotency_key="chain-1")
        second = client.flows.find(idempotency_key="chain-1/then/1")
    assert [first.id, second.id] == [f.id for f in result.steps]  # type: ignore[union-attr]


def _interrupt_after_post(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make the blocking driver raise KeyboardInterrupt once a POST was carried out."""
    real = SyncDriver.perform

    def perform(self: SyncDriver, effect: Effect) -> Any:
        result = real(self, effect)
        if isinstance(effect, Call) and effect.op.method == "POST":
            raise KeyboardInterrupt
        return result

    monkeypatch.setattr(SyncDriver, "perform", perform)
    return real


@pytest.mark.parametrize("mode", ["abort", "keep"])
def test_create_interrupted_in_flight_aborts_or_keeps(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """Ctrl-C once POST /flows was carried out: the flow is found by key, aborted or kept."""
    emu.flow_seconds = 3600
    real = _interrupt_after_post(monkeypatch)
    with Generio(emu.api_key, emu.base_url) as client:
        with pytest.raises(KeyboardInterrupt) as caught:
            client.flows.create(PROMPT_TEMPLATE, inputs="a lamp", on_interrupt=mode)
        monkeypatch.setattr(SyncDriver, "perform", real)
        (entry,) = emu.ledger
        assert caught.value.generio_flow_id == entry.flow_id  # type: ignore[attr-defined]
        state = client.flows.get(entry.flow_id).state
    note = caught.value.__notes__[0]
    assert note.startswith("generio: flows.create() was interrupted")
    if mode == "abort":
        assert state in ("aborting", "aborted")
        assert f"flow {entry.flow_id} was aborted" in note
    else:
        assert state in ("starting", "running")
        assert "kept running" in note
        assert "flows.create(..., idempotency_key=" in note


def test_create_without_inputs_interrupted_is_left_not_started(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flow created without inputs cannot be aborted: the note says to start or delete it."""
    _interrupt_after_post(monkeypatch)
    with Generio(emu.api_key, emu.base_url) as client, pytest.raises(KeyboardInterrupt) as caught:
        client.flows.create("model_generate_fromimage")
    (entry,) = emu.ledger
    assert entry.state == "created"
    assert caught.value.generio_flow_id == entry.flow_id  # type: ignore[attr-defined]
    assert "runs nothing until started" in caught.value.__notes__[0]


def test_create_refuses_a_bad_on_interrupt(emu: Emulator) -> None:
    """on_interrupt must be 'abort' or 'keep': an InputError before any request."""
    with Generio(emu.api_key, emu.base_url) as client, pytest.raises(InputError, match="abort"):
        client.flows.create(PROMPT_TEMPLATE, inputs="x", on_interrupt="never")  # type: ignore[arg-type]
    assert emu.ledger == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_journaled_batch_runs_again_without_listing(kind: str, tmp_path: Path) -> None:
    """run_many(journal=...): the re-run reads each job's flow by id; no listing, no create."""
    account = BigAccount()
    account.prefill(5_000)
    journal = tmp_path / "batch.journal.jsonl"
    jobs: list[Any] = [
        {"template": PROMPT_TEMPLATE, "inputs": f"sku {i}", "idempotency_key": f"sku-{i}"}
        for i in range(4)
    ]
    jobs.append({"template": PROMPT_TEMPLATE, "inputs": "no key"})  # never journaled
    with serve(account):
        with client_at(kind, "key", account.base_url) as client:
            first = client.run_many(jobs, journal=journal)
        records = [json.loads(line) for line in journal.read_text().splitlines()]
        assert sorted(r["key"] for r in records if "flow" in r) == [f"sku-{i}" for i in range(4)]
        account.requests.clear()
        with client_at(kind, "key", account.base_url) as client:
            again = client.run_many(jobs[:4], journal=str(journal))
    assert [r.flow.id for r in again] == [r.flow.id for r in first[:4]]
    assert account.pages() == 0
    assert account.count("POST") == 0
    assert account.by_path()["GET /flows/{id}"] == 4  # one read of each job's flow
    assert len(account.ledger) == 5


def test_a_key_in_flight_in_the_journal_is_looked_for_since_then(tmp_path: Path) -> None:
    """Killed after posting: the re-run finds the flow that create made, and adds nothing."""
    account = BigAccount()
    account.prefill(3_000)
    journal = tmp_path / "j.jsonl"
    with serve(account):
        with Generio("key", account.base_url) as client:
            made = client.flows.create(PROMPT_TEMPLATE, inputs="sku 9", idempotency_key="sku-9")
        stamp = account.ledger[0].additional[IDEMPOTENCY_FIELD]
        posting = {"v": 1, "key": "sku-9", "fingerprint": stamp["fingerprint"], "posting": 0}
        posting["posting"] = account.ledger[0].created + account.skew - 1
        journal.write_text(json.dumps(posting) + "\n")  # the crash came before the flow line
        job: Any = {"template": PROMPT_TEMPLATE, "inputs": "sku 9", "idempotency_key": "sku-9"}
        with Generio("key", account.base_url) as client:
            (result,) = client.run_many([job], journal=journal)
    assert result.flow.id == made.id
    assert len(account.ledger) == 1
    assert json.loads(journal.read_text().splitlines()[-1])["flow"] == made.id


def test_a_journaled_flow_deleted_since_is_bought_again(tmp_path: Path, emu: Emulator) -> None:
    """The journal names a flow that was deleted: the key is free, the job creates anew."""
    journal = tmp_path / "j.jsonl"
    job: Any = {"template": PROMPT_TEMPLATE, "inputs": "a cup", "idempotency_key": "cup"}
    with Generio(emu.api_key, emu.base_url) as client:
        (first,) = client.run_many([job], journal=journal)
        client.flows.delete(first.flow.id)
    with Generio(emu.api_key, emu.base_url) as client:
        (second,) = client.run_many([job], journal=journal)
    assert second.flow.id != first.flow.id
    assert len(emu.ledger) == 2


def test_an_unreadable_journal_fails_before_any_request(tmp_path: Path, emu: Emulator) -> None:
    """A directory as the journal: InputError at the call; nothing is created."""
    job: Any = {"template": PROMPT_TEMPLATE, "inputs": "a cup", "idempotency_key": "cup"}
    with Generio(emu.api_key, emu.base_url) as client, pytest.raises(InputError, match="journal"):
        client.run_many([job], journal=tmp_path)
    assert emu.ledger == []


def test_key_lookup_is_a_client_setting(emu: Emulator) -> None:
    """key_lookup= on both clients; anything but a KeyLookup is a ConfigurationError."""
    from generio import AsyncGenerio, ConfigurationError

    with Generio(emu.api_key, emu.base_url, key_lookup=KeyLookup(window=60)) as client:
        assert client._state.lookup.window == 60
        assert client.with_options(timeout=5)._state.index is client._state.index
    with pytest.raises(ConfigurationError, match="KeyLookup"):
        AsyncGenerio(emu.api_key, emu.base_url, key_lookup={"window": 60})  # type: ignore[arg-type]
