"""Run each user query in a child process that can be killed at the deadline.

A pyoxigraph query cannot be cancelled and releases the GIL, so neither threads
nor alarms stop it.  The (single-threaded) worker forks; the child runs the query
on the inherited store, serialises the results and sends them back through a
pipe in frames; the parent streams them on and sends SIGKILL at the deadline.

Frames: one type byte, a 4-byte big-endian length, the payload.  ``D`` carries
result bytes, ``E`` an error (JSON ``{"status", "message", "outcome"}``) sent before any
``D``, ``T`` the closing statistics (JSON ``{"rows", "truncated"}``).  The child
buffers the first 64 KB, so an error found while writing them is still a clean
error response.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import resource
import select
import signal
import struct
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field

from achat_core.formats import Format
from sparql_endpoint.query_check import digest
from sparql_endpoint.store import Backend, BackendError, Dataset

BUFFER = 64 * 1024
_HEADER = struct.Struct(">cI")
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Job:
    """A checked user query, ready to run."""

    query: str
    form: str
    fmt: Format
    dataset: Dataset = field(default_factory=Dataset)
    max_rows: int = 100_000
    base_iri: str | None = None


class StreamCut(Exception):
    """The deadline passed, or the child failed, after results had started to flow."""


@dataclass
class Outcome:
    """How a query went: an error status and message, or a stream of result bytes.

    ``rows``, ``truncated`` and ``outcome`` are final once ``chunks`` is exhausted
    (outcome: ``ok``, ``truncated``, ``timeout``, ``cut``, ``aborted``, ``bad-query``,
    ``error``, ``head``: a HEAD request, stopped once the first results proved the query runs).
    """

    status: int
    message: str | None = None
    chunks: Iterator[bytes] | None = None
    rows: int = 0
    truncated: bool = False
    outcome: str = "ok"
    started: float = field(default_factory=time.monotonic)
    child: _Child | None = field(default=None, repr=False)

    @property
    def duration(self) -> float:
        """Return seconds since the query started."""
        return time.monotonic() - self.started

    def close(self) -> None:
        """Stop the query process if it still runs (a HEAD request, an unread or dropped body).

        Safe to call more than once; a response registers it with ``call_on_close``,
        because a stream that was never started does not run its own clean-up.
        """
        if self.child is not None and self.child.pid is not None:
            if self.outcome == "ok" and self.chunks is not None:
                self.outcome = "aborted"
            self.child.stop()


def run(backend: Backend, job: Job, timeout: float) -> Outcome:
    """Run ``job`` in a child process; return its first answer within ``timeout`` seconds."""
    started = time.monotonic()
    deadline = started + timeout
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        os.close(read_fd)
        _child(backend, job, write_fd, timeout)
    os.close(write_fd)
    child = _Child(pid, read_fd, deadline)
    outcome = Outcome(status=200, started=started)
    try:
        kind, payload = child.frame()
    except TimeoutError:
        child.stop()
        outcome.status, outcome.outcome = 503, "timeout"
        outcome.message = time_limit_message(timeout)
        return outcome
    except EOFError:
        child.stop()
        outcome.status, outcome.outcome = 500, "error"
        outcome.message = ("The query process ended without an answer "
                           "(it may have run out of memory).")
        return outcome
    if kind == b"E":
        child.stop()
        error = json.loads(payload)
        outcome.status, outcome.message = error["status"], error["message"]
        outcome.outcome = error.get("outcome") or ("bad-query" if outcome.status < 500
                                                   else "error")
        return outcome
    outcome.child = child
    outcome.chunks = _stream(child, kind, payload, outcome)
    return outcome


def time_limit_message(timeout: float) -> str:
    """Return what a client reads when its query hits the time limit of ``timeout`` seconds."""
    return (f"The query was stopped after {timeout:g} s, this endpoint's time limit. "
            "Narrow it (more specific patterns, LIMIT) or download the full dump to query it "
            "locally.")


def _stream(child: _Child, kind: bytes, payload: bytes, outcome: Outcome) -> Iterator[bytes]:
    finished = False
    try:
        while True:
            if kind == b"D":
                yield payload
            elif kind == b"T":
                stats = json.loads(payload)
                outcome.rows, outcome.truncated = stats["rows"], stats["truncated"]
                outcome.outcome = "truncated" if outcome.truncated else "ok"
                finished = True
                return
            try:
                kind, payload = child.frame()
            except TimeoutError:
                outcome.outcome = "cut"
                raise StreamCut("the time limit passed while results were being sent") from None
            except EOFError:
                outcome.outcome = "cut"
                raise StreamCut("the query process ended before its results were complete") \
                    from None
    finally:
        if not finished and outcome.outcome != "cut":
            outcome.outcome = "aborted"  # the client went away
        child.stop()


class _Child:
    def __init__(self, pid: int, fd: int, deadline: float):
        self.pid, self.fd, self.deadline = pid, fd, deadline
        self.buffer = bytearray()

    def _fill(self, size: int) -> None:
        while len(self.buffer) < size:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                raise TimeoutError
            data = os.read(self.fd, max(BUFFER, size - len(self.buffer)))
            if not data:
                raise EOFError
            self.buffer += data

    def frame(self) -> tuple[bytes, bytes]:
        self._fill(_HEADER.size)
        kind, length = _HEADER.unpack_from(self.buffer)
        self._fill(_HEADER.size + length)
        payload = bytes(self.buffer[_HEADER.size:_HEADER.size + length])
        del self.buffer[:_HEADER.size + length]
        return kind, payload

    def stop(self) -> None:
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        os.close(self.fd)
        self.pid = None


class _Output:
    """The child's end of the pipe: buffered frames, the first ones held back."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = bytearray()
        self.sent = False

    def open(self) -> _Output:
        return self

    def write(self, data) -> int:
        self.buffer += data
        if len(self.buffer) >= BUFFER:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.buffer:
            self._send(b"D", bytes(self.buffer))
            self.buffer.clear()
            self.sent = True

    def _send(self, kind: bytes, payload: bytes) -> None:
        data = _HEADER.pack(kind, len(payload)) + payload
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]

    def error(self, status: int, message: str, outcome: str | None = None) -> bool:
        """Send an error if no result bytes have left yet; say whether it could."""
        if self.sent:
            return False
        self.buffer.clear()
        self._send(b"E", json.dumps({"status": status, "message": message,
                                     "outcome": outcome}).encode())
        return True

    def finish(self, rows: int, truncated: bool) -> None:
        self.flush()
        self._send(b"T", json.dumps({"rows": rows, "truncated": truncated}).encode())


