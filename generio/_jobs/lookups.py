"""``flows.find``: the flow a key made, as a job (see ``_jobs/keyed.find_key_job``)."""

from __future__ import annotations

import time

from generio._errors import InputError
from generio._jobs.effects import Job
from generio._jobs.keyed import find_key_job
from generio._jobs.listing import Need
from generio._jobs.state import ClientState
from generio._payload.marker import check_key
from generio._payload.models import Flow

__all__ = ["find_job"]


def find_job(state: ClientState, key: str, template: str | None) -> Job[Flow | None]:
    """Return the flow created with ``key`` (the earliest), or None.

    Raises:
        InputError: a bad key or template.
        LookupIncompleteError: the listing could not be read as far as needed.
    """
    key = check_key(key)
    if template is not None and (not isinstance(template, str) or not template):
        raise InputError(f"template must be a template's name or None, not {template!r}.")
    templates = frozenset({template}) if template else None
    need = Need(key, fresh=time.monotonic(), templates=templates)
    found = yield from find_key_job(state, need, state.budget())
    return None if found is None else found[0]
