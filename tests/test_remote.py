"""The remote backend and the publisher, against a small SPARQL engine served in-process.

The fake engine answers the SPARQL 1.1 protocol (query and update) and the Graph Store
HTTP Protocol from a pyoxigraph store, and can be told to fail: 5xx answers, slow
answers, Virtuoso's partial-result headers, Virtuoso-style blank node names.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest

from achat_core.engine import CURRENT_VERSION, without_credentials
from achat_core.formats import BY_NAME
from achat_core.manifest import Manifest
from graph_builder.output.remote_load import EngineEndpoints, PublishError, publish
from sparql_endpoint import create_app
from sparql_endpoint.backends.dist import DistError, _no_store, open_backend
from sparql_endpoint.backends.remote import (
    EngineSilent,
    EngineUnavailable,
    PartialResults,
    QueryRejected,
    QueryTimeout,
    RemoteBackend,
)
from sparql_endpoint.backends.store import Dataset
from sparql_endpoint.execution.pool import PoolBackend, PoolSettings
from sparql_endpoint.protocol.query_check import QueryRefused

GRAPH = "https://example.org/graph"
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
USER, PASSWORD = "publisher", "s3cret-Pa55"


class FakeEngine(ThreadingHTTPServer):
    """A SPARQL engine over a pyoxigraph store, with scripted faults."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.store = ox.Store()
        self.faults: list[tuple[int, bytes]] = []  # answered first, one per request
        self.delay = 0.0
        self.extra_headers: dict[str, str] = {}
        self.raw_json: bytes | None = None
        self.lose_posts = False
        self.requests: list[tuple[str, str, dict]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeEngine

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def _handle(self):
        split = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(split.query)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            params.update(urllib.parse.parse_qs(body.decode()))
        self.server.requests.append((self.command, split.path, params))
        if self.server.delay:
            time.sleep(self.server.delay)
        if self.server.faults:
            status, text = self.server.faults.pop(0)
            return self._answer(status, "text/plain", text)
        if split.path in ("/data", "/update") and not self._authorised():
            return self._answer(401, "text/plain", b"who are you?")
        if split.path == "/sparql":
            return self._query(params)
        if split.path == "/update":
            self.server.store.update(params["update"][0])
            return self._answer(200, "text/plain", b"done")
        if split.path == "/data":
            graph = ox.NamedNode(params["graph"][0])
            if self.command == "PUT":
                if self.server.store.contains_named_graph(graph):
                    self.server.store.remove_graph(graph)
            elif self.server.lose_posts:
                return self._answer(204, "text/plain", b"")
            self.server.store.load(body, format=ox.RdfFormat.TURTLE, to_graph=graph)
            return self._answer(201 if self.command == "PUT" else 204, "text/plain", b"")
        self._answer(404, "text/plain", b"no such endpoint")

    def _authorised(self) -> bool:
        expected = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        return self.headers.get("Authorization") == f"Basic {expected}"

    def _query(self, params):
        if self.server.raw_json is not None:
            return self._answer(200, "application/sparql-results+json", self.server.raw_json)
        kwargs = {}
        if "default-graph-uri" in params:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in params["default-graph-uri"]]
        else:
            kwargs["use_default_graph_as_union"] = True  # as Virtuoso does
        if "named-graph-uri" in params:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in params["named-graph-uri"]]
        try:
            result = self.server.store.query(params["query"][0], **kwargs)
        except SyntaxError as error:
            return self._answer(400, "text/plain", f"parse error: {error}".encode())
        if isinstance(result, ox.QueryTriples):
            data = result.serialize(format=ox.RdfFormat.N_TRIPLES)
            return self._answer(200, "application/n-triples", data)
        accept = self.headers.get("Accept", "")
        fmt = ox.QueryResultsFormat.CSV if "text/csv" in accept else ox.QueryResultsFormat.JSON
        self._answer(200, fmt.media_type, result.serialize(format=fmt))

    def _answer(self, status: int, content_type: str, body: bytes):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in self.server.extra_headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def engine():
    server = FakeEngine()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _triple(s, o, graph):
    return ox.Quad(ox.NamedNode(s), LABEL, ox.Literal(o, language="fr"), ox.NamedNode(graph))


def _published(engine: FakeEngine, version: str = f"{GRAPH}/b1"):
    """Put a version, a pointer to it, and someone else's graph in the engine."""
    engine.store.add(_triple("https://example.org/id/a", "a", version))
    engine.store.add(_triple("https://example.org/id/b", "b", version))
    engine.store.add(_triple("https://other.example/secret", "secret", "urn:other"))
    engine.store.add(ox.Quad(ox.NamedNode(GRAPH), ox.NamedNode(CURRENT_VERSION),
                             ox.NamedNode(version), ox.NamedNode(f"{GRAPH}/meta")))


