"""Replay the W3C SPARQL 1.1 Protocol tests against the app (Flask test client).

The fixture store holds ``data1.nt``..``data3.nt`` as the named graphs the manifest
names (``ut:graphData`` labels).  27 tests apply to a read-only endpoint and must
pass.  The 7 update tests (``update_*``) expect SPARQL Update to succeed; this
endpoint is read-only by design (the data change only through a new build, see
design.md §4), so they are asserted to be refused with a 4xx and a "read-only"
message instead.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from helpers import SHARED_DIR

from sparql_endpoint import create_app
from sparql_endpoint.backends.store import OxigraphBackend

pytestmark = pytest.mark.conformance

FOLDER = SHARED_DIR / "data" / "w3c-sparql11-protocol"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
HTS = "http://www.w3.org/2011/http-statusCodes#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
UPDATE_TESTS = {"update_dataset_default_graph", "update_dataset_default_graphs",
                "update_dataset_named_graphs", "update_dataset_full", "update_post_form",
                "update_post_direct", "update_base_uri"}


def _manifest():
    if not (FOLDER / "manifest.ttl").is_file():
        return None
    store = ox.Store()
    store.load(path=str(FOLDER / "manifest.ttl"), format=ox.RdfFormat.TURTLE,
               base_iri=(FOLDER / "manifest.ttl").as_uri())
    return store


def _one(dataset, subject, predicate):
    values = [q.object for q in dataset.quads_for_pattern(subject, ox.NamedNode(predicate), None)]
    return values[0] if values else None


def _all(dataset, subject, predicate):
    return [q.object for q in dataset.quads_for_pattern(subject, ox.NamedNode(predicate), None)]


def _list(dataset, head):
    items = []
    while head is not None and head != ox.NamedNode(RDF + "nil"):
        items.append(_one(dataset, head, RDF + "first"))
        head = _one(dataset, head, RDF + "rest")
    return items


def _tests():
    dataset = _manifest()
    if dataset is None:
        return []
    manifest = next(q.subject for q in dataset.quads_for_pattern(
        None, ox.NamedNode(RDF + "type"), ox.NamedNode(MF + "Manifest")))
    tests = []
    for entry in _list(dataset, _one(dataset, manifest, MF + "entries")):
        action = _one(dataset, entry, MF + "action")
        requests = []
        for request in _list(dataset, _one(dataset, action, HT + "requests")):
            body = _one(dataset, request, HT + "body")
            headers = {
                _one(dataset, h, HT + "fieldName").value: _one(dataset, h, HT + "fieldValue").value
                for h in _list(dataset, _one(dataset, request, HT + "headers"))
            }
            response = _one(dataset, request, HT + "resp")
            requests.append({
                "method": _one(dataset, request, HT + "methodName").value,
                "path": _one(dataset, request, HT + "absolutePath").value,
                "body": _one(dataset, body, CNT + "chars").value if body else None,
                "encoding": _one(dataset, body, CNT + "characterEncoding").value if body else None,
                "headers": headers,
                "statuses": {s.value.rsplit("#StatusCode", 1)[1]
                             for s in _all(dataset, response, MF + "expectedStatus")},
                "boolean": _one(dataset, response, MF + "expectedBoolean"),
                "format": _one(dataset, response, MF + "expectedFormat"),
            })
        graphs = {_one(dataset, g, RDFS_LABEL).value: _one(dataset, g, UT + "graph").value
                  for g in _all(dataset, entry, UT + "graphData")}
        name = entry.value.rsplit("#", 1)[1]
        tests.append(pytest.param(name, requests, graphs, id=name))
    return tests


@pytest.fixture(scope="module")
def client():
    if not FOLDER.is_dir():
        pytest.skip(f"{FOLDER} is absent: the W3C protocol tests cannot run")
    store = ox.Store()
    for number in (1, 2, 3):
        graph = ox.NamedNode(f"http://kasei.us/2009/09/sparql/data/data{number}.rdf")
        store.load(path=str(FOLDER / f"data{number}.nt"), format=ox.RdfFormat.N_TRIPLES,
                   to_graph=graph)
    return create_app({"BACKEND": OxigraphBackend(store), "QUERY_TIMEOUT": 5}).test_client()


def _send(client, request):
    url = urlsplit(request["path"])
    path = "/sparql" + url.path.removeprefix("/sparql").rstrip("/")
    body = request["body"].encode(request["encoding"]) if request["body"] is not None else None
    headers = dict(request["headers"])
    headers.setdefault("Content-Type", "")  # the manifest's "missing type" tests send none
    if body is None:
        headers.pop("Content-Type")
    return client.open(path, method=request["method"], query_string=url.query,
                       data=body, headers=headers)


def _check_format(response, expected):
    if expected == "boolean":
        assert response.mimetype in ("application/sparql-results+json",
                                     "application/sparql-results+xml")
    elif expected == "tabular":
        assert response.mimetype in ("application/sparql-results+json",
                                     "application/sparql-results+xml", "text/csv",
                                     "text/tab-separated-values")
    elif expected == "RDF":
        list(ox.parse(response.data, format=ox.RdfFormat.from_media_type(response.mimetype)))


def test_manifest_has_34_tests_27_of_which_apply():
    names = [p.values[0] for p in _tests()]
    if not names:
        pytest.skip(f"{FOLDER} is absent: the W3C protocol tests cannot run")
    assert len(names) == 34
    assert len([n for n in names if n not in UPDATE_TESTS]) == 27


@pytest.mark.parametrize(("name", "requests", "graphs"), _tests())
def test_protocol(client, name, requests, graphs):
    for graph in graphs.values():
        assert graph.endswith(".nt")  # the fixture store holds them all as named graphs
    if name in UPDATE_TESTS:
        # Read-only endpoint: SPARQL Update is refused with a 4xx saying so (by design).
        response = _send(client, requests[0])
        assert 400 <= response.status_code < 500
        assert "read-only" in response.get_data(as_text=True)
        return
    for request in requests:
        response = _send(client, request)
        status_class = f"{response.status_code // 100}xx"
        assert status_class in request["statuses"], response.get_data(as_text=True)
        if request["format"] is not None:
            _check_format(response, request["format"].value)
        if request["boolean"] is not None:
            expected = request["boolean"].value == "true"
            assert json.loads(response.data)["boolean"] is expected
