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

- **a close that never waits**: gunicorn closes a connection "gracefully", waiting up
  to 2 s for the client to close its side, on the one thread that accepts connections;
  ten clients that read their answer and kept the socket open froze the server for
  10 s.  Here the server's side is shut, what the client already sent is read and
  dropped, and the socket is closed at once.

- **no thread for a silent connection**: gthread let a new connection hold a thread
  for up to 5 s waiting for its first byte (300 silent connections from five addresses
  stopped every thread); here one that has sent nothing yet waits in the event loop.

A short query's cost is mostly this front's, so the system calls a request makes are
counted too: a socket's mode is set only when it changes, and the liveness file and
the parent are checked once a second rather than on every event.

A client sending one byte just before each timeout still holds its thread: spread
over more addresses than ``threads / PER_ADDRESS``, such an attack needs a reverse
proxy in front (``docs/serving.md``).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import ipaddress
import select
import socket
import threading
import time

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
        wanted = READ_TIMEOUT if flag else 0.0
        if self.gettimeout() != wanted:  # each change is a system call; gthread asks often
            self.settimeout(wanted)

    def sendall(self, data, flags: int = 0) -> None:
        """Send in pieces of WRITE_PIECE bytes, each within the timeout: a slow reader that
        keeps reading is never cut, one that stops is."""
        view = memoryview(data).cast("B")
        for start in range(0, len(view), WRITE_PIECE):
            super().sendall(view[start:start + WRITE_PIECE], flags)

    def close(self) -> None:
        _release(self)
        super().close()


#: What a closing connection reads and drops of what its client already sent.
DRAIN_ON_CLOSE = 65536


class TimedConn(TConn):
    """gthread's connection, with a close that never waits and a cheaper wait for data."""

    def __init__(self, cfg, sock, client, server, stopping):
        super().__init__(cfg, sock, client, server)
        self.stopping = stopping
        self.waited = False  # for a first byte, once, while the worker stopped

    def wait_for_data(self, timeout: float) -> bool:
        """Say whether the client has sent something; wait only while the worker stops.

        A connection with nothing to read yet goes back to the event loop, which hands
        it to a thread once it is readable: silent connections hold no thread (300 of
        them from five addresses stopped every thread for 5 s).  A stopping worker's
        event loop would close it unanswered, so then it waits here, as gthread did.
        """
        if not self.data_ready:
            self.waited = self.stopping()
            wait = timeout if self.waited else 0
            try:
                self.data_ready = bool(select.select([self.sock], [], [], wait)[0])
            except (OSError, ValueError):
                return False
        return self.data_ready

    def close(self, graceful: bool = False) -> None:
        """Shut our side, drop what the client already sent, close: never wait for it.

        Bytes left unread at close would make the kernel reset the connection, which can
        cut the answer's end; bytes still on their way may: the client has its answer.
        """
        sock = self.sock
        with contextlib.suppress(OSError):
            if graceful:
                sock.setblocking(False)
                sock.shutdown(socket.SHUT_WR)
                dropped = 0
                while dropped < DRAIN_ON_CLOSE:
                    data = sock.recv(DRAIN_ON_CLOSE)
                    if not data:
                        break
                    dropped += len(data)
        with contextlib.suppress(OSError):
            sock.close()


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
    """gunicorn's threaded worker with a read timeout, a cap per client address, closes
    that never wait and no thread for a connection that has sent nothing."""

    #: Seconds between two touches of the liveness file and two looks at the parent.
    CHECK_EVERY = 1.0
    _notified = _looked = float("-inf")

    def notify(self) -> None:
        now = time.monotonic()
        if now - self._notified >= self.CHECK_EVERY:
            self._notified = now
            super().notify()

    def is_parent_alive(self) -> bool:
        now = time.monotonic()
        if now - self._looked < self.CHECK_EVERY:
            return True
        self._looked = now
        return super().is_parent_alive()

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
        self.addresses = {}  # listener -> its address, asked once (a system call each time)
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
        server = self.addresses.get(listener)
        if server is None:
            server = self.addresses[listener] = listener.getsockname()
        self.enqueue_req(TimedConn(self.cfg, sock, address, server, self.stopping))

    def finish_request(self, conn, fs) -> None:
        """As gthread, but a connection deferred for want of a first byte while this
        worker began to stop goes back to a thread, which now waits for the byte (once):
        the event loop of a stopping worker would close it unanswered."""
        if not self.alive and not conn.initialized and not conn.waited \
                and not fs.cancelled() and fs.exception() is None:
            self.enqueue_req(conn)
            return
        super().finish_request(conn, fs)

    def stopping(self) -> bool:
        """Say whether this worker has begun to stop (it accepts no more connections)."""
        return not self.alive
