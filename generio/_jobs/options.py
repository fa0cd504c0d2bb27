"""The small types of the public calls' options.

Light enough for the clients to import at once; the jobs that use them load on first call.
"""

from typing import Literal

__all__ = ["ON_INTERRUPT", "OnInterrupt"]

#: What ``run()`` does with its flow when interrupted: abort it, or keep it running.
OnInterrupt = Literal["abort", "keep"]
ON_INTERRUPT: tuple[OnInterrupt, ...] = ("abort", "keep")
