"""`python -m generio` and the `generio` console script."""

from __future__ import annotations

import sys

from generio._version import __version__

_CLI_MODULES = frozenset({"typer", "click", "rich"})


def main(argv: list[str] | None = None) -> int:
    """Run the command line (the ``cli`` extra); without it, print a hint and return 2."""
    args = sys.argv[1:] if argv is None else argv
    try:
        from generio._cli import app
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in _CLI_MODULES:
            raise
        if args == ["--version"]:
            print(f"generio {__version__}")
            return 0
        print("generio: the command line needs typer: install generio[cli]", file=sys.stderr)
        return 2
    try:
        app(args=args, prog_name="generio")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
