"""The SPARQL protocol at /sparql, through the Flask test client, over every store kind."""

import csv
import io
import json
import xml.dom.minidom

import pyoxigraph as ox
import pytest
from helpers import EX, STORE_KINDS

pytestmark = pytest.mark.parametrize("store_kind", STORE_KINDS)

SELECT_LABELS = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?label "
                 "{ ?s rdfs:label ?label FILTER(lang(?label) = 'en') } ORDER BY ?s")
CONSTRUCT = "CONSTRUCT WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(9)) + " }"


def _labels(response):
    return [b["label"]["value"] for b in response.get_json(force=True)["results"]["bindings"]]


def test_get_select_as_json_by_default(client):
    response = client.get("/sparql", query_string={"query": SELECT_LABELS})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert _labels(response) == ["Competitive dialogue", "Innovation partnership"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_post_form_and_post_direct_give_the_same_answer(client):
    form = client.post("/sparql", data={"query": SELECT_LABELS})
    direct = client.post("/sparql", data=SELECT_LABELS.encode(),
                         content_type="application/sparql-query")
    assert form.status_code == direct.status_code == 200
    assert _labels(form) == _labels(direct) == ["Competitive dialogue", "Innovation partnership"]


@pytest.mark.parametrize(("accept", "media_type", "results_format"), [
    ("application/sparql-results+json", "application/sparql-results+json", "JSON"),
    ("application/sparql-results+xml", "application/sparql-results+xml", "XML"),
    ("text/tab-separated-values", "text/tab-separated-values", "TSV"),
])
def test_select_in_every_results_format(client, accept, media_type, results_format):
    response = client.get("/sparql", query_string={"query": SELECT_LABELS},
                          headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == media_type
    parsed = ox.parse_query_results(response.data,
                                    format=getattr(ox.QueryResultsFormat, results_format))
    values = sorted(row["label"].value for row in parsed)
    assert values == ["Competitive dialogue", "Innovation partnership"]


def test_select_as_csv_quotes_what_needs_quoting(make_app):
    data = '<http://ex/a> <http://ex/p> "say \\"hi\\", then\\nleave" .\n'
    client = make_app(data).test_client()
    response = client.get("/sparql", query_string={"query": "SELECT ?s ?o { ?s ?p ?o }"},
                          headers={"Accept": "text/csv"})
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert rows == [["s", "o"], ["http://ex/a", 'say "hi", then\nleave']]


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/ld+json",
                                    "application/rdf+xml"])
def test_construct_in_every_rdf_format(client, accept):
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    triples = list(ox.parse(response.data, format=ox.RdfFormat.from_media_type(accept)))
    assert len(triples) == 5


def test_describe_returns_a_graph(client):
    iri = "https://w3id.org/achat-public/id/organisation/ugap"
    response = client.get("/sparql", query_string={"query": f"DESCRIBE <{iri}>"},
                          headers={"Accept": "application/n-triples"})
    triples = list(ox.parse(response.data, format=ox.RdfFormat.N_TRIPLES))
    assert {t.subject.value for t in triples} == {iri} and len(triples) == 3


def test_ask_as_json_and_xml(client):
    ask = "ASK { ?s ?p 'UGAP'@fr }"
    assert client.get("/sparql", query_string={"query": ask}).get_json(force=True)["boolean"]
    xml = client.get("/sparql", query_string={"query": ask},
                     headers={"Accept": "application/sparql-results+xml"})
    assert b"<boolean>true</boolean>" in xml.data


def test_q_values_are_honoured(client):
    response = client.get("/sparql", query_string={"query": SELECT_LABELS},
                          headers={"Accept": "application/sparql-results+json;q=0.5, text/csv"})
    assert response.mimetype == "text/csv"
    response = client.get("/sparql", query_string={"query": CONSTRUCT},
                          headers={"Accept": "text/turtle;q=0.2, application/rdf+xml;q=0.9"})
    assert response.mimetype == "application/rdf+xml"


@pytest.mark.parametrize(("params", "media_type"), [
    ({"format": "json"}, "application/sparql-results+json"),
    ({"output": "csv"}, "text/csv"),
    ({"format": "text/tab-separated-values"}, "text/tab-separated-values"),
    ({"format": "xml", "output": "xml", "results": "xml"}, "application/sparql-results+xml"),
    ({"format": "no-such-format"}, "text/csv"),  # unknown: ignored, Accept decides
])
def test_format_and_output_parameters(client, params, media_type):
    response = client.get("/sparql", query_string={"query": SELECT_LABELS, **params},
                          headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.mimetype == media_type


def test_format_json_for_construct_means_json_ld(client):
    response = client.get("/sparql", query_string={"query": CONSTRUCT, "format": "json"})
    assert response.mimetype == "application/ld+json"
    assert len(list(ox.parse(response.data, format=ox.RdfFormat.JSON_LD))) == 5


def test_406_lists_what_is_accepted_with_an_example(client):
    response = client.get("/sparql", query_string={"query": SELECT_LABELS},
                          headers={"Accept": "image/png"})
    assert response.status_code == 406
    text = response.get_data(as_text=True)
    assert "application/sparql-results+json" in text and "For example: Accept:" in text


def test_bad_query_gives_the_parser_message(client):
    response = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p }"})
    assert response.status_code == 400
    assert "Syntax error in the query: Expected SelectQuery" in response.get_data(as_text=True)


