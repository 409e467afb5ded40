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


ID = "https://w3id.org/achat-public/id/"


def test_sirene_schemes_hold_insee_codes_with_both_labels():
    graph = load_vocabulary()
    expected = {
        APG.LegalCategoryScheme: {"1000", "5499", "5599", "5710", "5720", "9220", "7210",
                                  "7220", "7230", "7343", "7344", "7346", "7348", "7353",
                                  "7354", "7355", "7364", "7389", "7113", "4110"},
        APG.StaffBandScheme: {"NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", "32",
                              "41", "42", "51", "52", "53"},
        APG.CompanyCategoryScheme: {"PME", "ETI", "GE"},
    }
    for scheme, codes in expected.items():
        members = set(graph.subjects(SKOS.inScheme, scheme))
        found = {str(graph.value(m, SKOS.notation)) for m in members}
        assert codes <= found, (scheme, codes - found)
        for member in members:
            assert {label.language for label in graph.objects(member, SKOS.prefLabel)} \
                == {"fr", "en"}, member
        assert graph.value(scheme, URIRef("http://purl.org/dc/terms/source")) is not None
    categories = {str(graph.value(m, SKOS.notation))
                  for m in graph.subjects(SKOS.inScheme, APG.LegalCategoryScheme)}
    assert all(len(code) == 4 and code.isdigit() for code in categories)
    assert len(categories) >= 150


@pytest.mark.parametrize(("code", "kind"), [
    ("7210", "commune"), ("7220", "departement"), ("7230", "region"), ("7344", "metropole"),
    ("7343", "other-epci"), ("7346", "other-epci"), ("7348", "other-epci"),
    ("7113", "state-service"), ("7172", "state-service"), ("7364", "hospital"),
    ("7389", "public-establishment"), ("4110", "public-establishment"), ("5710", "other"),
    ("1000", "other"), ("7229", "other-local-authority"),
])
def test_each_legal_category_gives_a_buyer_kind(code, kind):
    graph = load_vocabulary()
    category = URIRef(f"{ID}legal-category/{code}")
    assert graph.value(category, APG.buyerKind) == URIRef(f"{ID}buyer-kind/{kind}")
    assert (URIRef(f"{ID}buyer-kind/{kind}"), SKOS.inScheme, APG.BuyerKindScheme) in graph


def test_every_public_law_category_has_a_public_buyer_kind():
    graph = load_vocabulary()
    for category in graph.subjects(SKOS.inScheme, APG.LegalCategoryScheme):
        code = str(graph.value(category, SKOS.notation))
        kind = str(graph.value(category, APG.buyerKind)).rsplit("/", 1)[-1]
        assert (kind != "other") == code.startswith(("4", "7")), (code, kind)


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
