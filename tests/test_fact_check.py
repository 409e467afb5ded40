"""The fact-check of 2026-12-03 (facts.md §8, issue 26): corrections, dated thresholds, sources."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from decimal import Decimal

import pyoxigraph as ox
import pyshacl
import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS

from achat_core.iris import DEFAULT_BASE
from achat_core.resources import DATA_DIR, QUERIES_DIR
from achat_graph.cli import main
from graph_builder.namespaces import APG
from graph_builder.rdf import vocabulary
from graph_builder.rdf.mapping import map_records, thing_iri
from graph_builder.sources.curated import read_data_dir
from graph_builder.sources.records import Record

NATURE = "http://publications.europa.eu/resource/authority/contract-nature/"
#: Addresses that open a legal text or an article: Légifrance or EUR-Lex (CELEX, ELI).
OFFICIAL = re.compile(r"^https?://(www\.legifrance\.gouv\.fr/(jorf/id/JORFTEXT|codes/texte_lc/"
                      r"LEGITEXT|codes/article_lc/LEGIARTI)[0-9]{12}|(eur-lex\.europa\.eu/.*CELEX"
                      r"[:%3A]+[0-9A-Z]+|data\.europa\.eu/eli/))", re.IGNORECASE)
#: The internal note that must never be published (§8, wording).
INTERNAL_NOTE = "n'est pas consigné dans les faits vérifiés"


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return read_data_dir(DATA_DIR)


@pytest.fixture(scope="module")
def by_ref(records) -> dict[str, dict]:
    return {r.ref: r.fields for r in records}


@pytest.fixture(scope="module")
def graph(records):
    return map_records(records, DEFAULT_BASE).graph


def iri(kind: str, key: str) -> URIRef:
    return thing_iri(DEFAULT_BASE, kind, key)


def thresholds(records) -> dict[str, dict]:
    return {t["key"]: t for r in records for t in r.fields.get("thresholds", ())}


# --- Item 2: thresholds as a dated history -------------------------------------------------

@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """Build the real curated graph with the CLI; return the published folder."""
    out = tmp_path_factory.mktemp("built") / "dist"
    result = CliRunner().invoke(main, ["build", "--out", str(out), "--quiet",
                                       "--created", "2026-12-03"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def built(dist) -> ox.Store:
    """Load the built graph's N-Triples dump."""
    out = dist
    store = ox.Store()
    store.load(gzip.decompress((out / "graph.nt.gz").read_bytes()),
               format=ox.RdfFormat.N_TRIPLES)
    return store


def in_force(store: ox.Store, date: str, nature: str) -> set[tuple[str, int]]:
    """Run the example query for one date and nature; return (threshold key, amount)."""
    query = (QUERIES_DIR / "11-thresholds-in-force-on-a-date.rq").read_text(encoding="utf-8")
    values = f'("{date}"^^xsd:date <{NATURE}{nature}>)'
    query, count = re.subn(r'\("[0-9-]+"\^\^xsd:date <[^>]+>\)', values, query)
    assert count == 1
    return {(row["threshold"].value.rsplit("/", 1)[1], int(float(row["amount"].value)))
            for row in store.query(query)}


def test_the_threshold_query_gives_the_thresholds_in_force_on_a_date(built):
    assert in_force(built, "2025-06-01", "supplies") == {
        ("r2122-8-fournitures-services-40000", 40000),
        ("r2122-9-1-lots-fournitures-services-80000", 80000),
        ("r2122-9-1-achat-innovant-100000", 100000),
        ("seuil-europeen-2024-fournitures-services-autorites-centrales", 143000),
        ("seuil-europeen-2024-fournitures-services-autres-pouvoirs-adjudicateurs", 221000),
        ("r2322-16-defense-300000", 300000),
        ("seuil-europeen-2024-fournitures-services-entites-adjudicatrices", 443000),
        ("seuil-europeen-2024-fournitures-services-defense-securite", 443000)}
    assert in_force(built, "2026-09-01", "supplies") == {
        ("r2122-8-fournitures-services-60000", 60000),
        ("r2122-9-1-lots-fournitures-services-80000", 80000),
        ("r2122-9-1-achat-innovant-100000", 100000),
        ("seuil-europeen-2026-fournitures-services-autorites-centrales", 140000),
        ("l2112-2-1-fournitures-services-autorites-centrales", 140000),
        ("seuil-europeen-2026-fournitures-services-autres-pouvoirs-adjudicateurs", 216000),
        ("l2112-2-1-fournitures-services-autres-pouvoirs-adjudicateurs", 216000),
        ("r2322-16-defense-300000", 300000),
        ("seuil-europeen-2026-fournitures-services-entites-adjudicatrices", 432000),
        ("seuil-europeen-2026-fournitures-services-defense-securite", 432000),
        ("l2112-2-1-fournitures-services-entites-adjudicatrices", 432000)}


