"""Names, kinds and sizes of buyers and suppliers from the Sirene register, on every page and
file, in French and English; unknown names said as such; the non-diffusible never named;
the curated UGAP meeting its contracts."""

from __future__ import annotations

import csv
import gzip
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from achat_core.iris import RDFS, SKOS
from achat_core.resources import DATA_DIR
from achat_graph.cli import main
from graph_builder.rdf.contracts import UNKNOWN_NAME
from graph_builder.sources.decp_generator import write_decp
from graph_builder.sources.sirene_generator import (
    COLUMNS,
    NAME_LEAK_MARK,
    write_stock_unite_legale,
)
from sparql_endpoint import create_app
from sparql_endpoint.pages.words import UNKNOWN_NAME_MARKS

BASE = "https://w3id.org/achat-public/"
UGAP = f"{BASE}id/organisation/ugap"
UGAP_SIRET, UGAP_OTHER_SIRET = "77605646700587", "77605646700012"
#: A sole trader whose row is partially diffusible but still carries a name.
HIDDEN_SIRET = "55512345600017"
#: A supplier the register does not hold.
UNKNOWN_SIRET = "99887766500014"
#: A commune buying, and a company supplying it, both named by the register.
TOWN_SIRET, FIRM_SIRET = "21350238800019", "44306184100047"


def _marche(record_id: str, buyer: str, holder: str, day: str, amount) -> dict:
    return {
        "id": record_id, "acheteur": {"id": buyer}, "codeCPV": "72000000-5",
        "dateNotification": day, "montant": amount, "procedure": "Appel d'offres ouvert",
        "marcheInnovant": False,
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": holder}}],
        "lieuExecution": {"code": "35", "typeCode": "Code département"},
        "objet": f"Prestations {record_id}",
    }


