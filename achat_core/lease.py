"""A build folder in use: a shared lock on its ``build.json``, held while a server reads it.

A server takes a lease on the build it serves (:func:`take`); the processes it forks
inherit the open file, so the lease holds until the last of them has closed it or
exited.  The builder never deletes a leased build (:func:`in_use`).  The lock is
``flock`` on the manifest opened read-only: it needs no write access to the build.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from achat_core.manifest import NAME


def take(folder: Path) -> int:
    """Lease ``folder`` (a shared lock on its manifest); return the descriptor that holds it.

    Close the descriptor to end this process's share of the lease (never unlock it:
    forked processes hold the same lock through their copy).
    """
    fd = os.open(Path(folder) / NAME, os.O_RDONLY | os.O_CLOEXEC)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def in_use(folder: Path) -> bool:
    """Say whether a process holds a lease on ``folder``."""
    try:
        fd = os.open(Path(folder) / NAME, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False  # no manifest: not a build a server could hold
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
