"""A bounded pool of query processes: every access to the store runs in one, with a deadline.

A pyoxigraph query cannot be cancelled, so the only sure stop is to kill the process
running it.  Each web worker therefore starts, while it is still single-threaded, a
*zygote*: a small process that cuts itself off the network (``isolation``), forbids
core dumps, then forks the query processes on demand and hands each one's socket
back (``SCM_RIGHTS``).  A query process inherits the memory store (copy-on-write) or
opens the on-disk store read-only itself, after the fork: the web worker never
touches the store, so nothing of RocksDB is shared across a fork.  Query processes
take one job at a time (``runner.serve``); the zygote kills one on request, and a
fresh one replaces it.

Lanes keep pages answering while slow user queries run: ``queries`` for ``/sparql``
and the form, ``pages`` for the trusted queries of pages, search and labels, one
process for ``/health``, ``long`` for user queries that outlive a short budget and
``slow`` for the texts remembered as slow.
Each lane has ``size`` processes and a bounded number of waiting places; a request
finding none free is refused at once (``PoolBusy``: 503 with Retry-After), and one
waiting past its deadline gets ``PoolTimeout``.

A user query still computing after ``budget`` seconds moves, process and all, from
``queries`` to ``long`` (nothing is re-run): the short lane's slot is free again at
once, so short queries never queue behind slow ones.  ``long`` has no waiting
places: a query that outlives its budget while ``long`` is full stays where it is and
goes on, as long as at most half of ``queries``' processes are so held (its work is
not thrown away, and short queries keep the other half); past that it is stopped then
(503, Retry-After).  A query stopped at its deadline or out of memory is a runaway: its
text's hash is remembered (a bounded set), and the next time it starts in ``slow``,
waiting there behind runaways only, so queued runaways never take the room of slow
queries that finish.  Both lanes run at a lower scheduling priority.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import io
import os
import pickle
import resource
import select
import signal
import socket
import struct
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from sparql_endpoint.backends.remote import refusal as remote_refusal
from sparql_endpoint.backends.store import BackendError
from sparql_endpoint.execution import isolation, runner
from sparql_endpoint.execution.results import ResultCache, key_of
from sparql_endpoint.http.settings import DEFAULTS as SERVE
from sparql_endpoint.protocol.query_check import QueryRefused

_COMMAND = struct.Struct(">cq")
_PR_SET_PDEATHSIG = 1
#: A query process is retired (a fresh fork takes its place) once its mapped or its
#: resident memory has grown this much past what it was after its first job: the heap a
#: query grew (pyoxigraph's, Python's) is not all given back, and what stays mapped is
#: taken from the next query's ``--query-memory``.  Retiring by growth, not by count,
#: keeps warm processes: a fresh one spends about 20 ms on its first job (its share of
#: the inherited heap copied on write), which retiring every 200 jobs cost each short query.
RETIRE_GROWTH = 16 * 1024 * 1024
#: Memory is read after every job that took this long, and after every RSS_EVERY-th job.
HEAVY_JOB, RSS_EVERY = 0.05, 16
#: Jobs after which a process is retired whatever its memory: growth under the bound
#: does not add up forever.
JOBS_PER_PROCESS = 10_000
_PAGE = os.sysconf("SC_PAGE_SIZE")
#: What a client is told to wait before trying again when the pool is full, seconds.
RETRY_AFTER = 2


class PoolBusy(BackendError):
    """Every query process is busy and the waiting places are taken (503, Retry-After)."""

    status = 503
    headers = {"Retry-After": str(RETRY_AFTER)}

    @property
    def client_message(self) -> str:
        """Return what the client reads."""
        return (f"The server is answering as many queries as it can; try again in "
                f"{RETRY_AFTER} s.")


class PoolTimeout(BackendError, TimeoutError):
    """A query, or its wait for a free process, ran past its deadline (503)."""

    status = 503
    headers = {"Retry-After": str(RETRY_AFTER)}

    @property
    def client_message(self) -> str:
        """Return what the client reads."""
        return "The store did not answer in time; try again in a moment."


class LongLaneFull(PoolBusy):
    """A query outlived its short budget while every slow-query process was taken (503)."""

    @property
    def client_message(self) -> str:
        """Return what the client reads."""
        return ("This query runs longer than most, and every process for long queries is "
                f"taken; try again in {RETRY_AFTER} s, or narrow it (LIMIT, more specific "
                "patterns).")


class PoolUnavailable(BackendError):
    """No query process could be had (the zygote died, a fork failed): 503, try again soon.

    The pool heals itself: the next request starts a fresh zygote or process.
    """

    status = 503
    headers = {"Retry-After": str(RETRY_AFTER)}

    @property
    def client_message(self) -> str:
        """Return what the client reads."""
        return (f"The server is replacing a query process; try again in {RETRY_AFTER} s.")


class ProcessLost(PoolUnavailable):
    """The query process died while it ran a job (killed, out of memory): 503, Retry-After."""

    @property
    def client_message(self) -> str:
        """Return what the client reads."""
        return ("The query process ended without an answer (it may have run out of memory, "
                f"or been stopped); try again in {RETRY_AFTER} s.")


@dataclass(frozen=True)
class PoolSettings:
    """How the pool runs: processes per lane, waiting places, memory per process, isolation.

    ``memory`` is the address space a query process may add to what it inherits, in
    bytes (None: no limit).  ``isolate`` False runs unisolated (``--allow-unisolated``).
    """

    size: int = SERVE.processes
    queue: int = SERVE.queue
    memory: int | None = SERVE.query_memory_bytes
    isolate: bool = not SERVE.allow_unisolated
    #: Seconds a user query may compute in the ``queries`` lane before it moves to ``long``.
    budget: float = SERVE.short_query_budget
    #: Bytes of whole answers kept for repeated queries (``results``; 0: none).
    results: int = SERVE.result_cache_bytes


class Process:
    """The web worker's end of one query process: its pid and socket."""

    def __init__(self, pid: int, sock: socket.socket):
        self.pid, self.sock = pid, sock
        sock.setblocking(False)  # once: waits are ``select``s bounded by each deadline
        self.buffer = bytearray()
        self.jobs = 0
        self.lowered = False  # its priority lowered (``Lane.lower``)
        self.floor: tuple[int, int] | None = None  # (mapped, resident) after its first job

    def __del__(self) -> None:
        # A lease dropped unread (an answer never closed): our end closes, so the query
        # process reads end-of-file and leaves.  Takes no lock: the collector may run anywhere.
        self.sock.close()

    def grown(self, heavy: bool) -> bool:
        """Say whether the process has grown past RETIRE_GROWTH (read after its first job,
        a heavy one, and every RSS_EVERY-th: a read is three system calls)."""
        if not (self.floor is None or heavy or self.jobs % RSS_EVERY == 0):
            return False
        try:
            with open(f"/proc/{self.pid}/statm", "rb") as statm:
                mapped, resident = (int(pages) * _PAGE for pages in statm.read().split()[:2])
        except (OSError, ValueError):
            return True  # gone, or unreadable: a fresh one is the safe choice
        if self.floor is None:
            self.floor = (mapped, resident)
        return max(mapped - self.floor[0], resident - self.floor[1]) > RETIRE_GROWTH

    def dead(self) -> bool:
        """Tell whether an idle process has gone (its end of the socket reads end-of-file).

        An idle process never writes: its socket is readable only once it has died.
        """
        try:
            ready, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(ready)

    def send(self, job, deadline: float) -> None:
        """Send one job (pickled), within the deadline (TimeoutError past it)."""
        payload = pickle.dumps(job)
        self.jobs += 1
        view = memoryview(runner.HEADER.pack(b"J", len(payload)) + payload)
        while view:
            try:
                view = view[self.sock.send(view):]
            except BlockingIOError:
                left = max(0.01, deadline - time.monotonic())
                if not select.select([], [self.sock], [], left)[1]:
                    raise TimeoutError from None

    def frame(self, deadline: float) -> tuple[bytes, bytes]:
        """Return the next (kind, payload) frame; TimeoutError past the deadline, EOFError."""
        self._fill(runner.HEADER.size, deadline)
        kind, length = runner.HEADER.unpack_from(self.buffer)
        self._fill(runner.HEADER.size + length, deadline)
        payload = bytes(self.buffer[runner.HEADER.size:runner.HEADER.size + length])
        del self.buffer[:runner.HEADER.size + length]
        return kind, payload

    def _fill(self, size: int, deadline: float) -> None:
        fd = self.sock.fileno()
        while len(self.buffer) < size:
            # Past the deadline, what the process has already written is still taken.
            left = max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise TimeoutError
            data = os.read(fd, max(runner.BUFFER, size - len(self.buffer)))
            if not data:
                raise EOFError
            self.buffer += data


