"""The query pool: results come back from query processes that have no network, die at
the deadline and are replaced, with a bounded queue and row and byte caps."""

import json
import os
import socket
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from achat_core.formats import BY_NAME
from sparql_endpoint.backends.store import Dataset, OxigraphBackend
from sparql_endpoint.execution import isolation, runner
from sparql_endpoint.execution.pool import PoolBackend, PoolSettings
from sparql_endpoint.protocol.query_check import QueryRefused

RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def _store():
    store = ox.Store()
    for i in range(60):
        store.add(ox.Quad(ox.NamedNode(f"http://ex/s{i}"), ox.NamedNode("http://ex/p"),
                          ox.Literal(f"v{i}")))
    store.add(ox.Quad(ox.NamedNode("http://ex/g"), ox.NamedNode("http://ex/p"),
                      ox.Literal("in graph"), ox.NamedNode("http://ex/graph")))
    return OxigraphBackend(store)


@pytest.fixture
def pool():
    backend = _store()
    # Answers not kept: every job runs and streams from its process.
    pool = PoolBackend(lambda: backend, PoolSettings(size=1, queue=1, results=0), timeout=5.0)
    yield pool
    pool.stop()


def _body(outcome):
    return b"".join(outcome.chunks)


def test_trusted_calls_run_in_a_query_process(pool):
    assert pool.triple_count() == 61
    rows = pool.select("SELECT ?o { <http://ex/s1> ?p ?o }")
    assert rows == [{"o": ox.Literal("v1")}]
    assert pool.ask("ASK { ?s ?p 'v2' }") is True


def test_select_results_come_back_in_the_format_asked(pool):
    job = runner.Job("SELECT ?o { ?s <http://ex/p> ?o } ORDER BY ?o LIMIT 3", "SELECT",
                     BY_NAME["csv"])
    outcome = pool.run(job, timeout=5)
    assert outcome.status == 200
    assert _body(outcome).decode().split("\r\n")[:2] == ["o", "v0"]
    assert outcome.rows == 3 and outcome.outcome == "ok"


def test_syntax_error_is_a_400_and_the_process_is_reused(pool):
    outcome = pool.run(runner.Job("SELECT * {", "SELECT", BY_NAME["json"]), 5)
    assert outcome.status == 400 and "Syntax error" in outcome.message
    assert pool.queries.started == 1 and pool.queries.leased == 0


