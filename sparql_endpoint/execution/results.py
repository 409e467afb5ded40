"""Answers to user queries kept for the build they were computed on, bounded in bytes.

A build never changes once served (a new build is a new app, with a new pool), so the
same query over the same dataset, in the same format and under the same caps, always
has the same answer: a repeated query is answered from here without a query process.
Only whole answers are kept (status 200, neither truncated nor cut), each at most
``capacity // 32`` bytes, all together at most ``capacity`` bytes, the least recently
used dropped first; keys are hashes, never a client's text.

The same query asked by many clients at once is computed once: while one computes
it, the others wait for its answer (within their own deadline), then read it here;
if it could not be kept, they compute it themselves.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator

from sparql_endpoint.execution import runner

#: Share of the capacity one answer may take.
ENTRY_SHARE = 32
#: Bytes counted for each answer besides its body (its key, the tuple, the dict's slot).
OVERHEAD = 256


def key_of(job: runner.Job) -> bytes:
    """Return the hash naming JOB's answer: its text, base, format, dataset and caps."""
    dataset = job.dataset
    parts = (job.query, job.base_iri or "", job.fmt.name, repr(dataset.default_graphs),
             repr(dataset.named_graphs), dataset.ours or "", str(job.max_rows),
             str(job.max_bytes))
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).digest()


class ResultCache:
    """Whole answers by key, at most ``capacity`` bytes in all (0: nothing is kept)."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.entry = capacity // ENTRY_SHARE
        self.size = 0
        self._answers: OrderedDict[bytes, tuple[bytes, int]] = OrderedDict()
        self._lock = threading.Lock()
        #: Answers being computed: key -> (set once it ends, when it started).
        self._computing: dict[bytes, tuple[threading.Event, float]] = {}

    def claim(self, key: bytes, deadline: float,
              stale: float) -> tuple[runner.Outcome | None, threading.Event | None]:
        """Return the kept answer, waiting until DEADLINE for one being computed.

        Else (None, token): the caller computes it, and passes the token to ``record``
        or ``release``; the token is None when another computation could not be waited
        for or kept, and the caller computes it alongside.  A computation older than
        STALE seconds is not waited for (its client went away before reading).
        """
        if self.entry == 0:
            return None, None
        kept = self.answer(key)
        if kept is not None:
            return kept, None
        now = time.monotonic()
        with self._lock:
            computing = self._computing.get(key)
            if computing is None or now - computing[1] > stale:
                token = threading.Event()
                self._computing[key] = (token, now)
                return None, token
        computing[0].wait(max(0.0, deadline - now))
        return self.answer(key), None

    def release(self, key: bytes, token: threading.Event | None) -> None:
        """Say the computation TOKEN stands for ended (kept or not): its waiters go on."""
        if token is None:
            return
        with self._lock:
            if self._computing.get(key, (None,))[0] is token:
                del self._computing[key]
        token.set()

    def answer(self, key: bytes) -> runner.Outcome | None:
        """Return a kept answer as an outcome (``cached``), or None."""
        with self._lock:
            kept = self._answers.get(key)
            if kept is None:
                return None
            self._answers.move_to_end(key)
        body, rows = kept
        return runner.Outcome(200, chunks=iter((body,)), rows=rows, outcome="cached")

    def record(self, key: bytes, outcome: runner.Outcome,
               token: threading.Event | None = None) -> None:
        """Read up to one answer's worth of OUTCOME's chunks now; keep the answer if whole.

        The answer is kept (and its waiters let go) as soon as the query process has
        sent it, whatever the client's pace; one too large to keep streams on as it came.
        """
        try:
            if self.entry == 0 or outcome.chunks is None:
                return
            chunks, head, size = outcome.chunks, [], 0
            try:
                for chunk in chunks:
                    head.append(chunk)
                    size += len(chunk)
                    if size > self.entry:
                        outcome.chunks = _then(head, chunks)  # too large to keep
                        return
            except runner.StreamCut as cut:
                outcome.chunks = _then(head, _raise(cut))
                return
            if outcome.outcome == "ok":
                self._keep(key, b"".join(head), outcome.rows)
            outcome.chunks = iter(head)
        finally:
            self.release(key, token)

    def _keep(self, key: bytes, body: bytes, rows: int) -> None:
        with self._lock:
            if key in self._answers:
                return
            self._answers[key] = (body, rows)
            self.size += len(body) + OVERHEAD
            while self.size > self.capacity:
                _, (dropped, _) = self._answers.popitem(last=False)
                self.size -= len(dropped) + OVERHEAD


def _then(head: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    """Yield HEAD, then REST; closing it closes REST (a client gone ends the process)."""
    try:
        yield from head
        yield from rest
    finally:
        close = getattr(rest, "close", None)
        if close is not None:
            close()


def _raise(error: Exception) -> Iterator[bytes]:
    raise error
    yield b""  # a generator: the error comes where streaming stops