@pytest.mark.parametrize("date, key", [
    ("2022-06-01", "loi-asap-travaux-100000"), ("2024-06-01", "decret-2022-1683-travaux-100000"),
    ("2025-06-01", "decret-2024-1217-travaux-100000"), ("2026-01-01", "r2122-8-travaux-100000")])
def test_works_below_100000_had_no_break(built, date, key):
    works = in_force(built, date, "works")
    assert (key, 100000) in works
    assert not {k for k, amount in works if amount == 100000 and "travaux" in k} - {
        key, "r2122-9-1-lots-travaux-100000"}


def test_supplies_and_services_move_from_40000_to_60000_on_1_april_2026(built):
    assert ("r2122-8-fournitures-services-40000", 40000) in in_force(built, "2026-03-31",
                                                                      "services")
    april = in_force(built, "2026-04-01", "services")
    assert ("r2122-8-fournitures-services-60000", 60000) in april
    assert not any(key == "r2122-8-fournitures-services-40000" for key, _ in april)


def test_every_threshold_is_a_self_contained_record(records, graph):
    items = thresholds(records)
    assert len(items) == sum(len(r.fields.get("thresholds", ())) for r in records)
    for key, item in items.items():
        node = iri("threshold", key)
        assert item["currency"] == "EUR" and item["excluding_vat"] is True, key
        assert item["natures"] and item["sources"] and item["provision"], key
        for flag in ("innovative_only", "defence_and_security", "applies_below", "lots_only"):
            assert isinstance(item.get(flag), bool), (key, flag)
        assert item.get("in_force_from") or "non confirmée" in item["scope"]["fr"] \
            or "non consignée" in item["scope"]["fr"], key
        for prop in (APG.amount, APG.currency, APG.excludingVAT, APG.contractNature,
                     APG.provision, APG.appliesBelow, DCTERMS.source):
            assert graph.value(node, prop) is not None, (key, prop)


def test_the_listed_thresholds_have_their_values_and_periods(records):
    items = thresholds(records)
    expect = {  # key: (amount, from, until)
        "r2122-8-fournitures-services-40000": (40000, "2020-01-01", "2026-03-31"),
        "r2122-8-fournitures-services-60000": (60000, "2026-04-01", None),
        "r2122-8-travaux-100000": (100000, "2026-01-01", None),
        "loi-asap-travaux-100000": (100000, None, "2022-12-31"),
        "decret-2022-1683-travaux-100000": (100000, "2023-01-01", "2024-12-31"),
        "decret-2024-1217-travaux-100000": (100000, "2025-01-01", "2025-12-31"),
        "r2122-9-1-achat-innovant-100000": (100000, None, None),
        "r2322-16-defense-300000": (300000, "2025-01-01", None),
        "seuil-europeen-2026-fournitures-services-autorites-centrales":
            (140000, "2026-01-01", "2027-12-31"),
        "seuil-europeen-2026-fournitures-services-autres-pouvoirs-adjudicateurs":
            (216000, "2026-01-01", "2027-12-31"),
        "seuil-europeen-2026-fournitures-services-entites-adjudicatrices":
            (432000, "2026-01-01", "2027-12-31"),
        "seuil-europeen-2026-fournitures-services-defense-securite":
            (432000, "2026-01-01", "2027-12-31"),
        "seuil-europeen-2026-travaux": (5404000, "2026-01-01", "2027-12-31"),
        "seuil-europeen-2024-travaux": (5538000, "2024-01-01", "2025-12-31"),
        "l2112-2-1-travaux": (5404000, "2026-08-21", "2027-12-31"),
    }
    for key, (amount, start, end) in expect.items():
        item = items[key]
        assert item["amount"] == amount, key
        assert str(item.get("in_force_from")) == str(start) if start else \
            "in_force_from" not in item, key
        assert str(item.get("in_force_until")) == str(end) if end else \
            "in_force_until" not in item, key
    assert items["r2322-16-defense-300000"]["defence_and_security"] is True
    assert items["r2122-9-1-achat-innovant-100000"]["innovative_only"] is True
    assert items["l2112-2-1-travaux"]["applies_below"] is False
    assert items["l2112-2-1-travaux"]["provision"] == "ccp-l2112-2-1"
    assert items["seuil-europeen-2026-fournitures-services-autorites-centrales"][
        "authority_classes"] == ["central-government-authority"]


