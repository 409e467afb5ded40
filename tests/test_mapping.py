"""The record→RDF mapping: IRIs, no blank nodes, links out, thresholds, identifiers, origins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from graph_builder.namespaces import ADMS, APG, SCHEMA
from graph_builder.rdf.mapping import map_records, web_address
from graph_builder.rdf.web_addresses import to_iri
from graph_builder.sources.records import Record

BASE = "http://example.org/kg/"
VOCAB = "https://w3id.org/achat-public/id/"
EU = "http://publications.europa.eu/resource/authority/"


def iri(kind: str, key: str) -> URIRef:
    return URIRef(f"{BASE}id/{kind}/{key}")


def text(fr: str, en: str | None = None) -> dict:
    return {"fr": fr, **({"en": en} if en else {})}


@pytest.fixture
def records() -> list[Record]:
    return [
        Record("instrument", "achat-innovant", {
            "label": text("Achat innovant", "Innovative purchase"),
            "definition": text("Dispense", "Exemption"),
            "instrument_kind": "exemption",
            "objectives": ["innovative", "experimental"],
            "legal_basis": ["ccp-r2122-9-1", "decret-2021-1634"],
            "legal_facts_checked_on": dt.date(2026, 11, 25),
            "thresholds": [
                {"amount": Decimal("100000"), "currency": "EUR", "excluding_vat": True,
                 "scope": text("Total", "Total")},
                {"amount": Decimal("80000"), "currency": "EUR", "excluding_vat": True},
            ],
            "close_match": ["strategic-procurement/inn-pur"],
            "phases": [text("Recherche", "Research")],
            "sources": ["https://example.com/source"],
        }, file="data/instruments.yaml", line=3),
        Record("legal-text", "decret-2021-1634", {
            "label": text("Décret n° 2021-1634", "Decree no. 2021-1634"),
            "identifiers": ["2021-1634"], "date": dt.date(2021, 12, 13),
            "sources": ["https://example.com/l"]}),
        Record("legal-text", "directive-2014-24-ue", {
            "label": text("Directive 2014/24/UE", "Directive 2014/24/EU"),
            "same_as": ["http://data.europa.eu/eli/dir/2014/24/oj"],
            "exact_match": ["legal-basis/32014L0024"], "sources": ["https://example.com/d"]}),
        Record("legal-provision", "ccp-r2122-9-1", {
            "label": text("Article R2122-9-1", "Article R2122-9-1"),
            "article_number": "R2122-9-1", "part_of": "code-commande-publique",
            "identifier": "LEGIARTI000044490444", "sources": ["https://example.com/p"]}),
        Record("organisation", "ugap", {
            "label": text("UGAP", "UGAP"), "roles": ["central-purchasing-body"],
            "siren": "776056467", "siret": "77605646700587",
            "sources": ["https://www.ugap.fr"]}, file="data/organisations.yaml", line=20),
        Record("organisation", "gand", {
            "label": text("Ville de Gand", "City of Ghent"), "roles": ["local-authority"],
            "wikidata": "Q1296", "aliases": ["Ghent"], "sources": ["https://example.com/g"]}),
        Record("theme", "collectivite", {
            "label": text("Collectivité", "Local authority"), "aliases": ["Collectivités"],
            "sources": ["https://example.com/t"]}),
        Record("tag", "marche", {"label": text("Marché", "Contract"),
                                 "sources": ["https://example.com/t"]}),
        Record("community", "territoires", {
            "label": text("Territoires", "Territories"), "part_of": ["fabrique"],
            "sources": ["https://example.com/c"]}),
        Record("organisation", "fabrique", {
            "label": text("Fabrique", "Fabrique"), "roles": ["commons-community"],
            "sources": ["https://example.com/f"]}),
        Record("resource", "repenser-l-achat-public", {
            "title": text("Repenser l'achat public"),
            "wiki_page": "http://wiki.example.org/wiki/Repenser_l%27achat_public",
            "url": "http://www.example.org/2019/LES-ECLAIREURS ACHAT-PUBLIC web.pdf",
            "involves": ["ugap"], "themes": ["collectivite"], "tags": ["marche"],
            "communities": ["territoires"], "mentions": ["achat-innovant"],
            "next_step": text("intégrer"), "issued": "2019",
            "unmapped": [{"label": "Référent", "value": "Quelqu'un"}],
            "sources": ["http://wiki.example.org/wiki/Repenser_l%27achat_public"],
        }, imported=True),
        Record("figure", "achats-innovants-declares", {
            "label": text("Marchés déclarés", "Declared contracts"), "value": Decimal("231"),
            "unit": "contracts", "period_start": dt.date(2018, 12, 25),
            "period_end": dt.date(2021, 5, 31), "scope": text("France", "France"),
            "about_instrument": ["achat-innovant"], "sources": ["https://example.com/h"]}),
    ]


@pytest.fixture
def mapped(records):
    return map_records(records, BASE)


def test_things_get_iris_under_the_base_and_no_blank_nodes(mapped, records):
    graph = mapped.graph
    assert not any(isinstance(term, BNode) for triple in graph for term in triple)
    for record in records:
        assert (iri(record.kind, record.key), None, None) in graph
    assert (iri("instrument", "achat-innovant"), RDF.type, APG.Instrument) in graph
    assert (iri("legal-text", "decret-2021-1634"), RDF.type, APG.LegalText) in graph


def test_instruments_are_concepts_with_codes_and_legal_basis(mapped):
    graph, node = mapped.graph, iri("instrument", "achat-innovant")
    assert (node, RDF.type, SKOS.Concept) in graph
    assert (node, SKOS.inScheme, APG.InstrumentScheme) in graph
    assert (node, SKOS.prefLabel, Literal("Innovative purchase", lang="en")) in graph
    assert (node, RDFS.label, Literal("Achat innovant", lang="fr")) in graph
    assert (node, SKOS.definition, Literal("Exemption", lang="en")) in graph
    assert (node, APG.instrumentKind, URIRef(VOCAB + "instrument-kind/exemption")) in graph
    assert set(graph.objects(node, APG.objective)) == {
        URIRef(VOCAB + "objective/innovative"), URIRef(VOCAB + "objective/experimental")}
    assert set(graph.objects(node, APG.legalBasis)) == {
        iri("legal-provision", "ccp-r2122-9-1"), iri("legal-text", "decret-2021-1634")}
    assert (node, APG.legalFactsCheckedOn, Literal(dt.date(2026, 11, 25))) in graph
    assert (node, APG.phase, Literal("Research", lang="en")) in graph
    assert (node, SKOS.closeMatch, URIRef(EU + "strategic-procurement/inn-pur")) in graph


def test_thresholds_are_structured_nodes_numbered_from_their_instrument(mapped):
    graph = mapped.graph
    first, second = iri("threshold", "achat-innovant-1"), iri("threshold", "achat-innovant-2")
    assert set(graph.objects(iri("instrument", "achat-innovant"), APG.threshold)) == {
        first, second}
    assert (first, RDF.type, APG.Threshold) in graph
    amount = graph.value(first, APG.amount)
    assert amount.datatype == XSD.decimal and amount.toPython() == Decimal("100000")
    assert graph.value(first, APG.currency) == Literal("EUR", datatype=XSD.string)
    assert graph.value(first, APG.excludingVAT) == Literal(True)
    assert (first, APG.thresholdScope, Literal("Total", lang="fr")) in graph
    assert graph.value(second, APG.amount).toPython() == Decimal("80000")
    assert "80" in str(graph.value(second, RDFS.label))


def test_legal_texts_and_provisions_link_out_only_from_facts(mapped):
    graph = mapped.graph
    directive = iri("legal-text", "directive-2014-24-ue")
    assert (directive, OWL.sameAs, URIRef("http://data.europa.eu/eli/dir/2014/24/oj")) in graph
    assert (directive, SKOS.exactMatch, URIRef(EU + "legal-basis/32014L0024")) in graph
    assert (directive, DCTERMS.title, Literal("Directive 2014/24/EU", lang="en")) in graph
    decree = iri("legal-text", "decret-2021-1634")
    assert (decree, DCTERMS.identifier, Literal("2021-1634")) in graph
    assert not list(graph.objects(decree, OWL.sameAs))
    provision = iri("legal-provision", "ccp-r2122-9-1")
    assert (provision, APG.articleNumber, Literal("R2122-9-1")) in graph
    assert (provision, DCTERMS.identifier, Literal("LEGIARTI000044490444")) in graph
    assert (provision, APG.partOfLegalText, iri("legal-text", "code-commande-publique")) in graph


def test_organisation_identifiers_and_links_out(mapped):
    graph, ugap = mapped.graph, iri("organisation", "ugap")
    siren, siret = iri("identifier", "siren-776056467"), iri("identifier", "siret-77605646700587")
    assert set(graph.objects(ugap, ADMS.identifier)) == {siren, siret}
    assert (siren, RDF.type, ADMS.Identifier) in graph
    assert (siren, SKOS.notation, Literal("776056467")) in graph
    assert (siren, DCTERMS.type, Literal("SIREN")) in graph
    assert (siret, DCTERMS.type, Literal("SIRET")) in graph
    assert (ugap, APG.siren, Literal("776056467")) in graph
    assert (ugap, RDFS.seeAlso,
            URIRef("https://annuaire-entreprises.data.gouv.fr/entreprise/776056467")) in graph
    assert (ugap, APG.role, URIRef(VOCAB + "actor-role/central-purchasing-body")) in graph
    assert not list(graph.objects(ugap, OWL.sameAs))
    ghent = iri("organisation", "gand")
    assert not list(graph.objects(ghent, OWL.sameAs))
    assert list(graph.objects(ghent, SKOS.closeMatch)) == [
        URIRef("http://www.wikidata.org/entity/Q1296")]
    assert (ghent, SKOS.altLabel, Literal("Ghent")) in graph
    assert not list(graph.objects(ghent, RDFS.seeAlso))


def test_themes_and_tags_are_concepts_in_their_schemes(mapped):
    graph = mapped.graph
    theme, tag = iri("theme", "collectivite"), iri("tag", "marche")
    assert (theme, RDF.type, SKOS.Concept) in graph
    assert (theme, SKOS.inScheme, APG.ThemeScheme) in graph
    assert (theme, SKOS.prefLabel, Literal("Collectivité", lang="fr")) in graph
    assert (theme, SKOS.altLabel, Literal("Collectivités")) in graph
    assert (tag, SKOS.inScheme, APG.TagScheme) in graph


def test_resource_links_and_web_addresses(mapped):
    graph, page = mapped.graph, iri("resource", "repenser-l-achat-public")
    assert {APG.KnowledgeResource, APG.WikiPage} <= set(graph.objects(page, RDF.type))
    assert (page, DCTERMS.title, Literal("Repenser l'achat public", lang="fr")) in graph
    assert (page, RDFS.label, Literal("Repenser l'achat public", lang="fr")) in graph
    assert (page, APG.involvesOrganisation, iri("organisation", "ugap")) in graph
    assert (page, APG.theme, iri("theme", "collectivite")) in graph
    assert (page, APG.tag, iri("tag", "marche")) in graph
    assert (page, APG.inCommunity, iri("community", "territoires")) in graph
    assert (page, APG.mentionsInstrument, iri("instrument", "achat-innovant")) in graph
    assert (page, DCTERMS.issued, Literal("2019", datatype=XSD.gYear)) in graph
    assert (page, APG.unmappedField, Literal("Référent : Quelqu'un")) in graph
    url = graph.value(page, SCHEMA.url)
    assert url == URIRef("http://www.example.org/2019/LES-ECLAIREURS%20ACHAT-PUBLIC%20web.pdf")
    assert (page, RDFS.seeAlso,
            URIRef("http://wiki.example.org/wiki/Repenser_l%27achat_public")) in graph
    community = iri("community", "territoires")
    assert (community, APG.partOfCommunity, iri("organisation", "fabrique")) in graph


def test_figures(mapped):
    graph, figure = mapped.graph, iri("figure", "achats-innovants-declares")
    assert graph.value(figure, APG.value) == Literal(Decimal("231"))
    assert graph.value(figure, APG.unit) == Literal("contracts")
    assert graph.value(figure, APG.periodStart) == Literal(dt.date(2018, 12, 25))
    assert (figure, APG.aboutInstrument, iri("instrument", "achat-innovant")) in graph
    assert (figure, DCTERMS.source, URIRef("https://example.com/h")) in graph


def test_origins_name_the_record_of_every_subject(mapped, records):
    graph = mapped.graph
    subjects = {s for s in graph.subjects() if str(s).startswith(BASE)}
    assert subjects == set(mapped.origins)
    assert mapped.origins[iri("instrument", "achat-innovant")].line == 3
    assert mapped.origins[iri("threshold", "achat-innovant-2")].key == "achat-innovant"
    assert mapped.origins[iri("identifier", "siren-776056467")].file == "data/organisations.yaml"


def test_mapping_is_deterministic_and_follows_the_base(records):
    one = map_records(records, BASE).graph.serialize(format="nt", encoding="utf-8")
    two = map_records(list(records), BASE).graph.serialize(format="nt", encoding="utf-8")
    assert sorted(one.splitlines()) == sorted(two.splitlines())
    other = map_records(records, "https://other.example/").graph
    assert (URIRef("https://other.example/id/tag/marche"), SKOS.inScheme, APG.TagScheme) in other


@pytest.mark.parametrize(("given", "expected"), [
    ("https://example.org/a b", "https://example.org/a%20b"),
    ("http://example.org/caf\u00e9?q=1#x", "http://example.org/caf%C3%A9?q=1#x"),
    ("http://example.org/l%27achat", "http://example.org/l%27achat"),
    ("http://example.org/100%", "http://example.org/100%25"),
])
def test_web_addresses_are_percent_encoded_into_valid_iris(given, expected):
    result = web_address(given)
    assert result == URIRef(expected)
    ox.NamedNode(str(result))


@pytest.mark.parametrize("given", [
    "https://M\u00fcnchen.Example/\u00e9t\u00e9", "HTTP://Example.ORG/A b",
    "http://user name@exemple.org:8080/p",
])
def test_web_addresses_follow_the_one_normalisation_of_to_iri(given):
    assert str(web_address(given)) == to_iri(given)


def test_web_address_lower_cases_the_host_and_applies_idna():
    assert web_address("https://M\u00fcnchen.Example/x") == URIRef(
        "https://xn--mnchen-3ya.example/x")


@pytest.mark.parametrize("bad", ["not a url", "ftp://example.org/x", "http//example.org",
                                 "https://", "http://exa mple.org/", "http://example.org:99x/"])
def test_invalid_web_addresses_become_typed_literals_not_iris(bad):
    assert web_address(bad) == Literal(bad, datatype=XSD.anyURI)


def test_bad_values_never_make_broken_iris(records):
    records[0].fields["sources"] = ["see the wiki"]
    records[0].fields["close_match"] = ["not a concept"]
    records[4].fields["siren"] = "77605"
    records[5].fields["wikidata"] = "Ghent"
    graph = map_records(records, BASE).graph
    for term in (t for triple in graph for t in triple if isinstance(t, URIRef)):
        ox.NamedNode(str(term))
    node = iri("instrument", "achat-innovant")
    assert graph.value(node, DCTERMS.source) == Literal("see the wiki", datatype=XSD.anyURI)
    assert graph.value(node, SKOS.closeMatch).datatype == XSD.anyURI
    assert not list(graph.objects(iri("organisation", "ugap"), RDFS.seeAlso))
    assert (None, None, iri("identifier", "siren-77605")) not in graph


def test_imported_records_with_loose_values_do_not_crash_the_mapper():
    record = Record("resource", "page-x", {
        "title": "Plain title", "involves": "solo-org", "categories": ["Connaissance"],
        "issued": "sometime", "sources": "http://wiki.example.org/wiki/X"}, imported=True)
    graph = map_records([record], BASE).graph
    node = iri("resource", "page-x")
    assert graph.value(node, DCTERMS.title) == Literal("Plain title")
    assert (node, APG.involvesOrganisation, iri("organisation", "solo-org")) in graph
    assert (node, APG.unmappedField, Literal("categories : Connaissance")) in graph
    assert graph.value(node, DCTERMS.issued) is None
    assert graph.value(node, SCHEMA.url) is None
