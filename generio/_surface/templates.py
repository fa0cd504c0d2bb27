"""``client.templates`` of both clients: the blueprints flows are made from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from generio._payload.models import Template

if TYPE_CHECKING:
    from generio._drivers.asynchronous import AsyncDriver
    from generio._drivers.sync import SyncDriver


class Templates:
    """``client.templates``: the blueprints flows are made from."""

    def __init__(self, driver: SyncDriver) -> None:
        self._driver = driver

    def list(self) -> list[Template]:
        """Return all templates the account can use (refreshing the template cache)."""
        from generio._jobs.calls import list_templates_job

        return self._driver.drive(list_templates_job(self._driver.state))

    def get(self, id_or_name: str) -> Template:
        """Return one template by id or name, e.g. ``"model_generate_fromimage"``.

        Raises:
            NotFoundError: no template has this id or name.
        """
        from generio._jobs.calls import get_template_job

        return self._driver.drive(get_template_job(self._driver.state, id_or_name))


class AsyncTemplates:
    """``client.templates`` of :class:`AsyncGenerio`; see :class:`~generio.Templates`."""

    def __init__(self, driver: AsyncDriver) -> None:
        self._driver = driver

    async def list(self) -> list[Template]:
        """Return all templates the account can use (awaited :meth:`Templates.list`)."""
        from generio._jobs.calls import list_templates_job

        return await self._driver.drive(list_templates_job(self._driver.state))

    async def get(self, id_or_name: str) -> Template:
        """Return one template by id or name (awaited :meth:`Templates.get`)."""
        from generio._jobs.calls import get_template_job

        return await self._driver.drive(get_template_job(self._driver.state, id_or_name))
