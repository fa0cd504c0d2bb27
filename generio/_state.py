"""What one client keeps between calls: settings, the template cache, claimed ids.

Shared by the sync and async clients and handed to every job. Thread-safe, because a sync
client may be used from several threads; no lock is ever held across a request.
"""

from __future__ import annotations

import threading

from generio._config import Settings
from generio._models import Template
from generio._polling import PollSettings
from generio._retry import Budget

__all__ = ["ClientState"]


class ClientState:
    """The memory of one client.

    Args:
        settings: the checked settings.
        poll: the polling tuning.
    """

    def __init__(self, settings: Settings, poll: PollSettings | None = None) -> None:
        self.settings = settings
        self.poll = poll or PollSettings()
        self._lock = threading.Lock()
        self._templates: dict[str, Template] = {}
        # Ids of flows and inputs this client created or adopted after an ambiguous failure:
        # a reconciliation must never hand the same one to two calls.
        self._claimed: set[str] = set()

    def budget(self) -> Budget:
        """Return a fresh retry budget for one logical call."""
        return Budget(self.settings.max_retries)

    def cached_template(self, id_or_name: str) -> Template | None:
        """Return a template seen before under this id or name, if any."""
        with self._lock:
            return self._templates.get(id_or_name)

    def remember(self, templates: list[Template]) -> None:
        """Cache templates under both their id and their name."""
        with self._lock:
            for template in templates:
                self._templates[template.name] = template
                self._templates[template.id] = template

    def claim(self, resource_id: str) -> bool:
        """Mark a flow or input as this client's; False if a call already claimed it."""
        with self._lock:
            if resource_id in self._claimed:
                return False
            self._claimed.add(resource_id)
            return True

    def is_claimed(self, resource_id: str) -> bool:
        """Whether a call of this client already claimed the id."""
        with self._lock:
            return resource_id in self._claimed
