"""Readable output names: slugs of prompts and file names, free names that never overwrite."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from generio import Asset
from generio._payload.inputs import as_sources
from generio._payload.names import readable_name, slug, slug_of_inputs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A Wooden Chair, oak!", "a-wooden-chair-oak"),
        ("  Ünïcode  çhair ", "unicode-chair"),
        ("椅子", ""),
        ("x" * 100, "x" * 40),
        ("word " * 20, ("word-" * 8).rstrip("-")),
    ],
)
def test_slug(text: str, expected: str) -> None:
    """Slugs are lower-case ASCII words joined by dashes, at most 40 characters."""
    assert slug(text) == expected


def test_slug_of_inputs_takes_the_first_input_with_words(tmp_path: Path) -> None:
    """A prompt or a file's name gives the slug; bytes, data URIs and assets give none."""
    stream = io.BytesIO(b"x")
    stream.name = "/photos/Side View.JPG"  # type: ignore[attr-defined]
    assert slug_of_inputs([b"\x89PNG", Path("shots/Front View.png")]) == "front-view"
    assert slug_of_inputs(["data:image/png;base64,AAAA", stream]) == "side-view"
    (stool,) = as_sources([{"data": "a stool", "additional": 1}])
    assert slug_of_inputs([stool.data]) == "a-stool"  # a mapping input's slug is its data's
    assert slug_of_inputs([b"raw", Asset("a1"), "椅子"]) == "output"


def test_readable_name_never_reuses_a_name(tmp_path: Path) -> None:
    """A name taken in the batch or present on disk gets -2, -3, ... before the extension."""
    taken: set[str] = set()
    first = readable_name("a chair", "6b094181bd07b8a5f81ddc63", 0, ".glb", tmp_path, taken)
    assert first == "a-chair-f81ddc63-0.glb"
    second = readable_name("a chair", "6b094181bd07b8a5f81ddc63", 0, ".glb", tmp_path, taken)
    assert second == "a-chair-f81ddc63-0-2.glb"
    (tmp_path / "a-chair-f81ddc63-1.glb").write_bytes(b"mine")
    third = readable_name("a chair", "6b094181bd07b8a5f81ddc63", 1, ".glb", tmp_path, taken)
    assert third == "a-chair-f81ddc63-1-2.glb"
    assert (tmp_path / "a-chair-f81ddc63-1.glb").read_bytes() == b"mine"


def test_readable_name_stays_safe_for_hostile_flow_ids(tmp_path: Path) -> None:
    """A flow id with separators or dots cannot make the name leave the directory."""
    name = readable_name("chair", "../../etc/passwd", 0, ".glb", tmp_path, set())
    assert "/" not in name
    assert not name.startswith(".")
    assert name.endswith("-0.glb")
