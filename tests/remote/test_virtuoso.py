"""The remote backend and the publisher against a real Virtuoso (`.ci/virtuoso.sh start`).

Runs when ACHAT_VIRTUOSO_URL, ACHAT_SPARQL_USER and ACHAT_SPARQL_PASSWORD are set
(`. $ACHAT_VIRTUOSO_DIR/env`); skipped otherwise.
"""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import threading
import uuid

import pytest
import requests
from helpers import ROOT

from achat_core.formats import BY_NAME
from achat_core.manifest import Manifest
from graph_builder.output.remote_load import publish
from sparql_endpoint.backends.remote import EngineUnavailable, RemoteBackend, refusal
from sparql_endpoint.backends.store import Dataset
from sparql_endpoint.protocol.query_check import check_query

URL = os.environ.get("ACHAT_VIRTUOSO_URL")
pytestmark = [
    pytest.mark.conformance,
    pytest.mark.skipif(
        not (URL and os.environ.get("ACHAT_SPARQL_USER")
             and os.environ.get("ACHAT_SPARQL_PASSWORD")),
        reason="no running Virtuoso: run `.ci/virtuoso.sh start` and `. $ACHAT_VIRTUOSO_DIR/env`",
    ),
]
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture
def graph():
    """A graph IRI of its own for each test, so tests never see each other's data."""
    return f"https://example.org/test-{uuid.uuid4().hex[:12]}/graph"


def _build(folder, build_id, n, base):
    folder.mkdir(parents=True)
    lines = [f'<{base}id/thing/t{i}> <{LABEL}> "chose {i}"@fr .\n' for i in range(n)]
    with gzip.open(folder / "graph.nt.gz", "wt", encoding="utf-8") as stream:
        stream.writelines(lines)
    Manifest(build_id, base, "2026-01-01", n, ("graph.nt.gz",)).write(folder)
    return folder


def _publish(folder, graph):
    return publish(folder, URL, graph, batch_triples=500, retries=1)


def test_publish_then_query_only_our_graph(tmp_path, graph):
    base = graph.removesuffix("graph")
    result = _publish(_build(tmp_path / "b1", "b1", 120, base), graph)
    assert result.triples == 120 and result.version == f"{graph}/b1"
    backend = RemoteBackend(URL, graph)
    assert backend.triple_count() == 120
    # Virtuoso's default graph is the union of all graphs: none of the others may show.
    assert not backend.ask(
        "ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'http://www.openlinksw.com/')) }")
    assert backend.select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1") == []
    rows = backend.select(f"SELECT ?o WHERE {{ <{base}id/thing/t7> <{LABEL}> ?o }}")
    assert rows[0]["o"].value == "chose 7" and rows[0]["o"].language == "fr"
    out = io.BytesIO()
    backend.run_query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "SELECT", BY_NAME["csv"],
                      Dataset(), 10, lambda: out)
    assert out.getvalue().split()[-1] == b"120"
    # Virtuoso adds FROM graphs to the protocol's dataset, and answers GRAPH patterns over
    # graphs outside it with phantom rows: user queries with either are refused first.
    for query in ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                  "SELECT (COUNT(*) AS ?n) FROM <http://www.openlinksw.com/schemas/virtrdf#> "
                  "WHERE { ?s ?p ?o }",
                  "SELECT (COUNT(*) AS ?n) FROM NAMED <http://www.openlinksw.com/schemas/virtrdf#> "
                  "WHERE { GRAPH ?g { ?s ?p ?o } }"):
        assert refusal(check_query(query), graph) is not None
    assert refusal(check_query(f"SELECT * FROM <{graph}> WHERE {{ ?s ?p ?o }}"), graph) is None


def test_anonymous_updates_are_refused(graph):
    probe = f"{graph}/anonymous"
    update = f"INSERT DATA {{ GRAPH <{probe}> {{ <urn:a> <urn:b> <urn:c> }} }}"
    response = requests.post(URL, data={"update": update}, timeout=10)
    assert not response.ok
    response = requests.put(URL.removesuffix("/sparql") + "/sparql-graph-crud",
                            params={"graph": probe}, data=b"<urn:a> <urn:b> <urn:c> .",
                            headers={"Content-Type": "text/turtle"}, timeout=10)
    assert not response.ok
    assert not RemoteBackend(URL).ask(f"ASK {{ GRAPH <{probe}> {{ ?s ?p ?o }} }}")


def test_a_second_publish_switches_without_readers_seeing_a_gap(tmp_path, graph):
    base = graph.removesuffix("graph")
    _publish(_build(tmp_path / "b1", "b1", 300, base), graph)
    seen, failures, done = set(), [], threading.Event()

    def read():  # a new reader each time: a backend keeps the version it first read
        while not done.is_set():
            try:
                seen.add(RemoteBackend(URL, graph).triple_count())
            except Exception as error:  # any failure is the finding
                failures.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        _publish(_build(tmp_path / "b2", "b2", 2000, base), graph)
        result = _publish(_build(tmp_path / "b3", "b3", 300, base), graph)
    finally:
        done.set()
        reader.join()
    assert failures == []
    assert seen <= {300, 2000} and 300 in seen
    assert result.dropped == (f"{graph}/b1",)
    assert RemoteBackend(URL, graph).triple_count() == 300


@pytest.mark.slow
def test_a_stopped_engine_is_unavailable_and_recovers(tmp_path, graph):
    script = ROOT / ".ci" / "virtuoso.sh"
    if not os.environ.get("ACHAT_VIRTUOSO_DIR"):
        pytest.skip("ACHAT_VIRTUOSO_DIR is not set: this Virtuoso is not one .ci/virtuoso.sh runs")
    base = graph.removesuffix("graph")
    _publish(_build(tmp_path / "b1", "b1", 10, base), graph)
    backend = RemoteBackend(URL, graph, retries=1, backoff=0.1, timeout=5)
    assert backend.triple_count() == 10
    subprocess.run([script, "stop"], check=True, timeout=60, capture_output=True)
    try:
        with pytest.raises(EngineUnavailable, match="cannot be reached"):
            backend.triple_count()
    finally:
        subprocess.run([script, "start"], check=True, timeout=120, capture_output=True)
    assert backend.triple_count() == 10
