"""`python -m generio` and the `generio` console script."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from typing import Any

from generio._version import __version__

#: What a SIGINT handler may be, as ``signal.signal`` returns it.
Handler = Callable[[int, Any], Any] | int | signal.Handlers | None

EXIT_INTERRUPTED = 130


def interrupted() -> int:
    """Say so on stderr and return the exit code of an interrupted command."""
    try:
        sys.stderr.write("\ngenerio: interrupted\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed: the exit code says it
        pass
    return EXIT_INTERRUPTED


def main(argv: list[str] | None = None, *, sigint: Handler = None) -> int:
    """Run the command line with ``argv`` (``sys.argv[1:]`` when None); return the exit code."""
    try:
        return _main(sys.argv[1:] if argv is None else argv, sigint)
    except KeyboardInterrupt:
        return interrupted()


def _main(args: list[str], sigint: Handler) -> int:
    from generio._errors import CLI_MODULES, MissingExtraError

    try:
        from generio._cli import app
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in CLI_MODULES:
            raise
        if args == ["--version"]:
            print(f"generio {__version__}")
            return 0
        print(
            f"generio: error: {MissingExtraError('the command line', 'cli', exc.name)}",
            file=sys.stderr,
        )
        return 2
    finally:
        if sigint is not None:
            signal.signal(signal.SIGINT, sigint)
    try:
        app(args=args, prog_name="generio")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