def _backend(engine, **kwargs):
    sleeps = []
    options = {"timeout": 2.0, "retries": 2, "backoff": 0.25, "sleep": sleeps.append}
    options.update(kwargs)
    return RemoteBackend(f"{engine.url}/sparql", GRAPH, **options), sleeps


# -- RemoteBackend ---------------------------------------------------------------------


def test_queries_see_only_the_current_version(engine):
    _published(engine)
    backend, _ = _backend(engine)
    rows = backend.select("SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s")
    assert [row["s"].value for row in rows] == ["https://example.org/id/a",
                                                "https://example.org/id/b"]
    assert rows[0]["o"] == ox.Literal("a", language="fr")
    assert backend.triple_count() == 2
    assert backend.ask("ASK { <https://example.org/id/a> ?p ?o }")
    assert not backend.ask("ASK { <https://other.example/secret> ?p ?o }")
    assert backend.select("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }") == []
    triples = backend.construct("CONSTRUCT WHERE { ?s ?p ?o }")
    assert {t.subject.value for t in triples} == {"https://example.org/id/a",
                                                 "https://example.org/id/b"}


def test_unbound_variables_are_absent(engine):
    _published(engine)
    backend, _ = _backend(engine)
    rows = backend.select("SELECT ?s ?missing WHERE { ?s ?p ?o } LIMIT 1")
    assert set(rows[0]) == {"s"}


def test_without_a_pointer_the_graph_itself_is_queried(engine):
    engine.store.add(_triple("https://example.org/id/z", "z", GRAPH))
    backend, _ = _backend(engine)
    assert backend.current_version() == GRAPH
    assert backend.triple_count() == 1


def test_the_version_is_read_once_and_kept_when_another_is_published(engine):
    _published(engine)
    backend, _ = _backend(engine)
    assert backend.current_version() == f"{GRAPH}/b1"
    engine.store.update(
        f"DELETE DATA {{ GRAPH <{GRAPH}/meta> {{ <{GRAPH}> <{CURRENT_VERSION}> <{GRAPH}/b1> }} }};"
        f"INSERT DATA {{ GRAPH <{GRAPH}/meta> {{ <{GRAPH}> <{CURRENT_VERSION}> <{GRAPH}/b2> }} }}"
    )
    assert backend.current_version() == f"{GRAPH}/b1"
    assert backend.triple_count() == 2
    assert backend.pointed_version() == f"{GRAPH}/b2"


def test_5xx_answers_are_retried_with_exponential_backoff(engine):
    _published(engine)
    backend, sleeps = _backend(engine)
    backend.current_version()
    engine.faults = [(503, b"busy"), (500, b"oops")]
    assert backend.triple_count() == 2
    assert sleeps == [0.25, 0.5]


def test_an_engine_that_keeps_failing_is_unavailable(engine):
    _published(engine)
    backend, sleeps = _backend(engine)
    backend.current_version()
    engine.faults = [(502, b"bad gateway")] * 3
    with pytest.raises(EngineUnavailable, match=r"3 attempts.*HTTP 502: bad gateway"):
        backend.triple_count()
    assert len(sleeps) == 2


def test_connection_refused_is_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = []
    backend = RemoteBackend(f"http://u:pw@127.0.0.1:{port}/sparql", GRAPH, retries=1,
                            backoff=0.1, sleep=sleeps.append)
    with pytest.raises(EngineUnavailable) as caught:
        backend.ask("ASK {}")
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "pw" not in str(caught.value)
    assert sleeps == [0.1]


def test_a_slow_engine_times_out_without_retrying(engine):
    _published(engine)
    backend, sleeps = _backend(engine, timeout=0.3)
    backend.current_version()
    engine.delay = 1.0
    with pytest.raises(EngineSilent, match="within 0.3 s"):
        backend.triple_count()
    assert sleeps == []


def test_a_bad_query_is_rejected_with_the_engine_message(engine):
    _published(engine)
    backend, sleeps = _backend(engine)
    with pytest.raises(QueryRejected, match="parse error"):
        backend.select("SELEC * WHERE { ?s ?p ?o }")
    assert sleeps == []