def test_two_query_parameters_are_a_400_even_across_url_and_body(client):
    response = client.get("/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D")
    assert response.status_code == 400 and "2 'query'" in response.get_data(as_text=True)
    response = client.post("/sparql?query=ASK%20%7B%7D", data={"query": "ASK {}"})
    assert response.status_code == 400


@pytest.mark.parametrize("request_kwargs", [
    {"method": "GET", "query_string": {"update": "CLEAR ALL"}},
    {"method": "POST", "data": {"update": "CLEAR ALL"}},
    {"method": "POST", "data": b"CLEAR ALL", "content_type": "application/sparql-update"},
    {"method": "GET", "query_string": {"query": "DROP ALL"}},
])
def test_updates_are_refused_in_every_form(client, request_kwargs):
    response = client.open("/sparql", **request_kwargs)
    assert response.status_code == 403
    assert "read-only" in response.get_data(as_text=True)


def test_update_is_refused_and_the_store_is_unchanged(client, app):
    before = app.extensions["backend"].triple_count()
    client.post("/sparql", data={"update": "CLEAR ALL"})
    assert app.extensions["backend"].triple_count() == before


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(client, method):
    response = client.open("/sparql", method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_options_is_a_cors_preflight(client):
    response = client.options("/sparql", headers={"Origin": "https://other.example",
                                                  "Access-Control-Request-Method": "POST"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize(("body", "content_type"), [
    (b"ASK {}", "text/plain"),
    (b"ASK {}", None),
    ("ASK {}".encode("utf-16"), "application/sparql-query; charset=UTF-16"),
])
def test_wrong_body_types_are_415(client, body, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", data=body, headers=headers)
    assert response.status_code == 415


def test_invalid_utf8_body_is_a_400(client):
    response = client.post("/sparql", data=b"ASK { \xff }",
                           content_type="application/sparql-query")
    assert response.status_code == 400 and "UTF-8" in response.get_data(as_text=True)


def test_body_over_the_cap_is_a_readable_413(client):
    big = "ASK {} #" + "x" * 2_000_000
    response = client.post("/sparql", data=big.encode(), content_type="application/sparql-query")
    assert response.status_code == 413
    assert "larger than this endpoint accepts" in response.get_data(as_text=True)
    form = client.post("/sparql", data={"query": big})
    assert form.status_code == 413


def test_service_is_refused_before_running(client):
    response = client.get("/sparql", query_string={
        "query": "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"})
    assert response.status_code == 400
    assert "SERVICE" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "PREFIX bif: <bif:> SELECT * { ?s ?p ?o FILTER(bif:contains(?o, 'x')) }",
    "SELECT (<urn:nope>(1) AS ?x) {}",
])
def test_unknown_functions_are_a_400_naming_them(client, query):
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "unknown function <" in response.get_data(as_text=True)


def test_from_a_file_iri_loads_nothing(client, store_kind):
    response = client.get("/sparql", query_string={
        "query": "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }"})
    if store_kind == "virtuoso":  # it would add FROM graphs to the dataset: refused
        assert response.status_code == 400 and "FROM" in response.get_data(as_text=True)
        return
    assert response.status_code == 200
    assert response.get_json(force=True)["results"]["bindings"] == []


def test_the_graphs_public_iri_names_the_data_on_every_backend(client, store_kind):
    graph = client.application.extensions["build"]["graph"]  # {base}graph, or REMOTE_GRAPH
    assert store_kind == "virtuoso" or graph == f"{EX}graph"
    count = "SELECT (COUNT(*) AS ?n) {} WHERE {{ ?s ?p ?o }}"
    answers = [
        client.get("/sparql", query_string={"query": count.format(f"FROM <{graph}>")}),
        client.get("/sparql", query_string={"query": count.format(""),
                                            "default-graph-uri": graph}),
        client.get("/sparql", query_string={"query": count.format(f"FROM <{graph}>"),
                                            "default-graph-uri": "urn:x-other"}),
    ]
    assert [a.get_json(force=True)["results"]["bindings"][0]["n"]["value"]
            for a in answers] == ["10", "10", "0"]
    other = client.get("/sparql", query_string={"query": count.format("FROM <urn:x-other>")})
    if store_kind == "virtuoso":  # it would add the graph to the dataset: refused
        assert other.status_code == 400 and "FROM" in other.get_data(as_text=True)
    else:
        assert other.get_json(force=True)["results"]["bindings"][0]["n"]["value"] == "0"


def test_default_graph_uri_selects_a_graph_of_the_store(client):
    response = client.get("/sparql", query_string={
        "query": "ASK { ?s ?p ?o }", "default-graph-uri": "http://example.org/absent"})
    assert response.get_json(force=True)["boolean"] is False
    response = client.get("/sparql", query_string={
        "query": "ASK { ?s ?p ?o }", "default-graph-uri": "not an iri"})
    assert response.status_code == 400


def test_runaway_query_gets_a_readable_503(make_app, store_kind):
    app = make_app(QUERY_TIMEOUT=0.5)
    response = app.test_client().get("/sparql", query_string={"query": RUNAWAY},
                                     headers={"Accept": "application/json"})
    assert response.status_code == 503 and response.headers["Retry-After"]
    message = response.get_json()["message"]
    # An engine that does not stop in time (2 s of grace) is reported as silent instead.
    assert "stopped after 0.5 s" in message or (
        store_kind == "virtuoso" and "did not answer in time" in message)


def test_row_cap_truncates_with_a_mark(make_app):
    app = make_app(MAX_ROWS=3)
    response = app.test_client().get("/sparql", query_string={"query": "SELECT * {?s ?p ?o}"})
    data = json.loads(response.data)
    assert len(data["results"]["bindings"]) == 3 and data["truncated"] is True


def test_get_without_query_is_the_service_description(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    triples = list(ox.parse(response.data, format=ox.RdfFormat.TURTLE))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoint = next(t.subject for t in triples if t.predicate.value == sd + "endpoint")
    assert endpoint.value == "http://localhost/sparql"
    formats = {t.object.value for t in triples if t.predicate.value == sd + "resultFormat"}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert len(formats) == 8
    assert not any(t.object.value == sd + "BasicFederatedQuery" for t in triples)


def test_service_description_is_negotiated_and_uses_the_public_url(make_app):
    app = make_app(PUBLIC_URL="https://data.example.org/")
    response = app.test_client().get("/sparql", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    triples = list(ox.parse(response.data, format=ox.RdfFormat.JSON_LD))
    assert ox.NamedNode("https://data.example.org/sparql") in {t.subject for t in triples}


def test_browser_gets_the_registered_editor_and_curl_gets_turtle(app):
    app.extensions["editor_view"] = lambda: "the editor"
    client = app.test_client()
    browser = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.get_data(as_text=True) == "the editor"
    curl = client.get("/sparql", headers={"Accept": "*/*"})
    assert curl.mimetype == "text/turtle"


def test_errors_are_json_when_json_is_preferred(client):
    response = client.get("/sparql", query_string={"query": "SELECT"},
                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["status"] == 400 and response.get_json()["message"]


def test_unexpected_errors_give_a_short_500_without_trace(client, caplog, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("sparql_endpoint.execution.pool.PoolBackend.run", broken)
    response = client.get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 500
    assert "Traceback" not in response.get_data(as_text=True)
    assert "a bug" not in response.get_data(as_text=True)
    assert "unexpected error" in caplog.text


def test_a_stream_cut_before_the_headers_is_a_503_not_a_dropped_answer(client, monkeypatch):
    from sparql_endpoint.execution import runner

    def cut_short(self, job, timeout):
        def chunks():
            yield b'{"head":'
            raise runner.StreamCut("the query process ended before its results were complete")
        return runner.Outcome(200, chunks=chunks())

    monkeypatch.setattr("sparql_endpoint.execution.pool.PoolBackend.run", cut_short)
    response = client.get("/sparql", query_string={"query": SELECT_LABELS})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "ended before its results were complete" in response.get_data(as_text=True)


def test_queries_are_logged_with_hash_form_outcome_and_duration(client, caplog):
    caplog.set_level("INFO", logger="sparql_endpoint.query")
    client.get("/sparql", query_string={"query": SELECT_LABELS}).get_data()
    line = next(r.getMessage() for r in caplog.records if r.name == "sparql_endpoint.query")
    assert "form=SELECT" in line and "outcome=ok" in line and "duration_ms=" in line
    assert "rows=2" in line and "rdfs:label" not in line  # the hash, not the text


BIG = "".join(f'<http://ex/s{i}> <http://ex/p> "{"x" * 200} {i}" .\n' for i in range(2000))


def test_head_leaves_no_query_process_behind(make_app):
    app = make_app(BIG)
    client = app.test_client()
    for _ in range(3):
        response = client.head("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
        assert response.status_code == 200
        assert response.mimetype == "application/sparql-results+json"
        assert response.data == b""
        response.close()
        assert app.extensions["backend"].queries.leased == 0


def test_head_of_a_bad_query_is_the_same_400_as_get(client):
    response = client.head("/sparql", query_string={"query": "SELECT * {"})
    assert response.status_code == 400 and response.data == b""


def test_get_streams_and_an_unread_body_leaves_no_query_process(make_app, caplog, store_kind):
    caplog.set_level("INFO", logger="sparql_endpoint.query")
    app = make_app(BIG, RESULT_CACHE_BYTES=0)  # answers not kept: each one streams
    client = app.test_client()
    lane = app.extensions["backend"].queries
    unread = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"},
                        buffered=False)
    assert unread.status_code == 200 and unread.is_streamed
    unread.close()
    assert lane.leased == 0
    # Over an engine the answer is read whole before it is sent: nothing left to abort.
    assert ("outcome=aborted" in caplog.text) == (store_kind == "memory")
    read = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"},
                      buffered=False)
    assert read.is_streamed
    assert len(read.get_json(force=True)["results"]["bindings"]) == 2000
    read.close()
    assert lane.leased == 0


def test_xml_results_replace_characters_xml_forbids(client, store_kind):
    # Virtuoso keeps strings as C strings: a NUL ends its copy, so it gets none.
    nul = "" if store_kind == "virtuoso" else "\\u0000c"
    query = f'SELECT ("a\\u0001b{nul}\\uFFFEd\\u0009e" AS ?x) ("<ok>" AS ?y) {{}}'
    response = client.get("/sparql", query_string={"query": query, "format": "xml"})
    assert response.status_code == 200
    document = xml.dom.minidom.parseString(response.data)
    values = [n.firstChild.data for n in document.getElementsByTagName("literal")]
    expected = "a\ufffdb" + ("" if store_kind == "virtuoso" else "\ufffdc") + "\ufffdd\te"
    assert values == [expected, "<ok>"]


def test_rdf_xml_replaces_characters_xml_forbids(make_app):
    client = make_app('<http://ex/a> <http://ex/p> "a\\u0001b"@fr .\n').test_client()
    response = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                          headers={"Accept": "application/rdf+xml"})
    assert response.status_code == 200
    xml.dom.minidom.parseString(response.data)
    triples = list(ox.parse(response.data, format=ox.RdfFormat.RDF_XML))
    assert [t.object for t in triples] == [ox.Literal("a\ufffdb", language="fr")]


def test_deeply_nested_query_is_a_readable_400_not_a_crash(client, store_kind):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE " + "{" * 5000},
                          headers={"Accept": "text/plain"})
    assert response.status_code == 400
    assert "too deeply" in response.get_data(as_text=True)
    accepted = "SELECT * WHERE " + "{" * 20 + " ?s ?p ?o " + "}" * 20 + " LIMIT 1"
    answer = client.get("/sparql", query_string={"query": accepted})
    if store_kind == "virtuoso":  # its own parser may stop earlier, and says so
        assert answer.status_code == 200 or (answer.status_code in (400, 422) and
                                             "nested too deep" in answer.get_data(as_text=True))
    else:
        assert answer.status_code == 200
    answer.close()  # an unread body holds its query process until closed


@pytest.mark.parametrize(("query", "value", "media_type"), [
    (SELECT_LABELS, "application/json", "application/sparql-results+json"),
    (CONSTRUCT, "application/json", "application/ld+json"),
    (CONSTRUCT, "N-Triples", "application/n-triples"),
    (CONSTRUCT, "text/plain", "application/n-triples"),
    (SELECT_LABELS, "application/xml", "application/sparql-results+xml"),
    (CONSTRUCT, "application/gzip", "text/turtle"),  # a file format, not a graph one: ignored
])
def test_format_parameters_are_read_from_the_format_table(client, query, value, media_type):
    response = client.get("/sparql", query_string={"query": query, "format": value},
                          headers={"Accept": "text/turtle, text/csv"})
    assert response.status_code == 200 and response.mimetype == media_type
    assert response.data


def test_service_description_lists_the_table_s_w3c_formats(client):
    from achat_core.formats import of_kind

    response = client.get("/sparql", headers={"Accept": "application/n-triples"})
    triples = list(ox.parse(response.data, format=ox.RdfFormat.N_TRIPLES))
    listed = {t.object.value for t in triples if t.predicate.value.endswith("#resultFormat")}
    expected = {f.w3c for f in (*of_kind("results"), *of_kind("rdf"))}
    assert listed == expected and None not in expected
