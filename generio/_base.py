"""What :class:`~generio.Generio` and :class:`~generio.AsyncGenerio` share, I/O aside.

Settings, the per-client state, the public read-only properties and the repr (base URL
only: never the key), and the building of ``run()``'s job from its arguments.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from generio._config import Secret, Settings, resolve_settings
from generio._effects import Job
from generio._jobs import ProgressCallback
from generio._models import RunResult, Template
from generio._run import OnInterrupt, run_job
from generio._state import ClientState

__all__ = ["ClientBase"]


class ClientBase:
    """The part of a client that does no I/O."""

    _state: ClientState
    _low: Any

    def _configure(self, api_key: Secret | None, base_url: str | None, **options: Any) -> Settings:
        """Resolve and check the settings, and start the client's state.

        Args:
            api_key: the key, already wrapped: no frame that can raise holds it raw.
            base_url: the service's URL, or None.
            options: the constructor's other settings (see :func:`resolve_settings`).

        Raises:
            ConfigurationError: no API key, a malformed or insecure base URL, a bad setting.
        """
        settings = resolve_settings(api_key, base_url, **options)
        self._state = ClientState(settings)
        return settings

    @property
    def base_url(self) -> str:
        """The service's URL."""
        return self._state.settings.base_url

    @property
    def low_level(self) -> Any:
        """The generated ``generio_api.Client``, wired like this client.

        It sends with this client's key, URL, timeouts and retries. Pass it as ``client=``
        to the functions of ``generio_api.api``: the ``sync*`` ones for :class:`Generio`,
        the ``asyncio*`` ones for :class:`AsyncGenerio`.
        """
        return self._low

    def __repr__(self) -> str:
        # Works on a client whose constructor failed half way (tracebacks call it).
        state = getattr(self, "_state", None)
        if state is None:
            return f"{type(self).__name__}(<not configured>)"
        return f"{type(self).__name__}(base_url={state.settings.base_url!r})"

    def _run_job(
        self,
        template: str | Template,
        inputs: object,
        parameters: Mapping[str, Any] | None,
        additional: Any,
        out_dir: str | os.PathLike[str] | None,
        timeout: float | None,
        on_progress: ProgressCallback | None,
        idempotency_key: str | None,
        on_interrupt: OnInterrupt,
    ) -> Job[RunResult]:
        return run_job(
            self._state,
            template,
            inputs,
            parameters=parameters,
            additional=additional,
            out_dir=out_dir,
            timeout=timeout,
            on_progress=on_progress,
            idempotency_key=idempotency_key,
            on_interrupt=on_interrupt,
        )
