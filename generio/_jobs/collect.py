"""Where a run's outputs go, checked before any flow is created.

Files in ``out_dir`` (readable names, or the caller's ``out_name``), memory, or nowhere:
left on the service (``fetch_outputs=False``), to stream or save later.
"""

from __future__ import annotations

import os

import attrs

from generio._errors import InputError
from generio._payload.names import check_out_name

__all__ = ["Collect", "where_outputs"]


@attrs.frozen
class Collect:
    """Where a run's outputs go.

    Attributes:
        out_dir: the directory of the files, or None (in memory).
        out_name: the files' own name instead of the readable one, or None.
        fetch: False: leave the outputs on the service (listed, without content).
    """

    out_dir: str | os.PathLike[str] | None = None
    out_name: str | None = None
    fetch: bool = True


def where_outputs(
    out_dir: str | os.PathLike[str] | None, out_name: object, fetch: object
) -> Collect:
    """Check where the outputs go, before anything is created.

    Raises:
        InputError: a bad ``out_name``, ``out_name`` without ``out_dir``, or
            ``fetch_outputs=False`` with either.
    """
    if not isinstance(fetch, bool):
        raise InputError(f"fetch_outputs must be True or False, not {fetch!r}.")
    if not fetch and (out_dir is not None or out_name is not None):
        raise InputError(
            "fetch_outputs=False leaves the outputs on the service, so out_dir and out_name "
            "have nothing to write; drop them, or drop fetch_outputs=False."
        )
    if out_name is None:
        return Collect(out_dir, None, fetch)
    name = check_out_name(out_name)
    if out_dir is None:
        raise InputError("out_name names the files written to out_dir: give out_dir too.")
    return Collect(out_dir, name, fetch)
