"""The EU authority concepts written in ontology/eu-authority.ttl match the eForms code lists."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from helpers import SHARED_DIR
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from achat_core.resources import ONTOLOGY_DIR
from graph_builder.namespaces import EU_AUTHORITY

pytestmark = pytest.mark.conformance

CODELISTS = SHARED_DIR / "data" / "eforms-codelists"


def read_codelist(table: str) -> tuple[str, dict[str, dict[str, str]]]:
    """Return a genericode list's identifier and its rows: code -> {"fr": label, "en": label}."""
    root = ET.parse(CODELISTS / f"{table}.gc").getroot()
    list_id = next(
        name.text for name in root.iter("LongName") if name.get("Identifier") == "listId"
    )
    rows = {}
    for row in root.iter("Row"):
        values = {v.get("ColumnRef"): v.findtext("SimpleValue") for v in row.findall("Value")}
        rows[values["code"]] = {"fr": values.get("fra_label"), "en": values.get("eng_label")}
    return list_id, rows


def concepts() -> list[tuple[URIRef, URIRef]]:
    graph = Graph().parse(ONTOLOGY_DIR / "eu-authority.ttl", format="turtle")
    members = graph.subjects(RDF.type, SKOS.Concept)
    return sorted((c, graph.value(c, SKOS.inScheme)) for c in members)


@pytest.fixture(scope="module")
def vocabulary() -> Graph:
    if not CODELISTS.is_dir():
        pytest.skip(f"eForms code lists not found in {CODELISTS} (shared folder absent)")
    return Graph().parse(ONTOLOGY_DIR / "eu-authority.ttl", format="turtle")


def test_every_table_is_a_scheme_named_like_its_code_list(vocabulary):
    schemes = set(vocabulary.subjects(RDF.type, SKOS.ConceptScheme))
    assert schemes
    for scheme in schemes:
        table = str(scheme)[len(EU_AUTHORITY):]
        list_id, _ = read_codelist(table)
        assert list_id == str(scheme)
        assert {label.language for label in vocabulary.objects(scheme, SKOS.prefLabel)} == {
            "fr", "en"}


@pytest.mark.parametrize(("concept", "scheme"), concepts(), ids=lambda t: str(t).rsplit("/", 1)[-1])
def test_concept_matches_its_code_list(vocabulary, concept, scheme):
    table = str(scheme)[len(EU_AUTHORITY):]
    code = str(vocabulary.value(concept, SKOS.notation))
    assert str(concept) == f"{scheme}/{code}"
    _, rows = read_codelist(table)
    assert code in rows, f"{code} is not in {table}.gc"
    labels = {label.language: str(label) for label in vocabulary.objects(concept, SKOS.prefLabel)}
    assert labels == rows[code]
