"""Attacks on a real `achat-graph serve`: SERVICE spellings, deep nesting, saturation,
slow clients, chunked bodies, huge rows, and a clean stop on every local store kind.

Bounds on time are generous (seconds, not milliseconds): the machine is shared.
"""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import threading
import time
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
from helpers import SAMPLE_NT, http_get, start_serve, stop_serve, write_dist
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_query_check import _BEFORE, _KEYWORD, _SILENT, _SPACE

pytestmark = pytest.mark.slow

RUNAWAY = "SELECT (COUNT(*) AS ?n) { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(9)) + " }"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    dist = write_dist(tmp_path_factory.mktemp("safety") / "dist", SAMPLE_NT)
    base, process, log_path = start_serve(dist, "--query-timeout", "3", "--query-processes", "1",
                                     "--queue", "2", "--threads", "300")
    yield base, log_path
    stop_serve(process)


@pytest.fixture(scope="module")
def server(served) -> str:
    return served[0]


class Listener:
    """A loopback TCP listener that records every connection made to it."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        self.hits = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.hits += 1
            connection.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def listener():
    found = Listener()
    yield found
    found.close()


def _bypasses(target: str) -> list[str]:
    """The spellings that got past the old lexer, aimed at TARGET."""
    base = target.rsplit("/", 1)[0] + "/"
    return [
        f"PREFIX : <{base}> SELECT * WHERE {{ SERVICE:sparql {{ ?s ?p ?o }} }}",
        f"PREFIX e: <{base}> SELECT * WHERE {{ SERVICEe:sparql {{ ?s ?p ?o }} }}",
        f"PREFIX e: <http://e/> SELECT * WHERE {{ ?a ?b e:a\\# . SERVICE <{target}> "
        "{ ?s ?p ?o } }",
        f"SELECT * WHERE {{ ?a ?b ?c FILTER(?a<2)SERVICE#>\n<{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p '\\u0027' . SERVICE <{target}> {{ ?a ?b ?c }} "
        "?x ?y '\\u0027' }",
        f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{target}> {{ ?s ?p ?o }} }}",
    ]


def _send(server: str, query: str, how: str) -> tuple[int, bytes]:
    """Send QUERY by GET, POST body, POST form or the /query form; return status and body."""
    if how == "get":
        return http_get(server + "/sparql?" + urllib.parse.urlencode({"query": query}))
    if how == "form-page":
        return http_get(server + "/query?" + urllib.parse.urlencode({"query": query}),
                        "text/html")
    if how == "post-body":
        data, kind = query.encode(), "application/sparql-query"
    else:
        data, kind = urllib.parse.urlencode({"query": query}).encode(), \
            "application/x-www-form-urlencoded"
    request = urllib.request.Request(server + "/sparql", data=data, method="POST",
                                     headers={"Content-Type": kind,
                                              "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize("how", ["get", "post-body", "post-form", "form-page"])
def test_service_bypasses_never_reach_a_loopback_listener(server, listener, how):
    for query in _bypasses(listener.url):
        status, body = _send(server, query, how)
        assert status in (200, 400), (query, status, body[:300])
        assert b"Traceback" not in body
        if how != "form-page":
            assert status == 400, query
    time.sleep(0.5)
    assert listener.hits == 0


_TARGET_TAIL = ["<{url}>", "e:sparql", ":sparql", "<sparql>"]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=_BEFORE, space=_SPACE, keyword=_KEYWORD, silent=_SILENT, gap=_SPACE,
       tail=st.sampled_from(_TARGET_TAIL))
def test_generated_service_spellings_never_reach_a_listener(server, listener, before, space,
                                                            keyword, silent, gap, tail):
    base = listener.url.rsplit("/", 1)[0] + "/"
    target = tail.format(url=listener.url)
    query = (f"BASE <{base}> PREFIX e: <{base}> PREFIX : <{base}> SELECT * "
             f"{{ {before}{space}{keyword}{silent}{gap}{target} {{ ?s ?p ?o }} }}")
    status, _ = _send(server, query, "get")
    assert status == 400
    assert listener.hits == 0


def test_deep_nesting_is_a_400_and_the_server_stays_up(server):
    for query in ("SELECT * WHERE " + "{" * 100_000,
                  "SELECT * WHERE " + "{" * 3_000 + "}" * 3_000,
                  "SELECT * WHERE { FILTER" + "(" * 50_000 + "1" + ")" * 50_000 + " }"):
        status, body = _send(server, query, "post-body")
        assert status == 400 and b"Traceback" not in body
    assert _send(server, "ASK {}", "get")[0] == 200


def test_a_chunked_body_past_the_cap_is_refused(server):
    host, port = urllib.parse.urlsplit(server).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    body = (b"ASK {} #" + b"x" * 1_200_000 for _ in range(1))
    connection.request("POST", "/sparql", body=body, encode_chunked=True,
                       headers={"Content-Type": "application/sparql-query",
                                "Transfer-Encoding": "chunked"})
    response = connection.getresponse()
    assert response.status == 413
    connection.close()
    assert _send(server, "ASK {}", "get")[0] == 200


def test_one_huge_row_is_cut_by_the_byte_cap(server):
    doubled = " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(24))
    query = f'SELECT ?x24 WHERE {{ BIND("x" AS ?x0) {doubled} }}'  # 2^24 bytes: 16.8 MB
    status, body = _send(server, query, "post-body")
    assert status == 200
    answer = json.loads(body)
    assert answer["results"]["bindings"] == [] and answer["truncated"] is True


def test_a_full_queue_answers_503_with_retry_after_at_once(server):
    answers = []

    def slow():
        request = urllib.request.Request(
            server + "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}),
            headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answers.append((response.status, dict(response.headers)))
        except urllib.error.HTTPError as error:
            answers.append((error.code, dict(error.headers)))

    threads = [threading.Thread(target=slow) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    busy = [headers for status, headers in answers if status == 503
            and "Retry-After" in headers]
    assert len(answers) == 8 and busy
    assert all(status == 503 for status, _ in answers)  # the others hit the time limit


def test_slow_clients_and_slow_queries_do_not_starve_health_and_pages(server):
    host, port = urllib.parse.urlsplit(server).netloc.split(":")
    loris = []
    for _ in range(200):  # from another loopback address: one address is capped
        sock = socket.create_connection((host, int(port)), timeout=10,
                                        source_address=("127.0.0.2", 0))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # never finished
        loris.append(sock)
    slow = [threading.Thread(target=http_get, args=(
        server + "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}),)) for _ in range(20)]
    for thread in slow:
        thread.start()
    try:
        time.sleep(0.5)
        for path, accept in (("/health", "application/json"), ("/", "text/html")):
            started = time.monotonic()
            status, _ = http_get(server + path, accept)
            assert status == 200
            assert time.monotonic() - started < 10
    finally:
        for sock in loris:
            sock.close()
        for thread in slow:
            thread.join()


@pytest.mark.parametrize("kind", ["memory", "on-disk"])
def test_sigterm_stops_the_server_cleanly(tmp_path, kind):
    dist = write_dist(tmp_path / "dist", SAMPLE_NT)
    args = []
    if kind == "on-disk":
        store = ox.Store(str(tmp_path / "store"))
        with gzip.open(dist / "graph.nt.gz") as dump:
            store.bulk_load(input=dump, format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        del store
        args = ["--store", str(tmp_path / "store")]
    base, process, log_path = start_serve(dist, *args)
    assert http_get(base + "/sparql?query=ASK%20%7B%7D")[0] == 200
    assert http_get(base + "/", "text/html")[0] == 200
    assert stop_serve(process) == 0
    log = log_path.read_text()
    for sign in ("Traceback", "egmentation", "SIGSEGV", "was sent", "exited with code"):
        assert sign not in log
