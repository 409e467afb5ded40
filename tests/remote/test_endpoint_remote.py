"""The endpoint over a real Virtuoso (`.ci/virtuoso.sh start`): failures, recovery, gunicorn.

The protocol tests themselves run over Virtuoso from ``tests/test_sparql.py`` (its
``store_kind`` parameter); this module covers what only a real engine shows.  Runs
when ``. $ACHAT_VIRTUOSO_DIR/env`` has been sourced; skipped otherwise.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers import (
    PI,
    ROOT,
    SAMPLE_NT,
    UGAP,
    free_port,
    http_get,
    publish_to_virtuoso,
    virtuoso_url,
    write_dist,
)

from sparql_endpoint import create_app
from sparql_endpoint.backends.dist import DistError

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.skipif(virtuoso_url() is None, reason="no running Virtuoso: run "
                       "`.ci/virtuoso.sh start` and `. $ACHAT_VIRTUOSO_DIR/env`"),
]
SCRIPT = ROOT / ".ci" / "virtuoso.sh"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _count(client) -> tuple[int, str]:
    response = client.get("/sparql", query_string={"query": COUNT},
                          headers={"Accept": "application/json"})
    if response.status_code != 200:
        return response.status_code, response.get_json()["message"]
    return 200, response.get_json()["results"]["bindings"][0]["n"]["value"]


@pytest.mark.slow
def test_a_stopped_engine_gives_a_readable_503_and_the_endpoint_recovers(tmp_path):
    if not os.environ.get("ACHAT_VIRTUOSO_DIR"):
        pytest.skip("ACHAT_VIRTUOSO_DIR is not set: this Virtuoso is not one .ci/virtuoso.sh runs")
    dist = write_dist(tmp_path / "dist", SAMPLE_NT)
    app = create_app({"DIST": dist, **publish_to_virtuoso(dist), "QUERY_TIMEOUT": 5.0,
                      "TESTING": True})
    client = app.test_client()
    assert _count(client) == (200, "10")
    subprocess.run([SCRIPT, "stop"], check=True, timeout=60, capture_output=True)
    try:
        status, message = _count(client)
        assert status == 503
        assert "cannot be reached right now" in message and "Try again" in message
        assert os.environ["ACHAT_VIRTUOSO_URL"] not in message
        assert client.get("/health").status_code == 503
        # Dumps come from dist/, not from the engine.
        dump = client.get("/dumps/graph.nt.gz")
        assert dump.status_code == 200 and len(dump.data) > 0
        dump.close()
    finally:
        subprocess.run([SCRIPT, "start"], check=True, timeout=180, capture_output=True)
    assert _count(client) == (200, "10")
    assert client.get("/health").status_code == 200


def _answer(client, query: str, accept: str = "application/sparql-results+json"):
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    if response.status_code != 200:
        return response.status_code, response.get_json(force=True)["message"]
    if accept == "application/n-triples":
        return 200, sorted(response.get_data(as_text=True).splitlines())
    return 200, response.get_json(force=True)


def test_the_issues_queries_answer_the_same_or_are_named_failures(tmp_path):
    boolean = "http://www.w3.org/2001/XMLSchema#boolean"
    dist = write_dist(tmp_path / "dist", SAMPLE_NT + f"<{UGAP}> <{PI}> <{PI}> .\n"
                      f'<{PI}> <urn:excludingVat> "true"^^<{boolean}> .\n')
    embedded = create_app({"DIST": dist, "TESTING": True}).test_client()
    remote = create_app({"DIST": dist, **publish_to_virtuoso(dist), "TESTING": True}).test_client()
    same = [
        f"DESCRIBE <{PI}>",  # outbound only over both: not UGAP's triple pointing at it
        "SELECT ?v WHERE { ?s <urn:excludingVat> ?v }",  # a boolean, not "1"^^xsd:boolean
    ]
    for query in same:
        accept = "application/n-triples" if query.startswith("DESCRIBE") else \
            "application/sparql-results+json"
        assert _answer(remote, query, accept) == _answer(embedded, query, accept), query
    # GRAPH patterns: nothing embedded (one default graph); Virtuoso gives phantom rows.
    for query in ("ASK { GRAPH <urn:nothing> { ?s ?p ?o } }",
                  "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"):
        assert _answer(embedded, query)[0] == 200
        status, message = _answer(remote, query)
        assert status == 400 and "GRAPH patterns are not accepted" in message
    # A construct Virtuoso evaluates otherwise is a 422 naming it and the engine, before it
    # is sent (backends/engine_semantics); leniently, the engine's own verdict on the query
    # is a 422 with its message, asked once.
    transitive = ("SELECT ?c ?sup WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ "
                  "?sup }")
    status, message = _answer(remote, transitive)
    assert status == 422 and "p+" in message and "Virtuoso" in message
    lenient = create_app({"DIST": dist, **publish_to_virtuoso(dist), "ENGINE_LENIENT": True,
                          "TESTING": True}).test_client()
    status, message = _answer(lenient, transitive)
    assert status == 422 and "transitive start not given" in message
    for client in (embedded, remote):
        status, message = _answer(client, "PREFIX bif: <bif:> SELECT * WHERE { ?s ?p ?o "
                                          "FILTER(bif:contains(?o, 'x')) }")
        assert status == 400 and "unknown function <bif:contains>" in message


@pytest.mark.slow
def test_a_frozen_engine_is_a_503_with_retry_after_and_health_answers_soon(tmp_path):
    if not os.environ.get("ACHAT_VIRTUOSO_DIR"):
        pytest.skip("ACHAT_VIRTUOSO_DIR is not set: this Virtuoso is not one .ci/virtuoso.sh runs")
    dist = write_dist(tmp_path / "dist", SAMPLE_NT)
    for name in ("catalog.ttl", "void.ttl"):
        (dist / name).write_text(f"<{PI}> <http://purl.org/dc/terms/title> \"t\"@fr .\n")
    (dist / "graph.ttl").write_text(  # the ontology, in the build's curated graph
        "<https://w3id.org/achat-public/ontology#Instrument> "
        "<http://www.w3.org/2000/01/rdf-schema#isDefinedBy> "
        "<https://w3id.org/achat-public/ontology> .\n")
    client = create_app({"DIST": dist, **publish_to_virtuoso(dist), "QUERY_TIMEOUT": 1.0,
                         "TESTING": True}).test_client()
    pid = int((Path(os.environ["ACHAT_VIRTUOSO_DIR"]) / "virtuoso.pid").read_text())
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        health = client.get("/health")
        waited = time.monotonic() - started
        response = client.get("/sparql", query_string={"query": "ASK {}"},
                              headers={"Accept": "application/json"})
        files = [client.get(path) for path in ("/catalog.ttl", "/.well-known/void.ttl",
                                               "/ontology.ttl")]
        files.append(client.get("/catalog", headers={"Accept": "text/html"}))
        dump = client.get("/dumps/graph.nt.gz")
        dump.close()
    finally:
        os.kill(pid, signal.SIGCONT)
    assert health.get_json()["status"] == "degraded" and waited < 5
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "Narrow" not in response.get_json()["message"]
    assert [f.status_code for f in files] == [200] * 4 and dump.status_code == 200
    assert b"isDefinedBy" in files[2].data
    for _ in range(50):  # the engine first answers what queued up while it was frozen
        if client.get("/health").get_json()["status"] == "ok":
            break
        time.sleep(0.2)
    else:
        pytest.fail("/health did not say ok again after the engine resumed")


def test_a_server_keeps_its_build_while_another_is_published_and_moves_when_restarted(
        tmp_path):
    from graph_builder.output.remote_load import publish

    build_a = write_dist(tmp_path / "a", SAMPLE_NT, build_id="build-a")
    build_b = write_dist(tmp_path / "b", SAMPLE_NT + f"<{UGAP}> <urn:extra> \"b\" .\n",
                         build_id="build-b")
    config = publish_to_virtuoso(build_a)
    server_a = create_app({"DIST": build_a, **config, "TESTING": True}).test_client()
    result = publish(build_b, config["STORE"], config["REMOTE_GRAPH"], retries=1)
    assert result.version.endswith("/build-b") and result.previous.endswith("/build-a")

    def seen(client):
        dump = client.get("/dumps/graph.nt.gz")
        lines = len(gzip.decompress(dump.data).splitlines())
        dump.close()
        return _count(client), client.get("/health").get_json()["build_id"], lines

    assert seen(server_a) == ((200, "10"), "build-a", 10)
    server_b = create_app({"DIST": build_b, **config, "TESTING": True}).test_client()
    assert seen(server_b) == ((200, "11"), "build-b", 11)
    assert seen(server_a) == ((200, "10"), "build-a", 10)


def test_a_build_that_was_not_published_is_refused_at_start(tmp_path):
    dist = write_dist(tmp_path / "dist", SAMPLE_NT)
    config = publish_to_virtuoso(write_dist(tmp_path / "other", SAMPLE_NT, build_id="other"))
    with pytest.raises(DistError, match="no version <.*/test-build>.*publish it first"):
        create_app({"DIST": dist, **config})


def test_gunicorn_serves_the_build_from_virtuoso(tmp_path):
    dist = write_dist(tmp_path / "dist", SAMPLE_NT)
    config = publish_to_virtuoso(dist)
    port = free_port()
    code = ("import sys; from sparql_endpoint.http.server import serve; "
            "from sparql_endpoint.http.settings import ServeSettings; "
            "serve(ServeSettings(dist=sys.argv[1], port=int(sys.argv[2]), workers=2, "
            "store=sys.argv[3], query_timeout=2.0, remote_graph=sys.argv[4]))")
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", code, str(dist), str(port), config["STORE"],
             config["REMOTE_GRAPH"]], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            if process.poll() is not None:
                pytest.fail("the server exited: " + log_path.read_text())
            try:
                if http_get(base + "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        query = urllib.parse.urlencode({"query": COUNT})
        for _ in range(6):  # several requests, so both workers fork query children
            status, body = http_get(f"{base}/sparql?{query}", "text/csv")
            assert (status, body.split()) == (200, [b"n", b"10"])
        status, body = http_get(f"{base}/sparql?" + urllib.parse.urlencode(
            {"query": "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"}))
        assert status == 400 and b"SERVICE" in body
        assert http_get(base + "/dumps/graph.nt.gz", "*/*")[0] == 200
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert "over the SPARQL engine at" in log_path.read_text()
