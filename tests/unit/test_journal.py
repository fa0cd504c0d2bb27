"""The resume journal on disk: whole lines, a torn last line survived, two writers at once."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from generio import InputError
from generio._jobs.journal import Journal


def test_records_are_read_back(tmp_path: Path) -> None:
    """posting, then the flow: a key with its flow; a key only posting is in flight."""
    path = tmp_path / "runs" / "batch.journal.jsonl"  # the folder is made on first append
    journal = Journal(path)
    journal.posting("a", "sha256:1").perform()
    journal.made("a", "f-a", "sha256:1").perform()
    journal.posting("b", "sha256:2").perform()
    again = Journal.load(path)
    assert again.flow_of("a") == ("f-a", "sha256:1")
    assert again.posted_at("a") is None
    assert again.flow_of("b") is None
    assert again.posted_at("b") is not None
    assert Journal.load(tmp_path / "missing.jsonl").flow_of("a") is None


def test_a_torn_last_line_is_skipped_and_the_next_starts_anew(tmp_path: Path) -> None:
    """A write cut by a crash: the torn line is ignored, the next record is whole."""
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.made("a", "f-a", "").perform()
    with path.open("ab") as handle:
        handle.write(b'{"v": 1, "key": "b", "fing')  # killed in the middle of a write
    Journal.load(path).made("c", "f-c", "").perform()
    lines = path.read_bytes().splitlines()
    assert json.loads(lines[-1])["key"] == "c"
    loaded = Journal.load(path)
    assert (loaded.flow_of("a"), loaded.flow_of("b"), loaded.flow_of("c")) == (
        ("f-a", ""),
        None,
        ("f-c", ""),
    )


def test_two_writers_never_mix_their_lines(tmp_path: Path) -> None:
    """Two journals on one file (two processes' worth), 300 appends each: every line whole."""
    path = tmp_path / "shared.jsonl"

    def write(name: str) -> None:
        journal = Journal(path)
        for n in range(300):
            journal.made(f"{name}-{n}", f"flow-{name}-{n}", "sha256:" + "0" * 64).perform()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("x", "y")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = path.read_text().splitlines()
    assert len(lines) == 600
    assert all(json.loads(line)["flow"].startswith("flow-") for line in lines)


def test_an_unusable_path_is_an_input_error(tmp_path: Path) -> None:
    """A directory given as the journal: InputError that names it, before any request."""
    with pytest.raises(InputError, match="as a journal"):
        Journal.load(tmp_path)
    with pytest.raises(InputError, match="as a journal"):
        Journal(tmp_path).made("k", "f", "").perform()