def _unit(siren: str, status: str, category: str, **names) -> list[str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(siren=siren, statutDiffusionUniteLegale=status, etatAdministratifUniteLegale="A",
               categorieJuridiqueUniteLegale=category, **names)
    return [row[c] for c in COLUMNS]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("names-inputs")
    generated = folder / "generated.json"
    write_decp(generated, 80, seed=21, concession_share=0)
    own = folder / "own.json"
    own.write_text(json.dumps({"marches": {"marche": [
        _marche("UGAP-A", UGAP_SIRET, HIDDEN_SIRET, "2023-03-14", 90000),
        _marche("UGAP-B", UGAP_OTHER_SIRET, UNKNOWN_SIRET, "2024-06-30", 120000),
        _marche("TOWN-1", TOWN_SIRET, FIRM_SIRET, "2024-02-01", 50000),
        _marche("TOWN-2", TOWN_SIRET, HIDDEN_SIRET, "2024-05-01", 45000),
        _marche("TOWN-OLD", TOWN_SIRET, FIRM_SIRET, "2018-06-01", 30000),
    ]}}, ensure_ascii=False), encoding="utf-8")
    data = json.loads(generated.read_text(encoding="utf-8"))["marches"]["marche"]
    sirens = {r["acheteur"]["id"][:9] for r in data} | {
        h["titulaire"]["id"][:9] for r in data for h in r["titulaires"]}
    stock = folder / "StockUniteLegale_utf8.csv"
    write_stock_unite_legale(stock, 400, seed=21, sirens=sirens)
    with open(stock, "a", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(_unit("776056467", "O", "4110", denominationUniteLegale=(
            "UNION DES GROUPEMENTS D'ACHATS PUBLICS"), trancheEffectifsUniteLegale="41",
            categorieEntreprise="ETI", activitePrincipaleUniteLegale="46.90Z"))
        writer.writerow(_unit(HIDDEN_SIRET[:9], "P", "1000", prenom1UniteLegale="Jeanne",
                              nomUniteLegale=f"DUPONT {NAME_LEAK_MARK}",
                              pseudonymeUniteLegale=f"Jeanne {NAME_LEAK_MARK}"))
        writer.writerow(_unit(TOWN_SIRET[:9], "O", "7210",
                              denominationUniteLegale="COMMUNE DE RENNES ESSAI",
                              trancheEffectifsUniteLegale="53"))
        writer.writerow(_unit(FIRM_SIRET[:9], "O", "5710",
                              denominationUniteLegale="LOGICIELS DE L'OUEST",
                              trancheEffectifsUniteLegale="12", categorieEntreprise="PME"))
    out = tmp_path_factory.mktemp("names-build") / "dist"
    result = CliRunner().invoke(main, [
        "build", "--data", str(DATA_DIR), "--out", str(out), "--quiet",
        "--decp", str(generated), "--decp", str(own), "--sirene", str(stock)])
    assert result.exit_code == 0, result.output
    (out.parent / "build-output.txt").write_text(result.output, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def client(built):
    return create_app({"DIST": built, "STORE": str(built / "store")}).test_client()


def page(client, path: str, lang: str) -> str:
    separator = "&" if "?" in path else "?"
    response = client.get(f"{path}{separator}lang={lang}", headers={"Accept": "text/html"})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def words(html: str) -> str:
    return re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", html))


def test_pages_and_builder_agree_on_the_unknown_name_words():
    assert tuple(f"({w})" for w in UNKNOWN_NAME) == UNKNOWN_NAME_MARKS


TOWN = f"/doc/organisation/siret-{TOWN_SIRET}"
FIRM = f"/doc/organisation/siret-{FIRM_SIRET}"
HIDDEN = f"/doc/organisation/siret-{HIDDEN_SIRET}"
UNKNOWN = f"/doc/organisation/siret-{UNKNOWN_SIRET}"


@pytest.mark.parametrize(("lang", "expected"), [
    ("fr", ["COMMUNE DE RENNES ESSAI", "Nom légal", "Type d'acheteur", "commune",
            "Catégorie juridique", "10 000 salariés et plus", "Comme acheteur"]),
    ("en", ["COMMUNE DE RENNES ESSAI", "Legal name", "Kind of buyer", "commune (municipality)",
            "Legal category", "10,000 employees or more", "As buyer"]),
])
def test_a_buyer_page_shows_its_legal_name_kind_and_size(client, lang, expected):
    text = words(page(client, TOWN, lang)).replace("&#39;", "'")
    assert all(e in text for e in expected), [e for e in expected if e not in text]
    assert "SIRET 21350238800019 (" not in text  # no stand-in label: the register named it


@pytest.mark.parametrize(("lang", "expected"), [
    ("fr", ["LOGICIELS DE L'OUEST", "Petite ou moyenne entreprise", "20 à 49 salariés",
            "Comme titulaire"]),
    ("en", ["LOGICIELS DE L'OUEST", "Small or medium-sized enterprise (SME)",
            "20 to 49 employees", "As supplier"]),
])
def test_a_supplier_page_shows_its_legal_name_and_size(client, lang, expected):
    text = words(page(client, FIRM, lang)).replace("&#39;", "'")
    assert all(e in text for e in expected), [e for e in expected if e not in text]


@pytest.mark.parametrize(("lang", "expected"), [
    ("fr", ["SIRET 99887766500014 (nom inconnu)", "Nom inconnu.", "registre Sirene",
            "achat-graph build --decp … --sirene", "Names of buyers and suppliers (Sirene)"]),
    ("en", ["SIRET 99887766500014 (name unknown)", "Name unknown.", "Sirene register",
            "achat-graph build --decp … --sirene", "Names of buyers and suppliers (Sirene)"]),
])
def test_a_number_the_register_lacks_says_the_name_is_unknown_and_how_to_add_it(
        client, lang, expected):
    html = page(client, UNKNOWN, lang)
    text = words(html)
    assert all(e in text for e in expected), [e for e in expected if e not in text]
    assert "Établissement" not in text and "Establishment SIRET" not in text
    contract = page(client, "/doc/contract/77605646700012-ugap-b-ed6e36-2024-06-30", lang)
    assert re.search(r'<a href="[^"]*siret-99887766500014" class="unknown-name">', contract)


def test_the_readme_has_the_section_the_pages_point_to():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "\n### Names of buyers and suppliers (Sirene)\n" in readme


def test_lists_and_their_twins_give_names_kinds_and_sizes(client):
    html = words(page(client, "/organisations?source=buyers", "fr"))
    assert "COMMUNE DE RENNES ESSAI commune 10 000 salariés et plus" in html
    rows = list(csv.DictReader(client.get(
        "/organisations.csv?source=buyers&lang=en").get_data(as_text=True).lstrip("\ufeff")
        .splitlines()))
    town = next(r for r in rows if r["siret"] == TOWN_SIRET)
    assert (town["name"], town["kind"], town["size"]) == (
        "COMMUNE DE RENNES ESSAI", "commune (municipality)", "10,000 employees or more")
    ugap = next(r for r in rows if r["name"].startswith("UGAP"))
    assert ugap["kind"] == "public establishment"
    listed = client.get("/organisations.json?source=buyers&lang=fr").get_data(as_text=True)
    assert "COMMUNE DE RENNES ESSAI" in listed and "10 000 salariés et plus" in listed


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_top_buyers_table_and_its_csv_name_the_buyers(client, lang):
    html = page(client, "/doc/instrument/appel-offres-ouvert", lang)
    caption = "Acheteurs qui l&#39;utilisent le plus" if lang == "fr" else "Buyers who use it most"
    table = html.split(caption)[1].split("</table>")[0]
    assert "UGAP" in table and "COMMUNE DE RENNES ESSAI (" + (
        "commune, 10 000 salariés et plus" if lang == "fr"
        else "commune (municipality), 10,000 employees or more") + ")" in words(table)
    link = re.search(r'<a class="csv" href="([^"]+)"', table).group(1).replace("&amp;", "&")
    with client.get(link) as response:
        rows = response.get_data(as_text=True)
        # the page's columns in its language, identifiers in columns of their own
        heading = ("Acheteur,Contrats,Montant HT,Type d'acheteur,Taille,SIRET,IRI"
                   if lang == "fr" else
                   "Buyer,Contracts,Amount excl. VAT,Kind of buyer,Size,SIRET,IRI")
        assert rows.lstrip("\ufeff").startswith(heading + "\r\n")
        assert response.headers["Content-Disposition"] == 'attachment; filename="{}"'.format(
            "appel-offres-ouvert-acheteurs.csv" if lang == "fr"
            else "open-procedure-buyers.csv")
    line = next(r for r in rows.splitlines() if r.startswith("COMMUNE DE RENNES ESSAI,"))
    assert "/id/organisation/" in line.rsplit(",", 1)[1]


@pytest.mark.parametrize(("lang", "sentence", "kind"), [
    ("fr", "COMMUNE DE RENNES ESSAI a conclu ce contrat le 1er février 2024 avec "
           "LOGICIELS DE L'OUEST", "COMMUNE DE RENNES ESSAI (commune, 10 000 salariés et plus)"),
    ("en", "COMMUNE DE RENNES ESSAI concluded this contract on February 1, 2024 with "
           "LOGICIELS DE L'OUEST",
     "COMMUNE DE RENNES ESSAI (commune (municipality), 10,000 employees or more)"),
])
def test_a_contract_page_names_its_parties_with_kind_and_size(client, lang, sentence, kind):
    text = words(page(client, "/doc/contract/21350238800019-town-1-5b41b6-2024-02-01", lang))
    assert sentence in text.replace("&#39;", "'") and kind in text


def test_the_contracts_table_has_the_buyer_and_holder_names(built):
    with gzip.open(built / "contracts.csv.gz", "rt", encoding="utf-8", newline="") as table:
        rows = {r["id"]: r for r in csv.DictReader(table)}
    assert rows["TOWN-1"]["buyer_name"] == "COMMUNE DE RENNES ESSAI"
    assert rows["TOWN-1"]["holder_names"] == "LOGICIELS DE L'OUEST"
    assert rows["UGAP-A"]["buyer_name"] == "UNION DES GROUPEMENTS D'ACHATS PUBLICS"
    assert rows["UGAP-A"]["holder_names"] == (
        "Entrepreneur individuel (données non diffusibles), SIREN 555123456")
    assert rows["UGAP-B"]["holder_names"] == ""  # not in the register


def test_search_and_feeds_use_the_names(client):
    hits = client.get("/search.json?q=logiciels ouest").get_json()["results"]
    assert hits[0]["label"] == "LOGICIELS DE L'OUEST" and hits[0]["kind"] == "organisation"
    feed = client.get(f"/feeds/organisation/siret-{TOWN_SIRET}.atom?lang=en").get_data(
        as_text=True)
    assert "COMMUNE DE RENNES ESSAI" in feed


def _published_text(folder: Path) -> str:
    """Return every file of a build as text, gzip ones decompressed (the store as bytes)."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            parts.append((gzip.decompress(data) if path.suffix == ".gz" else data)
                         .decode("utf-8", "replace"))
    return "\n".join(parts)


def test_a_partially_diffusible_holder_is_named_nowhere(built, client):
    everything = _published_text(built)
    assert NAME_LEAK_MARK not in everything and "[ND]" not in everything
    assert "DUPONT" not in everything and "Jeanne" not in everything
    assert "Entrepreneur individuel (données non diffusibles), SIREN 555123456" in everything
    paths = [f"{HIDDEN}{suffix}" for suffix in ("", ".ttl", ".nt", ".jsonld", ".rdf")] + [
        f"/feeds/organisation/siret-{HIDDEN_SIRET}.atom",
        f"/feeds/organisation/siret-{TOWN_SIRET}.atom",
        "/organisations.csv?source=buyers", "/organisations.json?source=buyers",
        "/doc/contract/21350238800019-town-2-2b6637-2024-05-01",
        "/search.json?q=555123456", "/search.json?q=dupont", "/search.json?q=secret"]
    for lang in ("fr", "en"):
        for path in paths:
            separator = "&" if "?" in path else "?"
            response = client.get(f"{path}{separator}lang={lang}")
            assert response.status_code == 200, path
            shown = response.get_data(as_text=True)
            assert NAME_LEAK_MARK not in shown and "DUPONT" not in shown, path
            assert "[ND]" not in shown and "Jeanne" not in shown, path
    text = words(page(client, HIDDEN, "en"))
    assert "Sole trader (non-public data), SIREN 555123456" in text
    assert "does not allow its name to be published" in text
    assert "Données non diffusibles" in words(page(client, HIDDEN, "fr"))


def test_ugap_curated_page_meets_its_contracts_from_both_establishments(built, client):
    html = page(client, "/doc/organisation/ugap", "fr")
    text = words(html).replace("&#39;", "'")
    assert "Prestations UGAP-A" in text and "Prestations UGAP-B" in text
    assert 'id="chart-buyer-title"' in html and "Appel d'offres ouvert" in text
    assert "UNION DES GROUPEMENTS D'ACHATS PUBLICS" in text  # the register's legal name
    assert "Centrale d'achat nationale" in text  # the curated description
    store = ox.Store()
    store.load(client.get("/doc/organisation/ugap.nt").get_data(), format=ox.RdfFormat.N_TRIPLES)
    names = {(row["p"].value, row["l"].language) for row in store.query(
        f"SELECT ?p ?l WHERE {{ <{UGAP}> ?p ?l "
        f"FILTER(?p IN (<{RDFS}label>, <{SKOS}prefLabel>)) }}")}
    assert names == {(RDFS + "label", "fr"), (RDFS + "label", "en")}  # the curated label wins
    everything = _published_text(built)
    for siret in (UGAP_SIRET, UGAP_OTHER_SIRET):  # no second node for either establishment
        assert f"id/organisation/siret-{siret}" not in everything


@pytest.mark.parametrize(("path", "lang", "since", "wrong"), [
    ("marche-sans-publicite", "fr", "En vigueur depuis le 1er avril 2019", "29 décembre 2025"),
    ("marche-sans-publicite", "en", "In force since April 1, 2019", "December 29, 2025"),
    ("partenariat-innovation", "en", "Since February 26, 2014", None),
    ("clauses-sociales-environnementales", "fr", "En vigueur depuis le 1er avril 2019", None),
])
def test_since_is_the_earliest_date_of_the_legal_basis_and_names_it(client, path, lang, since,
                                                                     wrong):
    html = page(client, f"/doc/instrument/{path}", lang)
    heading = "Depuis" if lang == "fr" else "Since"
    answer = words(html.split(f"<dt>{heading}</dt>")[1].split("</dd>")[0])
    assert since in answer, answer
    assert any(basis in answer for basis in ("Code de la commande publique", "Directive 2014/24",
                                              "French Public Procurement Code")), answer
    if wrong:
        assert wrong not in answer
    if path == "clauses-sociales-environnementales":  # the loi Climat is counted, with its date
        assert "Loi Climat et résilience, article 35 (texte du 22 août 2021" in words(html)


@pytest.mark.parametrize(("lang", "words_"), [
    ("fr", ["Seuils par période", "Période", "depuis le 1er janvier 2020", "40\u202f000",
            "depuis le 1er avril 2026", "60\u202f000"]),
    ("en", ["Thresholds by period", "Period", "January 1, 2020", "€40,000",
            "since April 1, 2026", "€60,000"]),
])
def test_r2122_8_thresholds_read_as_a_history_by_period(client, lang, words_):
    html = page(client, "/doc/instrument/marche-sans-publicite", lang)
    table = words(html.split('<table class="thresholds">')[1].split("</table>")[0])
    assert all(w in table for w in words_), [w for w in words_ if w not in table]
    assert table.index("40") < table.index("60")  # oldest period first


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_undated_basis_says_so_in_words(client, lang):
    html = page(client, "/doc/instrument/pnad", lang)
    heading = "Depuis" if lang == "fr" else "Since"
    answer = words(html.split(f"<dt>{heading}</dt>")[1].split("</dd>")[0])
    assert ("Aucune date connue pour sa base juridique." if lang == "fr"
            else "No date is known for its legal basis.") in answer


def test_the_build_warns_of_contracts_before_the_basis_is_in_force(built):
    warning = ("Warning: 1 contract using instrument appel-offres-ouvert was concluded before "
               "its legal basis is in force (since 2019-04-01, code-commande-publique), the "
               "first on 2018-06-01")
    assert warning in (built / "summary.txt").read_text(encoding="utf-8")
    assert warning in (built.parent / "build-output.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_who_promotes_lists_promoters_not_authors(client, lang):
    html = page(client, "/doc/instrument/achat-innovant", lang)
    section = html.split('id="prom-h"')[1].split("</section>")[0]
    assert "/doc/organisation/daj" in section and "guide-daj-achat-innovant" in section
    for path in ("partenariat-public-communs", "partenariat-innovation", "pacte-collaboration"):
        promoted = page(client, f"/doc/instrument/{path}", lang)
        if 'id="prom-h"' in promoted:
            listed = re.findall(r'href="/doc/organisation/([^"]+)"',
                                promoted.split('id="prom-h"')[1].split("</section>")[0])
            assert set(listed) <= {"daj"}, listed


def test_no_instrument_page_has_an_empty_since(client):
    rows = list(csv.DictReader(client.get("/instruments.csv?lang=fr").get_data(as_text=True)
                               .lstrip("\ufeff").splitlines()))
    assert len(rows) >= 21
    for row in rows:
        html = page(client, "/doc/" + row["page"].split("/doc/", 1)[1], "fr")
        answer = words(html.split("<dt>Depuis</dt>")[1].split("</dd>")[0]).strip()
        assert answer.startswith(("En vigueur depuis le", "Depuis le", "Aucune date connue")), (
            row["name"], answer)