def test_a_threshold_period_that_ends_before_it_starts_is_refused(records):
    violations, _ = vocabulary.load_shapes()
    bad = [r for r in records if r.key == "marche-sans-publicite"][0]
    fields = dict(bad.fields)
    fields["thresholds"] = [dict(fields["thresholds"][0], in_force_from=dt.date(2027, 1, 1))]
    graph = vocabulary.load_vocabulary()
    graph += map_records([*[r for r in records if r is not bad],
                          Record(bad.kind, bad.key, fields)], DEFAULT_BASE).graph
    conforms, _, text = pyshacl.validate(graph, shacl_graph=violations, inference="none")
    assert not conforms and "inForceFrom" in text


# --- Item 3: sources a person can open -------------------------------------------------------

def unlinked(records) -> list[str]:
    """Return the legal texts and provisions with neither an official link nor a "not confirmed"."""
    missing = []
    for record in records:
        if record.kind not in ("legal-text", "legal-provision"):
            continue
        links = [record.fields.get("url"), *record.fields.get("same_as", ())]
        official = any(link and OFFICIAL.match(str(link)) for link in links)
        confirmed = record.fields.get("official_id_confirmed")
        if official != (confirmed is False):
            continue  # an official link (and not "not confirmed"), or "not confirmed" and no link
        missing.append(record.ref)
    return missing


def test_every_legal_text_and_provision_opens_or_says_it_cannot(records):
    assert unlinked(records) == []


def test_the_legal_link_check_catches_a_text_with_neither(records):
    text = Record("legal-text", "decret-inconnu", {"label": {"fr": "x", "en": "x"},
                                                      "sources": ["https://example.org"]})
    wrong = Record("legal-text", "decret-faux", {"url": "https://example.org/decret",
                                                   "official_id_confirmed": True})
    assert unlinked([*records, text, wrong]) == ["legal-text/decret-inconnu",
                                                 "legal-text/decret-faux"]


def test_confirmed_identifiers_open_the_official_page(by_ref):
    assert by_ref["legal-provision/ccp-r2122-9-1"]["url"] == \
        "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000044490444"
    assert "JORFTEXT000053202067" in by_ref["legal-text/decret-2025-1386"]["url"]
    assert "LEGITEXT000037701019" in by_ref["legal-text/code-commande-publique"]["url"]
    assert "CELEX:32014L0025" in by_ref["legal-text/directive-2014-25-ue"]["url"]


def test_every_resource_has_its_own_address_or_is_a_previous_version(records, by_ref):
    previous = {key for r in records for key in r.fields.get("previous_versions", ())}
    for record in records:
        if record.kind == "resource" and record.key not in previous:
            assert record.fields.get("url") or record.fields.get("wiki_page"), record.ref


def test_the_daj_guide_is_its_2024_edition_with_previous_versions(by_ref, graph):
    guide = by_ref["resource/guide-daj-achat-innovant"]
    assert guide["title"]["fr"] == "Guide de l'achat public de solutions innovantes"
    assert guide["url"] == "https://www.economie.gouv.fr/daj/achat-public-innovation"
    assert str(guide["issued"]) == "2024-04-16"
    assert "horizonspublics" not in " ".join(guide["sources"])
    assert set(guide["previous_versions"]) == {"guide-daj-achat-innovant-2019",
                                               "guide-daj-achat-innovant-2014-v2",
                                               "guide-daj-achat-innovant-2013-v1"}
    assert "version 1, avril 2013" in by_ref["resource/guide-daj-achat-innovant-2013-v1"][
        "label"]["fr"]
    previous = URIRef("http://www.w3.org/ns/dcat#previousVersion")
    assert (iri("resource", "guide-daj-achat-innovant"), previous,
            iri("resource", "guide-daj-achat-innovant-2019")) in graph


