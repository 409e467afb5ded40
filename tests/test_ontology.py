"""The ontology document: it parses strictly, has its header, and every term is documented."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from achat_core.iris import ONTOLOGY_NS
from achat_core.resources import ONTOLOGY_DIR
from graph_builder.namespaces import ELI, EPO, ORG, PREFIXES, SCHEMA
from graph_builder.rdf.vocabulary import VOCABULARY_FILES

ONTOLOGY = URIRef(ONTOLOGY_NS.rstrip("#"))
FOAF = "http://xmlns.com/foaf/0.1/"
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property, SKOS.ConceptScheme)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "achat-public.ttl", format="turtle")


def terms(graph: Graph) -> set[URIRef]:
    found = set()
    for kind in TERM_TYPES:
        found |= {s for s in graph.subjects(RDF.type, kind) if str(s).startswith(ONTOLOGY_NS)}
    return found


@pytest.mark.parametrize("name", VOCABULARY_FILES)
def test_documents_parse_with_the_strict_parser(name):
    with open(ONTOLOGY_DIR / name, "rb") as stream:
        triples = list(ox.parse(stream, format=ox.RdfFormat.TURTLE))
    assert len(triples) > 50


def test_header(ontology):
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in ontology
    version_iri = ontology.value(ONTOLOGY, OWL.versionIRI)
    version = str(ontology.value(ONTOLOGY, OWL.versionInfo))
    assert str(version_iri).startswith(str(ONTOLOGY)) and str(version_iri).endswith(version)
    assert str(ontology.value(ONTOLOGY, DCTERMS.license)).startswith("https://www.etalab.gouv.fr/")
    created = ontology.value(ONTOLOGY, DCTERMS.created).toPython()
    modified = ontology.value(ONTOLOGY, DCTERMS.modified).toPython()
    assert created <= modified
    assert ontology.value(ONTOLOGY, DCTERMS.issued).toPython() <= modified
    # What LOV requires: who made and published it (a described agent).
    for prop in (DCTERMS.creator, DCTERMS.contributor, DCTERMS.publisher):
        agent = ontology.value(ONTOLOGY, prop)
        assert ontology.value(agent, URIRef(FOAF + "name")) is not None, prop
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {o.language for o in ontology.objects(ONTOLOGY, prop)} == {"fr", "en"}
    vann = "http://purl.org/vocab/vann/"
    assert str(ontology.value(ONTOLOGY, URIRef(vann + "preferredNamespacePrefix"))) == "apg"
    assert str(ontology.value(ONTOLOGY, URIRef(vann + "preferredNamespaceUri"))) == ONTOLOGY_NS
    assert PREFIXES["apg"] == ONTOLOGY_NS


def test_every_term_has_bilingual_label_and_definition(ontology):
    found = terms(ontology)
    assert len(found) > 70
    for term in found:
        assert (term, RDFS.isDefinedBy, ONTOLOGY) in ontology, term
        for prop in (RDFS.label, SKOS.definition):
            values = list(ontology.objects(term, prop))
            assert sorted(v.language for v in values) == ["en", "fr"], (term, prop)
            assert all(str(v).strip() for v in values), (term, prop)


def test_every_apg_subject_is_a_declared_term(ontology):
    subjects = {s for s in ontology.subjects() if str(s).startswith(ONTOLOGY_NS)}
    assert subjects == terms(ontology)


def test_domains_and_ranges_point_at_declared_classes(ontology):
    classes = set(ontology.subjects(RDF.type, OWL.Class))
    for prop in (RDFS.domain, RDFS.range):
        for term, target in ontology.subject_objects(prop):
            if str(target).startswith(ONTOLOGY_NS):
                assert target in classes, (term, prop, target)


def test_datatype_properties_have_literal_ranges(ontology):
    for prop in ontology.subjects(RDF.type, OWL.DatatypeProperty):
        rng = ontology.value(prop, RDFS.range)
        assert rng is None or str(rng).startswith(("http://www.w3.org/2001/XMLSchema#",
                                                  str(RDFS.Literal))), prop


@pytest.mark.parametrize(
    ("term", "relation", "target"),
    [
        ("Organisation", RDFS.subClassOf, ORG.Organization),
        ("Organisation", RDFS.subClassOf, URIRef(FOAF + "Organization")),
        ("LegalText", RDFS.subClassOf, ELI.LegalResource),
        ("LegalProvision", RDFS.subClassOf, ELI.LegalResourceSubdivision),
        ("partOfLegalText", RDFS.subPropertyOf, ELI.is_part_of),
        ("KnowledgeResource", RDFS.subClassOf, SCHEMA.CreativeWork),
        ("involvesOrganisation", RDFS.subPropertyOf, DCTERMS.relation),
        ("Instrument", RDFS.subClassOf, SKOS.Concept),
        ("Instrument", SKOS.relatedMatch, EPO.Procedure),
        ("Figure", SKOS.closeMatch, SCHEMA.Observation),
    ],
)
def test_alignment(ontology, term, relation, target):
    assert (URIRef(ONTOLOGY_NS + term), relation, target) in ontology


def test_instrument_is_not_declared_an_epo_procedure(ontology):
    instrument = URIRef(ONTOLOGY_NS + "Instrument")
    supers = set(ontology.transitive_objects(instrument, RDFS.subClassOf))
    assert not any(str(c).startswith(str(EPO)) for c in supers)


def test_alignments_use_known_namespaces(ontology):
    known = set(PREFIXES.values()) | {
        FOAF, "http://purl.org/linked-data/cube#", "http://www.wikidata.org/prop/direct/",
    }
    relations = (RDFS.subClassOf, RDFS.subPropertyOf, SKOS.closeMatch, SKOS.exactMatch,
                 SKOS.relatedMatch, RDFS.seeAlso)
    for relation in relations:
        for term, target in ontology.subject_objects(relation):
            if str(term).startswith(ONTOLOGY_NS):
                assert any(str(target).startswith(ns) for ns in known), (term, target)
    assert not any(str(o).startswith("https://schema.org/") for o in ontology.objects())
