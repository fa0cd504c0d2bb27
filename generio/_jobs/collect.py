"""Where a run's outputs go, checked before any flow is created."""

from __future__ import annotations

import os

import attrs

from generio._errors import InputError
from generio._payload.names import check_out_name


@attrs.frozen
class Collect:
    """Where a run's outputs go."""

    out_dir: str | os.PathLike[str] | None = None
    out_name: str | None = None
    fetch: bool = True


def where_outputs(
    out_dir: str | os.PathLike[str] | None, out_name: object, fetch: object
) -> Collect:
    """Check where the outputs go, before anything is created."""
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
