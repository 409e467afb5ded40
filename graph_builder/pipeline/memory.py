"""The resident memory of the build's process tree, watched stage by stage.

A national build must fit a machine's memory, so each stage's peak is reported beside its
time (``summary.txt``).  A thread samples the resident size of the process and its
descendants; sampling misses short peaks, so when the kernel's high-water mark
(``ru_maxrss``, of the process and of its largest finished child) rose during a stage, that
mark counts too.  The mark alone would say nothing of a stage that stays below an earlier
stage's peak.

Memory a stage freed is not always given back: glibc keeps it in the heap, and in the
arenas of the threads that used it (pyoxigraph's bulk loader leaves most of a gigabyte
there), where the next stage's own peak stacks on it.  :func:`give_back` returns it at the
end of each stage.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import threading
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")
#: How often the thread samples, in seconds.
INTERVAL = 0.05


def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim this way
        return None


_TRIM = _malloc_trim()


def give_back() -> bool:
    """Return the heap's free memory to the system; say whether the C library could."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True


def tree_rss(root: int | None = None) -> int:
    """Return the resident size of ``root`` (this process by default) and its descendants."""
    total, todo = 0, [os.getpid() if root is None else root]
    while todo:
        pid = todo.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
            for task in os.listdir(f"/proc/{pid}/task"):
                todo += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children")
                         .read_text().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


def high_water() -> int:
    """Return the kernel's peak resident size of this process and of its largest child."""
    return max(resource.getrusage(who).ru_maxrss
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) * 1024


class PeakWatch:
    """Watch the process tree's peak resident size between :meth:`start` and :meth:`stop`."""

    def __init__(self, interval: float = INTERVAL) -> None:
        self.interval = interval
        self.peak = 0
        self._mark = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> PeakWatch:
        """Start sampling; return self."""
        self._mark = high_water()
        self.peak = tree_rss()
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._done.wait(self.interval):
            self.peak = max(self.peak, tree_rss())

    def stop(self) -> int:
        """Stop sampling; return the peak seen, in bytes."""
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss())
        mark = high_water()
        if mark > self._mark:  # the process's all-time peak was reached in this stage
            self.peak = max(self.peak, mark)
        return self.peak
