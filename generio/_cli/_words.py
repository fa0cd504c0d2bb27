"""Retelling the library's messages in the command line's words.

The facade's errors speak to Python programmers (``pass allow_insecure=True``, ``argument
api_key``, ``pass it as a str``) and the service's 422 bodies speak pydantic (``Value error,
...``, ``Input should be 'low' or 'high'``). On the command line those name things a person
cannot type, so every message is passed through :func:`cli_words` before it is printed:
flags and environment variables instead of arguments and types, allowed values listed
plainly. Pure text in, text out: each rule is tested on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["cli_words", "name_origins", "plain_choices"]

# Fixed phrases of generio's own messages (generio/_errors.py, generio/_http/settings.py,
# _http/operations.py, _payload/inputs.py, _jobs/calls.py, _jobs/wait.py,
# _jobs/downloads.py), most specific first.
_PHRASES: tuple[tuple[str, str], ...] = (
    (
        "pass api_key= to the client or set $GENERIO_API_KEY",
        "pass --api-key or set $GENERIO_API_KEY",
    ),
    ("(argument api_key or $GENERIO_API_KEY)", "(--api-key or $GENERIO_API_KEY)"),
    ("(argument base_url or $GENERIO_BASE_URL)", "(--base-url or $GENERIO_BASE_URL)"),
    ("pass the key as api_key= instead", "give the key with --api-key or $GENERIO_API_KEY instead"),
    ("pass allow_insecure=True", "pass --allow-insecure"),
    ("give the client a longer timeout=", "pass a longer --request-timeout"),
    (
        "raise max_retries to let generio wait and retry",
        "raise --max-retries to let generio wait and retry",
    ),
    (
        "This template takes a text prompt: pass it as a str.",
        "This template takes a text prompt: give the prompt as an INPUT that is not the name "
        "of an existing file.",
    ),
    (
        "A str is sent as a text prompt: pass files as pathlib.Path.",
        "An INPUT that names no existing file is sent as a text prompt: check the file's path.",
    ),
    (
        "pass mime_type= (for example 'image/png' or 'model/gltf-binary').",
        "give the file the extension of its type (.png, .jpg, .tif, .webp or .glb).",
    ),
    (
        "Pass mime_type=..., e.g. mime_type='image/png'.",
        "Give the file the extension of its type (.png, .jpg, .tif, .webp or .glb).",
    ),
    (
        "check the flow's state first (get it)",
        "check the flow's state first (generio flows get ID)",
    ),
    (
        "check the id or name; list them to see what exists",
        "check the id or name; list what exists with generio flows list or generio templates",
    ),
)

# Where a 422 points (pydantic's ``loc``, as FieldError prints it) -> the option behind it.
_LOCATIONS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"\bbody\.parameters\.([\w-]+): "), r"-p \1: "),
    (re.compile(r"\bbody\.parameters: "), "-p: "),
    (re.compile(r"\bbody\.additional: "), "--additional: "),
    (re.compile(r"\bbody\.inputs\.(\d+)(?:\.\w+)*: "), lambda m: f"INPUT {int(m[1]) + 1}: "),
    (re.compile(r"\bbody\.inputs: "), "INPUT: "),
    (re.compile(r"\bbody\.template: "), "TEMPLATE: "),
    (re.compile(r"\bquery\.filter_by: "), "--state: "),
    (re.compile(r"\bquery\.sort_by: "), "--sort-by: "),
)

# pydantic's literal error: ``Input should be 'a', 'b' or 'c'``.
_INPUT_SHOULD_BE = re.compile(r"Input should be ((?:'[^']*'(?:, | or )?)+)")
_QUOTED = re.compile(r"'([^']*)'")
_LIBRARY_SETTING = re.compile(
    r"\b(?:timeout must be a positive number of seconds \(at most 1e9\), an "
    r"httpx\.Timeout or None, not "
    r"([^ ;]+?))\.?(?=$| )"
)
_WAIT_TIMEOUT = re.compile(r"\btimeout must be a number of seconds >= 0 or None, not ([^ ]+?)\.?$")
_OUT_DIR = re.compile(r"\bout_dir '")


def plain_choices(values: list[str]) -> str:
    """Write allowed values as a person reads them: ``low, high``."""
    return ", ".join(values)


def _choices(match: re.Match[str]) -> str:
    return f"must be one of: {plain_choices(_QUOTED.findall(match[1]))}"


def _sub(
    pattern: re.Pattern[str], replacement: str | Callable[[re.Match[str]], str], text: str
) -> str:
    return pattern.sub(replacement, text)


def cli_words(message: str) -> str:
    """Return ``message`` with Python arguments and types replaced by the CLI's flags."""
    text = message
    for python, cli in _PHRASES:
        text = text.replace(python, cli)
    text = text.replace("Value error, ", "")
    for pattern, replacement in _LOCATIONS:
        text = _sub(pattern, replacement, text)
    text = _sub(_INPUT_SHOULD_BE, _choices, text)
    text = text.replace("Input should be ", "must be ")
    text = _sub(
        _LIBRARY_SETTING,
        lambda m: f"--request-timeout must be a positive number of seconds, not {m[1]}",
        text,
    )
    text = _sub(
        _WAIT_TIMEOUT,
        lambda m: f"--wait-timeout must be a number of seconds >= 0, not {m[1]}.",
        text,
    )
    text = _sub(_OUT_DIR, "--out-dir '", text)
    # What is left of the base URL's messages names the setting, not the argument.
    return re.sub(r"\bbase_url\b", "the base URL (--base-url)", text, count=1)


def name_origins(message: str, key_from: str | None, url_from: str | None) -> str:
    """Name the one place a setting came from, where ``message`` names both.

    Args:
        message: a message already in the CLI's words (:func:`cli_words`).
        key_from: ``--api-key`` or ``$GENERIO_API_KEY``, whichever gave the key; None if neither.
        url_from: ``--base-url`` or ``$GENERIO_BASE_URL``, whichever gave the URL.
    """
    text = message
    if key_from is not None:
        text = text.replace("(--api-key or $GENERIO_API_KEY)", f"(given by {key_from})")
    if url_from is not None:
        text = text.replace("(--base-url or $GENERIO_BASE_URL)", f"(given by {url_from})")
        text = text.replace("the base URL (--base-url)", f"the base URL ({url_from})")
    return text
