"""The front's connection, alone: a first byte is never waited for, but by a stopping worker."""

import contextlib
import socket
import threading
import time

from gunicorn.config import Config

from sparql_endpoint.http.front import TimedConn, TimedSocket


@contextlib.contextmanager
def _connection(stopping: bool):
    """Yield a server-side connection of the front and the client's socket."""
    ours, client = socket.socketpair()
    sock = TimedSocket(ours.family, ours.type, ours.proto, fileno=ours.detach())
    conn = TimedConn(Config(), sock, ("127.0.0.1", 1), ("127.0.0.1", 8000), lambda: stopping)
    try:
        yield conn, client
    finally:
        conn.close()
        client.close()


def _send_later(client: socket.socket, seconds: float) -> None:
    threading.Timer(seconds, client.sendall, args=(b"GET / HTTP/1.1\r\n",)).start()


def test_a_running_worker_never_waits_for_a_first_byte():
    with _connection(stopping=False) as (conn, client):
        _send_later(client, 0.3)
        started = time.monotonic()
        assert conn.wait_for_data(5.0) is False  # back to the event loop, no thread held
        assert time.monotonic() - started < 1  # gunicorn waited for the byte, 0.3 s
        time.sleep(0.5)
        assert conn.wait_for_data(5.0) is True


def test_a_stopping_worker_waits_for_it_rather_than_closing_it_unanswered():
    with _connection(stopping=True) as (conn, client):
        _send_later(client, 0.3)
        assert conn.wait_for_data(5.0) is True


def test_a_close_sends_our_end_and_returns_at_once_while_the_client_keeps_its_socket():
    with _connection(stopping=False) as (conn, client):
        client.sendall(b"left unread")
        started = time.monotonic()
        conn.close(graceful=True)
        assert time.monotonic() - started < 1  # gunicorn waited 2 s here
        client.settimeout(2)
        assert client.recv(10) == b""  # our side was shut: the client reads its end


def test_a_stopping_worker_waits_for_a_silent_connection_once_and_says_so():
    with _connection(stopping=True) as (conn, _):
        assert conn.waited is False
        assert conn.wait_for_data(0.2) is False
        assert conn.waited is True  # the worker closes it now rather than wait again
