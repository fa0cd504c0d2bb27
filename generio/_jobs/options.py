"""The small types of the public calls' options, and their checks.

Light enough for the clients to import at once; the jobs that use them load on first call.
"""

from typing import Literal

from generio._errors import InputError

__all__ = ["ON_INTERRUPT", "OnInterrupt", "check_on_interrupt", "resolve"]

#: What ``run()`` (and a batch) does with its flow when interrupted: ``"abort"`` it,
#: ``"keep"`` it running, or ``"auto"`` (the default of the library and the CLI alike):
#: keep it when the call has the caller's ``idempotency_key`` (a re-run with that key
#: collects it, paying nothing more), abort it otherwise (nobody could find it again).
OnInterrupt = Literal["auto", "abort", "keep"]
ON_INTERRUPT: tuple[OnInterrupt, ...] = ("auto", "abort", "keep")


def check_on_interrupt(mode: object, where: str = "") -> None:
    """Refuse an ``on_interrupt`` that is none of :data:`ON_INTERRUPT`.

    Raises:
        InputError: naming the value (and ``where``, e.g. ``"job 3: "``).
    """
    if mode not in ON_INTERRUPT:
        raise InputError(f"{where}on_interrupt must be 'auto', 'abort' or 'keep', not {mode!r}.")


def resolve(mode: str, keyed: bool) -> Literal["abort", "keep"]:
    """Return the fate ``mode`` gives a flow: ``"auto"`` keeps a keyed call's, aborts others."""
    if mode == "auto":
        return "keep" if keyed else "abort"
    return "keep" if mode == "keep" else "abort"
