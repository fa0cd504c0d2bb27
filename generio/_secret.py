"""The API key in a wrapper that never shows it.

The key is held by :class:`Secret` from the moment a client receives it. Its ``repr`` and
``str`` are redacted, so no repr of a setting, a client, a log argument or a traceback
formatted with its frames' locals (``traceback``'s ``capture_locals``, rich's
``show_locals``) can show it. The raw text is read back in one place only, where the
``Authorization`` header is built (:class:`~generio._config.BearerAuth`), and it is never
kept in a local variable of a frame that can raise.
"""

from __future__ import annotations

import contextlib
import html
import json
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Final
from urllib.parse import quote, quote_plus

__all__ = ["MIN_HIDDEN", "REDACTED", "Secret", "hide_secrets", "hiding"]

REDACTED: Final = "***"
#: Shorter secrets cannot be told apart from ordinary words of a body; they are not hidden.
MIN_HIDDEN: Final = 8


class Secret:
    """A secret string: redacted in ``repr``/``str``, hidden from text on request.

    Args:
        value: the secret (the caller's frame should drop its own reference to it).
        wrong_type: the type's name when what was passed was not a ``str`` at all (its
            value is then not kept).
    """

    __slots__ = ("__value", "wrong_type")

    def __init__(self, value: str, *, wrong_type: str | None = None) -> None:
        self.__value = value
        self.wrong_type = wrong_type

    @classmethod
    def wrap(cls, value: object) -> Secret | None:
        """Wrap what was passed as a key at once, whatever it is; None stays None."""
        if value is None or isinstance(value, Secret):
            return value
        if isinstance(value, str):
            return cls(value)
        return cls("", wrong_type=type(value).__name__)

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.__value == self.__value

    def __hash__(self) -> int:
        return hash(self.__value)

    def __reduce__(self) -> str:
        # Pickling would write the key to wherever the pickle goes.
        raise TypeError("a Secret cannot be pickled")

    def reveal(self) -> str:
        """Return the raw secret. Only the ``Authorization`` header may call this."""
        return self.__value

    def stripped(self) -> Secret:
        """Return the secret without surrounding whitespace."""
        return Secret(self.__value.strip())

    def problem(self) -> str | None:
        """Say what makes the secret unusable as an API key, without quoting it; or None."""
        value = self.__value
        if not value:
            return "empty"
        if any(not ch.isprintable() or ch.isspace() for ch in value):
            return "spaces or control characters"
        return None

    def forms(self) -> tuple[str, ...]:
        """Return the secret as it may appear when a server echoes it, escaped or not.

        Raw, JSON-escaped (also with the slash escaped), HTML-escaped, URL-quoted (``%XX`` in
        either case, ``+`` for spaces or not). Empty when the secret is too short to hide.
        """
        value = self.__value
        if len(value) < MIN_HIDDEN:
            return ()
        as_json = json.dumps(value)[1:-1]
        quoted = [quote(value, safe=""), quote(value), quote_plus(value), quote_plus(value, "/")]
        lower = [_lower_hex(q) for q in quoted]
        found = [
            value,
            as_json,
            json.dumps(value, ensure_ascii=False)[1:-1],
            as_json.replace("/", "\\/"),
            html.escape(value),
            html.escape(value, quote=False),
            *quoted,
            *lower,
        ]
        # Longest first: a form that contains another must be replaced before it.
        return tuple(sorted(dict.fromkeys(found), key=len, reverse=True))

    def hide(self, text: str) -> str:
        """Return ``text`` with every form of the secret replaced by ``***``."""
        for form in self.forms():
            if form in text:
                text = text.replace(form, REDACTED)
        return text


def _lower_hex(quoted: str) -> str:
    """``%2F`` → ``%2f``: servers differ in the case of their percent-escapes."""
    parts = quoted.split("%")
    return parts[0] + "".join("%" + p[:2].lower() + p[2:] for p in parts[1:])


_SECRETS: ContextVar[tuple[Secret, ...]] = ContextVar("generio_secrets", default=())


@contextlib.contextmanager
def hiding(secret: Secret | None) -> Iterator[None]:
    """While the block runs, text from the service shows ``***`` wherever ``secret`` was.

    Escaped echoes count too: JSON-escaped, HTML-escaped and URL-quoted forms are hidden
    (:meth:`Secret.forms`). Only the wrapper is kept here, never the raw text, so this
    frame shows nothing in a traceback formatted with its locals.
    """
    if secret is None or not secret.forms():
        yield
        return
    token = _SECRETS.set((*_SECRETS.get(), secret))
    try:
        yield
    finally:
        _SECRETS.reset(token)


def hide_secrets(text: str) -> str:
    """Return ``text`` with the secrets of the enclosing :func:`hiding` blocks as ``***``."""
    for secret in _SECRETS.get():
        text = secret.hide(text)
    return text
