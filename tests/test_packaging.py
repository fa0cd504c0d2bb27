"""What pip sees: the wheel's metadata, the dependency ranges, and the install words.

The wheel is built from this checkout (``built_wheel``); its METADATA is what an index, pip
and ``pip show`` read.
"""

from __future__ import annotations

import email.parser
import ensurepip
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from email.message import Message
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from generio import MissingExtraError, __version__

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
README = (ROOT / "README.md").read_text()
DOCS_INDEX = (ROOT / "docs" / "index.md").read_text()
WHEEL = f"generio-{__version__}-py3-none-any.whl"


def _metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def _requires(metadata: Message, extra: str | None) -> dict[str, Requirement]:
    """Return the Requires-Dist entries of the core (extra None) or of one extra, by name."""
    found = {}
    for line in metadata.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if (marker is None) if extra is None else (marker and marker.evaluate({"extra": extra})):
            found[requirement.name] = requirement
    return found


def test_the_wheel_declares_its_license_for_every_pip(built_wheel: Path) -> None:
    """METADATA carries License (what pip 23's `pip show` prints) and the LICENSE file."""
    metadata = _metadata(built_wheel)
    assert metadata["License"] == "MIT"
    assert metadata["License-File"] == "LICENSE"


def test_pip_show_of_the_pip_python_bundles_names_the_license(
    built_wheel: Path, tmp_path: Path
) -> None:
    """The pip this interpreter ships (ensurepip's: 23.2.1 with 3.11.7) shows License: MIT.

    The wheel is unpacked as an installer lays it out; that pip, run from its own wheel with
    no site-packages (``-S``), finds only it.
    """
    (bundled,) = (Path(ensurepip.__file__).parent / "_bundled").glob("pip-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(built_wheel) as archive:
        archive.extractall(site)
    shown = subprocess.run(
        [sys.executable, "-S", "-m", "pip", "show", "generio", "--disable-pip-version-check"],
        env={"PYTHONPATH": f"{site}{os.pathsep}{bundled}"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    print(bundled.name, shown.stdout, sep="\n")
    assert f"\nLocation: {site}\n" in shown.stdout
    assert "\nLicense: MIT\n" in shown.stdout, shown.stdout


def test_the_emulator_extra_pulls_only_what_the_emulator_uses(built_wheel: Path) -> None:
    """Uvicorn without [standard] (websockets, watchfiles, python-dotenv, pyyaml, uvloop)."""
    emulator = _requires(_metadata(built_wheel), "emulator")
    assert sorted(emulator) == [
        "fast-simplification",
        "fastapi",
        "httptools",
        "numpy",
        "pillow",
        "uvicorn",
    ]
    assert emulator["uvicorn"].extras == set()


def test_httpx_is_capped_only_below_the_next_major(built_wheel: Path) -> None:
    """Every httpx 0.x from the floor on is allowed (0.29.0 included); 1.0 is not promised."""
    httpx = _requires(_metadata(built_wheel), None)["httpx"]
    assert httpx.specifier.contains("0.29.0")
    assert httpx.specifier.contains("0.99.0")
    assert not httpx.specifier.contains("1.0.0")


def _declared(extra: str | None, name: str) -> str:
    project = PYPROJECT["project"]
    listed = project["optional-dependencies"][extra] if extra else project["dependencies"]
    (found,) = [r for r in listed if Requirement(r).name == name]
    return str(found)


@pytest.mark.parametrize(
    ("extra", "name"),
    [(None, "httpx"), (None, "attrs"), (None, "anyio"), (None, "sniffio"), ("cli", "typer")],
)
def test_the_readme_states_the_supported_ranges(extra: str | None, name: str) -> None:
    """The README's supported versions quote pyproject.toml's requirements as they stand."""
    assert f"`{_declared(extra, name)}`" in README


def test_the_readme_names_the_supported_pythons() -> None:
    """The Pythons the README supports are the classifiers' Pythons."""
    pythons = [
        c.rsplit(" :: ", 1)[1]
        for c in PYPROJECT["project"]["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert f"Python {', '.join(pythons[:-1])} and {pythons[-1]}." in README


def test_the_readme_lists_each_extras_dependencies() -> None:
    """Each `pip install ".[extra]"` line names the extra's packages, no more, no fewer."""
    extras = PYPROJECT["project"]["optional-dependencies"]
    for extra, requirements in extras.items():
        (line,) = [x for x in README.splitlines() if x.startswith(f'pip install ".[{extra}]"')]
        listed = re.search(r"\(([^()]*)\)$", line)
        assert listed, line
        names = {Requirement(r).name.lower() for r in requirements}
        assert set(listed[1].replace(" ", "").lower().split(",")) == names, line


def test_the_docs_index_takes_its_install_words_from_the_readme() -> None:
    """docs/index.md includes the README's install section instead of a copy."""
    assert '--8<-- "README.md:install"' in DOCS_INDEX
    assert "<!-- --8<-- [start:install] -->" in README
    assert "<!-- --8<-- [end:install] -->" in README
    assert "pip install generio" not in DOCS_INDEX


def test_the_install_words_work_today(built_wheel: Path) -> None:
    """README and MissingExtraError give the clone and wheel commands; the index one is later."""
    assert built_wheel.name == WHEEL
    assert f'pip install "dist/{WHEEL}[cli,emulator]"' in README
    message = str(MissingExtraError("the command line", "cli", "typer"))
    assert "From a clone of the repository: pip install '.[cli]'" in message
    assert f"pip install 'dist/{WHEEL}[cli]'" in message
    assert "once generio is on PyPI: pip install 'generio[cli]'" in message
    index_commands = [
        line for line in README.splitlines() if re.search(r"pip install ['\"]?generio\b", line)
    ]
    assert all("Once generio is published on PyPI" in line for line in index_commands), (
        index_commands
    )
