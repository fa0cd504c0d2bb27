"""`python -m generio` and the `generio` console script.

The command line lives in the ``cli`` extra; without it, ``generio`` still answers
``--version`` and otherwise says in one line how to install the extra (exit code 2).
"""

from __future__ import annotations

import sys

from generio._version import __version__

# What the `cli` extra brings; an ImportError of anything else is a real bug, not a hint.
_CLI_MODULES = frozenset({"typer", "rich"})


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (``sys.argv[1:]`` when None); return the exit code."""
    args = sys.argv[1:] if argv is None else argv
    try:
        from generio._cli import app
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in _CLI_MODULES:
            raise
        if args == ["--version"]:
            print(f"generio {__version__}")
            return 0
        print(
            "generio: error: the command line is not installed: install generio[cli] "
            "(pip install 'generio[cli]')",
            file=sys.stderr,
        )
        return 2
    try:
        app(args=args, prog_name="generio")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
