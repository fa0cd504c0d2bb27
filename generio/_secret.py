"""The API key in a wrapper that never shows it."""

from __future__ import annotations

import base64
import html
import json
import logging
import os
import re
import threading
import weakref
from typing import Final
from urllib.parse import quote, quote_plus, unquote, urlsplit

REDACTED: Final = "***"
#: Shorter secrets cannot be told apart from ordinary words of a body; they are not hidden.
MIN_HIDDEN: Final = 8


class Secret:
    """A secret string: redacted in ``repr``/``str``; :func:`hide_secrets` hides its forms."""

    __slots__ = ("__value", "__weakref__", "_forms", "wrong_type")

    def __init__(self, value: str, *, wrong_type: str | None = None) -> None:
        self.__value = value
        self.wrong_type: str | None = wrong_type
        self._forms: tuple[str, ...] | None = None
        if len(value) >= MIN_HIDDEN:
            with _LOCK:
                _LIVE[id(self)] = self

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
        """Return the secret as it may appear when a server echoes it, escaped or not."""
        if self._forms is not None:
            return self._forms
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
        self._forms = tuple(sorted(dict.fromkeys(found), key=len, reverse=True))
        return self._forms


def _lower_hex(quoted: str) -> str:
    """``%2F`` → ``%2f``: servers differ in the case of their percent-escapes."""
    parts = quoted.split("%")
    return parts[0] + "".join("%" + p[:2].lower() + p[2:] for p in parts[1:])


#: Every secret alive in the process (a client's key, proxy credentials): hidden everywhere.
#: Keyed by id: equal secrets are distinct entries, each dropped when it dies.
_LIVE: weakref.WeakValueDictionary[int, Secret] = weakref.WeakValueDictionary()
_LOCK = threading.Lock()


def _renew_lock() -> None:
    """In a forked child: the parent's lock may have been held by one of its threads."""
    global _LOCK
    _LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_renew_lock)


def hide_secrets(text: str) -> str:
    """Return ``text`` with every secret, and whatever looks like a credential, as ``***``."""
    with _LOCK:
        live = list(_LIVE.values())
    forms = {form for secret in live for form in secret.forms()}
    # Longest first, across secrets: "user:password" before the password alone.
    for form in sorted(forms, key=len, reverse=True):
        if form in text:
            text = text.replace(form, REDACTED)
    return redact_credentials(text)


# An Authorization or Proxy-Authorization value: a header line, JSON, a Python dict's repr.
_HEADER_VALUE = re.compile(
    r"""(?i)((?:proxy-)?authorization['"]?\s*[:=]\s*['"]?)(?!\*\*\*)([^'"\r\n,;}]+)"""
)
# A credential after its scheme's word, in any text (a proxy's page quoting the request).
_SCHEME_TOKEN = re.compile(r"(?i)\b(basic|bearer)(\s+)([A-Za-z0-9._~+/=-]{8,})")
# A password in a URL: scheme://user:password@host.
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@'\"]+:[^/\s@'\"]*@")


def _token(match: re.Match[str]) -> str:
    token = match[3]
    # Plain words ("Bearer authentication required") stay; credentials have digits,
    # symbols or mixed case.
    if token.isalpha() and (token.islower() or token.isupper()):
        return match[0]
    return f"{match[1]}{match[2]}{REDACTED}"


def redact_credentials(text: str) -> str:
    """Return ``text`` with credential-shaped parts as ``***``, whoever they belong to."""
    if not text:
        return text
    text = _URL_USERINFO.sub(rf"\1{REDACTED}@", text)
    text = _HEADER_VALUE.sub(rf"\1{REDACTED}", text)
    return _SCHEME_TOKEN.sub(_token, text)


def proxy_secrets(url: str) -> tuple[Secret, ...]:
    """Return the credentials of a proxy URL as secrets (none without a password)."""
    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        user, password = parts.username, parts.password
    except ValueError:  # a malformed URL: the configuration check reports it
        return ()
    if user is None or password is None:
        return ()
    pair = f"{unquote(user)}:{unquote(password)}"
    encoded = base64.b64encode(pair.encode("utf-8")).decode("ascii")
    return (Secret(unquote(password)), Secret(pair), Secret(encoded))


class RedactFilter(logging.Filter):
    """Scrub each record of the ``generio`` logger (every level) with :func:`hide_secrets`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's final message when it held a secret; keep the record."""
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logging's to report
            return True
        hidden = hide_secrets(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


_FILTER = RedactFilter()
logging.getLogger("generio").addFilter(_FILTER)