# --- Item 1: the corrections of §8 -----------------------------------------------------------

def test_the_internal_note_is_never_published(graph):
    assert not [o for o in graph.objects() if INTERNAL_NOTE in str(o)]
    assert not [o for o in graph.objects() if "not recorded in the verified facts" in str(o)]


@pytest.mark.parametrize("key, articles", [
    ("appel-offres-ouvert", {"ccp-l2124-2", "ccp-r2161-2"}),
    ("appel-offres-restreint", {"ccp-l2124-2", "ccp-r2161-6"}),
    ("procedure-adaptee", {"ccp-l2123-1", "ccp-r2123-1"}),
    ("accord-cadre", {"ccp-l2125-1", "ccp-r2162-1"}),
    ("marche-reserve", {"ccp-l2113-12-a-l2113-16"})])
def test_standard_procedures_cite_their_articles(by_ref, key, articles):
    instrument = by_ref[f"instrument/{key}"]
    assert articles <= set(instrument["legal_basis"])
    assert "legal_basis_note" not in instrument


def test_titles_are_the_official_ones(by_ref, graph):
    assert by_ref["legal-text/loi-2025-391"]["title"]["fr"].endswith(
        "en matière économique, financière, environnementale, énergétique, de transport, "
        "de santé et de circulation des personnes")
    assert by_ref["resource/horizons-publics-achats-innovants"]["title"]["fr"] == \
        "Achats innovants : une expérimentation inachevée ?"
    assert str(by_ref["resource/horizons-publics-achats-innovants"]["issued"]) == "2022-03-03"
    barcelona = iri("resource", "barcelona-patrimoni-ciutada")
    assert set(graph.objects(barcelona, DCTERMS.title)) == {Literal("Patrimoni ciutadà",
                                                                    lang="ca")}
    assert "cura" not in by_ref["legal-text/reglement-bologne-communs-urbains"]["label"]["fr"]
    assert "soin et la régénération" in by_ref[
        "legal-text/reglement-bologne-communs-urbains"]["label"]["fr"]


def test_scopes_are_the_checked_ones(by_ref):
    social = by_ref["instrument/clauses-sociales-environnementales"]["obligations"][1]
    assert "seuils européens" in social["label"]["fr"] and "EU thresholds" in social["label"]["en"]
    assert "seuils européens" in by_ref["legal-provision/ccp-l2112-2-1"]["label"]["fr"]
    green = by_ref["instrument/clauses-sociales-environnementales"]["obligations"][0]
    assert "L2312-1-1" in green["label"]["fr"] and "without competition" in green["label"]["en"]
    state = by_ref["figure/achats-etat-2023"]
    assert "établissements publics" in state["scope"]["fr"]
    assert "defence and security" in state["scope"]["en"]
    assert by_ref["figure/achats-etat-2024"]["value"] == 47900000000
    assert by_ref["figure/marches-etat-consideration-environnementale-2024"]["value"] == \
        Decimal("71.6")
    green_2023 = by_ref["figure/marches-etat-consideration-environnementale-2023"]
    assert green_2023["value"] == Decimal("54.7") and "40 000" in green_2023["scope"]["fr"]
    ugap = by_ref["figure/ugap-volume-activite-2023"]
    assert ugap["value"] == 6670000000 and "wikipedia" in ugap["sources"][0]


def test_the_role_definitions_say_not_every_metropole_is_an_epci():
    schemes = vocabulary.load_vocabulary()
    for code in ("local-authority", "intercommunal-body"):
        concept = URIRef(f"{DEFAULT_BASE}id/actor-role/{code}")
        texts = {d.language: str(d) for d in schemes.objects(concept, SKOS.definition)}
        assert "Lyon" in texts["fr"] and "Lyon" in texts["en"], code
        sources = {str(s) for s in schemes.objects(concept, DCTERMS.source)}
        assert not [s for s in sources if "c1160" in s], code


