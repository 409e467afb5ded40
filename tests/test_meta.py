"""VoID, the DCAT catalogue and the ontology: negotiated, with an HTML view."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from achat_core.jsonld import with_inline_context
from sparql_endpoint import create_app
from sparql_endpoint.backends.store import OxigraphBackend

SAMPLE = Path(__file__).parent / "fixtures" / "pages" / "sample.ttl"
BASE = "https://w3id.org/achat-public/"
VOID = f"""@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{BASE}dataset> a void:Dataset ; dcterms:title "Graphe de l'achat public"@fr ;
  void:triples 88 ; void:uriSpace "{BASE}id/" ; void:dataDump <{BASE}dumps/graph.nt.gz> .
"""
CATALOG = f"""@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{BASE}catalog> a dcat:Catalog ; dcterms:title "Catalogue"@fr ; dcat:dataset <{BASE}dataset> .
<{BASE}dataset> a dcat:Dataset ; dcat:distribution <{BASE}dumps/graph.ttl> .
<{BASE}dumps/graph.ttl> a dcat:Distribution ; dcat:downloadURL <{BASE}dumps/graph.ttl> ;
  dcat:mediaType <https://www.iana.org/assignments/media-types/text/turtle> .
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    (dist / "void.ttl").write_text(VOID, encoding="utf-8")
    (dist / "catalog.ttl").write_text(CATALOG, encoding="utf-8")
    store = ox.Store()
    store.load(path=str(SAMPLE), format=ox.RdfFormat.TURTLE)
    app = create_app({"BACKEND": OxigraphBackend(store), "BUILD": {"base": BASE, "dist": dist}})
    return app.test_client()


@pytest.mark.parametrize("path, expected", [
    ("/.well-known/void", "void#Dataset"), ("/catalog", "dcat#Catalog")])
@pytest.mark.parametrize("accept, rdf_format", [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES)])
def test_metadata_is_negotiated(client, path, expected, accept, rdf_format):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    body = with_inline_context(response.data) if rdf_format == ox.RdfFormat.JSON_LD else \
        response.data
    triples = list(ox.parse(body, format=rdf_format))
    assert any(t.object.value.endswith(expected) for t in triples)
    assert "Accept" in response.headers["Vary"] and 'rel="alternate"' in response.headers["Link"]


def test_catalog_html_links_downloads_locally(client):
    html = client.get("/catalog", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/dumps/graph.ttl"' in html
    assert "Licence Ouverte" in html
    assert client.get("/catalog.ttl").mimetype == "text/turtle"


def test_void_html(client):
    html = client.get("/.well-known/void", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Description VoID" in html and "88" in html


def test_missing_file_is_404(tmp_path):
    app = create_app({"BACKEND": OxigraphBackend(ox.Store()),
                      "BUILD": {"base": BASE, "dist": tmp_path}})
    response = app.test_client().get("/catalog", headers={"Accept": "text/turtle"})
    assert response.status_code == 404 and b"catalog.ttl" in response.data


def test_ontology_turtle_holds_terms_and_fixed_concepts(client):
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    triples = list(ox.parse(response.data, format=ox.RdfFormat.TURTLE))
    subjects = {t.subject.value for t in triples}
    assert "https://w3id.org/achat-public/ontology#Instrument" in subjects
    assert f"{BASE}id/objective/innovative" in subjects
    assert f"{BASE}id/instrument/achat-innovant" not in subjects


def test_ontology_html_documents_terms_with_anchors(client):
    html = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'id="Instrument"' in html and 'id="threshold"' in html
    assert "Un moyen juridique ou pratique d&#39;acheter." in html
    assert "Propriétés d&#39;objet" in html
    english = client.get("/ontology?lang=en").get_data(as_text=True)
    assert "A legal or practical means of buying." in english
    # Terms elsewhere link to the ontology page's anchors.
    page = client.get("/doc/instrument/achat-innovant", headers={"Accept": "text/html"})
    assert 'href="/ontology#threshold"' in page.get_data(as_text=True)


def test_the_ontology_is_computed_once_per_process(tmp_path, monkeypatch):
    store = ox.Store()
    store.load(path=str(SAMPLE), format=ox.RdfFormat.TURTLE)
    backend = OxigraphBackend(store)
    app = create_app({"BACKEND": backend, "BUILD": {"base": BASE, "dist": tmp_path}})
    client = app.test_client()
    first = client.get("/ontology.ttl")
    assert first.status_code == 200

    def no_more_queries(query):
        raise AssertionError("the ontology was queried again")

    monkeypatch.setattr(backend, "construct", no_more_queries)
    again = client.get("/ontology.ttl")
    assert again.status_code == 200 and again.data == first.data
    assert client.get("/ontology", headers={"Accept": "text/html"}).status_code == 200


def test_metadata_refusals_match_the_document_pages(client):
    for path in ("/catalog", "/.well-known/void", "/ontology"):
        refused = client.get(path, headers={"Accept": "image/png"})
        assert refused.status_code == 406 and "text/turtle" in refused.get_data(as_text=True)
        assert client.get(path + ".xyz").status_code == 404


def test_a_missing_metadata_file_is_a_negotiated_404(tmp_path):
    app = create_app({"BACKEND": OxigraphBackend(ox.Store()),
                      "BUILD": {"base": BASE, "dist": tmp_path}})
    response = app.test_client().get("/catalog", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["status"] == 404
    assert "catalog.ttl" in response.get_json()["message"]
