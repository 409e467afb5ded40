"""The front that idle and slow clients cannot stop: gunicorn's threaded worker, bounded.

gunicorn's ``gthread`` worker hands each connection to a thread once it has sent a
first byte, and that thread then reads the request with a blocking socket: a client
that sends half a request holds a thread for as long as it keeps the socket open
(256 of them froze the server).  Two bounds are added here, and nothing else changes:

- **a read and write timeout**: a client socket in "blocking" mode is a socket with a
  timeout (``READ_TIMEOUT``), so a stalled header, body or unread response frees its
  thread when the timeout passes without progress (a write is sent in pieces of
  ``WRITE_PIECE`` bytes, each with the whole timeout, so a slow reader still reading
  a large page is not cut) (``/sparql`` narrows it further,
  to the query's deadline, while it streams results);
- **a cap on connections per client address** (``PER_ADDRESS``): one address past it
  has its new connections answered 503 and closed at once, so it can hold at most that many threads,
  however many sockets it opens.  Addresses of trusted proxies are not capped (every
  client arrives through them: cap them at the proxy).

A client sending one byte just before each timeout still holds its thread: spread
over more addresses than ``threads / PER_ADDRESS``, such an attack needs a reverse
proxy in front (``docs/serving.md``).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import ipaddress
import socket
import threading

from gunicorn.workers.gthread import TConn, ThreadWorker

#: Seconds a client may stay silent while sending a request or not read our answer.
READ_TIMEOUT = 10.0
#: A write must make this much progress within READ_TIMEOUT (6.4 KB/s at the least).
WRITE_PIECE = 64 * 1024
#: Connections one client address may hold open at once.
PER_ADDRESS = 64
#: What a connection past the cap reads before it is closed.
REFUSED = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\nConnection: close\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 61\r\n\r\n"
           b"Too many connections from your address; try again in 2 s.\r\n\r\n")

_open: dict[str, int] = {}
_lock = threading.Lock()


class TimedSocket(socket.socket):
    """A client socket whose blocking mode waits at most READ_TIMEOUT, and that is counted."""

    address = ""
    counted = False

    def setblocking(self, flag: bool) -> None:
        if flag:
            self.settimeout(READ_TIMEOUT)
        else:
            super().setblocking(False)

    def sendall(self, data, flags: int = 0) -> None:
        """Send in pieces of WRITE_PIECE bytes, each within the timeout: a slow reader that
        keeps reading is never cut, one that stops is."""
        view = memoryview(data).cast("B")
        for start in range(0, len(view), WRITE_PIECE):
            super().sendall(view[start:start + WRITE_PIECE], flags)

    def close(self) -> None:
        _release(self)
        super().close()


def _release(sock: TimedSocket) -> None:
    with _lock:
        if sock.counted:
            sock.counted = False
            left = _open.get(sock.address, 1) - 1
            if left > 0:
                _open[sock.address] = left
            else:
                _open.pop(sock.address, None)


def admit(address: str, exempt: bool) -> bool:
    """Count one more connection from ADDRESS (not if EXEMPT); False when it holds PER_ADDRESS."""
    if exempt:
        return True
    with _lock:
        held = _open.get(address, 0)
        if held >= PER_ADDRESS:
            return False
        _open[address] = held + 1
    return True


def open_connections() -> dict[str, int]:
    """Return the connections held per client address (for tests and logs)."""
    with _lock:
        return dict(_open)


class Worker(ThreadWorker):
    """gunicorn's threaded worker with a read timeout and a cap per client address."""

    def init_process(self) -> None:
        proxies = [ipaddress.ip_network(p, strict=False)
                   for p in (self.cfg.forwarded_allow_ips or []) if p and p != "*"]

        @functools.lru_cache(maxsize=4096)  # parsing an address is most of an accept's cost
        def exempt(address: str) -> bool:
            try:
                ip = ipaddress.ip_address(address)
            except ValueError:
                return True  # a Unix socket: only the host's own users
            return any(ip in network for network in proxies)

        self.exempt = exempt
        super().init_process()

    def accept(self, listener) -> None:
        """Accept a connection; close it at once when its address holds too many."""
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        host = address[0] if isinstance(address, tuple) else ""
        exempt = self.exempt(host)
        if not admit(host, exempt):
            with contextlib.suppress(OSError):
                client.setblocking(False)
                client.send(REFUSED)
            client.close()
            return
        sock = TimedSocket(client.family, client.type, client.proto, fileno=client.detach())
        sock.address, sock.counted = host, not exempt
        self.nr_conns += 1
        sock.setblocking(True)
        self.enqueue_req(TConn(self.cfg, sock, address, listener.getsockname()))
