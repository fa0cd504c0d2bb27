"""The ``generio`` command line (extra ``cli``): thin commands over the facade.

Modules by subject: ``_app`` (the Typer app, global options, the command tree), ``_parsing``
(global options after the command, plain usage lines), ``_common`` (client, exit codes,
errors, output), ``_words`` (library messages in the CLI's words), ``_options`` (shared
options), ``_catalog`` (templates), ``_run``, ``_flows``, ``_local`` (emulator and demo),
``_args`` (typing ``-p`` values and inputs), ``_render`` (text and JSON), ``_progress``
(progress on stderr). Importing it loads typer but neither the
clients nor rich: those load inside the commands, so ``generio --help`` starts fast.
"""

from generio._cli._app import app

__all__ = ["app"]
