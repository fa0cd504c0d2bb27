"""Safe file names from hostile asset ids, and all-or-nothing file writes."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generio import OutputSaveError
from generio._errors import InputError
from generio._payload import files as _files
from generio._payload.files import atomic_writer, safe_filename

SAFE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{n}" for d in ("COM", "LPT") for n in range(10)}


def assert_safe(name: str) -> None:
    """Check the properties every returned name has, on every OS."""
    assert SAFE.fullmatch(name), name
    assert len(name) <= 140
    assert not name.endswith(".")
    assert name.split(".", 1)[0].upper() not in RESERVED


@pytest.mark.parametrize(
    ("asset_id", "extension", "expected"),
    [
        ("6941ac784e4fd44b7afb5f4c", ".glb", "6941ac784e4fd44b7afb5f4c.glb"),
        ("out-1_v2.final", ".glb", "out-1_v2.final.glb"),
        ("abc", "glb", "abc.glb"),
        ("abc", "", "abc"),
        ("abc", ".", "abc"),
        ("abc", "./../x", "abc.x"),
        ("abc", ".tar.gz", "abc.targz"),
    ],
)
def test_clean_ids_are_kept(asset_id: str, extension: str, expected: str) -> None:
    """An id that is already safe is used as it is, with a cleaned extension."""
    assert safe_filename(asset_id, extension) == expected


@pytest.mark.parametrize(
    "asset_id",
    [
        "../../x",
        "/etc/passwd",
        "C:\\x",
        "C:x",
        "..",
        ".",
        "",
        "a\x00b",
        "x" * 500,
        "caf\u00e9 \U0001f600",
        "CON",
        "con",
        "Con.glb",
        "lpt1",
        "COM9.tar",
        "NUL.",
        " leading space",
        "trailing dot.",
        "-rf",
        ".hidden",
        "...",
        "a/../../b",
        "\\\\server\\share",
        "name:stream",
        "a*b?c<d>e|f\"g'",
        "\u202eexe.glb",  # right-to-left override
        "a\nb\tc",
    ],
)
def test_hostile_ids_become_safe_names(asset_id: str, tmp_path: Path) -> None:
    """Hostile ids give safe, non-empty names with a hash, that stay inside the directory."""
    name = safe_filename(asset_id, ".glb")
    assert_safe(name)
    assert name.endswith(".glb")
    assert re.search(r"-[0-9a-f]{8}\.glb$", name), name
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()


def test_long_ids_are_bounded() -> None:
    """A 500-character id is cut to a bounded name, still unique by its hash."""
    a = safe_filename("x" * 500, ".glb")
    b = safe_filename("x" * 499 + "y", ".glb")
    assert len(a) <= 120
    assert a != b


def test_distinct_ids_that_clean_alike_get_distinct_names() -> None:
    """Ids differing only in unsafe characters do not collide."""
    names = {safe_filename(i, ".glb") for i in ("a/b", "a\\b", "a:b", "a b", "a_b")}
    assert len(names) == 5


def test_taken_names_get_a_hash_then_a_counter() -> None:
    """A name already taken (ignoring case) gets a hash, then a counter; taken is updated."""
    taken = {"ABC.glb"}
    first = safe_filename("abc", ".glb", taken=taken)
    assert re.fullmatch(r"abc-[0-9a-f]{8}\.glb", first)
    second = safe_filename("abc", ".glb", taken=taken)
    assert second == first.replace(".glb", "-2.glb")
    third = safe_filename("abc", ".glb", taken=taken)
    assert third == first.replace(".glb", "-3.glb")
    assert taken == {"ABC.glb", first, second, third}


def test_taken_set_collects_a_batch() -> None:
    """One set across a batch gives every asset its own name."""
    taken: set[str] = set()
    ids = ["a", "a", "A", "../a", "a/..", "x" * 300, "x" * 300]
    names = [safe_filename(i, ".glb", taken=taken) for i in ids]
    assert len({n.lower() for n in names}) == len(ids)
    assert taken == set(names)


@given(asset_id=st.text(max_size=300), extension=st.text(max_size=20))
@settings(max_examples=300, deadline=None, database=None)
def test_any_id_gives_a_safe_name(asset_id: str, extension: str) -> None:
    """Whatever the id and extension, the name is safe and never empty."""
    name = safe_filename(asset_id, extension)
    assert_safe(name)
    assert os.path.basename(name) == name


# -- atomic_writer ---------------------------------------------------------------------------


def test_writes_the_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    """A finished block leaves exactly the target file with the content."""
    with atomic_writer(tmp_path, "m.glb") as out:
        out.write(b"glTF")
        out.write(b"rest")
        assert not (tmp_path / "m.glb").exists()  # not visible until complete
    assert (tmp_path / "m.glb").read_bytes() == b"glTFrest"
    assert os.listdir(tmp_path) == ["m.glb"]


def test_replaces_an_existing_file(tmp_path: Path) -> None:
    """An existing target is replaced whole."""
    (tmp_path / "m.glb").write_bytes(b"old content that is longer")
    with atomic_writer(tmp_path, "m.glb") as out:
        out.write(b"new")
    assert (tmp_path / "m.glb").read_bytes() == b"new"


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt(), OSError(28, "full")])
def test_a_failing_body_leaves_nothing(tmp_path: Path, error: BaseException) -> None:
    """A block that raises half-way (even KeyboardInterrupt) leaves no file, old one kept."""
    (tmp_path / "kept.glb").write_bytes(b"previous")
    for name in ("new.glb", "kept.glb"):
        with pytest.raises(type(error)), atomic_writer(tmp_path, name) as out:  # noqa: PT012
            out.write(b"x" * 100_000)
            raise error
    assert os.listdir(tmp_path) == ["kept.glb"]
    assert (tmp_path / "kept.glb").read_bytes() == b"previous"


def test_creates_the_directory(tmp_path: Path) -> None:
    """A missing directory (and its parents) is created."""
    target = tmp_path / "a" / "b"
    with atomic_writer(target, "m.glb") as out:
        out.write(b"x")
    assert (target / "m.glb").read_bytes() == b"x"


def test_temporary_file_is_hidden_and_beside_the_target(tmp_path: Path) -> None:
    """While writing, the data sits in a hidden .part file named for its file and generio."""
    with atomic_writer(tmp_path, "m.glb") as out:
        out.write(b"x")
        (temporary,) = os.listdir(tmp_path)
        assert temporary == ".m.glb.generio.part"


@pytest.mark.parametrize(
    "filename",
    ["", ".", "..", "../x.glb", "a/b.glb", "/etc/passwd", "sub/../x", "a\x00b", f"..{os.sep}x"],
)
def test_names_that_escape_the_directory_are_refused(tmp_path: Path, filename: str) -> None:
    """Separators, dot names and NUL are refused before anything is written."""
    inner = tmp_path / "inner"
    with pytest.raises(InputError, match="safe_filename"), atomic_writer(inner, filename):
        pass  # pragma: no cover
    assert os.listdir(inner) == []
    assert sorted(os.listdir(tmp_path)) == ["inner"]


def test_symlink_leading_out_is_refused(tmp_path: Path) -> None:
    """A target that is a symlink to a file elsewhere is refused, the file untouched."""
    outside = tmp_path / "outside.glb"
    outside.write_bytes(b"secret")
    inner = tmp_path / "inner"
    inner.mkdir()
    try:
        (inner / "m.glb").symlink_to(outside)
    except OSError:
        pytest.skip("cannot create symlinks here")
    with pytest.raises(InputError, match="directly inside"), atomic_writer(inner, "m.glb"):
        pass  # pragma: no cover
    assert outside.read_bytes() == b"secret"


def test_directory_target_is_refused(tmp_path: Path) -> None:
    """A directory of the target's name is not replaced."""
    (tmp_path / "m.glb").mkdir()
    with pytest.raises(InputError, match="a directory"), atomic_writer(tmp_path, "m.glb"):
        pass  # pragma: no cover


