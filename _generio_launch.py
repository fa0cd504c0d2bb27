"""The ``generio`` console script's entry point: Ctrl-C during start-up exits 130 quietly.

Importing generio, httpx and typer takes a fraction of a second, and a Ctrl-C then would
surface from deep inside an import as a traceback. This module sits outside the generio
package so that it runs before any of it is imported. Its first statements make SIGINT end
the process at once with exit code 130 and one line on stderr (nothing has been sent yet,
so there is nothing to clean up); :func:`main` then hands over to
``generio.__main__.main``, which puts Python's handler back once the command line is
loaded, so commands handle Ctrl-C themselves (``run`` aborts the flow it created).
"""

# No ``from __future__`` line: the handler goes in at the module's first statements, and
# until then a Ctrl-C lands in lines that hold no state (the test checks which ones).
# The builtin ``_signal``, not ``signal``: importing ``signal`` builds its enums in Python
# code, a window of milliseconds in which a Ctrl-C would still show a traceback.
import _signal as signal  # type: ignore[import-not-found]  # no stub; same API

_PREVIOUS = signal.getsignal(signal.SIGINT)


def _exit_at_start(_signum: int, _frame: object) -> None:
    import os

    os.write(2, b"\ngenerio: interrupted\n")
    os._exit(130)


# Started in the background (SIGINT ignored): keep ignoring it.
if _PREVIOUS != signal.SIG_IGN:
    signal.signal(signal.SIGINT, _exit_at_start)


def main() -> int:
    """Run ``generio``; a Ctrl-C while it loads exits 130 without a traceback."""
    from generio.__main__ import main as run

    return run(sigint=None if _PREVIOUS == signal.SIG_IGN else _PREVIOUS)


if __name__ == "__main__":
    import sys

    sys.exit(main())
