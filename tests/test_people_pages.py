"""Words for people (issue 24): pages show names, never IRIs, keys, property local names or
datatype tags; numbers, years and dates per language; counts that agree; tables that
download with the page's columns and a name that says what they hold; links to sources.

One build of the curated data and generated contracts serves the module, in French and
English, through the Flask test client.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from helpers import SHARED_DIR, technical_names

from achat_core.resources import DATA_DIR
from achat_graph.cli import main
from graph_builder.sources.decp_generator import write_decp
from sparql_endpoint import create_app
from sparql_endpoint.pages import numbers

BASE = "https://w3id.org/achat-public/"
APG = "https://w3id.org/achat-public/ontology#"
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("people-inputs")
    generated = folder / "generated.json.gz"
    write_decp(generated, 150, seed=11)
    out = tmp_path_factory.mktemp("people-build") / "dist"
    result = CliRunner().invoke(main, ["build", "--data", str(DATA_DIR), "--out", str(out),
                                       "--quiet", "--decp", str(generated)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def store(built) -> ox.Store:
    return ox.Store.read_only(str(built / "store"))


@pytest.fixture(scope="module")
def client(built):
    return create_app({"DIST": built, "STORE": str(built / "store")}).test_client()


def get(client, path: str, lang: str) -> str:
    separator = "&" if "?" in path else "?"
    response = client.get(f"{path}{separator}lang={lang}", headers={"Accept": "text/html"})
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


class PeopleText(HTMLParser):
    """The text a reader sees before "All data": not the identifiers shown as ``<code>``,
    nor the wiki's words quoted as they were written (``<blockquote>``), nor scripts."""

    HIDDEN = {"script", "style", "code", "head", "svg", "blockquote", "textarea"}

    def __init__(self):
        super().__init__()
        self.hidden, self.stopped, self.parts = 0, False, []

    def handle_starttag(self, tag, attrs):
        if "all-data" in (dict(attrs).get("class") or "").split():
            self.stopped = True
        self.hidden += tag in self.HIDDEN

    def handle_endtag(self, tag):
        self.hidden -= tag in self.HIDDEN

    def handle_data(self, data):
        if not self.hidden and not self.stopped:
            self.parts.append(data)


def people_text(html: str) -> str:
    reader = PeopleText()
    reader.feed(html)
    return re.sub(r"\s+", " ", " ".join(reader.parts))


def _keys(store, cls: str, limit: int) -> list[str]:
    rows = store.query(f"SELECT ?s WHERE {{ ?s a <{APG}{cls}> FILTER(STRSTARTS(STR(?s), "
                       f"\"{BASE}id/\")) }} ORDER BY ?s LIMIT {limit}")
    return [r["s"].value[len(BASE) + 3:] for r in rows]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_people_pages_show_names_not_iris_keys_local_names_or_datatype_tags(client, store,
                                                                            lang):
    pages = ["/", "/instruments", "/organisations", "/resources", "/regions", "/guide"]
    keys = [k for cls, n in (("Instrument", 40), ("KnowledgeResource", 12), ("LegalText", 12),
                             ("LegalProvision", 12), ("Organisation", 10), ("Indicator", 4))
            for k in _keys(store, cls, n)]
    contract = next(iter(store.query(
        "SELECT ?c WHERE { ?c a <http://data.europa.eu/a4g/ontology#Contract> } LIMIT 1")))
    region = next(iter(store.query(
        "SELECT ?r WHERE { ?r a <http://purl.org/dc/terms/Location> "
        "FILTER(CONTAINS(STR(?r), '/code-region-')) } LIMIT 1")))
    keys += [contract["c"].value[len(BASE) + 3:], region["r"].value[len(BASE) + 3:]]
    pages += [f"/doc/{key}" for key in keys]
    # Keys of our things that read as slugs (several words joined by hyphens).
    slugs = {k.split("/", 1)[1] for k in keys if k.split("/", 1)[1].count("-") >= 2}
    local_names = technical_names(lang)
    problems = []
    for path in pages:
        text = people_text(get(client, path, lang))
        problems += [(path, found) for found in re.findall(r"https?://\S+|\S*\^\^\S*", text)]
        # a prefixed name in prose ("epo:CentralPurchasingBody") is a deliberate reference
        words = set(re.findall(r"(?<![:\w])[A-Za-z]+", text))
        problems += [(path, name) for name in local_names & words]
        problems += [(path, slug) for slug in slugs
                     if re.search(rf"(?<![\w./-]){re.escape(slug)}(?![\w/-]|\.\w)", text)]
    assert problems == [], "\n".join(map(str, problems))


