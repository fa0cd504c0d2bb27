"""The ``generio`` command line (extra ``cli``): thin commands over the facade.

Modules by subject: ``_app`` (the Typer app, global options, the command tree), ``_common``
(client, exit codes, errors, output), ``_catalog`` (templates), ``_run``, ``_flows``,
``_local`` (emulator and demo), ``_args`` (typing ``-p`` values and inputs), ``_render``
(text and JSON), ``_progress`` (the rich bar). Importing it loads typer but neither the
clients nor rich: those load inside the commands, so ``generio --help`` starts fast.
"""

from generio._cli._app import app

__all__ = ["app"]
