"""Every routine task of generio as a nox session. `nox` runs the default ones."""

from __future__ import annotations

import difflib
import filecmp
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import nox
from packaging.requirements import Requirement

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
SPEC = ROOT / "openapi.json"
GENERATOR_CONFIG = ROOT / "openapi-python-client.yaml"
GENERATED = ROOT / "generated" / "generio_api"
ON_CI = bool(os.environ.get("CI"))


class _QuietNox(logging.Filter):
    """Drop nox's note that uv is missing: it looks for uv on every virtualenv it makes,
    whichever backend is chosen, and ours is pip's virtualenv, so the line says nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "uv binary not found."


logging.getLogger("nox").addFilter(_QuietNox())


def _runs(python: str) -> bool:
    """Whether ``python3.X`` on PATH starts (a pyenv shim of an inactive version does not)."""
    exe = shutil.which(f"python{python}")
    if exe is None:
        return False
    try:
        done = subprocess.run([exe, "-c", ""], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


# Every Python the classifiers in pyproject.toml name ("3.11", "3.12", ...). The tests run on
# each one present on the machine, so a laptop with only 3.11 runs them there, quietly; CI
# ($CI set) asks for all of them and fails when one is missing (.ci/run puts them on PATH).
SUPPORTED = nox.project.python_versions(PYPROJECT)
PYTHONS = SUPPORTED if ON_CI else [v for v in SUPPORTED if _runs(v)] or SUPPORTED

nox.options.sessions = ["tests", "lint", "types", "check_generated"]
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True  # only CI lists a Python it may not have
nox.options.download_python = "never"  # test the interpreters the machine has, fetch none

# pytest's parallel workers, each with its own emulator: the suite mostly waits (flows, child
# processes, timeouts), so two per core keep the CPUs busy, and idle workers steal queued
# tests from busy ones. `nox -s tests -- -n 0` runs it in one process.
WORKERS = str(min(2 * (os.cpu_count() or 1), 8))
PYTEST = [
    "pytest",
    "-m",
    "not soak and not serial and not docs and not pyright",
    "-n",
    WORKERS,
    "--dist",
    "worksteal",
]
# Then, alone, the few tests whose heavy work runs outside pytest (Chromium's software GPU,
# schemathesis): beside busy workers on two cores they would take twice as long. Exit code 5
# (nothing selected, e.g. with `-- -k retry`) is fine there.
PYTEST_SERIAL = ["pytest", "-m", "serial and not soak and not docs and not pyright"]
# The suite starts Python hundreds of times (README blocks, CLI commands, child emulators):
# with byte-code caching off (PYTHONDONTWRITEBYTECODE), each start compiles generio and
# pytest rewrites every test module again. __pycache__ is git-ignored.
TEST_ENV: dict[str, str | None] = {"PYTHONDONTWRITEBYTECODE": None}
_STAMP = "generio-installed.sha256"
# What decides an install: pyproject.toml but for the settings of tools that only read it
# (pytest's markers, ruff, mypy), so editing those reinstalls nothing. Hatch's build tables
# decide what the editable install holds, so they count.
_INSTALLED_FROM = {
    **{k: v for k, v in PYPROJECT.items() if k != "tool"},
    "tool": {k: v for k, v in PYPROJECT.get("tool", {}).items() if k == "hatch"},
}


def _group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


def _test_tools(*names: str) -> list[str]:
    """The test group's pins of ``names``: what a session needs to run a few test files."""
    return [r for r in _group("test") if Requirement(r).name in names]


def _install(session: nox.Session, *args: str) -> None:
    """``pip install`` args into the session's virtualenv, unless it already holds them.

    pip re-resolves everything and rebuilds the editable wheel on every run (half a minute
    for the tests, asking the index each time), even when nothing changed. A stamp of the
    arguments and of the files that decide what gets installed skips that; any change to
    them, or a fresh virtualenv (`nox --no-reuse-existing-virtualenvs`), installs again.
    """
    digest = hashlib.sha256("\0".join(args).encode())
    digest.update(json.dumps(_INSTALLED_FROM, sort_keys=True).encode())
    digest.update((ROOT / "_generio_launch.py").read_bytes())
    location = getattr(session.virtualenv, "location", None)
    stamp = Path(location) / _STAMP if location else None
    if stamp is not None and stamp.is_file() and stamp.read_text() == digest.hexdigest():
        return
    if stamp is not None:
        stamp.unlink(missing_ok=True)
    session.install(*args)
    if stamp is not None:
        stamp.write_text(digest.hexdigest())


