"""``client.templates`` of both clients: the blueprints flows are made from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from generio._payload.models import Template

if TYPE_CHECKING:
    from generio._async_client import AsyncGenerio
    from generio._client import Generio

__all__ = ["AsyncTemplates", "Templates"]


class Templates:
    """``client.templates``: the blueprints flows are made from."""

    def __init__(self, client: Generio) -> None:
        self._client = client

    def list(self) -> list[Template]:
        """Return all templates the account can use (refreshing the template cache)."""
        from generio._jobs.calls import list_templates_job

        return self._client._drive(list_templates_job(self._client._state))

    def get(self, id_or_name: str) -> Template:
        """Return one template by id or name, e.g. ``"model_generate_fromimage"``.

        Raises:
            NotFoundError: no template has this id or name.
        """
        from generio._jobs.calls import get_template_job

        return self._client._drive(get_template_job(self._client._state, id_or_name))


class AsyncTemplates:
    """``client.templates`` of :class:`AsyncGenerio`; see :class:`~generio.Templates`."""

    def __init__(self, client: AsyncGenerio) -> None:
        self._client = client

    async def list(self) -> list[Template]:
        """Return all templates the account can use (refreshing the template cache)."""
        from generio._jobs.calls import list_templates_job

        return await self._client._drive(list_templates_job(self._client._state))

    async def get(self, id_or_name: str) -> Template:
        """Return one template by id or name. Raises ``NotFoundError`` when none matches."""
        from generio._jobs.calls import get_template_job

        return await self._client._drive(get_template_job(self._client._state, id_or_name))
