"""Loading the vocabulary and the shapes."""

from __future__ import annotations

import shutil

import pytest
from rdflib import URIRef
from rdflib.namespace import SH, SKOS

from achat_core.resources import ONTOLOGY_DIR, SHAPES_DIR
from graph_builder.errors import InvalidData
from graph_builder.namespaces import APG
from graph_builder.rdf.vocabulary import VOCABULARY_FILES, load_shapes, load_vocabulary


def test_vocabulary_holds_ontology_schemes_and_eu_concepts():
    graph = load_vocabulary()
    procedure = URIRef("https://w3id.org/achat-public/id/instrument-kind/procedure")
    innovation = URIRef(
        "http://publications.europa.eu/resource/authority/procurement-procedure-type/innovation"
    )
    assert (APG.Instrument, None, None) in graph
    assert (procedure, SKOS.inScheme, APG.InstrumentKindScheme) in graph
    assert (innovation, SKOS.notation, None) in graph


@pytest.mark.parametrize(
    ("scheme", "codes"),
    [
        (APG.InstrumentKindScheme, {"procedure", "exemption", "technique",
                                    "partnership-framework", "policy-plan", "legal-form"}),
        (APG.ObjectiveScheme, {"innovative", "sustainable", "social", "local", "experimental",
                               "commons"}),
    ],
)
def test_fixed_schemes_hold_their_codes(scheme, codes):
    graph = load_vocabulary()
    members = set(graph.subjects(SKOS.inScheme, scheme))
    assert {str(graph.value(m, SKOS.notation)) for m in members} == codes
    for member in members:
        assert str(member).endswith("/" + str(graph.value(member, SKOS.notation)))
        assert (member, SKOS.topConceptOf, scheme) in graph
        assert {label.language for label in graph.objects(member, SKOS.prefLabel)} == {"fr", "en"}
        assert {d.language for d in graph.objects(member, SKOS.definition)} == {"fr", "en"}


def test_actor_roles_cover_the_actors_of_the_facts():
    graph = load_vocabulary()
    codes = {str(graph.value(m, SKOS.notation))
             for m in graph.subjects(SKOS.inScheme, APG.ActorRoleScheme)}
    assert {"buyer", "central-purchasing-body", "public-agency", "innovation-lab",
            "commons-community", "local-authority", "mediator", "publisher"} <= codes


def test_shapes_load_with_their_severities():
    violations, warnings = load_shapes()
    assert set(violations.objects(None, SH.severity)) == {SH.Violation}
    assert set(warnings.objects(None, SH.severity)) == {SH.Warning}


def test_broken_file_is_reported_with_its_name(tmp_path):
    for name in VOCABULARY_FILES:
        shutil.copy(ONTOLOGY_DIR / name, tmp_path / name)
    (tmp_path / "schemes.ttl").write_text("@prefix x: <http://x/> .\nx:a x:b ", encoding="utf-8")
    with pytest.raises(InvalidData) as caught:
        load_vocabulary(tmp_path)
    assert caught.value.problems[0].file.endswith("schemes.ttl")


def test_missing_shapes_file_is_reported(tmp_path):
    shutil.copy(SHAPES_DIR / "violations.ttl", tmp_path / "violations.ttl")
    with pytest.raises(InvalidData) as caught:
        load_shapes(tmp_path)
    assert "warnings.ttl" in str(caught.value)
