"""Every routine task of generio as a nox session. `nox` runs the default ones."""

from __future__ import annotations

import difflib
import filecmp
import shutil
import tempfile
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
SPEC = ROOT / "openapi.json"
GENERATOR_CONFIG = ROOT / "openapi-python-client.yaml"
GENERATED = ROOT / "generated" / "generio_api"

# Every Python the classifiers in pyproject.toml name ("3.11", "3.12", ...): the tests run on
# each one present on the machine; a missing one is a skip, not a failure, on a laptop and in CI
# alike (nox would otherwise fail on CI), so a machine with only Python 3.11 stays green.
PYTHONS = nox.project.python_versions(PYPROJECT)

nox.options.sessions = ["tests", "lint", "types", "check_generated"]
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = False
nox.options.download_python = "never"  # test the interpreters the machine has, fetch none


def _group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite against the local emulator (soak-sized runs excluded)."""
    session.install("-e", ".[cli,emulator,mesh]", *_group("test"))
    session.run("pytest", "-m", "not soak", *session.posargs)


@nox.session
def soak(session: nox.Session) -> None:
    """The full fault soak: 300 runs under ~20% faults, printed figures (tests/reliability).

    $GENERIO_SOAK_FLOWS sets the number of runs, $GENERIO_SOAK_SEED the faults drawn.
    """
    session.install("-e", ".[cli,emulator,mesh]", *_group("test"))
    session.run("pytest", "-m", "soak", "-rP", "tests/reliability", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff lint and format check (generated/ is excluded in pyproject.toml)."""
    session.install(*_group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def types(session: nox.Session) -> None:
    """mypy --strict on the facade, with the generated package and extras installed."""
    session.install("-e", ".[cli,emulator,mesh]", *_group("types"))
    session.run("mypy")


def _generate(session: nox.Session, dest: Path) -> None:
    """Regenerate the low-level client into dest (a package folder, wiped first)."""
    if dest.exists():
        # --overwrite only wipes api/ and models/; stale files elsewhere would survive.
        shutil.rmtree(dest)
    session.run(
        "openapi-python-client",
        "generate",
        "--path",
        str(SPEC),
        "--meta",
        "none",
        "--output-path",
        str(dest),
        "--overwrite",
        "--fail-on-warning",
        "--config",
        str(GENERATOR_CONFIG),
    )
    # --meta none writes no py.typed; the package is typed, so say so.
    (dest / "py.typed").write_text("")
    shutil.rmtree(dest / ".ruff_cache", ignore_errors=True)


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate generated/generio_api from openapi.json with the pinned generator."""
    session.install(*_group("generate"))
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
    session.install(*_group("generate"))
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "generio_api"
        _generate(session, fresh)
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
    session.install(*_group("build"))
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", str(dist))
    archives = sorted(str(p) for p in dist.iterdir())
    session.run("twine", "check", "--strict", *archives)
    for line in _check_dist(session, dist):
        session.log(line)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site into site/ with mkdocs --strict (any warning fails).

    `nox -s docs -- serve` serves it with live reload instead.
    """
    # griffe reads the sources statically (mkdocs.yml's paths): nothing of generio to install.
    session.install(*_group("docs"))
    session.env["NO_MKDOCS_2_WARNING"] = "1"  # mkdocs-material's banner, not about our docs
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", *session.posargs[1:])
    else:
        session.run("mkdocs", "build", "--strict", "--site-dir", "site", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: one table of ratios against baselines measured in the same run.

    Results go to benchmarks/results/local/ (untracked); `nox -s bench -- --record` also
    updates benchmarks/results/latest.json, the figures the README quotes.
    """
    session.install(".[emulator]")
    session.run("python", "benchmarks/run.py", *session.posargs)


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
