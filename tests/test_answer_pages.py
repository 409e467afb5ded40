"""Pages that answer a procurement officer: instrument card, buyer and contract pages, over
the curated data and generated contracts, in French and English."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from achat_core.resources import DATA_DIR
from achat_graph.cli import main
from graph_builder.sources.decp_generator import write_decp
from sparql_endpoint import create_app
from sparql_endpoint.pages.answers import legifrance_url
from sparql_endpoint.pages.numbers import day

BASE = "https://w3id.org/achat-public/"
UGAP = f"{BASE}id/organisation/ugap"
#: Another establishment of UGAP (same SIREN as the curated record): fictional, for the test.
UGAP_OTHER_SIRET = "77605646700012"
HOLDER = "44306184100047"
NNBSP, NBSP = "\u202f", "\u00a0"


def _marche(record_id: str, day: str, amount, **fields) -> dict:
    record = {
        "id": record_id, "acheteur": {"id": UGAP_OTHER_SIRET}, "codeCPV": "72000000-5",
        "marcheInnovant": True, "dateNotification": day, "montant": amount,
        "procedure": "Marché passé sans publicité ni mise en concurrence préalable",
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": HOLDER}}],
        "lieuExecution": {"code": "35", "typeCode": "Code département"},
        "objet": f"Logiciel innovant {record_id}",
    }
    record.update(fields)
    return record


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("answer-inputs")
    generated = folder / "generated.json.gz"
    write_decp(generated, 120, seed=5)
    own = folder / "own.json"
    own.write_text(json.dumps({"marches": {"marche": [
        # A control character in a title (seen in DECP) must not break the feeds' XML.
        _marche("UGAP-INNOV-1", "2023-03-14", 64000.5,
                objet="Logiciel innovant UGAP-INNOV-1\x07"),
        _marche("UGAP-INNOV-2", "2024-06-30", 80000),
        _marche("UGAP-OPEN-3", "2024-07-01", 250000, marcheInnovant=False,
                procedure="Appel d'offres ouvert", objet="=HYPERLINK(\"x\")"),
        _marche("=HYPERLINK(\"y\")", "2022-02-02", 1000, marcheInnovant=False,
                acheteur={"id": "21350238800014"},
                lieuExecution={"code": "@SUM(1)", "typeCode": "Code postal"}),
    ]}}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path_factory.mktemp("answer-build") / "dist"
    result = CliRunner().invoke(main, ["build", "--data", str(DATA_DIR), "--out", str(out),
                                       "--quiet", "--decp", str(generated), "--decp", str(own)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def client(built):
    return create_app({"DIST": built, "STORE": str(built / "store")}).test_client()


def page(client, path: str, lang: str) -> str:
    separator = "&" if "?" in path else "?"
    response = client.get(f"{path}{separator}lang={lang}", headers={"Accept": "text/html"})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def card_of(html: str) -> str:
    """Return what comes before "All data": the answer and usage sections."""
    return html[html.index("<main"):html.index('class="all-data"')]


def words(html: str) -> str:
    return re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", html))


def test_legifrance_links_are_built_only_from_known_identifier_kinds():
    assert legifrance_url("LEGIARTI000044490444") == \
        "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000044490444"
    assert legifrance_url("LEGITEXT000037701019") == \
        "https://www.legifrance.gouv.fr/codes/texte_lc/LEGITEXT000037701019"
    assert legifrance_url("2018-1225") is None
    assert legifrance_url("LEGIARTI00004449044/../x") is None


def test_instrument_card_in_french(client, built):
    checked = next(iter(ox.Store.read_only(str(built / "store")).query(
        f"SELECT ?d WHERE {{ <{BASE}id/instrument/achat-innovant> "
        f"<https://w3id.org/achat-public/ontology#legalFactsCheckedOn> ?d }}")))["d"].value
    card = card_of(page(client, "/doc/instrument/achat-innovant", "fr"))
    text = words(card)
    assert "Dispense de publicité et de mise en concurrence" in text        # what it is
    # thresholds in the curated order, the general case first, with their scope
    amounts = re.findall(r"en dessous de <strong class=\"amount\">([^<]+)</strong>", card)
    assert amounts[:2] == [f"100{NNBSP}000{NBSP}€ HT", f"80{NNBSP}000{NBSP}€ HT"]
    assert "Valeur estimée du besoin" in text   # §8: the need's estimated value, not the total
    # legal basis: article number, title, Légifrance link; the definition of "innovant"
    assert "R2122-9-1" in text and "L2172-3" in text
    assert 'href="https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000044490444"' in card
    assert "24 décembre 2018" in text and day(checked, "fr") in text    # since, last checked
    assert "inn-pur" in text                                              # EU equivalent
    assert "pas un conseil juridique" in text
    assert "Derniers contrats" in text and "Logiciel innovant UGAP-INNOV-2" in text
    assert f"80{NNBSP}000{NBSP}€" in text and "30 juin 2024" in text
    assert "Union des groupements d'achats publics" in text or "UGAP" in text  # its buyer
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in card     # usage chart
    assert "Toutes les données" in page(client, "/doc/instrument/achat-innovant", "fr")
    # the card speaks one language
    assert "Estimated value of the need" not in text and "Legal basis" not in text


def test_instrument_card_in_english(client):
    html = page(client, "/doc/instrument/achat-innovant", "en")
    text = words(card_of(html))
    assert "When it may be used" in text and "below" in text
    assert "€100,000 excl. VAT" in text and "Estimated value of the need" in text
    assert "€64,000.50" in text and "March 14, 2023" in text
    assert "Montant total du marché" not in text and "Base juridique" not in text
    assert "Types :" not in html and "IRI :" not in html
    assert not re.search(r'class="tag">(decimal|string|boolean|date|integer)<', html)


def test_usage_table_sits_beside_the_chart_with_every_year(client, built):
    html = card_of(page(client, "/doc/instrument/achat-innovant", "en"))
    years = re.findall(r'<tr><th scope="row">(\d{4})</th>', html)
    assert "2023" in years and "2024" in years and years == sorted(years)
    store = ox.Store.read_only(str(built / "store"))
    total = store.query(
        f"SELECT (COUNT(?c) AS ?n) WHERE {{ ?c <https://w3id.org/achat-public/ontology#"
        f"inferredInstrument> <{BASE}id/instrument/achat-innovant> }}")
    count = int(next(iter(total))["n"].value)
    assert f"<strong>{count}</strong> published contracts use it" in html


def test_buyer_page_knows_its_contracts(client):
    html = page(client, "/doc/organisation/ugap", "en")
    text = words(card_of(html))
    assert "As buyer" in text and "3 contracts" in text
    assert 'href="https://annuaire-entreprises.data.gouv.fr/entreprise/776056467"' in html
    assert "Innovative contracts" in text and "Logiciel innovant UGAP-INNOV-1" in text
    assert "Innovative-purchase exemption" in text and "Open procedure" in text
    assert re.search(r'<th scope="row"><code>72</code></th><td class="num">3</td>', html)
    # the per-buyer indicators are read from the graph, linked to the buyer
    assert "/doc/indicator/innovative-contracts-buyer-" in html


def test_buyer_role_page_shows_its_organisation(client):
    html = page(client, f"/doc/buyer/siret-{UGAP_OTHER_SIRET}", "fr")
    text = words(card_of(html))
    assert "Ce rôle est tenu par" in text and "Comme acheteur" in text


@pytest.mark.parametrize(("lang", "label", "notice"), [
    ("fr", f"SIRET {HOLDER} (nom inconnu)", "Nom inconnu."),
    ("en", f"SIRET {HOLDER} (name unknown)", "Name unknown."),
])
def test_without_sirene_a_supplier_name_is_said_unknown(client, built, lang, label, notice):
    """Without a Sirene file the number is never passed off as a name."""
    text = words(card_of(page(client, f"/doc/organisation/siret-{HOLDER}", lang)))
    assert label in text and notice in text and "--sirene" in text
    assert "Établissement SIRET" not in text and "Establishment SIRET" not in text
    rows = client.get("/organisations.csv?source=buyers&lang=en").get_data(as_text=True)
    assert "Établissement" not in rows


def test_contract_page_reads_as_a_sentence(client, built):
    store = ox.Store.read_only(str(built / "store"))
    row = next(iter(store.query(
        'SELECT ?c WHERE { ?c <http://purl.org/dc/terms/identifier> "UGAP-INNOV-1" }')))
    key = row["c"].value.removeprefix(f"{BASE}id/")
    html = page(client, f"/doc/{key}", "en")
    text = words(card_of(html))
    assert "concluded this contract on March 14, 2023 with" in text
    assert "€64,000.50 excl. VAT" in text
    assert "72000000" in text and "Innovative-purchase exemption" in text
    assert "All data" in html and "bindsBuyer" not in text


def test_errors_speak_the_page_language_and_keep_the_details_wrapped(client):
    french = client.get("/doc/instrument/achat-innovant.exe?lang=fr",
                        headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Rien ici" in french and '<pre class="wrap" lang="en">' in french
    bad = client.get("/query", query_string={"query": "SELECT ?x WHERE {", "lang": "fr"},
                     headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Requête incorrecte" in bad and '<pre class="wrap" lang="en">' in bad
    english = client.get("/query", query_string={"query": "SELECT ?x WHERE {", "lang": "en"},
                         headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Bad request" in english and "Requête incorrecte" not in english


def test_contracts_table_is_published_beside_the_dumps(client):
    import csv
    import gzip
    import io

    listing = client.get("/dumps/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "contracts.csv.gz" in listing
    with client.get("/dumps/contracts.csv.gz") as response:
        assert response.status_code == 200
        body = response.get_data()
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(body).decode())))
    assert len({r["contract"] for r in rows}) == len(rows) >= 120
    mine = next(r for r in rows if r["id"] == "UGAP-INNOV-1")
    assert mine["buyer_siret"] == UGAP_OTHER_SIRET and mine["amount_eur_excl_vat"] == "64000.5"
    assert mine["innovative"] == "true" and "achat-innovant" in mine["instruments"].split()
    assert mine["holders"] == f"SIRET:{HOLDER}" and mine["cpv"] == "72000000"
    formula = next(r for r in rows if r["id"] == "UGAP-OPEN-3")
    assert formula["title"] == "'=HYPERLINK(\"x\")"          # text, never a formula
    # Every text cell: an id or a place code from DECP is no formula either.
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())
    assert any(row["id"] == "'=HYPERLINK(\"y\")" for row in rows)


def test_lists_filter_page_and_have_csv_and_json_twins(client):
    html = page(client, "/instruments", "en")
    assert "Innovative-purchase exemption" in html
    assert 'href="/instruments.csv?lang=en"' in html
    filtered = client.get("/instruments?q=innovant&lang=fr").get_data(as_text=True)
    assert "Achat innovant sans publicité" in filtered
    assert "Appel d&#39;offres ouvert" not in filtered
    with client.get("/instruments.csv?q=innovant&lang=fr") as response:
        assert response.headers["Content-Disposition"] == \
            'attachment; filename="achat-public-instruments-q-innovant-fr.csv"'
        lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "name,kind,contracts,page" and len(lines) >= 3
    data = client.get("/organisations.json?lang=en").get_json()
    assert data["list"] == "organisations" and any(
        "77605646700587" in r["siret"].split() for r in data["rows"])
    buyers = page(client, "/organisations?source=buyers", "en")
    assert UGAP_OTHER_SIRET in buyers or "Union des groupements" in buyers
    total = int(re.search(r"<p>([\d,]+)\u00a0items?", buyers).group(1).replace(",", ""))
    if total > 50:
        assert 'rel="next"' in buyers
        assert 'rel="prev"' in page(client, "/organisations?source=buyers&page=2", "en")
    assert client.get("/organisations?source=buyers&page=999").status_code == 404
    assert client.get("/regions?page=zero").status_code == 400
    regions = page(client, "/regions", "fr")
    assert "Région Bretagne" in regions
    assert client.get("/resources.xml").status_code == 404


def test_search_type_filter_uses_readable_names(client):
    html = page(client, "/search?q=achat", "en")
    assert '<option value="instrument">Procurement instrument</option>' in html
    assert ">DatatypeProperty<" not in html and ">actor-role<" not in html
    french = client.get("/search?q=achat&lang=fr").get_data(as_text=True)
    assert '<option value="instrument">Instrument d&#39;achat</option>' in french


def test_atom_feeds_of_new_contracts_per_instrument_and_buyer(client):
    from xml.etree import ElementTree

    atom = "{http://www.w3.org/2005/Atom}"
    html = page(client, "/doc/instrument/achat-innovant", "en")
    assert 'href="/feeds/instrument/achat-innovant.atom"' in html
    assert 'href="/feeds/organisation/ugap.atom"' in page(client, "/doc/organisation/ugap", "en")
    response = client.get("/feeds/instrument/achat-innovant.atom?lang=en")
    assert response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.get_data())
    entries = feed.findall(f"{atom}entry")
    titles = [e.find(f"{atom}title").text for e in entries]
    assert titles[0] == "Logiciel innovant UGAP-INNOV-2"
    updated = [e.find(f"{atom}updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert "€80,000" in entries[0].find(f"{atom}summary").text
    assert "Logiciel innovant UGAP-INNOV-1\ufffd" in titles  # the control character, replaced
    buyer = ElementTree.fromstring(client.get("/feeds/organisation/ugap.atom").get_data())
    assert len(buyer.findall(f"{atom}entry")) == 3
    assert client.get("/feeds/contract/x.atom").status_code == 404
    assert client.get("/feeds/instrument/nope.atom").status_code == 404


def test_an_obligation_from_a_threshold_reads_from_not_below(client):
    """L2112-2-1 holds at or above the EU thresholds: its amounts read "from", never "below"."""
    for lang, below, upwards in (("fr", "en dessous de", "à partir de"), ("en", "below", "from")):
        html = card_of(page(client, "/doc/instrument/clauses-sociales-environnementales", lang))
        table = html.split('class="thresholds"')[1].split("</table>")[0]
        amounts = re.findall(r"<tr><td>.*?</td><td>(.*?)</td>", table, re.S)  # period, amount
        social = [i for i in amounts if "216" in i]
        assert social and all(i.strip().startswith(upwards) for i in social), social
        achat = card_of(page(client, "/doc/instrument/achat-innovant", lang))
        assert f"<td>{below} <strong" in achat
