"""Jobs for the query processes of ``sparql_endpoint.execution.pool``: both ends of one socket.

The web side sends a pickled job (the query process trusts its web worker, never the
reverse): ``("call", method, args)`` for a trusted backend call (pages, labels,
search, health), ``("check", query, base_iri)`` to read a user query
(``query_check``), ``("run", Job)`` to run one and stream its results.  The query
process answers in frames: one type byte, a 4-byte big-endian length, the payload;
nothing it sends is unpickled, so a bug that lets a query take over its process
stops there.  ``S`` carries rows (SPARQL JSON results, read back by pyoxigraph's
parser), ``G`` triples (N-Triples, likewise), ``B`` a boolean (``true``/``false``),
``N`` a count (ASCII digits), ``I`` a QueryInfo (JSON), ``D`` result bytes, ``E`` an
error (JSON ``{"status", "message", "outcome"}``) sent before any ``D``, ``T`` the
closing statistics (JSON ``{"rows", "truncated"}``).
The process buffers the first 64 KB, so an error found while writing them is still a
clean error response.  The web side stops reading past the job's byte cap (and a
little more), whatever the process sends.  A job that ends any other way (deadline, client gone, a
crash) ends its process too; the pool starts another.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import struct
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from achat_core.formats import Format
from sparql_endpoint.backends.store import BackendError, Dataset
from sparql_endpoint.http.settings import DEFAULTS as SERVE
from sparql_endpoint.protocol.query_check import QueryInfo, QueryRefused, check_query, digest
from sparql_endpoint.protocol.serialisation import json_term

BUFFER = 64 * 1024
HEADER = struct.Struct(">cI")


@dataclass(frozen=True)
class Job:
    """A checked user query, ready to run, with its row and byte caps."""

    query: str
    form: str
    fmt: Format
    dataset: Dataset = field(default_factory=Dataset)
    max_rows: int = SERVE.max_rows
    base_iri: str | None = None
    max_bytes: int = SERVE.max_result_bytes


class StreamCut(Exception):
    """The deadline passed, or the process failed, after results had started to flow."""


@dataclass
class Outcome:
    """How a query went: an error status and message, or a stream of result bytes.

    ``rows``, ``truncated`` and ``outcome`` are final once ``chunks`` is exhausted
    (outcome: ``ok``, ``truncated``, ``timeout``, ``cut``, ``aborted``, ``bad-query``,
    ``error``, ``busy``, ``head``: a HEAD request, not run; ``cached``: answered from the
    kept answers of ``results``).
    """

    status: int
    message: str | None = None
    chunks: Iterator[bytes] | None = None
    rows: int = 0
    truncated: bool = False
    outcome: str = "ok"
    headers: dict = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    lease: object | None = field(default=None, repr=False)

    @property
    def duration(self) -> float:
        """Return seconds since the query started."""
        return time.monotonic() - self.started

    def close(self) -> None:
        """Stop the query if it still runs (a HEAD request, an unread or dropped body).

        Safe to call more than once; a response registers it with ``call_on_close``,
        because a stream that was never started does not run its own clean-up.
        """
        if self.lease is not None:
            if self.outcome == "ok" and self.chunks is not None:
                self.outcome = "aborted"
            lease, self.lease = self.lease, None
            lease.end(healthy=False)


def time_limit_message(timeout: float) -> str:
    """Return what a client reads when its query hits the time limit of ``timeout`` seconds."""
    return (f"The query was stopped after {timeout:g} s, this endpoint's time limit. "
            "Narrow it (more specific patterns, LIMIT) or download the full dump to query it "
            "locally.")


def read_run(lease, job: Job, timeout: float) -> Outcome:
    """Send ``job`` on a leased process; return its first answer, then a stream of the rest."""
    from sparql_endpoint.execution.pool import LongLaneFull

    outcome = Outcome(status=200, started=lease.started)
    try:
        lease.process.send(("run", job), lease.deadline)
        kind, payload = lease.frame()
    except LongLaneFull as full:
        lease.end(healthy=False)
        outcome.status, outcome.outcome = full.status, "busy"
        outcome.message, outcome.headers = full.client_message, dict(full.headers)
        return outcome
    except TimeoutError:
        lease.end(healthy=False)
        outcome.status, outcome.outcome = 503, "timeout"
        outcome.message = time_limit_message(timeout)
        return outcome
    except (EOFError, OSError):
        from sparql_endpoint.execution.pool import ProcessLost

        lease.end(healthy=False)
        lost = ProcessLost("the query process ended without an answer")
        outcome.status, outcome.outcome = lost.status, "error"
        outcome.message, outcome.headers = lost.client_message, dict(lost.headers)
        return outcome
    if kind == b"E":
        lease.end(healthy=True)
        error = json.loads(payload)
        outcome.status, outcome.message = error["status"], error["message"]
        outcome.outcome = error.get("outcome") or ("bad-query" if outcome.status < 500
                                                   else "error")
        return outcome
    outcome.lease = lease
    outcome.chunks = _stream(lease, kind, payload, outcome, job.max_bytes + 2 * BUFFER)
    return outcome


def _stream(lease, kind: bytes, payload: bytes, outcome: Outcome,
            budget: int) -> Iterator[bytes]:
    received = 0
    try:
        while True:
            if kind == b"D":
                received += len(payload)
                if received > budget:  # the process's own cap failed: stop it here
                    outcome.outcome = "cut"
                    raise StreamCut("the results passed the byte cap")
                yield payload
            elif kind == b"T":
                stats = json.loads(payload)
                outcome.rows, outcome.truncated = stats["rows"], stats["truncated"]
                outcome.outcome = "truncated" if outcome.truncated else "ok"
                outcome.lease = None
                lease.end(healthy=True)
                return
            try:
                kind, payload = lease.frame()
            except TimeoutError:
                outcome.outcome = "cut"
                raise StreamCut("the time limit passed while results were being sent") from None
            except EOFError:
                outcome.outcome = "cut"
                raise StreamCut("the query process ended before its results were complete") \
                    from None
    finally:
        if outcome.lease is not None:
            if outcome.outcome not in ("cut",):
                outcome.outcome = "aborted"  # the client went away
            outcome.lease = None
            lease.end(healthy=False)


def read_answer(lease, job: tuple):
    """Send a ``call`` or ``check`` job on a leased process; return its answer, read from bytes.

    Raises QueryRefused for a refused query, PoolTimeout past the deadline (the lease
    ends, its process killed), ProcessLost (503) when the process died, BackendError
    for a failure in the process.
    """
    from sparql_endpoint.execution.pool import PoolTimeout, ProcessLost

    try:
        lease.process.send(job, lease.deadline)
        kind, payload = lease.frame()
    except TimeoutError:
        lease.end(healthy=False)
        raise PoolTimeout(f"{job[0]} job past its deadline") from None
    except (EOFError, OSError) as error:
        lease.end(healthy=False)
        raise ProcessLost(f"the query process ended without an answer: {error!r}") from None
    lease.end(healthy=True)
    if kind == b"E":
        error = json.loads(payload)
        if error.get("outcome") == "bad-query":
            raise QueryRefused(error["status"], error["message"])
        raise BackendError(error["message"])
    return decode(kind, payload)


def encode(result) -> tuple[bytes, bytes]:
    """Return the (kind, payload) frame of a trusted call's result or a QueryInfo."""
    if isinstance(result, QueryInfo):
        return b"I", json.dumps(dataclasses.asdict(result)).encode()
    if isinstance(result, bool):
        return b"B", b"true" if result else b"false"
    if isinstance(result, int):
        return b"N", str(result).encode()
    if isinstance(result, list) and all(isinstance(item, dict) for item in result):
        names = list(dict.fromkeys(name for row in result for name in row))
        document = {"head": {"vars": names}, "results": {"bindings": [
            {name: json_term(term) for name, term in row.items()} for row in result]}}
        return b"S", json.dumps(document, ensure_ascii=False).encode()
    return b"G", ox.serialize(list(result), format=ox.RdfFormat.N_TRIPLES)