def test_uncreatable_directory_is_an_input_error(tmp_path: Path) -> None:
    """A directory path that runs through a file is refused with the path."""
    (tmp_path / "file").write_bytes(b"")
    with (
        pytest.raises(InputError, match="cannot create the directory"),
        atomic_writer(tmp_path / "file" / "sub", "m.glb"),
    ):
        pass  # pragma: no cover


def test_failing_rename_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the final rename fails, the part is removed and an OutputSaveError (EACCES) raised."""

    def refuse(src: str, dst: str) -> None:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(_files.os, "replace", refuse)
    with (
        pytest.raises(OutputSaveError, match="could not save an output") as caught,
        atomic_writer(tmp_path, "m.glb") as out,
    ):
        out.write(b"x")
    assert caught.value.errno == 13
    assert isinstance(caught.value, OSError)
    assert os.listdir(tmp_path) == []


@given(asset_id=st.text(max_size=80))
@settings(max_examples=100, deadline=None, database=None)
def test_safe_names_always_land_inside(asset_id: str) -> None:
    """Any id through safe_filename and atomic_writer lands directly in the directory."""
    with tempfile.TemporaryDirectory() as tmp:  # each example needs a fresh directory
        root = Path(tmp)
        name = safe_filename(asset_id, ".glb")
        with atomic_writer(root, name) as out:
            out.write(b"x")
        (written,) = root.iterdir()
        assert written.resolve().parent == root.resolve()
        assert written.name == name