def test_virtuoso_partial_result_headers_are_reported(engine):
    _published(engine)
    backend, _ = _backend(engine)
    backend.current_version()
    engine.extra_headers = {"X-SQL-State": "S1TAT",
                            "X-SQL-Message": "RC...: Returning incomplete results"}
    with pytest.raises(PartialResults, match="S1TAT.*incomplete"):
        backend.select("SELECT * WHERE { ?s ?p ?o }")


def test_a_result_as_long_as_the_row_cap_is_partial(engine):
    _published(engine)
    backend, _ = _backend(engine, max_rows=2)
    with pytest.raises(PartialResults, match="2 rows"):
        backend.select("SELECT * WHERE { ?s ?p ?o }")
    assert len(backend.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")) == 1


def test_virtuoso_style_terms_are_converted(engine):
    _published(engine)
    backend, _ = _backend(engine)
    backend.current_version()
    engine.raw_json = json.dumps({"head": {"link": [], "vars": ["b", "n", "l"]}, "results": {
        "distinct": False, "ordered": True, "bindings": [
            {"b": {"type": "bnode", "value": "nodeID://b10001"},
             "n": {"type": "typed-literal", "value": "3",
                   "datatype": "http://www.w3.org/2001/XMLSchema#integer"},
             "l": {"type": "literal", "xml:lang": "en", "value": "thing"}},
            {"b": {"type": "bnode", "value": "nodeID://b10002"}}]}}).encode()
    rows = backend.select("SELECT * WHERE { ?s ?p ?o }")
    assert isinstance(rows[0]["b"], ox.BlankNode)
    assert rows[0]["b"] != rows[1]["b"]
    assert rows[0]["n"] == ox.Literal("3", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))
    assert rows[0]["l"] == ox.Literal("thing", language="en")


def test_virtuoso_booleans_doubles_and_select_star_read_as_the_embedded_store_writes(engine):
    _published(engine)
    backend, _ = _backend(engine)
    backend.current_version()
    xsd = "http://www.w3.org/2001/XMLSchema#"
    engine.raw_json = json.dumps({"head": {"vars": ["t", "f", "d", "e", "_star_fake"]},
                                  "results": {"bindings": [{
                                      "t": {"type": "typed-literal", "value": "1",
                                            "datatype": xsd + "boolean"},
                                      "f": {"type": "typed-literal", "value": "0",
                                            "datatype": xsd + "boolean"},
                                      "d": {"type": "typed-literal", "value": "1.0",
                                            "datatype": xsd + "double"},
                                      "e": {"type": "typed-literal", "value": "1e+20",
                                            "datatype": xsd + "double"},
                                      "_star_fake": {"type": "typed-literal", "value": "1",
                                                     "datatype": xsd + "integer"}}]}}).encode()
    _, body = _run(backend, "SELECT * WHERE { ?s ?p ?o }")
    assert _csv_rows(body) == [["t", "f", "d", "e"], ["true", "false", "1",
                                                      "100000000000000000000"]]


