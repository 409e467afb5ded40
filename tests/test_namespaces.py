"""The closed APG namespace and the ontology define exactly the same terms."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from achat_core.iris import ONTOLOGY_NS
from achat_core.resources import ONTOLOGY_DIR
from graph_builder.namespaces import APG


@pytest.fixture(scope="module")
def defined() -> set[str]:
    graph = Graph().parse(ONTOLOGY_DIR / "achat-public.ttl", format="turtle")
    ontology = URIRef(ONTOLOGY_NS.rstrip("#"))
    return {
        str(s)[len(ONTOLOGY_NS):]
        for s in graph.subjects(RDFS.isDefinedBy, ontology)
        if str(s).startswith(ONTOLOGY_NS)
    }


def declared() -> set[str]:
    return {name for name in APG.__annotations__ if not name.startswith("_")}


def test_every_namespace_term_is_in_the_ontology(defined):
    assert sorted(declared() - defined) == []


def test_every_ontology_term_is_in_the_namespace(defined):
    assert sorted(defined - declared()) == []


def test_terms_resolve_to_the_ontology_namespace():
    assert APG.Instrument == URIRef(ONTOLOGY_NS + "Instrument")
    assert APG["legalBasis"] == URIRef(ONTOLOGY_NS + "legalBasis")


@pytest.mark.parametrize("name", ["Instrumnet", "legalbasis", "Organization"])
def test_misspelt_term_raises(name):
    with pytest.raises(AttributeError):
        getattr(APG, name)
    with pytest.raises(AttributeError):
        APG[name]


def test_prefix_lines_come_from_the_one_table():
    from achat_core.iris import PREFIXES, prefix_lines

    lines = prefix_lines("epo", "skos").splitlines()
    assert lines == [f"PREFIX epo: <{PREFIXES['epo']}>", f"PREFIX skos: <{PREFIXES['skos']}>"]
    with pytest.raises(KeyError):
        prefix_lines("not-a-prefix")
