"""The search index (builder side) and /search (endpoint side): accents, case, ranking."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from achat_core.search_index import terms, write_search_index
from achat_core.text import fold
from graph_builder.output.dumps import canonical_triples
from sparql_endpoint import create_app
from sparql_endpoint.backends.store import OxigraphBackend

SAMPLE = Path(__file__).parent / "fixtures" / "pages" / "sample.ttl"
BASE = "https://w3id.org/achat-public/"


def test_fold_ignores_accents_case_ligatures_and_punctuation():
    assert fold("Sourçage  ÉCONOMIE d'Œuvre") == "sourcage economie d oeuvre"
    assert terms("Partenariat public–communs") == ("partenariat", "public", "commun")
    assert terms("R & D") == terms("r&d") == ("rd",)
    assert terms("Partenariat d’innovation") == terms("partenariats innovation")
    assert terms("de la") == ("de", "la")  # function words alone still mean something


@pytest.fixture(scope="module")
def index_file(tmp_path_factory) -> Path:
    triples = canonical_triples(Graph().parse(SAMPLE, format="turtle"))
    path = tmp_path_factory.mktemp("dist") / "search-index.json"
    write_search_index(triples, path)
    return path


def test_index_holds_labels_per_language_kind_aliases_and_texts(index_file):
    entries = {e["iri"]: e for e in json.loads(index_file.read_text("utf-8"))["entries"]}
    item = entries[BASE + "id/instrument/achat-innovant"]
    assert item["kind"] == "instrument"
    assert item["labels"]["en"] == ["Innovative-purchase exemption"]
    assert item["aliases"]["fr"] == ["Dispositif d'achat innovant"]
    assert all(set(texts) <= {"fr", "en", ""} for texts in item["texts"].values())
    assert "Repenser l'achat public" in entries[
        BASE + "id/resource/repenser-l-achat-public"]["labels"]["fr"]


def test_index_is_reproducible(index_file, tmp_path):
    again = tmp_path / "again.json"
    triples = canonical_triples(Graph().parse(SAMPLE, format="turtle"))
    write_search_index(reversed(triples), again)  # the order of the triples does not matter
    assert again.read_bytes() == index_file.read_bytes()


@pytest.fixture(scope="module", params=["file", "store"])
def client(request, index_file):
    store = ox.Store()
    store.load(path=str(SAMPLE), format=ox.RdfFormat.TURTLE)
    build = {"base": BASE}
    if request.param == "file":
        build["dist"] = index_file.parent
    app = create_app({"BACKEND": OxigraphBackend(store), "BUILD": build})
    return app.test_client()


def test_search_ignores_accents_and_case(client):
    hits = client.get("/search.json?q=PUBLICITE").get_json()["results"]
    assert [h["iri"] for h in hits] == [BASE + "id/instrument/achat-innovant"]


def test_search_ranks_exact_then_all_words(client):
    hits = client.get("/search.json?q=partenariat d'innovation").get_json()["results"]
    assert hits[0]["iri"] == BASE + "id/instrument/partenariat-innovation"
    assert hits[0]["why"]["how"] == "exact"
    hits = client.get("/search.json?q=innovation").get_json()["results"]
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert hits[0]["why"]["how"] == "exact"  # the concept "Innovation"
    by_iri = {h["iri"]: h["why"] for h in hits}
    assert by_iri[BASE + "id/instrument/partenariat-innovation"]["how"] == "prefix"
    words = client.get("/search.json?q=partnership innov").get_json()["results"]
    assert words[0]["iri"] == BASE + "id/instrument/partenariat-innovation"
    assert words[0]["why"] == {"field": "label", "how": "all-words", "lang": "en",
                               "text": "Innovation partnership"}


def test_search_finds_aliases_and_filters_by_kind(client):
    hits = client.get("/search.json?q=27eme region").get_json()["results"]
    assert hits and hits[0]["iri"] == BASE + "id/organisation/la-27e-region"
    only = client.get("/search.json?q=innovation&kind=instrument").get_json()["results"]
    assert only and {h["kind"] for h in only} == {"instrument"}


def test_search_label_follows_language(client):
    found = client.get("/search.json?q=innovative purchase exemption&lang=en").get_json()
    hit = found["results"][0]
    assert hit["label"] == "Innovative-purchase exemption" and hit["lang"] == "en"


def test_search_html_twin(client):
    html = client.get("/search?q=repenser").get_data(as_text=True)
    assert "/doc/resource/repenser-l-achat-public" in html
    assert "/search.json?q=repenser" in html
    assert client.get("/search?q=zzzz").status_code == 200
    assert "Aucun résultat" in client.get("/search?q=zzzz").get_data(as_text=True)


def test_search_json_by_accept_and_bad_limit(client):
    response = client.get("/search?q=seuil", headers={"Accept": "application/json"})
    assert response.is_json
    assert client.get("/search.json?q=x&limit=abc").status_code == 400


@pytest.mark.parametrize(("accept", "media_type", "marker"), [
    ("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "text/html", "<html"),
    ("application/json", "application/json", '"status"'),
    ("*/*", "text/plain", "400 Bad Request: limit must be a whole number"),
])
def test_a_bad_limit_is_a_400_in_the_client_s_format(client, accept, media_type, marker):
    response = client.get("/search?q=seuil&limit=1e3", headers={"Accept": accept})
    assert response.status_code == 400 and response.mimetype == media_type
    text = response.get_data(as_text=True)
    assert marker in text and "1e3" in text
