"""The query runner: results come back from a child process, which dies at the deadline."""

import json
import os
import time

import pyoxigraph as ox
import pytest

from achat_core.formats import BY_NAME
from sparql_endpoint import runner
from sparql_endpoint.store import Dataset, OxigraphBackend

RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture
def backend():
    store = ox.Store()
    for i in range(60):
        store.add(ox.Quad(ox.NamedNode(f"http://ex/s{i}"), ox.NamedNode("http://ex/p"),
                          ox.Literal(f"v{i}")))
    store.add(ox.Quad(ox.NamedNode("http://ex/g"), ox.NamedNode("http://ex/p"),
                      ox.Literal("in graph"), ox.NamedNode("http://ex/graph")))
    return OxigraphBackend(store)


def _body(outcome):
    return b"".join(outcome.chunks)


def _no_children_left():
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_select_results_come_back_in_the_format_asked(backend):
    job = runner.Job("SELECT ?o { ?s <http://ex/p> ?o } ORDER BY ?o LIMIT 3", "SELECT",
                     BY_NAME["json"])
    outcome = runner.run(backend, job, timeout=5)
    data = json.loads(_body(outcome))
    assert [b["o"]["value"] for b in data["results"]["bindings"]] == ["v0", "v1", "v10"]
    assert outcome.rows == 3 and outcome.outcome == "ok"
    _no_children_left()


def test_syntax_error_is_a_400_with_the_parser_message(backend):
    outcome = runner.run(backend, runner.Job("SELECT * {", "SELECT", BY_NAME["json"]), 5)
    assert outcome.status == 400
    assert "error at 1:" in outcome.message
    assert outcome.chunks is None
    _no_children_left()


def test_runaway_query_is_killed_at_the_deadline(backend):
    started = time.monotonic()
    outcome = runner.run(backend, runner.Job(RUNAWAY, "SELECT", BY_NAME["json"]), timeout=1.0)
    elapsed = time.monotonic() - started
    assert outcome.status == 503 and outcome.outcome == "timeout"
    assert "1 s" in outcome.message
    assert 0.9 <= elapsed < 2.0
    _no_children_left()


def test_rows_beyond_the_cap_are_cut_and_marked(backend):
    job = runner.Job("SELECT ?s { ?s ?p ?o }", "SELECT", BY_NAME["json"], max_rows=10)
    outcome = runner.run(backend, job, 5)
    data = json.loads(_body(outcome))
    assert len(data["results"]["bindings"]) == 10
    assert data["truncated"] is True
    assert outcome.truncated and outcome.outcome == "truncated"


def test_construct_streams_large_results_across_frames(backend):
    job = runner.Job("CONSTRUCT { ?s ?p ?o . ?s <http://ex/pad> ?pad } WHERE { ?s ?p ?o "
                     f"BIND(CONCAT(STR(?s), '{'x' * 3000}') AS ?pad) }}",
                     "CONSTRUCT", BY_NAME["ntriples"])
    outcome = runner.run(backend, job, 5)
    chunks = list(outcome.chunks)
    assert len(chunks) > 1  # more than one 64 KB frame
    triples = list(ox.parse(b"".join(chunks), format=ox.RdfFormat.N_TRIPLES))
    assert len(triples) == 120
    _no_children_left()


def test_dataset_selects_graphs_of_the_store(backend):
    ask = "ASK { ?s ?p 'in graph' }"
    inside = Dataset.from_request(["http://ex/graph"], [])
    outside = Dataset.from_request(["file:///etc/passwd"], [])
    assert _body(runner.run(backend, runner.Job(ask, "ASK", BY_NAME["json"], inside), 5)) \
        == b'{"head":{},"boolean":true}'
    assert _body(runner.run(backend, runner.Job(ask, "ASK", BY_NAME["json"], outside), 5)) \
        == b'{"head":{},"boolean":false}'


def test_client_leaving_mid_stream_kills_the_child(backend):
    job = runner.Job("CONSTRUCT { ?s ?p ?o . ?s <http://ex/pad> ?pad } WHERE { ?s ?p ?o "
                     f"BIND('{'x' * 5000}' AS ?pad) }}", "CONSTRUCT", BY_NAME["ntriples"])
    outcome = runner.run(backend, job, 5)
    next(outcome.chunks)
    outcome.chunks.close()
    assert outcome.outcome == "aborted"
    _no_children_left()
