"""Cut query processes off the network, and bound their memory, with the kernel's help.

A SPARQL engine given ``SERVICE <url>`` opens a connection to that URL; no check of
the query text can be trusted to spot every spelling of it.  So user queries run in
processes that cannot open a network connection at all: each moves into a network
namespace of its own (``unshare(CLONE_NEWNET)``, with ``CLONE_NEWUSER`` when not
root), which has no interface but a loopback that is down.  Python 3.11 has no
``os.unshare``, so libc's is called through ctypes.

``probe`` runs the whole sequence in a throw-away child at start-up, so ``serve``
knows before answering anyone whether the barrier holds.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import resource
import socket

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
#: What ``/health`` and the start-up line say is in force.
NETWORK_NAMESPACE = "network namespace"
UNISOLATED = "none (--allow-unisolated)"
#: Addresses a query process must fail to reach: loopback and an outside one (IPv4, IPv6).
_PROBES = ((socket.AF_INET, ("127.0.0.1", 9)), (socket.AF_INET, ("192.0.2.1", 80)),
           (socket.AF_INET6, ("::1", 9)))


class IsolationError(OSError):
    """The kernel refused to cut this process off the network."""


def isolate() -> str:
    """Move this (single-threaded) process into an empty network namespace; name the mechanism.

    Raises IsolationError when the kernel refuses, or when a connection still succeeds.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWUSER | CLONE_NEWNET
    if libc.unshare(flags) != 0:
        code = ctypes.get_errno()
        raise IsolationError(code, f"unshare(CLONE_NEWNET) failed: {os.strerror(code)}")
    for family, address in _PROBES:
        if _connects(family, address):
            raise IsolationError(errno.EPERM, f"a connection to {address[0]} still succeeds "
                                              "after unshare(CLONE_NEWNET)")
    return NETWORK_NAMESPACE


def _connects(family: int, address: tuple) -> bool:
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(address)
    except OSError:
        return False
    return True


def probe() -> str | None:
    """Try ``isolate`` in a throw-away child; return the mechanism, or None if it fails."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        os.close(read_fd)
        answer = b""
        with contextlib.suppress(Exception):
            answer = isolate().encode()
        os.write(write_fd, answer)
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    return answer.decode() or None


def limit_memory(extra_bytes: int | None) -> None:
    """Forbid core dumps and, given ``extra_bytes``, cap the address space at its size now + that.

    The memory store is inherited from the parent, so the cap counts from what is
    mapped already: the query may allocate ``extra_bytes`` more, then gets MemoryError
    (or dies, and is replaced).
    """
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if extra_bytes is None:
        return
    with open("/proc/self/statm", encoding="ascii") as statm:
        mapped = int(statm.read().split()[0]) * resource.getpagesize()
    limit = mapped + extra_bytes
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
