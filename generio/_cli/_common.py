"""What every command shares: global options, the client, exit codes, output and errors.

Exit codes (the contract scripts rely on, also in ``generio --help``):

===  ==========================================================================
0    success
1    the flow did not complete: it failed or was aborted, a wait timed out, or
     the flow was never started (``FlowFailed``, ``WaitTimeout``, ``FlowNotStarted``)
2    usage error: bad options or arguments, unknown template or parameter,
     unusable input (``InputError``: missing file, type the template refuses)
3    the API or its configuration: any ``APIError`` (auth, not found, conflict,
     validation, rate limit, server, connection) and ``ConfigurationError``
4    a local failure: an output could not be written (a full disk, a read-only or
     missing directory, permissions: ``OutputSaveError``, any ``OSError``); the
     flow completed, and the message says how to fetch its outputs again
130  interrupted (Ctrl-C); ``run`` aborts the flow it created first
===  ==========================================================================

Expected errors print one line, ``generio: error: ...``, to stderr; only a bug shows a
traceback. Parsing errors found by typer itself (a missing argument, an unknown option, a
``--state`` that is not a state) keep typer's own usage message, also with exit code 2.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec

import attrs
import typer

from generio import (
    APIError,
    ConfigurationError,
    FlowFailed,
    FlowNotStarted,
    GenerioError,
    InputError,
    OutputSaveError,
    WaitTimeout,
)
from generio._cli._words import cli_words, name_origins

if TYPE_CHECKING:
    from generio import Flow, Generio

__all__ = [
    "EXIT_API",
    "EXIT_FLOW",
    "EXIT_INTERRUPTED",
    "EXIT_LOCAL",
    "EXIT_USAGE",
    "Globals",
    "UsageProblem",
    "emit_json",
    "enable_debug_log",
    "error",
    "failure",
    "guarded",
    "note",
    "open_client",
    "say",
]

EXIT_FLOW = 1
EXIT_USAGE = 2
EXIT_API = 3
EXIT_LOCAL = 4
EXIT_INTERRUPTED = 130

P = ParamSpec("P")


class UsageProblem(Exception):
    """A command line that parsed but cannot work: unknown template, bad ``-p``, no file.

    Raised by commands once they know more than the parser could (the template's
    parameters come from the service); reported like a usage error, exit code 2.
    """


@attrs.frozen
class Globals:
    """The global options, kept on the root context for the commands.

    Attributes:
        api_key: ``--api-key``; None lets the client read ``$GENERIO_API_KEY``.
        base_url: ``--base-url``; None lets the client read ``$GENERIO_BASE_URL``.
        timeout: ``--request-timeout``, seconds per request; None keeps the client's default.
        max_retries: ``--max-retries``; None keeps the client's default.
        allow_insecure: ``--allow-insecure``: plain http to a host that is not loopback.
        key_from: where the key comes from (``--api-key``, ``$GENERIO_API_KEY``), for errors.
        url_from: where the URL comes from (``--base-url``, ``$GENERIO_BASE_URL``), for errors.
    """

    api_key: str | None = attrs.field(repr=False)
    base_url: str | None
    timeout: float | None
    max_retries: int | None = None
    allow_insecure: bool = False
    key_from: str | None = None
    url_from: str | None = None


def _globals(ctx: typer.Context) -> Globals:
    found = ctx.find_root().obj
    if not isinstance(found, Globals):
        raise TypeError("the root callback did not run: call commands through the app")
    return found


def open_client(ctx: typer.Context) -> Generio:
    """Build the client from the global options; it is closed when the command ends.

    Settings not given on the command line are left to the client, which reads the
    environment and applies its defaults: the CLI never second-guesses them.

    Raises:
        ConfigurationError: no API key, a bad base URL or timeout (exit code 3).
    """
    from generio import Generio  # loads httpx and the generated client: only when needed

    options = _globals(ctx)
    # The client's timeout=None means "no timeout at all": pass it only when given.
    extra: dict[str, Any] = {} if options.timeout is None else {"timeout": options.timeout}
    if options.max_retries is not None:
        extra["max_retries"] = options.max_retries
    client = Generio(
        options.api_key, options.base_url, allow_insecure=options.allow_insecure, **extra
    )
    return ctx.with_resource(client)


def say(text: str) -> None:
    """Print a line of the command's result (stdout)."""
    typer.echo(text)


def note(text: str) -> None:
    """Print a line about what is going on (stderr), keeping stdout for results."""
    typer.echo(f"generio: {text}", err=True)


def error(message: str) -> None:
    """Print an expected error as the one line scripts and people read (stderr)."""
    typer.echo(f"generio: error: {' '.join(message.splitlines())}", err=True)


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout: the only thing ``--json`` output holds."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _flow_failed(exc: FlowFailed) -> str:
    flow = exc.flow
    reasons = sorted({asset.error for asset in exc.outputs if asset.error})
    why = f": {'; '.join(reasons)}" if reasons else ""
    partial = (
        f"; its {len(exc.outputs)} partial output(s): generio flows download {flow.id}"
        if exc.outputs
        else ""
    )
    return f"flow {flow.id} ended {flow.state}{why}{partial}"


