"""The real server: `achat-graph serve` under gunicorn on a free localhost port."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import ROOT, SAMPLE_NT, SERVE, http_get, start_serve, stop_serve, write_dist
from SPARQLWrapper import CSV, JSON, JSONLD, N3, TSV, TURTLE, XML, SPARQLWrapper

pytestmark = pytest.mark.slow

RUNAWAY = "SELECT (COUNT(*) AS ?n) { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(9)) + " }"
SMALL = "SELECT ?s { ?s a <https://w3id.org/achat-public/ontology#Instrument> }"



@pytest.fixture(scope="module")
def served(tmp_path_factory):
    dist = write_dist(tmp_path_factory.mktemp("served") / "dist", SAMPLE_NT)
    base, process, _ = start_serve(dist, "--workers", "2", "--query-timeout", "2")
    yield base, process
    stop_serve(process)


@pytest.fixture(scope="module")
def server(served) -> str:
    """The running server's root URL."""
    return served[0]


def _descendants(pid: int) -> dict[int, int]:
    """Return {process id: depth below PID} for every process under PID."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier, depth = {}, [pid], 0
    while frontier:
        depth += 1
        frontier = [child for child, parent in parents.items() if parent in frontier]
        found.update(dict.fromkeys(frontier, depth))
    return found


def _get(url, query, accept="application/sparql-results+json"):
    return http_get(url + "/sparql?" + urllib.parse.urlencode({"query": query}), accept)


def test_runaway_query_is_stopped_while_another_client_is_answered(server):
    result = {}

    def runaway():
        result["status"], result["body"] = _get(server, RUNAWAY)

    thread = threading.Thread(target=runaway)
    thread.start()
    status, body = _get(server, SMALL)
    answered_during_runaway = thread.is_alive()
    thread.join()
    assert status == 200 and b"partenariat-innovation" in body
    assert answered_during_runaway
    assert result["status"] == 503 and b"stopped after 2 s" in result["body"]
    assert _get(server, SMALL)[0] == 200  # still answering


@pytest.mark.parametrize(("query", "fmt", "check"), [
    (SMALL, JSON, lambda r: len(r["results"]["bindings"]) == 2),
    (SMALL, XML, lambda r: len(r.getElementsByTagName("result")) == 2),
    (SMALL, CSV, lambda r: r.decode().count("\r\n") == 3),
    (SMALL, TSV, lambda r: r.decode().count("\n") == 3),
    ("CONSTRUCT WHERE { ?s a ?c }", TURTLE, lambda r: b"apg:Instrument" in r),
    ("CONSTRUCT WHERE { ?s a ?c }", N3, lambda r: b"apg:Instrument" in r),
    ("ASK { ?s ?p ?o }", JSON, lambda r: r["boolean"] is True),
])
def test_sparqlwrapper_gets_every_format(server, query, fmt, check):
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    assert check(client.query().convert())


@pytest.mark.parametrize(("fmt", "media_type"), [
    (JSONLD, "application/ld+json"), (XML, "application/rdf+xml"), (TURTLE, "text/turtle")])
def test_sparqlwrapper_gets_graphs(server, fmt, media_type):
    # SPARQLWrapper converts graphs with a deprecated rdflib class: read the raw body.
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery("CONSTRUCT WHERE { ?s a ?c }")
    client.setReturnFormat(fmt)
    response = client.query().response
    assert response.headers["Content-Type"].split(";")[0] == media_type
    triples = list(ox.parse(response.read(), format=ox.RdfFormat.from_media_type(media_type)))
    assert len(triples) == 3


def test_sparqlwrapper_post(server):
    client = SPARQLWrapper(server + "/sparql")
    client.setMethod("POST")
    client.setQuery(SMALL)
    client.setReturnFormat(JSON)
    assert len(client.query().convert()["results"]["bindings"]) == 2


def test_service_to_a_local_listener_sends_it_nothing(server):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        target = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        for query in (f"SELECT * {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                      f"SELECT * {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}"):
            status, body = _get(server, query)
            assert status == 400 and b"SERVICE" in body
        time.sleep(0.2)
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_a_20_mb_body_is_refused_and_the_server_stays_up(server):
    body = b"ASK {} #" + b"x" * 20_000_000
    request = urllib.request.Request(server + "/sparql", data=body, method="POST",
                                     headers={"Content-Type": "application/sparql-query"})
    try:
        urllib.request.urlopen(request, timeout=30)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    except (ConnectionError, urllib.error.URLError):
        status = "reset"  # the server may close before reading 20 MB; either way refused
    assert status in (413, "reset")
    assert _get(server, "ASK {}")[0] == 200


def test_missing_dist_fails_with_exit_2(tmp_path):
    process = subprocess.run([*SERVE, "--dist", str(tmp_path / "absent")], cwd=ROOT,
                             capture_output=True, text=True, timeout=60,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.returncode == 2
    assert "no such folder" in process.stderr and "Traceback" not in process.stderr


def test_head_requests_leave_no_query_process(served):
    base, process = served
    url = base + "/sparql?" + urllib.parse.urlencode({"query": SMALL})
    before = len([pid for pid, depth in _descendants(process.pid).items() if depth >= 2])
    for _ in range(4):
        request = urllib.request.Request(url, method="HEAD")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "application/sparql-results+json"
            assert response.read() == b""
    # Each HEAD stops its query process; the pool starts another only when needed.
    deadline = time.monotonic() + 30
    while True:
        after = [pid for pid, depth in _descendants(process.pid).items() if depth >= 2]
        if len(after) <= before or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(after) <= before
    assert _get(base, SMALL)[0] == 200  # GET still answers, with a body


def test_each_serve_opens_no_shared_gunicorn_control_socket():
    from sparql_endpoint.http.server import Server, gunicorn_options

    server = Server({}, gunicorn_options("127.0.0.1", 0, 1, 2, 5.0))
    if "control_socket_disable" in server.cfg.settings:  # gunicorn 25 and later
        assert server.cfg.control_socket_disable is True