def _install_tests(session: nox.Session) -> None:
    _install(session, "-e", ".[cli,emulator,mesh]", *_group("test"))


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite against the local emulator, in parallel workers (`serial` ones after).

    Soak-sized runs are left out (`nox -s soak`), and so is the Khronos validator, which
    needs npm's registry on first use (`nox -s khronos`); the run reaches no network.
    """
    _install_tests(session)
    _run_tests(session)


def _run_tests(session: nox.Session, env: dict[str, str | None] = TEST_ENV) -> None:
    session.run(*PYTEST, *session.posargs, env=env)
    session.run(*PYTEST_SERIAL, *session.posargs, env=env, success_codes=[0, 5])


@nox.session
def khronos(session: nox.Session) -> None:
    """Check every kind of emulator output with the Khronos glTF validator (Node.js, npm).

    Installs the npm package gltf-validator on first use into ~/.cache/generio-test (or
    $GENERIO_TEST_CACHE), so it needs npm's registry once; CI runs it.
    """
    _install_tests(session)
    session.run(
        "pytest",
        "--khronos",
        "tests/emulator/test_emulator_glb.py",
        "-k",
        "khronos",
        *session.posargs,
        env=TEST_ENV,
    )


# Test tools that pin httpx themselves: at the lowest bound their pin gives way to pip's choice.
_FOLLOWS_HTTPX = ("respx",)
# The generator (and the ruff its post-hooks run): pinned with caps of its own.
_GENERATOR = ("openapi-python-client", "ruff")


def _bounds(extra: str | None, name: str) -> Requirement:
    """The requirement on ``name`` in pyproject.toml's core dependencies or ``extra``."""
    project = PYPROJECT["project"]
    listed = project["optional-dependencies"][extra] if extra else project["dependencies"]
    (found,) = [r for r in map(Requirement, listed) if r.name == name]
    return found


def _lowest(requirement: Requirement) -> str:
    (low,) = [s.version for s in requirement.specifier if s.operator == ">="]
    return f"{requirement.name}=={low}"


