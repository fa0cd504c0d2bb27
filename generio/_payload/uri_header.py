"""The header of a data URI (``data:<MIME type>;base64,``), read strictly or leniently."""

from __future__ import annotations

import re

from generio._degrade import degraded
from generio._errors import InputError
from generio._payload.mime import normalize

_FORM = "data:<MIME type>;base64,<base64 data>"
_MAX_HEADER = 256  # a header longer than this is not one the service sends
_TCHARS = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"  # RFC 2045 token
_MIME_RE = re.compile(rf"{_TCHARS}/{_TCHARS}")
_HEADER_RE = re.compile(
    rf"data:({_TCHARS}/{_TCHARS})(?:;{_TCHARS}={_TCHARS})*;base64,", re.IGNORECASE
)
_URI_LIKE_RE = re.compile(rf"data:{_TCHARS}/{_TCHARS}(?:;[^,]*)?(?:,|\Z)", re.IGNORECASE)


class DecodeError(InputError):
    """Data that should be a base64 data URI (or an asset's JSON body holding one) is not.

    Raised for a malformed header, invalid or truncated base64, and a JSON body that is
    malformed or was cut short.
    """


def _preview(text: str | bytes, limit: int = 48) -> str:
    short = text[:limit]
    return repr(short) + ("..." if len(text) > limit else "")


def _header_problem(uri: str) -> str:
    """Say what is wrong with the start of ``uri`` and what the right form is."""
    what = f"not a valid data URI (it starts {_preview(uri)})"
    lower = uri[:_MAX_HEADER].lower()
    if not lower.startswith("data:"):
        why = "it must start with 'data:'"
    elif lower.startswith(("data:;", "data:,")):
        why = "it has no MIME type after 'data:'"
    elif re.match(rf"data:{_TCHARS}/{_TCHARS},base64;", lower):
        why = (
            "it uses the form 'data:<type>,base64;...' that one page of the vendor's docs shows "
            "by mistake; ';base64' goes before the comma"
        )
    elif "," not in lower:
        why = "there is no ',' between the header and the data"
    elif ";base64," not in lower.split(",", 1)[0] + ",":
        why = "it lacks ';base64' before the ',' (generio reads base64 data URIs only)"
    else:
        why = "its MIME type or parameters are malformed"
    return f"{what}: {why}. The form is {_FORM}, e.g. 'data:image/png;base64,iVBORw0KGgo...'."


_MISPRINT_RE = re.compile(rf"data:({_TCHARS}/{_TCHARS}(?:;{_TCHARS}={_TCHARS})*),base64;", re.I)


def repair_misprint(uri: str) -> str:
    """Return ``uri`` in the right form when it uses the docs' misprint ``data:<type>,base64;``.

    For reading what the service sends only: generio never sends the misprinted form
    (:func:`parse_header` refuses it). Anything else comes back unchanged.
    """
    match = _MISPRINT_RE.match(uri, 0, _MAX_HEADER)
    if match is None:
        return uri
    degraded("misprinted_data_uri", "A data URI came as 'data:<type>,base64;...'; read anyway.")
    return f"data:{match.group(1)};base64,{uri[match.end() :]}"


def looks_like_data_uri(text: str) -> bool:
    """Whether ``text`` starts like a data URI (``data:<type>/<subtype>`` then ``;`` or ``,``)."""
    return _URI_LIKE_RE.match(text[:_MAX_HEADER]) is not None


def parse_header(uri_prefix: str) -> str:
    """Return the normalized MIME type from the ``data:<mime>;base64,`` start of a data URI.

    Args:
        uri_prefix: the data URI, or at least its start up to and including the first ``,``.
            ``data:`` and ``;base64`` are matched case-insensitively; parameters such as
            ``;charset=utf-8`` before ``;base64`` are allowed and dropped.

    Raises:
        DecodeError: the start is not a base64 data URI header; the message says why.
    """
    comma = uri_prefix.find(",", 0, _MAX_HEADER)
    match = _HEADER_RE.fullmatch(uri_prefix[: comma + 1]) if comma >= 0 else None
    if match is None:
        raise DecodeError(_header_problem(uri_prefix))
    return normalize(match.group(1))