class Zygote:
    """The process that forks query processes, started while the web worker has one thread."""

    def __init__(self, opener: Callable[[], object], settings: PoolSettings):
        self.opener, self.settings = opener, settings
        self.lock = threading.Lock()
        self.pid: int | None = None
        self.control: socket.socket | None = None
        #: Bumped each time a dead zygote is buried: lanes then drop their idle processes.
        self.generation = 0

    def start(self) -> None:
        """Fork the zygote (call once, before the web worker starts its threads)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the zygote never returns
            ours.close()
            _zygote(theirs, self.opener, self.settings)
        theirs.close()
        self.pid, self.control = pid, ours

    def spawn(self) -> Process:
        """Return a new query process.

        A zygote found dead (killed, crashed) is buried and a fresh one started, once;
        PoolUnavailable (503, Retry-After) when no process can be had now (a failed fork).
        """
        with self.lock:
            for _ in range(2):
                if self.control is None:
                    self.start()
                try:
                    self.control.sendall(_COMMAND.pack(b"S", 0))
                    message, fds, _, _ = socket.recv_fds(self.control, _COMMAND.size, 1)
                except OSError:
                    message, fds = b"", []
                if message and fds:
                    _, pid = _COMMAND.unpack(message)
                    return Process(pid, socket.socket(fileno=fds[0]))
                if message:  # the zygote lives, but its fork failed (b"F", errno)
                    _, code = _COMMAND.unpack(message)
                    raise PoolUnavailable(f"the zygote could not fork: {os.strerror(code)}")
                self._bury()
            raise PoolUnavailable("the query process zygote ended (no network isolation?)")

    def _bury(self) -> None:
        """Forget a dead zygote: close our end, reap it (its query processes die with it)."""
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.pid is not None:
            with contextlib.suppress(ChildProcessError, OSError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            self.pid = None
        self.generation += 1

    def kill(self, process: Process) -> None:
        """Kill a query process (the zygote reaps it) and close our end."""
        with self.lock, contextlib.suppress(OSError):
            if self.control is not None:
                self.control.sendall(_COMMAND.pack(b"K", process.pid))
        process.sock.close()

    def stop(self) -> None:
        """End the zygote and every query process (closing the socket is the signal)."""
        with self.lock:
            if self.control is None:
                return
            self.control.close()
            self.control = None
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)


class Lane:
    """``size`` query processes and ``queue`` waiting places, taken in turn by requests.

    ``nice`` above 0 lowers the scheduling priority of the lane's processes: slow queries
    get the CPU the short ones, pages and the web worker leave.
    """

    def __init__(self, name: str, zygote: Zygote, size: int, queue: int, nice: int = 0):
        self.name, self.zygote, self.size, self.queue = name, zygote, size, queue
        self.nice = nice
        self.reset()

    def lower(self, process: Process) -> None:
        """Give PROCESS this lane's priority (once: a process never leaves ``long``)."""
        if self.nice and not process.lowered:
            process.lowered = True
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, process.pid, self.nice)

    def reset(self) -> None:
        """Forget every process (after the zygote stopped): the lane starts empty."""
        self.generation = getattr(self, "generation", 0) + 1
        self.places = threading.BoundedSemaphore(self.size + self.queue)
        self.free = threading.Semaphore(self.size)
        self.lock = threading.Lock()
        for process in getattr(self, "idle", ()):
            process.sock.close()
        self.idle: list[Process] = []
        self.started = 0
        self.leased = 0
        #: Leased processes whose job outlived its budget and found no room to move.
        self.overstaying = 0
        self.seen = self.zygote.generation

    def fill(self) -> None:
        """Start every process of the lane now (serve does, so failures show at start-up)."""
        while self.started < self.size:
            process = self.zygote.spawn()
            with self.lock:
                self.idle.append(process)
                self.started += 1

    def take(self, timeout: float) -> Lease:
        """Lease a free process until ``timeout`` seconds from now.

        PoolBusy at once when every process and waiting place is taken; PoolTimeout
        when no process became free before the deadline.
        """
        lease = Lease(self, timeout)
        lease.generation = self.generation
        if not self.places.acquire(blocking=False):
            raise PoolBusy(f"{self.name}: every process and waiting place is taken")
        try:
            if not self.free.acquire(timeout=max(0.0, lease.deadline - time.monotonic())):
                raise PoolTimeout(f"{self.name}: no query process became free in time")
            try:
                process = self._idle_alive()
                lease.process = process or self.zygote.spawn()
                self.lower(lease.process)
                with self.lock:
                    self.leased += 1
            except BaseException:
                with self.lock:
                    self.started -= 1
                self.free.release()
                raise
        except BaseException:
            self.places.release()
            raise
        return lease

    def adopt(self) -> bool:
        """Count in one more running process, moved here from another lane, if a slot is free."""
        if not self.places.acquire(blocking=False):
            return False
        if not self.free.acquire(blocking=False):
            self.places.release()
            return False
        with self.lock:
            self.started += 1
            self.leased += 1
        return True

    def overstay(self) -> bool:
        """Count in one more job past its budget that stays here, if fewer than half of the
        lane's processes are so held; False otherwise."""
        with self.lock:
            if self.overstaying >= self.size // 2:
                return False
            self.overstaying += 1
            return True

    def release(self) -> None:
        """Count out a leased process that moved to another lane: its slot is free again."""
        with self.lock:
            self.leased -= 1
            self.started -= 1
        self.free.release()
        self.places.release()

    def _idle_alive(self) -> Process | None:
        """Pop a live idle process, or count a new one to spawn (None); drop dead ones."""
        with self.lock:
            if self.zygote.generation != self.seen:
                # The zygote was replaced: its query processes died with it.
                self.seen = self.zygote.generation
                for process in self.idle:
                    process.sock.close()
                self.started -= len(self.idle)
                self.idle.clear()
            while self.idle:
                process = self.idle.pop()
                if not process.dead():
                    return process
                process.sock.close()
                self.started -= 1
            self.started += 1
            return None

    def give_back(self, process: Process, healthy: bool, generation: int,
                  heavy: bool = False) -> None:
        """Take a process back: idle again if healthy, else killed (a new one starts on demand).

        A process grown past RETIRE_GROWTH (checked at once after a HEAVY job) or that
        ran JOBS_PER_PROCESS jobs is retired the same way; one of a generation before
        the last ``reset`` is only closed.
        """
        if generation != self.generation:
            process.sock.close()
            return
        with self.lock:
            self.leased -= 1
        if healthy and process.jobs < JOBS_PER_PROCESS and not process.grown(heavy):
            with self.lock:
                self.idle.append(process)
        else:
            self.zygote.kill(process)
            with self.lock:
                self.started -= 1
        self.free.release()
        self.places.release()


