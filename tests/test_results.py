"""Whole answers kept for repeated queries: bounded in bytes, keyed by hashes, only whole."""

import threading
import time

import pyoxigraph as ox

from achat_core.formats import BY_NAME
from sparql_endpoint.backends.store import Dataset, OxigraphBackend
from sparql_endpoint.execution import runner
from sparql_endpoint.execution.pool import PoolBackend, PoolSettings
from sparql_endpoint.execution.results import OVERHEAD, ResultCache, key_of


def _pool(results: int) -> PoolBackend:
    store = ox.Store()
    for i in range(60):
        store.add(ox.Quad(ox.NamedNode(f"http://ex/s{i}"), ox.NamedNode("http://ex/p"),
                          ox.Literal(f"v{i}")))
    backend = OxigraphBackend(store)
    return PoolBackend(lambda: backend, PoolSettings(size=1, queue=1, results=results), 5.0)


def _jobs(pool: PoolBackend) -> int:
    return sum(process.jobs for process in pool.queries.idle)


def test_a_repeated_query_is_answered_without_a_query_process():
    pool = _pool(1_000_000)
    try:
        job = runner.Job("SELECT ?o { ?s <http://ex/p> ?o } ORDER BY ?o LIMIT 3", "SELECT",
                         BY_NAME["csv"])
        first = pool.run(job, 5)
        body = b"".join(first.chunks)
        ran = _jobs(pool)
        again = pool.run(job, 5)
        assert again.outcome == "cached" and again.rows == 3
        assert b"".join(again.chunks) == body
        assert _jobs(pool) == ran  # no process ran it
        # Another format, cap or dataset is another answer.
        for other in (runner.Job(job.query, "SELECT", BY_NAME["json"]),
                      runner.Job(job.query, "SELECT", BY_NAME["csv"], max_rows=2),
                      runner.Job(job.query, "SELECT", BY_NAME["csv"],
                                 Dataset(("http://ex/g",), ()))):
            outcome = pool.run(other, 5)
            b"".join(outcome.chunks)
            assert outcome.outcome != "cached"
    finally:
        pool.stop()


def test_truncated_and_unread_answers_are_not_kept():
    pool = _pool(32 * 1000)  # answers of up to 1 000 bytes are kept
    try:
        cut = runner.Job("SELECT ?s { ?s ?p ?o }", "SELECT", BY_NAME["json"], max_rows=10)
        for _ in range(2):
            outcome = pool.run(cut, 5)
            b"".join(outcome.chunks)
            assert outcome.outcome == "truncated"  # run again: a cut answer is not kept
        large = runner.Job("CONSTRUCT { ?s ?p ?o . ?s <http://ex/pad> ?pad } WHERE { ?s ?p ?o "
                           f"BIND('{'x' * 5000}' AS ?pad) }}", "CONSTRUCT", BY_NAME["ntriples"])
        left = pool.run(large, 5)  # too large to keep: it streams from its process
        assert pool.queries.leased == 1
        next(left.chunks)
        left.chunks.close()  # the client went away: its process ends, nothing is kept
        assert left.outcome == "aborted" and pool.queries.leased == 0
        assert pool.results.size == 0
        small = runner.Job("ASK {}", "ASK", BY_NAME["json"])
        unread = pool.run(small, 5)  # read whole from its process at once, and kept
        assert pool.queries.leased == 0 and pool.results.size > 0
        unread.close()
        assert pool.run(small, 5).outcome == "cached"
    finally:
        pool.stop()


def test_no_capacity_keeps_nothing():
    pool = _pool(0)
    try:
        job = runner.Job("ASK {}", "ASK", BY_NAME["json"])
        for _ in range(2):
            outcome = pool.run(job, 5)
            assert b"".join(outcome.chunks) == b'{"head":{},"boolean":true}'
            assert outcome.outcome == "ok"
    finally:
        pool.stop()


def _fed(cache: ResultCache, key: bytes, body: bytes) -> None:
    outcome = runner.Outcome(200, chunks=iter((body[:10], body[10:])), rows=1)
    cache.record(key, outcome)
    assert b"".join(outcome.chunks) == body


def test_the_cache_stays_within_its_bytes_and_drops_the_least_recently_used():
    cache = ResultCache(32 * (1000 + OVERHEAD))  # answers of up to 1 256 bytes each
    keys = [key_of(runner.Job(f"ASK {{ ?s ?p {i} }}", "ASK", BY_NAME["json"]))
            for i in range(40)]
    assert all(isinstance(key, bytes) and len(key) == 32 for key in keys)
    _fed(cache, keys[0], b"x" * 2000)  # larger than one answer may be: streamed, not kept
    assert cache.answer(keys[0]) is None
    for key in keys:
        _fed(cache, key, b"y" * 1000)
        cache.answer(keys[1])  # kept in use
        assert cache.size <= cache.capacity
    assert cache.answer(keys[1]) is not None and cache.answer(keys[2]) is None
    assert cache.answer(keys[-1]) is not None


def test_the_same_query_asked_at_once_is_computed_once():
    cache = ResultCache(1_000_000)
    key = key_of(runner.Job("ASK {}", "ASK", BY_NAME["json"]))
    first, token = cache.claim(key, time.monotonic() + 5, 5)
    assert first is None and token is not None  # the first one computes it
    answers = []

    def wait():
        answers.append(cache.claim(key, time.monotonic() + 5, 5))

    waiters = [threading.Thread(target=wait) for _ in range(3)]
    for thread in waiters:
        thread.start()
    time.sleep(0.2)
    assert not answers  # they wait for the first one's answer
    outcome = runner.Outcome(200, chunks=iter((b'{"head":{},"boolean":true}',)), rows=1)
    cache.record(key, outcome, token)
    assert b"".join(outcome.chunks) == b'{"head":{},"boolean":true}'
    for thread in waiters:
        thread.join()
    assert [(kept.outcome, token) for kept, token in answers] == [("cached", None)] * 3


def test_waiters_go_on_when_the_first_answer_cannot_be_kept():
    cache = ResultCache(1_000_000)
    key = key_of(runner.Job("ASK {}", "ASK", BY_NAME["json"]))
    _, token = cache.claim(key, time.monotonic() + 5, 5)
    answers = []
    waiter = threading.Thread(target=lambda: answers.append(
        cache.claim(key, time.monotonic() + 5, 5)))
    waiter.start()
    cache.record(key, runner.Outcome(503, "stopped"), token)  # failed: nothing to keep
    waiter.join()
    assert answers == [(None, None)]  # it computes the query itself
    # A waiter's own deadline comes first, whatever the first computation does.
    _, token = cache.claim(key, time.monotonic() + 5, 5)
    assert cache.claim(key, time.monotonic() + 0.1, 5) == (None, None)
    cache.release(key, token)
