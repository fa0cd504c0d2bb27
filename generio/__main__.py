"""`python -m generio` and the `generio` console script."""

from __future__ import annotations

import sys

from generio._version import __version__


def main(argv: list[str] | None = None) -> int:
    """Print the version; the full command line lands with the CLI."""
    args = sys.argv[1:] if argv is None else argv
    if args in ([], ["--version"]):
        print(f"generio {__version__}")
        return 0
    print("generio: unknown command", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