@nox.session
@nox.parametrize("bound", ["lowest", "highest"], ids=["lowest", "highest"])
def tests_deps(session: nox.Session, bound: str) -> None:
    """Run the suite on the lowest, or the newest, httpx and typer that pyproject.toml allows.

    The ranges are read from pyproject.toml, so widening one is tested by this session.
    """
    httpx, typer = _bounds(None, "httpx"), _bounds("cli", "typer")
    if bound == "lowest":
        pins = [_lowest(httpx), _lowest(typer)]
        test_tools = [r for r in _group("test") if Requirement(r).name not in _FOLLOWS_HTTPX]
        _install(session, "-e", ".[cli,emulator,mesh]", *test_tools, *_FOLLOWS_HTTPX, *pins)
        env = TEST_ENV
    else:
        # The generator caps httpx and typer below their newest releases: it gets its own
        # virtualenv, which tests/test_regeneration.py finds through GENERIO_GENERATOR_BIN.
        tools = [r for r in _group("test") if Requirement(r).name not in _GENERATOR]
        _install(session, "-e", ".[cli,emulator,mesh]", *tools)
        session.install("--upgrade", str(httpx), str(typer))
        generator = Path(session.create_tmp()).resolve() / "generator"
        session.run("python", "-m", "venv", "--clear", str(generator))
        session.run(
            str(generator / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            *_group("generate"),
            external=True,
        )
        env = {**TEST_ENV, "GENERIO_GENERATOR_BIN": str(generator / "bin")}
    session.run("python", "-m", "pip", "check")
    versions = "import httpx, typer; print('httpx', httpx.__version__, 'typer', typer.__version__)"
    session.run("python", "-c", versions)
    _run_tests(session, env)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff lint and format check (generated/ is excluded in pyproject.toml)."""
    _install(session, *_group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def types(session: nox.Session) -> None:
    """mypy --strict on the facade, with the generated package and extras installed."""
    _install(session, "-e", ".[cli,emulator,mesh]", *_group("types"))
    session.run("mypy")


#: The least share of generio's public symbols pyright must find fully typed.
MIN_TYPE_COMPLETENESS = 0.95


@nox.session
def verifytypes(session: nox.Session) -> None:
    """Type completeness as pyright audits it, and user code under pyright --strict.

    `pyright --verifytypes generio --ignoreexternal` must score at least 95 % (symbols the
    public names expose, fully typed); then the tests marked `pyright` check an application
    over the public API with pyright in strict mode. pyright runs on Node.js (on PATH) and
    fetches its npm package on first use, so this is not part of the default offline run;
    CI runs it.
    """
    _install(
        session, "-e", ".[cli,emulator,mesh]", *_group("types"), *_test_tools("pytest-timeout")
    )
    out = session.run(
        "pyright",
        "--verifytypes",
        "generio",
        "--ignoreexternal",
        "--outputjson",
        silent=True,
        success_codes=[0, 1],
    )
    report = json.loads(str(out))
    completeness = report["typeCompleteness"]
    score = float(completeness["completenessScore"])
    counts = completeness["exportedSymbolCounts"]
    session.log(
        f"type completeness {score:.1%}: {counts['withKnownType']} of "
        f"{counts['withKnownType'] + counts['withAmbiguousType'] + counts['withUnknownType']}"
        " exported symbols fully known"
    )
    if score < MIN_TYPE_COMPLETENESS:
        problems = [
            f"{s['name']}: {d['message']}"
            for s in completeness["symbols"]
            for d in s.get("diagnostics", [])
            if d.get("severity") == "error"
        ]
        session.error(
            f"type completeness {score:.1%} is under {MIN_TYPE_COMPLETENESS:.0%}:\n"
            + "\n".join(problems)
        )
    session.run("pytest", "-m", "pyright", "-p", "no:cacheprovider", "tests/test_user_types.py")


def _generate(session: nox.Session, dest: Path) -> bool:
    """Regenerate the low-level client into dest (a package folder, replaced whole).

    The generator writes into a fresh folder that then replaces dest, so no stale file
    survives and a failed run leaves dest as it was. False when nothing ran: under
    `nox --install-only`, session.run does nothing.
    """
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / dest.name
        ran = session.run(
            "openapi-python-client",
            "generate",
            "--path",
            str(SPEC),
            "--meta",
            "none",
            "--output-path",
            str(fresh),
            "--fail-on-warning",
            "--config",
            str(GENERATOR_CONFIG),
        )
        if ran is None:
            return False
        # --meta none writes no py.typed; the package is typed, so say so.
        (fresh / "py.typed").write_text("")
        shutil.rmtree(fresh / ".ruff_cache", ignore_errors=True)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.move(fresh, dest)
    return True


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate generated/generio_api from openapi.json with the pinned generator."""
    _install(session, *_group("generate"))
    _generate(session, GENERATED)


def _tree(root: Path) -> set[str]:
    # Byte code appears beside the committed files as soon as tests import them: not output.
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


@nox.session
def check_generated(session: nox.Session) -> None:
    """Fail, printing the diff, when generated/ differs from a fresh regeneration."""
    _install(session, *_group("generate"))
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "generio_api"
        if not _generate(session, fresh):
            return
        committed, expected = _tree(GENERATED), _tree(fresh)
        problems: list[str] = []
        problems += [f"only in generated/: {p}" for p in sorted(committed - expected)]
        problems += [f"missing from generated/: {p}" for p in sorted(expected - committed)]
        for rel in sorted(committed & expected):
            old, new = GENERATED / rel, fresh / rel
            if not filecmp.cmp(old, new, shallow=False):
                problems += difflib.unified_diff(
                    old.read_text().splitlines(),
                    new.read_text().splitlines(),
                    f"generated/generio_api/{rel}",
                    f"regenerated/{rel}",
                    lineterm="",
                )
        if problems:
            session.error(
                "generated/ drifted from openapi.json; run `nox -s generate` and commit:\n"
                + "\n".join(problems)
            )
        session.log(f"generated/ matches openapi.json ({len(expected)} files)")


@nox.session
def build(session: nox.Session) -> None:
    """Build the sdist and wheel into dist/ and check them as a package index would.

    ``twine check --strict`` fails on a README that would not render; the session also
    checks that both archives carry the license, the type marker and the spec.
    """
    _install(session, *_group("build"))
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", str(dist))
    archives = sorted(str(p) for p in dist.iterdir())
    session.run("twine", "check", "--strict", *archives)
    for line in _check_dist(session, dist):
        session.log(line)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site into site/ with mkdocs --strict (any warning fails),
    then check it: every public name and member has its anchor, signatures name no private
    object, the CLI page has every command and option (`pytest -m docs`).

    `nox -s docs -- serve` serves it with live reload instead.
    """
    # griffe reads the sources statically, but the CLI page is rendered from the installed
    # command line (tools/mkdocs_cli_reference.py), and the checks import generio.
    tools = _test_tools("pytest", "pytest-timeout")
    _install(session, "-e", ".[cli,emulator]", *_group("docs"), *tools)
    session.env["NO_MKDOCS_2_WARNING"] = "1"  # mkdocs-material's banner, not about our docs
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", *session.posargs[1:])
        return
    session.run("mkdocs", "build", "--strict", "--site-dir", "site", *session.posargs)
    site = str(ROOT / "site")
    checks = ["pytest", "-m", "docs", "-p", "no:cacheprovider", "tests/test_docs_site.py"]
    session.run(*checks, env={"GENERIO_DOCS_SITE": site})


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: one table of ratios against baselines measured in the same run.

    Results go to benchmarks/results/local/ (untracked); `nox -s bench -- --record` also
    updates benchmarks/results/latest.json (`-- --record stream`: latest-stream.json) and
    renders the recorded runs into the README's performance tables.
    """
    session.install(".[emulator]")
    session.run("python", "benchmarks/run.py", *session.posargs)
    if "--record" in session.posargs:
        session.run("python", "benchmarks/readme_table.py")


@nox.session
def demo(session: nox.Session) -> None:
    """The main job: an emulator, a prompt and an image into models, GLBs in ./generio-demo/.

    Installs the package as a user would (not editable), with the extras the demo needs.
    `nox -s demo -- -o DIR` saves elsewhere; `-- --flow-seconds 1` makes it quicker.
    """
    session.install(".[cli,emulator]")
    session.run("generio", "demo", *session.posargs)


# What each archive must contain, as path suffixes (the wheel's METADATA dir holds the license).
_DIST_CONTENT = {
    ".whl": [
        "/licenses/LICENSE",
        "generio/py.typed",
        "generio_api/py.typed",
        "generio/testing/openapi.json",
    ],
    ".tar.gz": [
        "/LICENSE",
        "/CHANGELOG.md",
        "/README.md",
        "/generio/py.typed",
        "/generated/generio_api/py.typed",
        "/openapi.json",
    ],
}


def _check_dist(session: nox.Session, dist: Path) -> list[str]:
    """Fail unless each built archive contains the files users and packagers rely on."""
    import tarfile
    import zipfile

    archives = sorted(dist.iterdir())
    if sorted(a.name.endswith(".whl") for a in archives) != [False, True]:
        session.error(f"want one wheel and one sdist in {dist}, found {archives}")
    found = []
    for archive in archives:
        if archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as wheel:
                names, required = wheel.namelist(), _DIST_CONTENT[".whl"]
        else:
            with tarfile.open(archive) as tar:
                names, required = tar.getnames(), _DIST_CONTENT[".tar.gz"]
        missing = [r for r in required if not any(n.endswith(r) for n in names)]
        if missing:
            session.error(f"{archive.name} lacks {missing}")
        found.append(f"{archive.name}: {len(names)} files, including {', '.join(required)}")
    return found