def _run(backend, query, fmt="csv", dataset=None, max_rows=100, base_iri=None):
    """Run a user query as the runner's child does; return (stats, body)."""
    out = io.BytesIO()
    form = next(f for f in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") if f in query.upper())
    stats = backend.run_query(query, form, BY_NAME[fmt], dataset or Dataset(), max_rows,
                              lambda: out, base_iri)
    return stats, out.getvalue()


def _csv_rows(body: bytes) -> list[list[str]]:
    return [line.split(",") for line in body.decode().split("\r\n") if line]


def test_run_query_writes_our_own_serialisation_scoped_to_our_graph(engine):
    _published(engine)
    backend, _ = _backend(engine)
    stats, body = _run(backend, "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s")
    assert _csv_rows(body) == [["s"], ["https://example.org/id/a"], ["https://example.org/id/b"]]
    assert (stats.rows, stats.truncated) == (2, False)
    stats, body = _run(backend, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "json")
    assert json.loads(body)["results"]["bindings"] == []
    stats, body = _run(backend, "ASK { <https://other.example/secret> ?p ?o }", "xml")
    assert b"<boolean>false</boolean>" in body and stats.rows == 1
    stats, body = _run(backend, "CONSTRUCT WHERE { ?s ?p ?o }", "ntriples")
    triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    assert {t.subject.value for t in triples} == {"https://example.org/id/a",
                                                 "https://example.org/id/b"}
    assert stats.rows == 2


@pytest.mark.parametrize("query", [
    "SELECT (COUNT(*) AS ?n) FROM <urn:other> WHERE { ?s ?p ?o }",
    f"PREFIX g: <{GRAPH.rsplit('/', 1)[0]}/> SELECT (COUNT(*) AS ?n) from g:graph "
    "FROM <urn:other> WHERE { ?s ?p ?o }",  # ours (accepted alone) and another
    f"SELECT (COUNT(*) AS ?n) FROM NAMED <{GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "SELECT * \\u0046ROM <urn:other> WHERE { ?s ?p ?o }",
    "SELECT * FROM # a comment\n <urn:other> WHERE { ?s ?p ?o }",
    "define input:default-graph-uri <urn:other> SELECT * WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p }",
])
def test_from_clauses_and_unreadable_queries_never_reach_the_engine(engine, query):
    _published(engine)
    backend, _ = _backend(engine)
    pool = PoolBackend(_no_store, PoolSettings(size=1, queue=1), 5.0, remote=backend)
    count = len(engine.requests)
    with pytest.raises(QueryRefused) as refused:
        pool.check(query)
    assert refused.value.status == 400
    assert len(engine.requests) == count
    pool.stop()


def test_from_in_a_comment_or_a_string_is_not_a_clause(engine):
    _published(engine)
    backend, _ = _backend(engine)
    pool = PoolBackend(_no_store, PoolSettings(size=1, queue=1), 5.0, remote=backend)
    query = "SELECT (COUNT(*) AS ?n) # FROM <urn:other>\nWHERE { ?s ?p 'FROM <urn:other>' }"
    info = pool.check(query)
    assert info.form == "SELECT" and info.default_graphs == ()
    _, body = _run(backend, query)
    assert _csv_rows(body)[-1] == ["0"]
    pool.stop()


def test_the_protocol_dataset_wins_over_from(engine):
    _published(engine)
    backend, _ = _backend(engine)
    query = "SELECT (COUNT(*) AS ?n) FROM <urn:other> WHERE { ?s ?p ?o }"
    _, body = _run(backend, query, dataset=Dataset((GRAPH,), ()))
    assert _csv_rows(body)[-1] == ["2"]
    _, body = _run(backend, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                   dataset=Dataset((), (GRAPH,)))
    assert _csv_rows(body)[-1] == ["0"]  # no default graph named: it is empty


def test_relative_iris_resolve_against_the_endpoint_and_virtuoso_gets_the_time_limit(engine):
    _published(engine)
    backend = RemoteBackend(f"{engine.url}/sparql", GRAPH, timeout=2.5, engine="virtuoso")
    _, body = _run(backend, "SELECT ?o WHERE { <id/a> ?p ?o }", base_iri="https://example.org/")
    assert _csv_rows(body) == [["o"], ["a"]]
    assert engine.requests[-1][2]["timeout"] == ["2500"]
    backend, _ = _backend(engine)
    _run(backend, "ASK {}")
    assert "timeout" not in engine.requests[-1][2]


def test_a_cut_result_is_truncated_and_a_cut_by_time_is_a_timeout(engine):
    _published(engine)
    backend, _ = _backend(engine, max_rows=2)
    stats, body = _run(backend, "SELECT ?s WHERE { ?s ?p ?o }", "json")
    assert stats.truncated and json.loads(body)["truncated"] is True
    stats, _ = _run(backend, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")
    assert not stats.truncated
    stats, _ = _run(backend, "SELECT ?s WHERE { ?s ?p ?o }", max_rows=1)
    assert (stats.rows, stats.truncated) == (1, True)
    backend, _ = _backend(engine)
    backend.current_version()  # the pointer is read before the engine starts cutting
    engine.extra_headers = {"X-SQL-State": "22023", "X-SQL-Message": "cut"}
    stats, _ = _run(backend, "CONSTRUCT WHERE { ?s ?p ?o }", "turtle")
    assert (stats.rows, stats.truncated) == (2, True)
    engine.extra_headers = {"X-SQL-State": "S1TAT", "X-SQL-Message": "incomplete"}
    with pytest.raises(QueryTimeout) as caught:
        _run(backend, "SELECT ?s WHERE { ?s ?p ?o }")
    assert isinstance(caught.value, TimeoutError)


def test_virtuoso_blank_nodes_keep_their_identity_in_user_results(engine):
    _published(engine)
    backend, _ = _backend(engine)
    backend.current_version()
    engine.raw_json = json.dumps({"head": {"vars": ["b", "c"]}, "results": {"bindings": [
        {"b": {"type": "bnode", "value": "nodeID://b10001"},
         "c": {"type": "bnode", "value": "nodeID://b10001"}},
        {"b": {"type": "bnode", "value": "nodeID://b10002"}}]}}).encode()
    _, body = _run(backend, "SELECT ?b ?c WHERE { ?b ?p ?c }")
    assert _csv_rows(body) == [["b", "c"], ["_:b10001", "_:b10001"], ["_:b10002", ""]]


# -- the endpoint over a remote engine -------------------------------------------------


def _app(engine, tmp_path, **config):
    dist = _build(tmp_path / "dist", "b1", 2)
    build = json.loads((dist / "build.json").read_text())
    (dist / "build.json").write_text(json.dumps({**build, "created": "2026-01-01"}))
    _publish(engine, dist, graph=GRAPH)
    return create_app({"DIST": dist, "STORE": f"{engine.url}/sparql", "REMOTE_GRAPH": GRAPH,
                       "QUERY_TIMEOUT": 2.0, "TESTING": True, **config})


def test_the_endpoint_answers_from_the_engine(engine, tmp_path):
    client = _app(engine, tmp_path).test_client()
    response = client.get("/sparql", query_string={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.data.split() == [b"n", b"4"]
    assert client.get("/health").get_json()["triples"] == 4


@pytest.mark.parametrize(("fault", "status", "message"), [
    ((503, b"busy"), 503, "cannot be reached right now (HTTP 503)"),
    ((500, b"Virtuoso 08S01 Error CL065: Lost connection"), 503, "cannot be reached right now"),
    ((400, b"Virtuoso 37000 Error SP030: syntax"), 400, "SP030"),
    ((500, b"Virtuoso 37000 Error TR...: transitive start not given\n\nSPARQL query:\nSELECT"),
     422, "cannot evaluate this query: TR...: transitive start not given (SQL state 37000)"),
    ((200, b"<html>not results</html>"), 502, "could not be used"),
])
def test_engine_failures_become_readable_answers(engine, tmp_path, fault, status, message):
    app = _app(engine, tmp_path)
    engine.faults = [fault] * 5
    response = app.test_client().get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"},
                                     headers={"Accept": "application/json"})
    assert response.status_code == status
    assert message in response.get_json()["message"]
    assert engine.url not in response.get_json()["message"]
    assert (response.headers.get("Retry-After") is not None) == (status == 503)
    if status == 422:  # the engine's verdict on the query: asked once, not retried
        assert len(engine.faults) == 4


@pytest.mark.slow
def test_a_silent_engine_is_a_503_that_does_not_blame_the_query(engine, tmp_path):
    app = _app(engine, tmp_path, QUERY_TIMEOUT=0.5)
    engine.delay = 3.0  # past the engine's own limit (0.5 s) and the socket's grace
    response = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                                     headers={"Accept": "application/json"})
    assert response.status_code == 503 and response.headers["Retry-After"]
    message = response.get_json()["message"]
    assert "did not answer in time" in message and "Narrow" not in message


@pytest.mark.slow
def test_health_answers_soon_and_says_degraded_when_the_engine_is_silent(engine, tmp_path):
    client = _app(engine, tmp_path, QUERY_TIMEOUT=10.0).test_client()
    assert client.get("/health").get_json()["status"] == "ok"
    engine.delay = 5.0
    started = time.monotonic()
    response = client.get("/health")
    waited = time.monotonic() - started
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.get_json()["status"] == "degraded"
    assert waited < 5.0  # the probe's own limit, not the query time limit nor the engine's


def test_a_server_keeps_its_build_when_another_is_published(engine, tmp_path):
    client = _app(engine, tmp_path).test_client()
    _publish(engine, _build(tmp_path / "b2", "b2", 5), graph=GRAPH)
    response = client.get("/sparql", query_string={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"})
    assert response.data.split() == [b"n", b"4"]
    assert client.get("/health").get_json()["build_id"] == "b1"


def test_pages_and_health_say_503_when_the_engine_is_gone(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = RemoteBackend(f"http://127.0.0.1:{port}/sparql", GRAPH, retries=0)
    app = create_app({"BACKEND": backend, "BUILD": {"loaded_triples": 4}, "TESTING": True})

    @app.route("/needs-the-store")
    def needs_the_store():
        return str(backend.triple_count())

    client = app.test_client()
    response = client.get("/needs-the-store", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert "cannot be reached right now" in response.get_json()["message"]
    assert client.get("/health").status_code == 503


@pytest.mark.parametrize(("setup", "message"), [
    ("nothing", "holds 0 triples.*says 4.*achat-graph publish"),
    ("other build", "no version <.*/b1>.*serves version <.*/b0>.*holds build 'b1'.*achat-graph "
                    "publish"),
    ("down", "cannot be reached"),
])
def test_serving_a_build_the_engine_does_not_hold_is_a_clear_error(engine, tmp_path, setup,
                                                                   message):
    dist = _build(tmp_path / "dist", "b1", 2)
    url = f"{engine.url}/sparql"
    if setup == "other build":
        _publish(engine, _build(tmp_path / "b0", "b0", 2), graph=GRAPH)
    elif setup == "down":
        engine.faults = [(503, b"down")] * 10
    with pytest.raises(DistError, match=message):
        open_backend(dist, json.loads((dist / "build.json").read_text()), url, graph=GRAPH,
                     timeout=2.0)


def test_without_credentials_hides_credentials():
    assert without_credentials("https://me:pw@host.example:8890/sparql") == "https://host.example:8890/sparql"
    assert without_credentials("http://host/sparql") == "http://host/sparql"


# -- publish -------------------------------------------------------------------------


def _build(folder, build_id, n, *, triples=None, base="https://example.org/"):
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f'<https://example.org/id/t{i}> <{LABEL.value}> "chose {i}"@fr .\n' for i in range(n)]
    lines.append(f'_:x <{LABEL.value}> "un nœud anonyme"@fr .\n')
    lines.append(f'_:x <{LABEL.value}> "a blank node"@en .\n')
    with gzip.open(folder / "graph.nt.gz", "wt", encoding="utf-8") as stream:
        stream.writelines(lines)
    Manifest(build_id, base, "2026-01-01", n + 2 if triples is None else triples,
             ("graph.nt.gz",)).write(folder)
    return folder


def _env(engine):
    return {"ACHAT_SPARQL_USER": USER, "ACHAT_SPARQL_PASSWORD": PASSWORD,
            "ACHAT_SPARQL_STORE_URL": f"{engine.url}/data",
            "ACHAT_SPARQL_UPDATE_URL": f"{engine.url}/update"}


def _publish(engine, folder, **kwargs):
    options = {"engine": "generic", "env": _env(engine), "backoff": 0,
               "batch_triples": 4, "timeout": 5.0}
    options.update(kwargs)
    return publish(folder, f"{engine.url}/sparql", **options)


def _pointers(engine):
    return sorted(q.object.value for q in engine.store.quads_for_pattern(
        ox.NamedNode(GRAPH), ox.NamedNode(CURRENT_VERSION), None, ox.NamedNode(f"{GRAPH}/meta")))


def test_publish_loads_a_new_version_then_switches(engine, tmp_path):
    result = _publish(engine, _build(tmp_path / "b1", "b1", 10))
    assert (result.graph, result.version, result.previous) == (GRAPH, f"{GRAPH}/b1", None)
    assert result.triples == 12 and result.changed
    assert _pointers(engine) == [f"{GRAPH}/b1"]
    backend, _ = _backend(engine)
    assert backend.triple_count() == 12
    # the two triples of the blank node went in one request: still one node
    rows = backend.select("SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { ?b ?p ?o FILTER isBlank(?b) }")
    assert rows[0]["n"].value == "1"
    puts = [r for r in engine.requests if r[0] == "PUT"]
    posts = [r for r in engine.requests if r[0] == "POST" and r[1] == "/data"]
    assert len(puts) == 1 and len(posts) == 2


def test_a_second_publish_keeps_the_previous_version_and_drops_older(engine, tmp_path):
    _publish(engine, _build(tmp_path / "b1", "b1", 3))
    second = _publish(engine, _build(tmp_path / "b2", "b2", 5))
    assert second.previous == f"{GRAPH}/b1" and second.dropped == ()
    third = _publish(engine, _build(tmp_path / "b3", "b3", 7))
    assert third.previous == f"{GRAPH}/b2"
    assert third.dropped == (f"{GRAPH}/b1",)
    graphs = {g.value for g in engine.store.named_graphs()}
    assert f"{GRAPH}/b1" not in graphs and {f"{GRAPH}/b2", f"{GRAPH}/b3"} <= graphs
    assert _pointers(engine) == [f"{GRAPH}/b3"]
    assert _backend(engine)[0].triple_count() == 9


def test_keep_counts_versions_by_publication_not_by_name(engine, tmp_path):
    for name in ("z", "a", "m"):
        result = _publish(engine, _build(tmp_path / name, name, 2), keep=3)
    assert result.dropped == ()
    result = _publish(engine, _build(tmp_path / "b", "b", 2), keep=3)
    assert result.dropped == (f"{GRAPH}/z",)  # the oldest, though not first by name
    result = _publish(engine, _build(tmp_path / "c", "c", 2), keep=1)
    assert result.dropped == (f"{GRAPH}/a", f"{GRAPH}/b", f"{GRAPH}/m")
    assert "previous" not in str(result)
    assert {g.value for g in engine.store.named_graphs()} >= {f"{GRAPH}/c"}
    assert f"{GRAPH}/b" not in {g.value for g in engine.store.named_graphs()}
    with pytest.raises(PublishError, match="keep at least 1"):
        _publish(engine, _build(tmp_path / "d", "d", 2), keep=0)


def test_publishing_the_current_build_again_changes_nothing(engine, tmp_path):
    folder = _build(tmp_path / "b1", "b1", 3)
    _publish(engine, folder)
    count = len(engine.requests)
    again = _publish(engine, folder)
    assert not again.changed and "already current" in str(again)
    assert all(r[0] != "PUT" for r in engine.requests[count:])


def test_a_short_load_is_dropped_and_the_pointer_stays(engine, tmp_path):
    _publish(engine, _build(tmp_path / "b1", "b1", 3))
    engine.lose_posts = True
    with pytest.raises(PublishError, match="holds 4 triples.*after loading 7"):
        _publish(engine, _build(tmp_path / "b2", "b2", 5))
    assert _pointers(engine) == [f"{GRAPH}/b1"]
    assert f"{GRAPH}/b2" not in {g.value for g in engine.store.named_graphs()}


def test_a_build_json_count_that_disagrees_with_the_dumps_stops_the_switch(engine, tmp_path):
    with pytest.raises(PublishError, match=r"build.json: field 'triples' says 99.*hold 5"):
        _publish(engine, _build(tmp_path / "b1", "b1", 3, triples=99))
    assert _pointers(engine) == []


def test_write_failures_are_retried(engine, tmp_path):
    engine.faults = [(503, b"busy")]
    result = _publish(engine, _build(tmp_path / "b1", "b1", 3))
    assert result.triples == 5


def test_missing_credentials_are_a_clear_error(engine, tmp_path):
    env = _env(engine)
    del env["ACHAT_SPARQL_PASSWORD"]
    with pytest.raises(PublishError, match="ACHAT_SPARQL_USER and ACHAT_SPARQL_PASSWORD"):
        _publish(engine, _build(tmp_path / "b1", "b1", 3), env=env)


def test_wrong_credentials_are_refused_without_showing_them(engine, tmp_path):
    env = _env(engine) | {"ACHAT_SPARQL_PASSWORD": "wrong-Secret-42"}
    with pytest.raises(PublishError, match="refused the credentials") as caught:
        _publish(engine, _build(tmp_path / "b1", "b1", 3), env=env)
    assert "wrong-Secret-42" not in str(caught.value)


def test_credentials_in_the_url_are_refused(tmp_path):
    with pytest.raises(PublishError, match="not in the URL") as caught:
        EngineEndpoints.for_url("http://me:pw123@host/sparql", "virtuoso", {})
    assert "pw123" not in str(caught.value)


def test_virtuoso_write_endpoints_are_derived():
    engine = EngineEndpoints.for_url("http://127.0.0.1:8890/sparql", "virtuoso", {})
    assert engine.store_url == "http://127.0.0.1:8890/sparql-graph-crud-auth"
    assert engine.update_url == "http://127.0.0.1:8890/sparql-auth"
    assert engine.auth == "digest"
    fuseki = EngineEndpoints.for_url("http://127.0.0.1:3030/ds/sparql", "fuseki", {})
    assert (fuseki.store_url, fuseki.update_url) == ("http://127.0.0.1:3030/ds/data",
                                                      "http://127.0.0.1:3030/ds/update")


def test_an_unreachable_engine_is_a_clear_publish_error(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"ACHAT_SPARQL_USER": USER, "ACHAT_SPARQL_PASSWORD": PASSWORD}
    with pytest.raises(PublishError, match="cannot be reached"):
        publish(_build(tmp_path / "b1", "b1", 1), f"http://127.0.0.1:{port}/sparql",
                env=env, retries=1, backoff=0)


_MANIFEST = ('{"build_id": %s, "base": "https://e.org/", "created": "2026-01-01", '
             '"load": %s, "triples": %s}')


@pytest.mark.parametrize("build, message", [
    ("{", r"build.json: not valid JSON \(line 1\)"),
    ('{"build_id": "b1", "base": "https://example.org/"}', "field 'created' is missing"),
    (_MANIFEST % ('"../x"', '["graph.nt.gz"]', 3), "'build_id'"),
    (_MANIFEST % ('"b1"', '["none.nt"]', 3), "'load' names 'none.nt'"),
    (_MANIFEST % ('"b1"', '["../graph.nt"]', 3), "should list file names"),
    (_MANIFEST % ('"b1"', '["graph.nt.gz"]', '"3"'), "'triples' should be int"),
    (_MANIFEST % ('"meta"', '["graph.nt.gz"]', 3), "must not be 'meta'"),
])
def test_bad_build_folders_are_named(engine, tmp_path, build, message):
    folder = _build(tmp_path / "b1", "b1", 1)
    (folder / "build.json").write_text(build, encoding="utf-8")
    with pytest.raises(PublishError, match=message):
        _publish(engine, folder)
    assert engine.requests == []


def test_an_invalid_dump_is_named_and_nothing_switches(engine, tmp_path):
    folder = _build(tmp_path / "b1", "b1", 1)
    with gzip.open(folder / "graph.nt.gz", "wt") as stream:
        stream.write("<https://example.org/a> <https://example.org/b> not-a-term .\n")
    with pytest.raises(PublishError, match=r"graph.nt.gz: not valid RDF"):
        _publish(engine, folder)
    assert _pointers(engine) == []


# -- what an engine answers otherwise (backends/engine_semantics) ------------------------


def test_a_comparison_the_engine_writes_as_1_or_0_is_read_back_as_a_boolean(engine):
    _published(engine)
    backend, _ = _backend(engine)
    backend.current_version()
    xsd = "http://www.w3.org/2001/XMLSchema#"
    engine.raw_json = json.dumps({"head": {"vars": ["eq", "n", "s"]}, "results": {"bindings": [{
        "eq": {"type": "typed-literal", "value": "1", "datatype": xsd + "integer"},
        "n": {"type": "typed-literal", "value": "1", "datatype": xsd + "integer"},
        "s": {"type": "typed-literal", "value": "2.5e0", "datatype": xsd + "double"}}]}}).encode()
    out = io.BytesIO()
    backend.run_query("SELECT * WHERE { ?s ?p ?o }", "SELECT", BY_NAME["json"], Dataset(), 10,
                      lambda: out, result_types=(("eq", "boolean"), ("s", "decimal")))
    row = json.loads(out.getvalue())["results"]["bindings"][0]
    assert row["eq"] == {"type": "literal", "value": "true", "datatype": xsd + "boolean"}
    assert row["n"]["value"] == "1" and row["n"]["datatype"] == xsd + "integer"
    assert row["s"] == {"type": "literal", "value": "2.5", "datatype": xsd + "decimal"}


def test_a_construct_virtuoso_answers_otherwise_is_a_422_naming_it_never_sent(engine, tmp_path):
    client = _app(engine, tmp_path, REMOTE_ENGINE="virtuoso").test_client()
    sent = len(engine.requests)
    query = "SELECT (MD5(?o) AS ?h) WHERE { ?s ?p ?o }"
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/json"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "MD5" in text and "Virtuoso" in text and "not sent" in text
    assert "X-Engine-Semantics" not in response.headers
    page = client.get("/query", query_string={"query": query, "lang": "fr"})
    assert page.status_code == 422
    assert "Requête refusée" in page.get_data(as_text=True)
    assert len(engine.requests) == sent  # nothing of it reached the engine
    assert client.get("/health").get_json()["engine_refusals"]["hash"] >= 2


def test_a_lenient_server_runs_it_and_says_so_on_every_answer(engine, tmp_path):
    client = _app(engine, tmp_path, REMOTE_ENGINE="virtuoso",
                  ENGINE_LENIENT=True).test_client()
    response = client.get("/sparql", query_string={
        "query": "SELECT (MD5(?o) AS ?h) WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["X-Engine-Semantics"] == "lenient; engine=virtuoso"
    assert client.get("/health").headers["X-Engine-Semantics"] == "lenient; engine=virtuoso"


def test_a_generic_engine_is_held_to_no_difference(engine, tmp_path):
    client = _app(engine, tmp_path, REMOTE_ENGINE="generic").test_client()
    response = client.get("/sparql", query_string={
        "query": "SELECT (MD5(STR(?o)) AS ?h) WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"})
    assert response.status_code == 200 and len(response.data.split()) == 5