def _wait_timeout(exc: WaitTimeout) -> str:
    last = exc.last
    where = f" ({last.state}, {last.progress:.0%})" if last is not None else ""
    return (
        f"flow {exc.flow_id} did not finish within {exc.timeout:g} s{where}; it keeps "
        f"running: generio flows wait {exc.flow_id}, or generio flows abort {exc.flow_id}"
    )


def _not_started(flow: Flow) -> str:
    return (
        f"flow {flow.id} is 'created' and nobody started it, so it would never finish: "
        f"generio flows upload {flow.id} INPUT..., then generio flows start {flow.id}"
    )


def _not_saved(exc: OutputSaveError) -> str:
    what = f"output {exc.asset_id}" if exc.asset_id else "an output"
    why = exc.strerror or "the system refused"
    flow = exc.generio_flow_id
    if flow is None:
        return f"could not save {what} to {exc.path}: {why}"
    return (
        f"could not save {what} of flow {flow} to {exc.path}: {why}. The flow completed and "
        "its outputs stay on the service: free space or fix the directory, then "
        f"generio flows download {flow} -o DIR"
    )


def failure(exc: GenerioError | UsageProblem, options: Globals | None = None) -> tuple[int, str]:
    """Return the exit code and the one-line message for an expected error.

    The facade's messages are kept, except where they speak Python (``.outputs``,
    ``wait(...)``): those flow errors are retold with the command to run instead, and
    every other message is put in the CLI's words (:func:`cli_words`). Advice names the
    flow the request was about, and the one place (option or environment) a bad setting
    came from, when ``options`` say.
    """
    code, message = _failure(exc)
    message = cli_words(message)
    flow_id = _flow_of(exc)
    if flow_id is not None:
        message = message.replace("generio flows get ID", f"generio flows get {flow_id}")
    if options is not None:
        message = name_origins(message, options.key_from, options.url_from)
    return code, message


def _flow_of(exc: BaseException) -> str | None:
    """Return the flow an API error's request was about (``/flows/{id}/...``), if any."""
    path = getattr(exc, "path", None)
    parts = path.split("?", 1)[0].strip("/").split("/") if isinstance(path, str) else []
    return parts[1] if len(parts) >= 2 and parts[0] == "flows" and parts[1] else None


def _failure(exc: GenerioError | UsageProblem) -> tuple[int, str]:
    if isinstance(exc, OutputSaveError):
        return EXIT_LOCAL, _not_saved(exc)
    if isinstance(exc, UsageProblem | InputError):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, FlowFailed):
        return EXIT_FLOW, _flow_failed(exc)
    if isinstance(exc, WaitTimeout):
        return EXIT_FLOW, _wait_timeout(exc)
    if isinstance(exc, FlowNotStarted):
        return EXIT_FLOW, _not_started(exc.flow)
    if isinstance(exc, ConfigurationError | APIError):
        return EXIT_API, str(exc)
    return EXIT_FLOW, str(exc)


def guarded(command: Callable[P, None]) -> Callable[P, None]:
    """Wrap a command so expected errors end it with one line and their exit code.

    ``typer.Exit`` and typer's usage errors pass through untouched; a local ``OSError`` (a
    full disk) is one line too, exit code 4; anything else is a bug and keeps its traceback.
    """

    @functools.wraps(command)
    def guard(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except KeyboardInterrupt:
            note("interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except (GenerioError, UsageProblem) as exc:
            # Typer passes its own context class, whatever the annotation: duck-typed.
            root = getattr(kwargs.get("ctx"), "find_root", None)
            found = root().obj if callable(root) else None
            code, message = failure(exc, found if isinstance(found, Globals) else None)
            error(message)
            raise typer.Exit(code) from None
        except OSError as exc:  # a local failure outside the library (a summary, a page)
            where = f": {exc.filename}" if exc.filename else ""
            error(f"{exc.strerror or exc}{where}")
            raise typer.Exit(EXIT_LOCAL) from None

    return guard


class _StderrHandler(logging.Handler):
    """Writes records to the ``sys.stderr`` of the moment, with the key masked.

    Looked up at each record rather than kept from the start, so lines land above a live
    progress display (which swaps stderr) and in the test runner's capture. The masking is
    a second line of defence: generio never logs the key, and nothing here does either.
    """

    def __init__(self, secret: str | None) -> None:
        super().__init__(logging.DEBUG)
        self._secret = secret

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text.replace(self._secret, "***") if self._secret else text

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - logging must never break the command
            self.handleError(record)


def enable_debug_log(ctx: typer.Context, secret: str | None) -> None:
    """Send the ``generio`` logger's DEBUG records to stderr until the command ends.

    Args:
        ctx: the root context; the handler is removed when it closes.
        secret: the API key, masked should it ever appear in a record.
    """
    logger = logging.getLogger("generio")
    handler = _StderrHandler(secret)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    def restore() -> None:
        logger.removeHandler(handler)
        logger.setLevel(previous)

    ctx.call_on_close(restore)
