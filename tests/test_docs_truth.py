"""The guides say what the code does: every error, every fault argument, logging's side effect.

Guides include README sections (``--8<-- "README.md:name"``, pymdownx.snippets) instead of
copying them; the checks here read a guide as the site renders it, the sections expanded.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import generio
from generio.testing import Emulator, FaultKind

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
GUIDES = ROOT / "docs" / "guides"
INCLUDE = re.compile(r'^--8<-- "README\.md:([\w-]+)"$', flags=re.MULTILINE)


def _section(name: str) -> str:
    match = re.search(
        rf"<!-- --8<-- \[start:{name}\] -->\n(.*?)<!-- --8<-- \[end:{name}\] -->",
        README,
        flags=re.DOTALL,
    )
    assert match, f"README.md has no section {name!r}"
    return match.group(1)


def _rendered(page: str) -> str:
    """Return a guide with the README sections it includes expanded."""
    return INCLUDE.sub(lambda m: _section(m.group(1)), (GUIDES / page).read_text())


def test_every_included_readme_section_exists() -> None:
    """Each include names a marked README section (mkdocs --strict checks the file only)."""
    names = {name for page in GUIDES.glob("*.md") for name in INCLUDE.findall(page.read_text())}
    names |= set(INCLUDE.findall((ROOT / "docs" / "index.md").read_text()))
    assert names >= {"install", "outputs", "preview", "limits", "secrets", "errors"}
    for name in names:
        assert _section(name).strip()


def test_the_errors_guide_names_every_error_class() -> None:
    """Every exception generio exports has its row (or its words) in the errors guide."""
    errors = [
        name
        for name in generio.__all__
        if isinstance(value := getattr(generio, name), type) and issubclass(value, BaseException)
    ]
    guide = _rendered("errors.md")
    assert len(errors) >= 20
    assert [name for name in errors if f"`{name}`" not in guide] == []


def test_the_errors_guides_tree_is_the_class_tree() -> None:
    """The tree in the errors guide: every exported error once, under its real bases."""
    block = re.search(r"```text\n(GenerioError\n.*?)```", _rendered("errors.md"), re.DOTALL)
    assert block, "the errors guide has no error tree"
    stack: list[str] = []
    drawn: dict[str, list[str]] = {}
    for line in block.group(1).splitlines():
        match = re.match(r"^((?:[│ ]   )*)(?:[├└]── )?(\w+)(.*)$", line)
        assert match, line
        depth = len(match.group(1)) // 4 + (1 if "── " in line else 0)
        del stack[depth:]
        drawn[match.group(2)] = stack[-1:] + re.findall(r"\(also (\w+)\)", match.group(3))
        stack.append(match.group(2))
    errors = {
        name
        for name in generio.__all__
        if isinstance(value := getattr(generio, name), type) and issubclass(value, BaseException)
    }
    assert len(errors) >= 20
    assert set(drawn) == errors
    for name, bases in drawn.items():
        real = [base.__name__ for base in getattr(generio, name).__bases__]
        assert real == (bases or ["Exception"]), (name, real, bases)


def test_the_testing_guide_names_every_fault_argument_and_kind() -> None:
    """add_fault's every argument and every FaultKind appear in the testing guide."""
    guide = _rendered("testing.md")
    arguments = [p for p in inspect.signature(Emulator.add_fault).parameters if p != "self"]
    assert len(arguments) == 8
    assert [a for a in arguments if f"| `{a}` |" not in guide] == []
    assert [k.value for k in FaultKind if f"| `{k.value}` |" not in guide] == []


def test_the_reference_documents_flowfailed_and_batchprogress_fields() -> None:
    """FlowFailed's .flow and .outputs, BatchProgress.finished: in the docstrings the site shows."""
    flow_failed = inspect.getdoc(generio.FlowFailed) or ""
    assert re.search(r"^\s+flow: ", flow_failed, flags=re.MULTILINE)
    assert re.search(r"^\s+outputs: ", flow_failed, flags=re.MULTILINE)
    progress = inspect.getdoc(generio.BatchProgress) or ""
    assert re.search(r"^\s+finished: ", progress, flags=re.MULTILINE)
    assert "`finished`" in _rendered("batches.md")


@pytest.mark.parametrize("quiet", [False, True], ids=["basic-config", "httpx-quieted"])
def test_basic_config_info_logs_httpx_requests_until_quieted(
    quiet: bool, generio_emulator: Emulator, tmp_path: Path
) -> None:
    """The logging guide's claim: basicConfig(INFO) adds httpx's line per request; its fix."""
    guide = _rendered("logging.md")
    assert 'logging.getLogger("httpx").setLevel(logging.WARNING)' in guide
    code = (
        "import logging\n"
        "from generio import Generio\n"
        "logging.basicConfig(level=logging.INFO)\n"
        + ('logging.getLogger("httpx").setLevel(logging.WARNING)\n' if quiet else "")
        + "with Generio() as client:\n"
        "    client.run('model_generate_fromprompt', 'a chair', out_dir='models')\n"
    )
    env = {
        **os.environ,
        "GENERIO_API_KEY": generio_emulator.api_key,
        "GENERIO_BASE_URL": generio_emulator.base_url,
    }
    env.pop("GENERIO_LOG", None)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    requests = re.findall(r"^INFO:httpx:HTTP Request: \w+ ", done.stderr, flags=re.MULTILINE)
    if quiet:
        assert requests == []
    else:
        assert len(requests) >= 4  # template, create, polls, outputs: a line each
    assert re.search(r"^INFO:generio:", done.stderr, flags=re.MULTILINE), done.stderr
    assert generio_emulator.api_key not in done.stderr
