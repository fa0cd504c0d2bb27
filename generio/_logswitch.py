"""``GENERIO_LOG=debug|info``: generio's log on stderr without a line of code."""

from __future__ import annotations

import logging
import os
import re
import sys
import warnings

ENV_LOG = "GENERIO_LOG"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
# Anything that looks like a bearer credential, should a message ever carry one.
_BEARER = re.compile(r"(?i)(bearer\s+)\S+")


class _Scrub(logging.Filter):
    """Replace bearer credentials in a record's final text with ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message, scrubbed; keep the record."""
        message = record.getMessage()
        scrubbed = _BEARER.sub(r"\1***", message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def configure_from_environment(environ: dict[str, str] | None = None) -> logging.Handler | None:
    """Attach a stderr handler to the ``generio`` logger when ``$GENERIO_LOG`` asks for one."""
    value = (os.environ if environ is None else environ).get(ENV_LOG, "").strip().lower()
    if not value:
        return None
    level = LEVELS.get(value)
    if level is None:
        warnings.warn(
            f"${ENV_LOG}={value!r} is not one of {', '.join(LEVELS)}; generio's log stays off.",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s generio %(levelname)s %(message)s"))
    handler.addFilter(_Scrub())
    logger = logging.getLogger("generio")
    logger.addHandler(handler)
    logger.setLevel(level)
    return handler