class Lease:
    """One process of a lane, held for one job until a deadline."""

    def __init__(self, lane: Lane, timeout: float):
        self.lane = lane
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self.process: Process | None = None
        self.generation = 0
        #: (lane, seconds) to move to that lane past that budget; None: stay.
        self.promotion: tuple[Lane, float] | None = None
        #: Past its budget with no room to move, it goes on in its lane (``Lane.overstay``).
        self.overstaying = False

    def frame(self) -> tuple[bytes, bytes]:
        """Return the job's next frame (TimeoutError past the deadline, EOFError).

        Past its budget, a job with a promotion moves to the other lane first, or
        raises LongLaneFull when that lane has no slot free.
        """
        if self.promotion is not None:
            lane, budget = self.promotion
            self.promotion = None
            until = time.monotonic() + budget  # the job was just sent: waiting is not counted
            if until < self.deadline:
                try:
                    return self.process.frame(until)
                except TimeoutError:
                    pass  # what arrived stays buffered in the process's end
                if not self._move(lane):
                    if self.generation != self.lane.generation or not self.lane.overstay():
                        raise LongLaneFull(f"{lane.name}: no slot for a query past its budget")
                    self.overstaying = True
        return self.process.frame(self.deadline)

    def _move(self, lane: Lane) -> bool:
        """Move the running process to LANE's count; False when it has no slot free."""
        if self.generation != self.lane.generation or not lane.adopt():
            return False
        self.lane.release()
        self.lane, self.generation = lane, lane.generation
        lane.lower(self.process)
        return True

    def end(self, healthy: bool) -> None:
        """Give the process back (once): reused if the job ended cleanly, else killed."""
        process, self.process = self.process, None
        if process is not None:
            if self.overstaying and self.generation == self.lane.generation:
                with self.lane.lock:
                    self.lane.overstaying -= 1
            self.overstaying = False
            heavy = time.monotonic() - self.started > HEAVY_JOB
            self.lane.give_back(process, healthy, self.generation, heavy)


