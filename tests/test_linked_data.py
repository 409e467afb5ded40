"""Linked-data details portals and crawlers rely on: the JSON-LD context, RDF for ``*/*``,
dereferenceable catalogue nodes and ontology version."""

from __future__ import annotations

import json
from html import unescape as html_unescape

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph

from achat_core.iris import DEFAULT_BASE
from achat_core.jsonld import CONTEXT_URL, with_inline_context
from achat_core.resources import ONTOLOGY_DIR
from graph_builder.output.catalog import DatasetPart, FileInfo, catalog_graph
from graph_builder.output.dumps import canonical_triples, jsonld_bytes, turtle_bytes
from sparql_endpoint import create_app
from sparql_endpoint.backends.store import OxigraphBackend

BASE = DEFAULT_BASE
FILES = (FileInfo("graph.ttl", 100, "ab" * 32, "text/turtle", 10),)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    catalog = catalog_graph(BASE, [DatasetPart("knowledge", FILES, ("2014-01-01", "2023-12-31"))],
                            "2026-01-01")
    (dist / "catalog.ttl").write_bytes(turtle_bytes(canonical_triples(catalog)))
    store = ox.Store()
    store.load(path=str(ONTOLOGY_DIR / "achat-public.ttl"), format=ox.RdfFormat.TURTLE)
    app = create_app({"BACKEND": OxigraphBackend(store), "BUILD": {"base": BASE, "dist": dist}})
    return app.test_client()


def _triples(response) -> set[ox.Triple]:
    fmt = ox.RdfFormat.from_media_type(response.mimetype)
    body = with_inline_context(response.data) if fmt == ox.RdfFormat.JSON_LD else response.data
    return set(ox.parse(body, format=fmt))


def test_the_context_is_served_for_everyone_and_for_long(client):
    response = client.get(CONTEXT_URL[len(BASE) - 1:])
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.cache_control.max_age >= 365 * 24 * 3600
    assert json.loads(response.data)["@context"]["apg"] == "https://w3id.org/achat-public/ontology#"


@pytest.mark.parametrize("path", ["/catalog", "/ontology", "/dataset/knowledge"])
def test_json_ld_answers_are_compacted_and_round_trip_to_the_same_triples(client, path):
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    jsonld = client.get(path, headers={"Accept": "application/ld+json"})
    document = json.loads(jsonld.data)
    assert document["@context"] == CONTEXT_URL
    assert any(":" in key and not key.startswith("http") for node in document["@graph"]
               for key in node)
    assert _triples(jsonld) == _triples(turtle) and len(_triples(turtle)) > 5


def test_the_json_ld_dump_round_trips_to_the_same_triples():
    triples = sorted(ox.parse(path=str(ONTOLOGY_DIR / "achat-public.ttl"),
                              format=ox.RdfFormat.TURTLE), key=str)
    data = jsonld_bytes(triples)
    assert json.loads(data)["@context"] == CONTEXT_URL
    assert set(ox.parse(with_inline_context(data), format=ox.RdfFormat.JSON_LD)) == set(triples)


@pytest.mark.parametrize("path", ["/catalog", "/ontology", "/ontology/0.1.0",
                                  "/service/sparql", "/dataset/distribution/graph-ttl"])
@pytest.mark.parametrize("accept", [None, "*/*", "application/rdf+xml"])
def test_metadata_answers_rdf_to_harvesters_and_rdf_clients(client, path, accept):
    headers = {"Accept": accept} if accept else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == (accept if accept and accept != "*/*" else "text/turtle")
    assert client.head(path, headers={"User-Agent": "udata"}).mimetype == "text/turtle"


def test_a_browser_still_gets_pages(client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for path in ("/catalog", "/ontology", "/dataset/knowledge"):
        assert client.get(path, headers={"Accept": browser}).mimetype == "text/html"


def test_unknown_catalogue_nodes_and_ontology_versions_are_404(client):
    assert client.get("/dataset/nothing-here").status_code == 404
    assert client.get("/ontology/9.9.9").status_code == 404


def test_every_class_and_property_has_a_page_in_both_languages(client):
    ontology = Graph().parse(ONTOLOGY_DIR / "achat-public.ttl", format="turtle")
    ns = "https://w3id.org/achat-public/ontology#"
    terms = {s for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
             for s in ontology.subjects(RDF.type, kind) if str(s).startswith(ns)}
    assert len(terms) > 50
    html = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    for iri in sorted(terms):
        name = str(iri)[len(ns):]
        assert f'href="/ontology/{name}"' in html
        for lang in ("fr", "en"):
            page = client.get(f"/ontology/{name}?lang={lang}", headers={"Accept": "text/html"})
            assert page.status_code == 200, name
            text = html_unescape(page.get_data(as_text=True))
            for prop in (RDFS.label, SKOS.definition):  # both languages on each page
                assert all(str(v) in text for v in ontology.objects(iri, prop)), (name, prop)
        turtle = client.get(f"/ontology/{name}.ttl")
        assert turtle.mimetype == "text/turtle"
        assert {t.subject.value for t in ox.parse(turtle.data, format=ox.RdfFormat.TURTLE)} == {
            str(iri)}


def test_the_service_description_names_its_public_address_features_and_void(tmp_path):
    store = ox.Store()
    app = create_app({"BACKEND": OxigraphBackend(store), "BUILD": {"base": BASE},
                      "PUBLIC_URL": "https://graph.example.org/"})
    response = app.test_client().get("/sparql", headers={"Accept": "text/turtle"})
    triples = {q.triple for q in ox.parse(response.data, format=ox.RdfFormat.TURTLE)}
    sd = "http://www.w3.org/ns/sparql-service-description#"
    service = ox.NamedNode("https://graph.example.org/sparql")
    assert ox.Triple(service, ox.NamedNode(sd + "endpoint"), service) in triples
    assert ox.Triple(service, ox.NamedNode(sd + "defaultDataset"),
                     ox.NamedNode(BASE + "dataset")) in triples
    assert len([t for t in triples if t.predicate.value == sd + "feature"]) >= 3
