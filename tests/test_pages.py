"""Linked-data pages: 303 from /id/, negotiated /doc/, suffixes, languages, 404s, home, schemes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from achat_core.jsonld import CONTEXT_URL, with_inline_context
from sparql_endpoint import create_app
from sparql_endpoint.backends.store import OxigraphBackend

SAMPLE = Path(__file__).parent / "fixtures" / "pages" / "sample.ttl"
BASE = "https://w3id.org/achat-public/"
DOC = "/doc/instrument/achat-innovant"


@pytest.fixture(scope="module")
def app():
    store = ox.Store()
    store.load(path=str(SAMPLE), format=ox.RdfFormat.TURTLE)
    return create_app({"BACKEND": OxigraphBackend(store), "BUILD": {"base": BASE},
                       "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def test_id_redirects_to_doc_with_303(client):
    response = client.get("/id/instrument/achat-innovant")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(DOC)


@pytest.mark.parametrize("accept, media_type", [
    ("text/turtle", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "text/html"),
    ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
])
def test_doc_negotiates(client, accept, media_type):
    response = client.get(DOC, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    links = response.headers["Link"]
    for suffix in ("ttl", "nt", "jsonld", "rdf", "html"):
        assert f"{DOC}.{suffix}>" in links
    assert 'rel="alternate"' in links


@pytest.mark.parametrize("suffix, rdf_format", [
    ("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES),
    ("jsonld", ox.RdfFormat.JSON_LD), ("rdf", ox.RdfFormat.RDF_XML),
])
def test_suffix_gives_parseable_rdf_about_the_thing(client, suffix, rdf_format):
    response = client.get(f"{DOC}.{suffix}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    body = response.data
    if rdf_format == ox.RdfFormat.JSON_LD:  # compacted with our context, read offline
        assert json.loads(body)["@context"] == CONTEXT_URL
        body = with_inline_context(body)
    triples = list(ox.parse(body, format=rdf_format))
    subject = ox.NamedNode(BASE + "id/instrument/achat-innovant")
    labels = {t.object for t in triples if t.subject == subject
              and t.predicate.value.endswith("#label")}
    assert ox.Literal("Innovative-purchase exemption", language="en") in labels
    # The dependent threshold comes with its owner, and inbound links are included.
    assert any(t.predicate.value.endswith("#amount") for t in triples)
    assert any(t.object == subject and t.predicate.value.endswith("mentionsInstrument")
               for t in triples)


def test_unknown_suffix_is_404(client):
    assert client.get(f"{DOC}.exe").status_code == 404


def test_nothing_acceptable_is_406_with_the_offer(client):
    response = client.get(DOC, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert b"text/turtle" in response.data


def test_html_page_in_french_by_default(client):
    html = client.get(DOC, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Achat innovant sans publicité ni mise en concurrence</h1>" in html
    assert "seuil" in html                       # property named from the ontology, in French
    assert "100\u202f000" in html                # the threshold's amount, written for people
    assert "information" in html and "conseil juridique" in html
    assert '<time datetime="2026-11-25">' in html
    assert "Ce qui pointe ici" in html and "Repenser l&#39;achat public" in html
    assert "https://lgp-avocats.fr/2021/12/20/" in html     # the fact's source
    assert "Licence Ouverte / Etalab 2.0" in html           # footer
    assert "231" in html and "horizonspublics.fr" in html   # figure about it, with source
    for suffix in ("ttl", "nt", "jsonld", "rdf"):
        assert f'href="{DOC}.{suffix}"' in html
    assert 'class="skip" href="#main"' in html


def test_html_page_follows_accept_language_and_switch(client):
    html = client.get(DOC, headers={"Accept": "text/html", "Accept-Language": "en"}).get_data(
        as_text=True)
    assert '<html lang="en">' in html
    assert "Innovative-purchase exemption</h1>" in html
    assert "not legal advice" in html and "threshold" in html
    switched = client.get(DOC + "?lang=fr", headers={"Accept": "text/html",
                                                     "Accept-Language": "en"})
    assert '<html lang="fr">' in switched.get_data(as_text=True)
    assert "lang=fr" in switched.headers["Set-Cookie"]
    # The cookie keeps the choice on the next page.
    later = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr">' in later


def test_tables_link_to_their_own_csv(client):
    html = client.get(DOC, headers={"Accept": "text/html"}).get_data(as_text=True)
    link = re.search(r'<a class="csv" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert link.startswith("/tables/instrument/achat-innovant/properties.csv")
    with client.get(link) as response:
        assert response.status_code == 200
        assert "results.csv" not in response.headers["Content-Disposition"]


def test_external_links_and_eu_concepts(client):
    html = client.get(DOC, headers={"Accept": "text/html"}).get_data(as_text=True)
    # The EU concept is described in the store: linked to our describe page, labelled.
    assert "/describe?iri=http" in html and "Achat innovant</a>" in html
    page = client.get("/describe?iri=http://publications.europa.eu/resource/authority/"
                      "strategic-procurement/inn-pur", headers={"Accept": "text/turtle"})
    assert page.status_code == 200 and b"inn-pur" in page.data


def test_unknown_iri_gets_helpful_404(client):
    response = client.get("/doc/instrument/nothing-here", headers={"Accept": "text/html"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "instrument/nothing-here" in html and "/search?q=nothing+here" in html
    plain = client.get("/id/instrument/nothing-here", follow_redirects=True,
                       headers={"Accept": "text/turtle"})
    assert plain.status_code == 404 and b"search" in plain.data.lower()


def test_vocabulary_concept_is_served(client):
    response = client.get("/doc/objective/innovative", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert b"ObjectiveScheme" in response.data


def test_home_counts_and_questions(client):
    html = client.get("/").get_data(as_text=True)
    assert "88" in html                               # triples in the fixture
    assert "<strong>2</strong> instruments" in html
    # a wiki page is a knowledge resource; one takes the singular
    assert "<strong>1</strong> ressource de connaissance" in html
    assert "Quels instruments permettent d&#39;acheter de l&#39;innovation sous un seuil" in html
    assert "Licence Ouverte" in html and "/dumps/" in html and "/search" in html


def test_schemes_list_their_concepts(client):
    html = client.get("/schemes").get_data(as_text=True)
    assert "Objectifs" in html and "/doc/objective/innovative" in html


def test_public_url_maps_paths_onto_the_base():
    store = ox.Store()
    store.load(path=str(SAMPLE), format=ox.RdfFormat.TURTLE)
    other = create_app({"BACKEND": OxigraphBackend(store), "BUILD": {"base": BASE},
                        "PUBLIC_URL": "https://example.org/"})
    response = other.test_client().get(DOC, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert b"achat-innovant" in response.data


def _crowded_app(links: int, **config):
    """An app whose instrument has LINKS contracts pointing at it, through two properties."""
    store = ox.Store()
    store.load(path=str(SAMPLE), format=ox.RdfFormat.TURTLE)
    target = ox.NamedNode(BASE + "id/instrument/achat-innovant")
    uses = ox.NamedNode("https://w3id.org/achat-public/ontology#usesInstrument")
    inferred = ox.NamedNode("https://w3id.org/achat-public/ontology#inferredInstrument")
    for i in range(links):
        contract = ox.NamedNode(f"{BASE}id/contract/c{i:05d}")
        store.add(ox.Quad(contract, uses if i % 4 else inferred, target))
    return create_app({"BACKEND": OxigraphBackend(store), "BUILD": {"base": BASE},
                       "TESTING": True, **config})


def test_a_crowded_page_shows_a_sorted_sample_counts_and_a_link_to_the_rest():
    from sparql_endpoint.pages.documents import INBOUND_LIMIT

    client = _crowded_app(INBOUND_LIMIT * 2).test_client()
    html = client.get(DOC + ".html?lang=en").get_data(as_text=True)
    shown = re.findall(r'/doc/contract/(c\d+)"', html)
    assert 0 < len(shown) <= INBOUND_LIMIT
    uses_part = html.split("usesInstrument", 1)[1]
    assert f"/ {INBOUND_LIMIT * 2 * 3 // 4} " in uses_part  # the exact count per property
    assert "see them all in the query editor" in html
    assert "/query?query=SELECT%20%3Fsubject" in html and "LIMIT%201000%20OFFSET%200" in html
    listed = re.findall(r'/doc/contract/(c\d+)"', uses_part.split("</td>", 1)[0])
    assert listed == sorted(listed)


def test_counts_past_the_cap_say_more_than(monkeypatch):
    from sparql_endpoint.pages import documents as pages

    monkeypatch.setattr(pages, "INBOUND_LIMIT", 20)
    monkeypatch.setattr(pages, "COUNT_LIMIT", 50)
    app = _crowded_app(200)
    html = app.test_client().get(DOC + ".html?lang=en").get_data(as_text=True)
    assert "/ more than " in html
    with app.test_request_context():
        counts, capped = pages.inbound_counts(BASE + "id/instrument/achat-innovant")
    assert capped and sum(counts.values()) == 51


def test_a_page_query_past_the_time_limit_is_a_readable_503():
    from sparql_endpoint.pages.documents import INBOUND_LIMIT

    client = _crowded_app(INBOUND_LIMIT + 10, QUERY_TIMEOUT=0.0001).test_client()
    page = client.get(DOC, headers={"Accept": "text/html"})
    assert page.status_code == 503
    assert "<html" in page.get_data(as_text=True) and "SPARQL" in page.get_data(as_text=True)
    turtle = client.get(DOC, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 503 and "Traceback" not in turtle.get_data(as_text=True)


def test_the_language_switch_escapes_parameter_names_and_values(client):
    html = client.get(DOC + '?a%26b%3D%22c=1%202&lang=fr',
                      headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "a%26b%3D%22c=1%202" in html and "lang=en" in html
    assert 'a&b="c' not in html and "a&amp;b" not in html


@pytest.mark.parametrize(("accept", "media_type"), [
    ("application/json", "application/json"), ("text/turtle", "text/plain"),
    ("text/html", "text/html")])
def test_an_unknown_thing_is_a_negotiated_404(client, accept, media_type):
    response = client.get("/doc/instrument/nothing-here", headers={"Accept": accept})
    assert response.status_code == 404 and response.mimetype == media_type
    assert "nothing" in response.get_data(as_text=True)


def test_an_unacceptable_or_unknown_format_is_answered_by_problem(client):
    refused = client.get(DOC, headers={"Accept": "image/png"})
    assert refused.status_code == 406 and refused.mimetype == "text/plain"
    assert "text/turtle" in refused.get_data(as_text=True)
    assert "Accept" in refused.headers["Vary"]
    unknown = client.get(DOC + ".xyz", headers={"Accept": "application/json"})
    assert unknown.status_code == 404 and unknown.get_json()["status"] == 404
    assert ".ttl" in unknown.get_json()["message"]


def test_rdf_xml_pages_parse_even_with_characters_xml_forbids():
    store = ox.Store()
    store.load(path=str(SAMPLE), format=ox.RdfFormat.TURTLE)
    thing = ox.NamedNode(BASE + "id/instrument/achat-innovant")
    note = ox.NamedNode("https://w3id.org/achat-public/ontology#usageNote")
    store.add(ox.Quad(thing, note, ox.Literal("bell\x07here", language="en")))
    app = create_app({"BACKEND": OxigraphBackend(store), "BUILD": {"base": BASE}})
    response = app.test_client().get(DOC + ".rdf")
    assert response.status_code == 200
    triples = list(ox.parse(response.data, format=ox.RdfFormat.RDF_XML))
    assert ox.Literal("bell\ufffdhere", language="en") in {t.object for t in triples}