class PoolBackend:
    """The store interface over the pool: trusted calls in ``pages``, user queries in ``queries``.

    ``opener`` runs in each query process and returns its backend: the inherited
    memory store, the on-disk store opened read-only, or None over a remote engine.
    Over a remote engine (``remote``) the query processes only read user queries;
    queries go to the engine from the web worker, which must reach it, and the engine
    enforces its own time limit.
    """

    #: Readings of queries kept, and the bytes they may take: keyed by a hash of the text
    #: (never the text), refusals not kept (each is answered at once anyway).
    CHECKED = 2048
    CHECKED_BYTES = 4_000_000
    #: Processes and waiting places of the lane of ``/health``, which never waits behind pages.
    HEALTH_SIZE, HEALTH_QUEUE = 1, 16
    #: Hashes of queries that outlived their budget, kept (32 bytes each, oldest dropped).
    SLOW = 4096
    #: The scheduling priority of the long and slow lanes' processes (19 is the lowest).
    LONG_NICE = 10

    def __init__(self, opener: Callable[[], object], settings: PoolSettings, timeout: float,
                 remote=None):
        self.zygote = Zygote(opener, settings)
        self.queries = Lane("queries", self.zygote, settings.size, settings.queue)
        self.pages = Lane("pages", self.zygote, settings.size, 4 * settings.queue)
        self.health = Lane("health", self.zygote, self.HEALTH_SIZE, self.HEALTH_QUEUE)
        half = max(1, settings.size // 2)
        self.long = Lane("long", self.zygote, half, 0, nice=self.LONG_NICE)
        self.slow = Lane("slow", self.zygote, half, settings.queue, nice=self.LONG_NICE)
        self.lanes = (self.queries, self.pages, self.health, self.long, self.slow)
        self.budget = settings.budget
        self._slow: dict[bytes, None] = {}  # text hashes, oldest first
        self.results = ResultCache(settings.results)
        self.timeout = timeout
        self.remote = remote
        self.isolation = isolation.NETWORK_NAMESPACE if settings.isolate \
            else isolation.UNISOLATED
        self._checked: dict[bytes, tuple[object, int]] = {}
        self._checked_bytes = 0
        self._result_types: dict[bytes, tuple] = {}  # remote: text hash -> result_types
        self._checked_lock = threading.Lock()
        # A pool dropped without stop() (an app in tests) still ends its processes.
        weakref.finalize(self, _shut, self.zygote, self.lanes)

    def start(self) -> None:
        """Start the zygote and every query process (in a web worker, before its threads)."""
        self.zygote.start()
        for lane in (self.queries, self.pages, self.health):
            lane.fill()  # ``long`` takes processes over from ``queries``; ``slow`` forks them

    def stop(self) -> None:
        """End the zygote and the query processes; ``start`` may be called again afterwards."""
        _shut(self.zygote, self.lanes)

    # -- trusted queries -----------------------------------------------------------

    def _call(self, name: str, *args):
        if self.remote is not None:
            return getattr(self.remote, name)(*args)
        return runner.read_answer(self.pages.take(self.timeout), ("call", name, args))

    def select(self, query: str):
        """Run a trusted SELECT in a query process; return its rows."""
        return self._call("select", query)

    def ask(self, query: str) -> bool:
        """Run a trusted ASK in a query process."""
        return self._call("ask", query)

    def construct(self, query: str):
        """Run a trusted CONSTRUCT or DESCRIBE in a query process."""
        return self._call("construct", query)

    def triple_count(self) -> int:
        """Return the number of triples, counted in a query process."""
        return self._call("triple_count")

    def probe(self, timeout: float) -> bool:
        """Ask the store ``ASK {}`` within TIMEOUT s: True if it answered, False if it
        could not tell in time (every process busy, or silent); raises BackendError when
        the store failed."""
        if self.remote is not None:
            return self.remote.probe(timeout)
        try:
            return runner.read_answer(self.health.take(timeout), ("call", "ask", ("ASK {}",)))
        except (PoolBusy, PoolTimeout):
            return False

    # -- user queries --------------------------------------------------------------

    def check(self, query: str, base_iri: str | None = None):
        """Read a user query in a query process (``query_check``); raise QueryRefused if refused.

        Each distinct text is parsed once: its reading is kept under a hash of the text
        and base, within CHECKED entries and CHECKED_BYTES; a refusal is not kept.
        """
        key = _text_key(query, base_iri)
        with self._checked_lock:
            kept = self._checked.get(key)
        if kept is not None:
            known = kept[0]
        else:
            known = runner.read_answer(self.queries.take(self.timeout),
                                       ("check", query, base_iri))
            self._keep(key, known)
        if self.remote is not None:
            reason = remote_refusal(known, self.remote.graph_iri)
            if reason is not None:
                raise QueryRefused(400, reason)
            # What the engine would answer otherwise: a 422 naming it (engine_semantics).
            engine = self.remote.engine_refusal(known)
            if engine is not None:
                raise QueryRefused(engine.status, engine.text("en"), engine.text("fr"))
            with self._checked_lock:
                self._result_types[_text_key(query)] = known.result_types
                if len(self._result_types) > self.CHECKED:
                    self._result_types.pop(next(iter(self._result_types)))
        return known

    def _keep(self, key: bytes, info) -> None:
        """Keep a reading, dropping the oldest past the entry and byte budgets."""
        size = 256 + sum(len(iri) for iri in (*info.default_graphs, *info.named_graphs))
        if size > self.CHECKED_BYTES // 16:
            return  # a reading naming huge graph IRIs is parsed again next time
        with self._checked_lock:
            if key in self._checked:
                return
            self._checked[key] = (info, size)
            self._checked_bytes += size
            while len(self._checked) > self.CHECKED or self._checked_bytes > self.CHECKED_BYTES:
                _, dropped = self._checked.pop(next(iter(self._checked)))
                self._checked_bytes -= dropped

    def run(self, job: runner.Job, timeout: float) -> runner.Outcome:
        """Run a checked user query with a deadline; return its outcome (streamed results)."""
        if self.remote is not None:
            return self._run_remote(job, timeout)
        answer_key = key_of(job)
        asked = time.monotonic()
        kept, token = self.results.claim(answer_key, asked + timeout, timeout)
        if kept is not None:
            return kept
        try:
            # Time spent waiting for the same query's answer counts against the deadline.
            outcome = self._run_here(job, timeout, timeout - (time.monotonic() - asked))
        except BaseException:
            self.results.release(answer_key, token)
            raise
        self.results.record(answer_key, outcome, token)
        return outcome

    def _run_here(self, job: runner.Job, timeout: float, left: float) -> runner.Outcome:
        """Run JOB within LEFT seconds in ``queries``, or in ``slow`` when it ran away before."""
        key = _text_key(job.query, job.base_iri)
        with self._checked_lock:
            slow = key in self._slow
        try:
            if left <= 0:
                raise PoolTimeout("the deadline passed waiting for the same query's answer")
            lease = (self.slow if slow else self.queries).take(left)
            if not slow:
                lease.promotion = (self.long, self.budget)
        except PoolBusy as busy:
            return runner.Outcome(503, busy.client_message, outcome="busy",
                                  headers=busy.headers)
        except PoolTimeout:
            return runner.Outcome(503, runner.time_limit_message(timeout), outcome="timeout")
        except BackendError as error:
            return runner.Outcome(error.status, error.client_message, outcome="error",
                                  headers=dict(getattr(error, "headers", {})))
        outcome = runner.read_run(lease, job, timeout)
        if outcome.status == 503 and outcome.outcome in ("timeout", "error"):
            # Stopped at its deadline, out of memory, or its process died: a runaway.
            self._remember_slow(key)
        return outcome

    def _remember_slow(self, key: bytes) -> None:
        """Remember a query that ran out of time or memory: it starts in ``slow`` from now on."""
        with self._checked_lock:
            self._slow[key] = None
            if len(self._slow) > self.SLOW:
                self._slow.pop(next(iter(self._slow)))

    def known_slow(self, query: str, base_iri: str | None = None) -> bool:
        """Say whether QUERY is remembered as slow (it starts in the ``slow`` lane)."""
        with self._checked_lock:
            return _text_key(query, base_iri) in self._slow

    def _run_remote(self, job: runner.Job, timeout: float) -> runner.Outcome:
        buffer = io.BytesIO()
        outcome = runner.Outcome(200)
        try:
            stats = self.remote.run_query(job.query, job.form, job.fmt, job.dataset,
                                          job.max_rows, lambda: buffer, job.base_iri,
                                          job.max_bytes,
                                          result_types=self._result_types.get(
                                              _text_key(job.query), ()))
        except TimeoutError:
            return runner.Outcome(503, runner.time_limit_message(timeout), outcome="timeout")
        except BackendError as error:
            return runner.Outcome(error.status, error.client_message,
                                  outcome="bad-query" if error.status < 500 else "error",
                                  headers=dict(getattr(error, "headers", {})))
        except (SyntaxError, ValueError, TypeError) as error:
            return runner.Outcome(400, f"The query cannot be answered: {error}",
                                  outcome="bad-query")
        outcome.rows, outcome.truncated = stats.rows, stats.truncated
        outcome.outcome = "truncated" if stats.truncated else "ok"
        outcome.chunks = iter([buffer.getvalue()])
        return outcome


def _text_key(query: str, base_iri: str | None = None) -> bytes:
    """Key a query's text (and base) by its hash: caches never hold a client's text."""
    return hashlib.sha256(f"{base_iri or ''}\0{query}".encode("utf-8", "surrogatepass")).digest()


def _shut(zygote: Zygote, lanes) -> None:
    zygote.stop()
    for lane in lanes:
        lane.reset()


def _zygote(control: socket.socket, opener, settings: PoolSettings) -> None:  # pragma: no cover
    """Isolate, then fork query processes on request; end them all when the worker goes."""
    code = 0
    children: set[int] = set()
    try:
        _default_signals()
        # Inherited objects are never finalised here (one would close a reused fd), and
        # inherited descriptors are closed: another pool's socket held open here would
        # keep that pool's zygote from seeing its end.
        gc.freeze()
        fd = control.fileno()
        os.closerange(3, fd)
        os.closerange(fd + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        isolation.limit_memory(None)
        if settings.isolate:
            isolation.isolate()
        while True:
            _reap(children)
            ready, _, _ = select.select([control], [], [], 1.0)
            if not ready:
                continue
            message = control.recv(_COMMAND.size)
            if not message:
                break
            command, pid = _COMMAND.unpack(message)
            if command == b"K":
                if pid in children:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                continue
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                child = os.fork()
            except OSError as error:  # out of processes or memory: say so, keep serving
                ours.close()
                theirs.close()
                control.sendall(_COMMAND.pack(b"F", error.errno or 0))
                continue
            if child == 0:
                control.close()
                ours.close()
                _query_process(theirs, opener, settings)
            theirs.close()
            children.add(child)
            socket.send_fds(control, [_COMMAND.pack(b"P", child)], [ours.fileno()])
            ours.close()
    except BaseException:
        code = 1
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        os._exit(code)


def _reap(children: set[int]) -> None:  # pragma: no cover - runs in the zygote
    while children:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)


def _query_process(sock: socket.socket, opener, settings: PoolSettings) -> None:  # pragma: no cover
    """Open the store, then run jobs one after the other until the socket closes."""
    code = 0
    try:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        isolation.limit_memory(settings.memory)
        backend = opener()  # the store opens first: it may need what narrow() takes away
        if settings.isolate:
            try:
                isolation.narrow()
            except OSError as error:  # the namespace still holds; say what is missing
                print(f"query process {os.getpid()}: not narrowed: {error}", file=sys.stderr,
                      flush=True)
        runner.serve(backend, sock.fileno())
    except BaseException as error:
        print(f"query process {os.getpid()}: {error!r}", file=sys.stderr, flush=True)
        code = 1
    finally:
        os._exit(code)


def _default_signals() -> None:  # pragma: no cover - runs in the zygote
    """Drop the web worker's handlers; a Ctrl-C is the server's to handle, not ours."""
    for number in (signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1,
                   signal.SIGUSR2, signal.SIGWINCH, signal.SIGCHLD, signal.SIGTTIN,
                   signal.SIGTTOU):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(ValueError):
        signal.set_wakeup_fd(-1)