def test_the_wording_fixes_hold(by_ref, graph):
    rd = by_ref["instrument/marche-recherche-developpement"]["definition"]
    assert "exclusive ownership" in rd["en"] and "fully fund" in rd["en"]
    assert "propriété exclusive" in rd["fr"]
    innovative = thresholds([Record("instrument", "x", by_ref["instrument/achat-innovant"])])
    assert "estimée du besoin" in innovative["r2122-9-1-achat-innovant-100000"]["scope"]["fr"]
    assert "R2124-3" in by_ref["legal-provision/ccp-r2124-5"]["label"]["fr"]
    assert "L2113-15" in by_ref["instrument/marche-reserve"]["definition"]["fr"]
    assert by_ref["resource/etude-partenariats-innovation-ue"]["type"] == "web-page"
    for key in ("labsus", "p2p-foundation"):
        assert "research-network" in by_ref[f"organisation/{key}"]["roles"]
    for key, qid in (("gand", "Q1296"), ("barcelone", "Q1492")):
        city = URIRef(f"http://www.wikidata.org/entity/{qid}")
        assert (iri("organisation", key), SKOS.closeMatch, city) in graph
        assert (iri("organisation", key), OWL.sameAs, city) not in graph
    english = " ".join(str(o) for o in graph.objects() if getattr(o, "language", None) == "en")
    for other in ("publicity", "advertis", "contract notice"):  # "prior publication" only
        assert other not in english.lower(), other
    every = " ".join(str(o) for o in graph.objects())
    assert "testing.lemoniteur" not in every and "staging" not in every


def test_unconfirmed_statements_are_left_out_or_marked(by_ref, graph):
    grenoble = by_ref["organisation/grenoble"]["description"]
    assert "a tenu une Assemblée" not in grenoble["fr"] and "n'est pas confirmé" in grenoble["fr"]
    eclaireurs = by_ref["resource/eclaireurs-5-achat-public-strategique"]
    assert "#5" not in eclaireurs["title"]["fr"] and "ne sont pas confirmés" in \
        eclaireurs["description"]["fr"]
    assert "dix" not in by_ref["project/les-eclaireurs"]["description"]["fr"].split("(")[0]
    assert "themes" not in by_ref["resource/vers-un-territoire-open-source"]
    assert "enacting-the-commons" not in " ".join(by_ref["project/juristes-embarques"]["sources"])
    for key in ("ugap-27e-region-avenir-achat-public", "idcite-achat-innovant-investissement"):
        assert "n'est pas confirmé" in by_ref[f"resource/{key}"]["description"]["fr"]
    assert "n'est pas confirmé" in by_ref["organisation/ugap"]["description"]["fr"]


# --- Items 4 and 5: SIRENs and the words buyers use ------------------------------------------

def test_sirens_are_nine_digits_and_only_confirmed_ones(records):
    sirens = {r.key: r.fields["siren"] for r in records if r.fields.get("siren")}
    assert sirens == {"ugap": "776056467"}
    assert all(re.fullmatch(r"[0-9]{9}", number) for number in sirens.values())


@pytest.mark.parametrize("key, word, lang", [
    ("marche-sans-publicite", "gré à gré", "fr"),
    ("marche-sans-publicite", "sans mise en concurrence", "fr"),
    ("marche-sans-publicite", "sans publicité", "fr"),
    ("marche-sans-publicite", "Negotiated without prior call for competition", "en"),
    ("achat-innovant", "services innovants", "fr"),
    ("achat-innovant", "innovative purchase", "en"),
    ("marche-recherche-developpement", "R&D", "fr"),
    ("marche-recherche-developpement", "R&D", "en"),
    ("marche-recherche-developpement", "research and development", "en"),
    ("partenariat-innovation", "Partenariat d’innovation", "fr")])
def test_the_words_buyers_use_are_alternative_labels(graph, key, word, lang):
    assert (iri("instrument", key), SKOS.altLabel, Literal(word, lang=lang)) in graph


def test_mapa_stays_an_alias_of_the_adapted_procedure(graph):
    assert (iri("instrument", "procedure-adaptee"), SKOS.altLabel, Literal("MAPA")) in graph


def test_search_finds_an_instrument_by_the_words_buyers_use(dist):
    entries = json.loads((dist / "search-index.json").read_text(encoding="utf-8"))["entries"]
    found = {word: {e["iri"].rsplit("/", 1)[1] for e in entries
                    if word in " ".join(sum(e["aliases"].values(), [])).lower()}
             for word in ("gré à gré", "r&d", "services innovants")}
    assert "marche-sans-publicite" in found["gré à gré"]
    assert "marche-recherche-developpement" in found["r&d"]
    assert "achat-innovant" in found["services innovants"]