def test_french_pages_name_a_type_once_in_french(client):
    html = get(client, "/doc/organisation/ugap", "fr")
    types = re.search(r"<p>Types\u00a0: (.*?)</p>", html).group(1)
    names = re.findall(r">([^<]+)</a>", types)
    assert names and len(names) == len(set(names)) and "Organization" not in names


def test_epo_terms_are_named_from_the_ontology_in_both_languages(client, store):
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    found = {r["l"].language: r["l"].value for r in store.query(
        f"SELECT ?l WHERE {{ <http://data.europa.eu/a4g/ontology#playedBy> <{label}> ?l }}")}
    assert set(found) == {"fr", "en"}
    role = next(iter(store.query(
        "SELECT ?r WHERE { ?r <http://data.europa.eu/a4g/ontology#playedBy> ?o } LIMIT 1")))
    for lang in ("fr", "en"):
        html = get(client, "/doc/" + role["r"].value[len(BASE) + 3:], lang)
        assert f">{found[lang]}</a>" in html and ">playedBy<" not in html


@pytest.mark.parametrize(("value", "key", "lang", "expected"), [
    (0, "contracts", "fr", f"0{NBSP}contrat"),
    (1, "contracts", "fr", f"1{NBSP}contrat"),
    (2, "contracts", "fr", f"2{NBSP}contrats"),
    (1.5, "contracts", "fr", f"1,50{NBSP}contrat"),
    (0, "contracts", "en", f"0{NBSP}contracts"),
    (1, "contracts", "en", f"1{NBSP}contract"),
    (1373, "items", "en", f"1,373{NBSP}items"),
    (1373, "items", "fr", f"1{NNBSP}373{NBSP}éléments"),
    (1, "countries", "en", f"1{NBSP}country"),
])
def test_counts_and_their_nouns_agree(value, key, lang, expected):
    assert numbers.counted(value, key, lang) == expected


def test_units_are_worded_and_agree():
    assert numbers.unit("percent", 16, "fr") == "%"
    assert numbers.unit("contracts", 1, "fr") == "contrat"
    assert numbers.unit("contracts", 173, "en") == "contracts"
    assert numbers.unit("EUR", 832000, "en") == "€"
    assert numbers.unit("hectares", 3, "fr") == "hectares"  # unknown: as the data says


def test_dates_are_written_per_language():
    assert numbers.day("2026-12-03", "fr") == "3 décembre 2026"
    assert numbers.day("2026-04-01", "fr") == "1er avril 2026"
    assert numbers.day("2026-12-03", "en") == "December 3, 2026"


def test_home_counts_are_grouped_per_language_and_agree(client):
    english, french = get(client, "/", "en"), get(client, "/", "fr")
    triples = int(re.search(r"<strong>([\d,]+)</strong> triples", english).group(1)
                  .replace(",", ""))
    assert triples > 1000 and f"<strong>{triples:,}</strong> triples" in english
    grouped = f"{triples:,}".replace(",", NNBSP)
    assert f"<strong>{grouped}</strong> triplets" in french


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_figures_say_units_in_the_page_language_and_name_their_sources(client, lang):
    card = get(client, "/doc/instrument/partenariat-innovation", lang)
    figures = card[card.index("<caption>" + ("Chiffres" if lang == "fr" else "Figures")):]
    figures = figures[:figures.index("</table>")]
    text = people_text(figures)
    assert "percent" not in text and "EUR" not in text and "marches.json" not in text
    assert ("173 contrats" if lang == "fr" else "173 contracts") in text.replace(NBSP, " ")
    assert "16 %" in text.replace(NBSP, " ") or "16 %" in text


def test_years_are_written_without_a_thousands_separator(client):
    for lang in ("fr", "en"):
        html = get(client, "/doc/instrument/procedure-adaptee", lang)
        years = re.findall(r'<th scope="row">(\d[^<]*)</th>', html)
        assert years and all(re.fullmatch(r"(19|20)\d\d", y) for y in years), years
    assert numbers.year("2019") == "2019" and numbers.year(2019.0) == "2019"


