"""Counting this process's open TCP connections to a port (Linux ``/proc``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

__all__ = ["client_sockets"]


def _socket_inodes() -> set[str]:
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def client_sockets(port: int) -> int:
    """How many sockets of this process are connected to ``port`` (client side, any state)."""
    if not Path("/proc/net/tcp").exists():
        pytest.skip("counting sockets needs Linux /proc")
    mine = _socket_inodes()
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[9] in mine:
                count += 1
    return count