def test_a_check_refuses_service_without_running_anything(pool):
    with pytest.raises(QueryRefused) as refused:
        pool.check("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    assert refused.value.status == 400


def test_runaway_query_is_killed_at_the_deadline_and_replaced(pool):
    outcome = pool.run(runner.Job(RUNAWAY, "SELECT", BY_NAME["json"]), timeout=1.0)
    assert outcome.status == 503 and outcome.outcome == "timeout"
    assert "1 s" in outcome.message
    assert pool.queries.started == 0  # killed; the next job starts a fresh process
    assert _body(pool.run(runner.Job("ASK {}", "ASK", BY_NAME["json"]), 5)) \
        == b'{"head":{},"boolean":true}'


def test_a_full_queue_is_refused_at_once_with_retry_after():
    backend = _store()
    pool = PoolBackend(lambda: backend, PoolSettings(size=1, queue=0), timeout=5.0)
    held = pool.queries.take(5)  # the only process, as a running query holds it
    try:
        outcome = pool.run(runner.Job("ASK {}", "ASK", BY_NAME["json"]), timeout=5)
        assert outcome.status == 503 and outcome.outcome == "busy"
        assert outcome.headers["Retry-After"]
    finally:
        held.end(healthy=True)
        pool.stop()


def test_rows_beyond_the_cap_are_cut_and_marked(pool):
    job = runner.Job("SELECT ?s { ?s ?p ?o }", "SELECT", BY_NAME["json"], max_rows=10)
    outcome = pool.run(job, 5)
    body = json.loads(_body(outcome))
    assert len(body["results"]["bindings"]) == 10 and body["truncated"] is True
    assert outcome.truncated and outcome.outcome == "truncated"


def test_one_huge_row_is_cut_by_the_byte_cap(pool):
    job = runner.Job("SELECT ?big { VALUES ?n { 1 2 } "
                     "BIND(CONCAT(STR(?n), SUBSTR(STRBEFORE(STR(?n), 'z'), 1)) AS ?small) "
                     f"BIND(CONCAT(?small, '{'x' * 200_000}') AS ?big) }}", "SELECT",
                     BY_NAME["json"], max_bytes=100_000)
    outcome = pool.run(job, 5)
    body = json.loads(_body(outcome))
    assert body["results"]["bindings"] == [] and body["truncated"] is True


def test_construct_streams_large_results_across_frames(pool):
    job = runner.Job("CONSTRUCT { ?s ?p ?o . ?s <http://ex/pad> ?pad } WHERE { ?s ?p ?o "
                     f"BIND('{'x' * 5000}' AS ?pad) }}", "CONSTRUCT", BY_NAME["ntriples"])
    outcome = pool.run(job, 5)
    triples = list(ox.parse(_body(outcome), format=ox.RdfFormat.N_TRIPLES))
    assert len(triples) == 120 and outcome.outcome == "ok"
    assert pool.queries.leased == 0


def test_dataset_selects_graphs_of_the_store(pool):
    ask = "ASK { ?s ?p 'in graph' }"
    inside = Dataset(("http://ex/graph",), ())
    outside = Dataset(("http://ex/other",), ())
    assert _body(pool.run(runner.Job(ask, "ASK", BY_NAME["json"], inside), 5)) \
        == b'{"head":{},"boolean":true}'
    assert _body(pool.run(runner.Job(ask, "ASK", BY_NAME["json"], outside), 5)) \
        == b'{"head":{},"boolean":false}'


def test_client_leaving_mid_stream_kills_the_process(pool):
    job = runner.Job("CONSTRUCT { ?s ?p ?o . ?s <http://ex/pad> ?pad } WHERE { ?s ?p ?o "
                     f"BIND('{'x' * 5000}' AS ?pad) }}", "CONSTRUCT", BY_NAME["ntriples"])
    outcome = pool.run(job, 5)
    next(outcome.chunks)
    outcome.chunks.close()
    assert outcome.outcome == "aborted"
    assert pool.queries.leased == 0 and pool.queries.started == 0


@pytest.mark.skipif(isolation.probe() is None, reason="no network namespaces here")
def test_a_query_process_cannot_reach_a_loopback_listener(pool):
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    # No check here: the query goes straight to pyoxigraph, which tries the SERVICE call.
    job = runner.Job(f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
                     "SELECT", BY_NAME["json"])
    outcome = pool.run(job, 5)
    assert outcome.status >= 400
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()


def test_the_check_cache_keeps_hashes_of_accepted_queries_only(pool, monkeypatch):
    monkeypatch.setattr(PoolBackend, "CHECKED", 3)
    texts = [f"ASK {{ ?s ?p {i} }}" for i in range(5)]
    for text in texts:
        pool.check(text)
    with pytest.raises(QueryRefused):
        pool.check("SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }")
    assert len(pool._checked) == 3
    assert all(isinstance(key, bytes) and len(key) == 32 for key in pool._checked)
    assert not any(text.encode() in key for key in pool._checked for text in texts)
    assert pool._checked_bytes == sum(size for _, size in pool._checked.values())


def test_answers_cross_back_as_typed_bytes_not_pickles():
    rows = [{"s": ox.NamedNode("http://example.org/a"), "o": ox.Literal("x\u0007", language="fr")},
            {"s": ox.BlankNode("b0")}]
    for value in (rows, True, False, 42,
                  [ox.Triple(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"),
                             ox.Literal("1"))]):
        kind, payload = runner.encode(value)
        assert kind in (b"S", b"B", b"N", b"G") and not payload.startswith(b"\x80")
        assert runner.decode(kind, payload) == value
    with pytest.raises(Exception, match="unknown frame"):
        runner.decode(b"R", b"\x80\x04K\x01.")  # a pickle is never read


def test_a_narrowed_process_cannot_open_a_socket_or_run_a_program():
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        answers = []
        try:
            answers.append(isolation.narrow())
            for attempt in (socket.socket, lambda: os.execv("/bin/true", ["true"])):
                try:
                    attempt()
                    answers.append("allowed")
                except PermissionError:
                    answers.append("refused")
            answers.append(str(bool(ox.Store().query("ASK {}"))))  # queries still run
        finally:
            os.write(write_fd, json.dumps(answers).encode())
            os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        answers = json.loads(pipe.read())
    os.waitpid(pid, 0)
    assert answers == [isolation.NARROWED, "refused", "refused", "True"]


def test_a_reading_crosses_back_from_its_process_whole():
    """The engine checks read a reading's constructs and result types after the frame."""
    from sparql_endpoint.execution.runner import decode, encode
    from sparql_endpoint.protocol.query_check import check_query

    info = check_query('SELECT (CONCAT(?a, "x") AS ?c) (?a < 2 AS ?b) { ?s ?p ?a }')
    assert info.constructs and info.result_types
    assert decode(*encode(info)) == info


def _slow_pool(size: int = 1) -> PoolBackend:
    backend = _store()
    return PoolBackend(lambda: backend, PoolSettings(size=size, queue=2, budget=0.3), timeout=5.0)


def test_a_query_past_its_budget_moves_to_the_long_lane_and_frees_its_slot():
    pool = _slow_pool()
    try:
        runaway = runner.Job(RUNAWAY, "SELECT", BY_NAME["json"])
        results = []
        thread = threading.Thread(target=lambda: results.append(pool.run(runaway, timeout=3)))
        thread.start()
        deadline = time.monotonic() + 2.5
        while pool.long.leased == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        # The runaway now counts in ``long``; the short lane's only slot is free again.
        assert pool.long.leased == 1 and pool.queries.leased == 0
        # It runs at the long lane's lower priority; the short lane's processes do not.
        assert _priorities(pool) == [PoolBackend.LONG_NICE]
        short = pool.run(runner.Job("ASK {}", "ASK", BY_NAME["json"]), timeout=2)
        assert short.status == 200 and _body(short) == b'{"head":{},"boolean":true}'
        assert _priorities(pool) == [0, PoolBackend.LONG_NICE]
        thread.join()
        assert results[0].status == 503 and results[0].outcome == "timeout"
        assert pool.known_slow(RUNAWAY) and not pool.known_slow("ASK {}")
        assert pool.long.leased == 0 and pool.long.started == 0  # killed at its deadline
    finally:
        pool.stop()


def test_a_remembered_slow_query_starts_in_the_slow_lane():
    pool = _slow_pool()
    try:
        pool._remember_slow(pool_key := _key(RUNAWAY))
        assert pool_key in pool._slow
        held = pool.slow.take(5)  # the only slow process, as another slow query holds it
        try:
            outcome = pool.run(runner.Job(RUNAWAY, "SELECT", BY_NAME["json"]), timeout=0.5)
            # It waited for ``slow`` (its deadline passed there), never for ``queries``.
            assert outcome.status == 503 and outcome.outcome == "timeout"
            assert pool.queries.started == pool.queries.leased == 0
        finally:
            held.end(healthy=True)
    finally:
        pool.stop()


def test_a_query_past_its_budget_with_the_long_lane_full_is_a_503_with_retry_after():
    pool = _slow_pool()
    try:
        held = pool.long.take(5)
        waiting = pool.slow.take(5)  # a remembered runaway holds ``slow``: no matter
        try:
            outcome = pool.run(runner.Job(RUNAWAY, "SELECT", BY_NAME["json"]), timeout=3)
        finally:
            held.end(healthy=True)
            waiting.end(healthy=True)
        assert outcome.status == 503 and outcome.outcome == "busy"
        assert outcome.headers["Retry-After"] and "long" in outcome.message
        assert outcome.duration < 2.5  # stopped at its budget, not at its deadline
        assert not pool.known_slow(RUNAWAY)  # it may finish another time: not a runaway yet
        assert pool.queries.leased == 0 and pool.queries.started == 0
    finally:
        pool.stop()


def test_past_its_budget_with_the_long_lane_full_a_query_goes_on_in_half_the_short_lane():
    pool = _slow_pool(size=2)  # two short processes, one long
    try:
        held = pool.long.take(5)
        results: list = []
        jobs = [runner.Job(f"{RUNAWAY} # {n}", "SELECT", BY_NAME["json"]) for n in range(2)]
        first = threading.Thread(target=lambda: results.append(pool.run(jobs[0], timeout=2)))
        first.start()
        deadline = time.monotonic() + 1.5
        while pool.queries.overstaying == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        # Past its budget, no room in ``long``: it goes on where it is.
        assert pool.queries.overstaying == 1 and pool.queries.leased == 1
        # A second one finds half the short lane so held already: stopped at its budget.
        second = pool.run(jobs[1], timeout=2)
        assert second.status == 503 and second.outcome == "busy"
        assert second.duration < 1.5
        # Short queries still have the other half.
        short = pool.run(runner.Job("ASK {}", "ASK", BY_NAME["json"]), timeout=2)
        assert short.status == 200
        first.join()
        held.end(healthy=True)
        assert results[0].status == 503 and results[0].outcome == "timeout"  # its deadline
        assert pool.queries.overstaying == 0 and pool.queries.leased == 0
    finally:
        pool.stop()


def test_remembered_slow_queries_are_bounded_hashes(monkeypatch):
    pool = _slow_pool()
    monkeypatch.setattr(PoolBackend, "SLOW", 3)
    try:
        for i in range(5):
            pool._remember_slow(_key(f"SELECT * {{ ?s ?p {i} }}"))
        assert len(pool._slow) == 3
        assert all(isinstance(key, bytes) and len(key) == 32 for key in pool._slow)
        assert pool.known_slow("SELECT * { ?s ?p 4 }")
        assert not pool.known_slow("SELECT * { ?s ?p 0 }")
    finally:
        pool.stop()


def _priorities(pool: PoolBackend) -> list[int]:
    """Return the scheduling priorities of the pool's query processes, lowest first."""
    children = Path(f"/proc/{pool.zygote.pid}/task/{pool.zygote.pid}/children")
    return sorted(os.getpriority(os.PRIO_PROCESS, int(pid))
                  for pid in children.read_text().split())


def _key(query: str) -> bytes:
    from sparql_endpoint.execution.pool import _text_key

    return _text_key(query)


class _Leaky(OxigraphBackend):
    """A store whose count keeps 40 MB it allocated, in the query process that ran it."""

    kept: list = []

    def triple_count(self) -> int:
        _Leaky.kept.append(bytearray(b"x") * (40 << 20))  # written: resident
        time.sleep(0.1)  # a heavy job: memory is read right after it
        return super().triple_count()


def test_a_process_stays_warm_until_it_has_grown_past_the_bound():
    backend = _Leaky(_store().store)
    pool = PoolBackend(lambda: backend, PoolSettings(size=1, queue=1, results=0), timeout=5.0)
    try:
        assert pool.ask("ASK { ?s ?p 'v1' }") is True
        (warm,) = [process.pid for process in pool.pages.idle]
        for _ in range(300):  # more jobs than the old rule of 200 allowed a process
            pool.ask("ASK { ?s ?p 'v1' }")
        assert [process.pid for process in pool.pages.idle] == [warm]
        assert pool.triple_count() == 61  # the process grows by 40 MB, and is retired
        assert warm not in [process.pid for process in pool.pages.idle]
        assert pool.ask("ASK { ?s ?p 'v2' }") is True  # a fresh one answers
        assert [process.pid for process in pool.pages.idle] != [warm]
    finally:
        pool.stop()