@pytest.mark.parametrize(("lang", "name", "heading"), [
    ("fr", "procedure-adaptee-contrats-par-annee", ["Année", "Contrats", "Montant HT"]),
    ("en", "adapted-procedure-contracts-per-year", ["Year", "Contracts", "Amount excl. VAT"]),
])
def test_a_table_downloads_with_the_page_columns_and_a_name_that_says_what_it_holds(
        client, lang, name, heading):
    html = get(client, "/doc/instrument/procedure-adaptee", lang)
    csv_link = re.search(r'<a class="csv" href="([^"]*/years\.csv[^"]*)"', html).group(1)
    with client.get(csv_link.replace("&amp;", "&")) as response:
        assert response.headers["Content-Disposition"] == f'attachment; filename="{name}.csv"'
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == heading and len(rows) > 1
    assert all(re.fullmatch(r"20\d\d", row[0]) and int(row[1]) > 0 for row in rows[1:])
    # the page's figures, as numbers: the total on the page is the sum of the file's rows
    total = int(re.search(r"<strong>([\d\u202f,]+)</strong>", html[html.index('id="usage-h"'):])
                .group(1).replace(NNBSP, "").replace(",", ""))
    assert sum(int(row[1]) for row in rows[1:]) == total
    with client.get(csv_link.replace("&amp;", "&").replace(".csv", ".json")) as response:
        assert response.headers["Content-Disposition"] == f'attachment; filename="{name}.json"'
        data = json.loads(response.get_data(as_text=True))
    assert [c["label"] for c in data["columns"]] == heading
    assert [r["year"] for r in data["rows"]] == [row[0] for row in rows[1:]]


def test_buyers_table_keeps_identifiers_in_their_own_columns(client):
    with client.get("/tables/instrument/procedure-adaptee/buyers.json?lang=en") as response:
        data = response.get_json()
    assert [c["key"] for c in data["columns"]] == ["buyer", "contracts", "amount",
                                                   "buyer_kind", "size", "siret", "iri"]
    for row in data["rows"]:
        assert not row["buyer"].startswith("http") and row["iri"].startswith(BASE + "id/")
        assert all(re.fullmatch(r"\d{14}", s) for s in row["siret"].split())


def test_properties_table_names_properties_and_keeps_their_iris_apart(client):
    with client.get("/tables/legal-provision/ccp-r2122-9-1/properties.csv?lang=fr") as response:
        assert response.headers["Content-Disposition"] == \
            'attachment; filename="article-r2122-9-1-du-code-de-la-commande-publique-achats-' \
            'innovants-proprietes.csv"'
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    number = next(r for r in rows if r["IRI de la propriété"] == APG + "articleNumber")
    assert number["Propriété"] == "numéro d'article" and number["Valeur"] == "R2122-9-1"


@pytest.mark.parametrize("path", ["/tables/instrument/procedure-adaptee/nothing.csv",
                                  "/tables/instrument/procedure-adaptee/years.xlsx",
                                  "/tables/instrument/nothing-here/years.csv",
                                  "/tables/legal-text/code-commande-publique/years.csv"])