def _child(backend: Backend, job: Job, fd: int, timeout: float) -> None:  # pragma: no cover
    code = 1
    try:
        _isolate(timeout)
        out = _Output(fd)
        try:
            stats = backend.run_query(job.query, job.form, job.fmt, job.dataset, job.max_rows,
                                      out.open, job.base_iri)
        except SyntaxError as error:
            code = 0 if out.error(400, f"Syntax error in the query: {error}") else 1
        except TimeoutError:  # a remote engine's own limit: the same answer as ours
            code = 0 if out.error(503, time_limit_message(timeout), "timeout") else 1
        except BackendError as error:
            print(f"query hash={digest(job.query)}: {error}", file=sys.stderr, flush=True)
            code = 0 if out.error(error.status, error.client_message) else 1
        except (ValueError, TypeError) as error:
            code = 0 if out.error(400, f"The query cannot be answered: {error}") else 1
        except Exception:
            traceback.print_exc(file=sys.stderr)
            out.error(500, "The query failed inside the store; the error was logged.")
        else:
            out.finish(stats.rows, stats.truncated)
            code = 0
    except BaseException:
        traceback.print_exc(file=sys.stderr)
    finally:
        os._exit(code)


def _isolate(timeout: float) -> None:  # pragma: no cover - runs in the child
    """Make the child die with its parent and never outlive the limit, whatever happens."""
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP,
                   signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH, signal.SIGCHLD):
        signal.signal(number, signal.SIG_DFL)
    with contextlib.suppress(ValueError):
        signal.set_wakeup_fd(-1)
    seconds = math.ceil(timeout) + 2
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard == resource.RLIM_INFINITY or hard > seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