def decode(kind: bytes, payload: bytes):
    """Read a frame written by :func:`encode` with pyoxigraph's parsers (never unpickled)."""
    if kind == b"I":
        return QueryInfo.from_fields(json.loads(payload))
    if kind == b"B":
        return payload == b"true"
    if kind == b"N":
        return int(payload)
    if kind == b"S":
        solutions = ox.parse_query_results(payload, format=ox.QueryResultsFormat.JSON)
        names = [v.value for v in solutions.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in solutions]
    if kind == b"G":
        return [quad.triple for quad in ox.parse(payload, format=ox.RdfFormat.N_TRIPLES)]
    raise BackendError(f"a query process sent an unknown frame {kind!r}")


class _Output:
    """The process's end of the socket: buffered frames, the first ones held back."""

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
            self.send(b"D", bytes(self.buffer))
            self.buffer.clear()
            self.sent = True

    def send(self, kind: bytes, payload: bytes) -> None:
        data = HEADER.pack(kind, len(payload)) + payload
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]

    def error(self, status: int, message: str, outcome: str | None = None) -> bool:
        """Send an error if no result bytes have left yet; say whether it could."""
        if self.sent:
            return False
        self.buffer.clear()
        self.send(b"E", json.dumps({"status": status, "message": message,
                                    "outcome": outcome}).encode())
        return True

    def finish(self, rows: int, truncated: bool) -> None:
        """Send what is left and the closing statistics in one write (one wake-up)."""
        stats = json.dumps({"rows": rows, "truncated": truncated}).encode()
        data = bytearray()
        if self.buffer:
            data += HEADER.pack(b"D", len(self.buffer)) + self.buffer
            self.buffer.clear()
            self.sent = True
        data += HEADER.pack(b"T", len(stats)) + stats
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]


