"""``flows.find(idempotency_key=...)``: the flow a key made, the two clients' shared part."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generio._drivers.asynchronous import AsyncDriver
    from generio._drivers.sync import SyncDriver
    from generio._jobs.state import ClientState
    from generio._payload.models import Flow

__all__ = ["AsyncFindMethods", "FindMethods"]


class FindMethods:
    """``Flows.find`` (a mixin of :class:`~generio.Flows`)."""

    _driver: SyncDriver
    _state: ClientState

    def find(self, *, idempotency_key: str, template: str | None = None) -> Flow | None:
        """Return the flow created with ``idempotency_key`` (by any client or process), or None.

        Reads only what the client does not know yet of the account's listing (see
        :class:`~generio.KeyLookup`), then the flow itself, as it is now. The earliest flow
        wins should several carry the key.

        Args:
            idempotency_key: the key given to ``create``, ``run`` or a batch job (step ``n``
                > 1 of a chained job uses ``f"{key}/then/{n - 1}"``).
            template: only flows of this template (by name): when the listing leaves
                ``additional`` out, other templates' flows need not be read one by one.

        Raises:
            InputError: the key is not a non-empty printable string.
            LookupIncompleteError: the listing could not be read as far as needed.
        """
        from generio._jobs.keys import find_job  # loaded on first use

        return self._driver.drive(find_job(self._state, idempotency_key, template))


class AsyncFindMethods:
    """``AsyncFlows.find`` (a mixin of :class:`~generio.AsyncFlows`)."""

    _driver: AsyncDriver
    _state: ClientState

    async def find(self, *, idempotency_key: str, template: str | None = None) -> Flow | None:
        """Return the flow created with ``idempotency_key`` (by any client or process), or None.

        Awaited :meth:`Flows.find`: the same arguments, result and errors.
        """
        from generio._jobs.keys import find_job  # loaded on first use

        return await self._driver.drive(find_job(self._state, idempotency_key, template))
