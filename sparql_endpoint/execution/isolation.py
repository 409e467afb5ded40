"""Cut query processes off the network, and bound their memory, with the kernel's help.

A SPARQL engine given ``SERVICE <url>`` opens a connection to that URL; no check of
the query text can be trusted to spot every spelling of it.  So user queries run in
processes that cannot open a network connection at all: each moves into a network
namespace of its own (``unshare(CLONE_NEWNET)``, with ``CLONE_NEWUSER`` when not
root), which has no interface but a loopback that is down.  Python 3.11 has no
``os.unshare``, so libc's is called through ctypes.

``probe`` runs the whole sequence in a throw-away child at start-up, so ``serve``
knows before answering anyone whether the barrier holds.

Each query process then narrows itself further (``narrow``), once its store is open:
``no_new_privs``, every capability dropped (bounding set, then effective, permitted
and inheritable), and a seccomp filter that makes ``socket``, ``connect``, ``bind``,
``listen``, ``accept``, ``execve``, ``ptrace``, ``mount``, ``unshare``, ``setns`` and
a few more fail with EPERM.  The filter is a small classic-BPF program built here
(x86-64 and AArch64 system-call numbers; on another architecture every listed call is
left to the namespace alone, and ``narrow`` says so).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import platform
import resource
import socket
import struct

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


_PR_SET_NO_NEW_PRIVS = 38
_PR_CAPBSET_DROP = 24
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
#: (AUDIT_ARCH value, {system call: number}) per machine.
_REFUSED_CALLS = {
    "x86_64": (0xC000003E, {
        "socket": 41, "connect": 42, "accept": 43, "bind": 49, "listen": 50,
        "socketpair": 53, "execve": 59, "ptrace": 101, "chroot": 161, "mount": 165,
        "umount2": 166, "pivot_root": 155, "init_module": 175, "kexec_load": 246,
        "unshare": 272, "accept4": 288, "setns": 308, "process_vm_readv": 310,
        "process_vm_writev": 311, "finit_module": 313, "execveat": 322}),
    "aarch64": (0xC00000B7, {
        "socket": 198, "connect": 203, "accept": 202, "bind": 200, "listen": 201,
        "socketpair": 199, "execve": 221, "ptrace": 117, "chroot": 51, "mount": 40,
        "umount2": 39, "pivot_root": 41, "init_module": 105, "kexec_load": 104,
        "unshare": 97, "accept4": 242, "setns": 268, "process_vm_readv": 270,
        "process_vm_writev": 271, "finit_module": 273, "execveat": 281}),
}
#: What ``narrow`` reports when the whole set holds.
NARROWED = "no_new_privs, no capabilities, seccomp"


def _filter(arch: int, numbers) -> bytes:
    """Return a classic-BPF seccomp program refusing NUMBERS (EPERM) on ARCH, allowing the rest.

    On another architecture (a 32-bit call on x86-64), and for x32 calls, everything
    listed is unknowable by number, so every call is refused.
    """
    def op(code: int, jt: int, jf: int, k: int) -> bytes:
        return struct.pack("HBBI", code, jt, jf, k)

    ld_w_abs, jeq_k, jge_k, ret_k = 0x20, 0x15, 0x35, 0x06
    deny = _SECCOMP_RET_ERRNO | errno.EPERM
    numbers = sorted(numbers)
    program = [op(ld_w_abs, 0, 0, 4),                    # seccomp_data.arch
               op(jeq_k, 1, 0, arch),
               op(ret_k, 0, 0, deny),
               op(ld_w_abs, 0, 0, 0),                    # seccomp_data.nr
               op(jge_k, len(numbers) + 1, 0, 0x40000000)]  # x32 calls: refused
    for i, number in enumerate(numbers):
        program.append(op(jeq_k, len(numbers) - i, 0, number))
    program += [op(ret_k, 0, 0, _SECCOMP_RET_ALLOW), op(ret_k, 0, 0, deny)]
    return b"".join(program)


def narrow() -> str:
    """Take from this process what a query never needs; name what holds.

    Raises OSError when the kernel refuses a step it should allow (no_new_privs,
    the filter); capabilities are dropped as far as the kernel lets.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                           ctypes.c_ulong]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"prctl(PR_SET_NO_NEW_PRIVS) failed: {os.strerror(code)}")
    for capability in range(64):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows (EINVAL), or not allowed
    header = struct.pack("Ii", _LINUX_CAPABILITY_VERSION_3, 0)
    data = bytes(24)  # two (effective, permitted, inheritable) sets, all empty
    libc.capset(ctypes.create_string_buffer(header, len(header)),
                ctypes.create_string_buffer(data, len(data)))
    machine = _REFUSED_CALLS.get(platform.machine())
    if machine is None:
        return "no_new_privs, no capabilities (no seccomp filter for this machine)"
    code = _filter(*machine[:1], machine[1].values())
    program = ctypes.create_string_buffer(code, len(code))

    class _Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = _Program(len(code) // 8, ctypes.addressof(program))
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"prctl(PR_SET_SECCOMP) failed: {os.strerror(code)}")
    return NARROWED