def test_an_unknown_table_is_a_404_in_the_page_language(client, path):
    response = client.get(path + "?lang=fr", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "Cette page n&#39;a pas ce tableau" in response.get_data(as_text=True)


def _source_link(client, path: str, lang: str) -> tuple[str | None, str]:
    html = get(client, path, lang)
    found = re.search(r'<p class="source-link">(?:<a href="([^"]+)"[^>]*>)?([^<]+)', html)
    assert found, path
    return found.group(1), found.group(2)


def test_legal_texts_and_provisions_link_to_their_official_page(client):
    href, words = _source_link(client, "/doc/legal-provision/ccp-r2122-9-1", "fr")
    assert href == "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000044490444"
    assert words == "Lire le texte sur Légifrance"
    href, _ = _source_link(client, "/doc/legal-text/code-commande-publique", "en")
    assert href == "https://www.legifrance.gouv.fr/codes/texte_lc/LEGITEXT000037701019"
    href, _ = _source_link(client, "/doc/legal-text/decret-2025-1386", "en")
    assert href == "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000053202067"
    # an article whose own id is not confirmed: its code, saying so
    href, words = _source_link(client, "/doc/legal-provision/ccp-r2122-8", "en")
    assert href.endswith("LEGITEXT000037701019") and "not confirmed" in words
    # a text with no confirmed address: no link, and the page says so
    href, words = _source_link(client, "/doc/legal-text/decret-2018-1225", "fr")
    assert href is None and "Aucune adresse officielle" in words


def test_the_daj_guide_links_to_the_guide_itself(client):
    href, _ = _source_link(client, "/doc/resource/guide-daj-achat-innovant", "fr")
    assert href == "https://www.economie.gouv.fr/daj/achat-public-innovation"


def test_a_link_to_an_official_page_only_with_a_confirmed_identifier():
    facts = SHARED_DIR / "knowledge" / "facts.md"
    confirmed_ids = set(re.findall(r"(?:LEGIARTI|LEGITEXT|JORFTEXT)\d{12}",
                                   facts.read_text(encoding="utf-8"))) if facts.is_file() \
        else None
    for name in ("legal-texts.yaml", "legal-provisions.yaml"):
        for record in yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8")):
            url = record.get("url") or ""
            official = re.search(r"(?:LEGIARTI|LEGITEXT|JORFTEXT)\d{12}", url)
            if official:
                assert record["official_id_confirmed"] is True, record["key"]
                if confirmed_ids is not None:
                    assert official.group(0) in confirmed_ids, record["key"]
            if record.get("official_id_confirmed") is False:
                assert "legifrance" not in url and "eur-lex" not in url, record["key"]


@pytest.mark.parametrize(("lang", "count"), [("fr", f"1{NNBSP}126{NNBSP}337"),
                                             ("en", "1,126,337")])
def test_query_results_write_a_year_column_as_a_year_and_group_other_numbers(client, lang,
                                                                            count):
    query = "SELECT ?year ?contracts WHERE { BIND(2019 AS ?year) BIND(1126337 AS ?contracts) }"
    html = get(client, "/query?query=" + quote(query, safe=""), lang)
    row = html[html.index("<tbody"):html.index("</tbody>")]
    assert "<span>2019</span>" in row and f"<span>{count}</span>" in row
    assert numbers.is_year_name("contractYear") and not numbers.is_year_name("yearly")


def test_a_party_with_one_contract_reads_in_the_singular(client, store):
    epo = "http://data.europa.eu/a4g/ontology#"
    rows = list(store.query(
        f"SELECT ?org WHERE {{ {{ SELECT ?org ?role (COUNT(DISTINCT ?c) AS ?n) WHERE {{ "
        f"?c a <{epo}Contract> ; ?role ?b . ?b <{epo}playedBy> ?org "
        f"VALUES ?role {{ <{epo}bindsBuyer> <{epo}bindsContractor> }} }} GROUP BY ?org ?role }} "
        f"}} GROUP BY ?org HAVING (MAX(?n) = 1) ORDER BY ?org LIMIT 1"))
    assert rows, "the generated data has a party with a single contract"
    path = "/doc/" + rows[0]["org"].value[len(BASE) + 3:]
    french, english = get(client, path, "fr"), get(client, path, "en")
    assert "<strong>1</strong> contrat," in french and "<strong>1</strong> contracts" not in french
    assert "<strong>1</strong> contract," in english


@pytest.mark.parametrize(("name", "expected"), [
    ("kit-776056467-contrats", "kit-776056467-contrats.csv"),
    ("", "resultats-requete.csv"),
    ('x"; filename="evil.exe', "resultats-requete.csv"),
    ("Évil name", "resultats-requete.csv"),
])
def test_a_query_table_download_is_named_for_what_it_holds(client, name, expected):
    query = quote("SELECT ?year WHERE { BIND(2019 AS ?year) }", safe="")
    with client.get(f"/query.csv?query={query}&name={quote(name)}&lang=fr") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == f'attachment; filename="{expected}"'


def test_the_vocabularies_table_downloads_under_its_name(client):
    html = get(client, "/schemes", "en")
    link = re.search(r'href="(/query\.csv\?[^"]+)"', html).group(1).replace("&amp;", "&")
    with client.get(link) as response:
        assert response.headers["Content-Disposition"] == \
            'attachment; filename="vocabularies-concepts.csv"'


@pytest.mark.parametrize(("lang", "words"), [("fr", "sur Légifrance"), ("en", "on Légifrance")])
def test_an_instrument_card_links_a_decree_to_its_confirmed_journal_officiel_page(client, lang,
                                                                                  words):
    card = get(client, "/doc/instrument/marche-sans-publicite", lang)
    basis = card[card.index('<ul class="basis">'):]
    basis = basis[:basis.index("</ul>")]
    decree = basis[basis.index("/doc/legal-text/decret-2025-1386"):]
    decree = decree[:decree.index("</li>")]
    assert ('<a href="https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000053202067" '
            f'rel="external">{words}</a>') in decree
    assert "<time" not in decree  # the title already gives its date
    # an unconfirmed decree gets no official link
    unconfirmed = basis[basis.index("/doc/legal-text/decret-2024-1217"):]
    assert "legifrance" not in unconfirmed[:unconfirmed.index("</li>")]


def test_a_title_that_gives_its_date_in_any_form_is_recognised():
    assert numbers.names_day("Decree no. 2025-1386 of 29 December 2025", "2025-12-29")
    assert numbers.names_day("Décret n° 2025-1386 du 29 décembre 2025", "2025-12-29")
    assert not numbers.names_day("Decree no. 2025-1386", "2025-12-29")