def serve(backend, fd: int) -> None:  # pragma: no cover - runs in a query process
    """Answer jobs from the socket ``fd`` until it closes, or a job cannot end cleanly."""
    while True:
        job = _next_job(fd)
        if job is None:
            return
        out = _Output(fd)
        if job[0] == "run":
            if not _run(backend, job[1], out):
                return
        elif job[0] == "check":
            try:
                info = check_query(job[1], job[2])
            except QueryRefused as refused:
                out.error(refused.status, refused.message, "bad-query")
            else:
                out.send(*encode(info))
        else:
            try:
                result = getattr(backend, job[1])(*job[2])
            except Exception:
                traceback.print_exc(file=sys.stderr)
                out.error(500, "a trusted query failed in the store; the error was logged")
            else:
                out.send(*encode(result))


def _next_job(fd: int):  # pragma: no cover - runs in a query process
    data = bytearray()
    while len(data) < HEADER.size:
        chunk = os.read(fd, HEADER.size - len(data))
        if not chunk:
            return None
        data += chunk
    _, length = HEADER.unpack(data)
    payload = bytearray()
    while len(payload) < length:
        chunk = os.read(fd, min(BUFFER, length - len(payload)))
        if not chunk:
            return None
        payload += chunk
    return pickle.loads(payload)


def _run(backend, job: Job, out: _Output) -> bool:  # pragma: no cover - in a query process
    """Run one user query; say whether the process may take another job."""
    try:
        stats = backend.run_query(job.query, job.form, job.fmt, job.dataset, job.max_rows,
                                  out.open, job.base_iri, job.max_bytes)
    except SyntaxError as error:
        return out.error(400, f"Syntax error in the query: {error}")
    except BackendError as error:
        print(f"query hash={digest(job.query)}: {error}", file=sys.stderr, flush=True)
        return out.error(error.status, error.client_message)
    except MemoryError:
        out.error(503, "The query needed more memory than a query process may use. Narrow "
                       "it, or download the full dump to query it locally.", "error")
        return False  # its heap may be in a poor state: start afresh
    except (ValueError, TypeError) as error:
        return out.error(400, f"The query cannot be answered: {error}")
    except Exception:
        traceback.print_exc(file=sys.stderr)
        out.error(500, "The query failed inside the store; the error was logged.")
        return False
    out.finish(stats.rows, stats.truncated)
    return True
