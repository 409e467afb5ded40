"""The search over the curated data finds what buyers type, in French and English, and the
lists it filters keep their filters across the language switch, paging and twins."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from achat_core.resources import DATA_DIR
from achat_graph.cli import main
from sparql_endpoint import create_app
from sparql_endpoint.pages import lists

BASE = "https://w3id.org/achat-public/"
NO_PUBLICATION = BASE + "id/instrument/marche-sans-publicite"
INNOVATIVE_PURCHASE = BASE + "id/instrument/achat-innovant"
RD_EXCLUSION = BASE + "id/instrument/marche-recherche-developpement"
PCP = BASE + "id/instrument/achats-avant-commercialisation"
PARTNERSHIP = BASE + "id/instrument/partenariat-innovation"

#: What buyers type, and the instrument they mean; True when it is a label or an alias,
#: which must then come first.
QUERIES = [
    ("gré à gré", NO_PUBLICATION, True),
    ("sans mise en concurrence", NO_PUBLICATION, True),
    ("sans publicité", NO_PUBLICATION, True),
    ("acheter sans mise en concurrence", NO_PUBLICATION, False),
    ("service innovant", INNOVATIVE_PURCHASE, True),
    ("achat innovant", INNOVATIVE_PURCHASE, True),
    ("R&D", RD_EXCLUSION, True),
    ("R&D", PCP, False),
    ("research", RD_EXCLUSION, False),
    ("research", PCP, False),
    ("recherche", RD_EXCLUSION, False),
    ("recherche", PCP, False),
    ("partenariat innovation", PARTNERSHIP, True),
    ("innovation partnership", PARTNERSHIP, True),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    out = tmp_path_factory.mktemp("search-build") / "dist"
    result = CliRunner().invoke(main, ["build", "--data", str(DATA_DIR), "--out", str(out),
                                       "--quiet"])
    assert result.exit_code == 0, result.output
    return create_app({"DIST": out}).test_client()


def results(client, query: str, lang: str, **args) -> list[dict]:
    response = client.get("/search.json", query_string={"q": query, "lang": lang, **args})
    assert response.status_code == 200
    return response.get_json()["results"]


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(("query", "wanted", "named"), QUERIES)
def test_search_finds_the_instrument_buyers_mean(client, query, wanted, named, lang):
    found = results(client, query, lang)
    top = [hit["iri"] for hit in found[:3]]
    assert wanted in top, (query, top)
    if named:
        assert top[0] == wanted
        assert found[0]["why"]["how"] == "exact"


@pytest.mark.parametrize(("spelling", "same_as"), [
    ("GRÉ À GRÉ", "gré à gré"),
    ("gre-a-gre", "gré à gré"),
    ("Partenariat d’innovation", "partenariat d'innovation"),
    ("PARTENARIATS D'INNOVATION", "partenariat innovation"),
    ("r & d", "R&D"),
    ("Services  Innovants", "service innovant"),
])
def test_accents_case_hyphens_apostrophes_plurals_and_ampersands_do_not_matter(
        client, spelling, same_as):
    assert results(client, spelling, "fr") == results(client, same_as, "fr")
    assert results(client, spelling, "fr")


def test_the_json_says_why_each_result_matched(client):
    alias = results(client, "gré à gré", "fr")[0]
    assert alias["why"] == {"field": "alias", "how": "exact", "text": "gré à gré", "lang": "fr"}
    sentence = results(client, "acheter sans mise en concurrence", "en")[0]
    assert sentence["why"]["how"] == "name-in-query"
    assert sentence["why"]["text"] == "sans mise en concurrence"
    label = results(client, "Innovation partnership", "en")[0]
    assert label["why"]["field"] == "label" and label["why"]["lang"] == "en"
    # A word that names nothing, only found in a definition.
    text = results(client, "prototype", "en")
    assert text and {hit["why"]["field"] for hit in text} <= {"definition", "description",
                                                               "comment"}
    assert all(hit["score"] < results(client, "gré à gré", "en")[0]["score"] for hit in text)


def test_ties_are_stable_and_go_to_instruments(client):
    first = results(client, "achat innovant", "fr", limit=20)
    assert first == results(client, "achat innovant", "fr", limit=20)
    exact = [hit for hit in first if hit["why"]["how"] == "exact"]
    assert len(exact) > 1 and exact[0]["kind"] == "instrument"
    assert [h["score"] for h in first] == sorted((h["score"] for h in first), reverse=True)


def test_the_search_page_names_what_matched_and_shows_no_iri(client):
    html = client.get("/search?q=gré à gré&lang=fr").get_data(as_text=True)
    table = html[html.index("<table"):html.index("</table>")]
    assert "Trouvé par" in table and "gré à gré" in table
    assert BASE not in table
    assert 'href="/search.json?q=gr%C3%A9+%C3%A0+gr%C3%A9&amp;lang=fr"' in html


def test_search_formats_come_from_the_twin_table(client):
    assert client.get("/search.json?q=mapa").is_json
    assert client.get("/search?q=mapa", headers={"Accept": "application/json"}).is_json
    assert client.get("/search.csv?q=mapa").status_code == 404
    assert client.get("/search.html?q=mapa").status_code == 404


def rows(html: str) -> list[str]:
    return [unescape(name) for name in
            re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]*)', html)]


def total(html: str) -> int:
    return int(re.search(r"<p>(\d+)\s", html).group(1))


def link(html: str, marker: str) -> str:
    """Return the href of the first link whose tag holds MARKER."""
    for tag in re.findall(r"<(?:a|link) [^>]*>", html):
        if marker in tag:
            return unescape(re.search(r'href="([^"]*)"', tag).group(1))
    raise AssertionError(f"no link with {marker}")


def test_the_list_filter_is_the_search_in_english(client):
    html = client.get("/instruments?q=research&lang=en").get_data(as_text=True)
    assert rows(html)[:2] == ["R&D services exclusion", "Pre-commercial procurement"]
    french = client.get("/instruments?q=recherche&lang=en").get_data(as_text=True)
    assert rows(french)[:2] == rows(html)[:2]


def test_switching_language_keeps_a_filtered_list(client):
    french = client.get("/instruments?q=innovant&kind=exemption&lang=fr").get_data(as_text=True)
    assert total(french) >= 1
    switch = link(french, 'hreflang="en" lang="en"')
    assert parse_qs(urlsplit(switch).query) == {"q": ["innovant"], "kind": ["exemption"],
                                                "lang": ["en"]}
    english = client.get("/instruments" + switch).get_data(as_text=True)
    assert total(english) == total(french)
    assert "Innovative-purchase exemption" in rows(english)
    # The kind's option is chosen in the other language too.
    assert re.search(r'<option value="exemption" selected>exemption<', english)


def test_paging_twins_and_canonical_keep_every_filter(client, monkeypatch):
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    html = client.get("/instruments?q=concurrence&kind=procedure&lang=en").get_data(as_text=True)
    assert total(html) > 2
    wanted = {"q": ["concurrence"], "kind": ["procedure"], "lang": ["en"]}
    following = link(html, 'rel="next"')
    assert {k: v for k, v in parse_qs(urlsplit(following).query).items() if k != "page"} == wanted
    second = client.get(following).get_data(as_text=True)
    assert total(second) == total(html)
    back = parse_qs(urlsplit(link(second, 'rel="prev"')).query)
    assert back == {**wanted, "page": ["1"]}
    canonical = parse_qs(urlsplit(link(second, 'rel="canonical"')).query)
    assert canonical == {**wanted, "page": ["2"]}
    for suffix in ("csv", "json"):
        twin = link(html, f'type="{"text/csv" if suffix == "csv" else "application/json"}"')
        assert urlsplit(twin).path == f"/instruments.{suffix}"
        assert parse_qs(urlsplit(twin).query) == wanted
    data = client.get(link(html, 'type="application/json"')).get_json()
    assert data["total"] == total(html)
    assert data["filters"] == {"q": "concurrence", "kind": "procedure"}


def test_a_kind_filter_from_a_saved_address_still_works(client):
    # Addresses saved before kinds took keys named the kind in the page's language.
    by_key = client.get("/instruments?kind=exemption&lang=fr").get_data(as_text=True)
    by_name = client.get("/instruments?kind=dispense&lang=fr").get_data(as_text=True)
    assert total(by_key) >= 2 and rows(by_name) == rows(by_key)


def test_a_repeated_search_answers_as_the_first_time_and_kept_results_stay_bounded(client):
    from sparql_endpoint.pages import search

    asked = [("recherche", "fr", {}), ("recherche", "fr", {"limit": 2}),
             ("recherche", "en", {}), ("recherche", "fr", {"kind": "instrument"})]
    first = [results(client, q, lang, **args) for q, lang, args in asked]
    assert first[1] == first[0][:2] and first[3] and len(first[3]) < len(first[0])
    assert [results(client, q, lang, **args) for q, lang, args in asked] == first
    # Spelled otherwise, the same words: the same answer.
    assert results(client, "RECHERCHES", "fr") == first[0]
    found = search._Found()
    found.BUDGET = 20_000
    for n in range(200):
        found.put((("mot", str(n)), "fr", None, 50), [{"iri": f"x{n}", "why": "w" * 300}])
    assert found._size <= found.BUDGET and len(found._kept) < 200
    assert found.get((("mot", "199"), "fr", None, 50)) == [{"iri": "x199", "why": "w" * 300}]
    assert found.get((("mot", "0"), "fr", None, 50)) is None  # the oldest went first


def test_a_search_asked_while_it_is_ranked_is_ranked_once():
    import threading
    import time

    from sparql_endpoint.pages import search

    found, calls = search._Found(), []

    def compute():
        calls.append(1)
        time.sleep(0.3)  # long enough for the others to arrive while it ranks
        return [{"iri": "x"}]

    answers = []
    threads = [threading.Thread(target=lambda: answers.append(found.find(("k",), compute)))
               for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [[{"iri": "x"}]] * 5 and len(calls) == 1
    assert not found._ranking


def test_a_kind_filter_keeps_the_best_of_that_kind_and_an_unknown_kind_finds_nothing(client):
    every = results(client, "recherche", "fr", limit=500)
    instruments = [hit for hit in every if hit["kind"] == "instrument"]
    assert instruments and len(instruments) < len(every)
    assert results(client, "recherche", "fr", kind="instrument", limit=2) == instruments[:2]
    assert results(client, "recherche", "fr", kind="no-such-kind-" + "x" * 50) == []
    kinds = client.application.extensions["search_kinds"]
    assert "instrument" in kinds and not any(k.startswith("no-such-kind") for k in kinds)
