"""The set-at-a-time SHACL engine gives exactly pySHACL's results, and leaves it the rest."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
import rdflib
from helpers import ROOT
from rdflib import RDF, RDFS, SH, BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from graph_builder.namespaces import APG
from graph_builder.rdf.mapping import map_records
from graph_builder.rdf.vocabulary import load_shapes, load_vocabulary
from graph_builder.shacl.engine import SUPPORTED, plan
from graph_builder.shacl.gate import validate_graph
from graph_builder.sources.curated import read_data_dir

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "shapes").rglob("*.ttl"))
EX = "http://example.org/"
COVERAGE = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <{EX}> .
ex:A a sh:NodeShape ; sh:targetClass ex:Thing ; sh:nodeKind sh:IRI ;
  sh:or ( [ sh:class ex:Owner ] [ sh:hasValue ex:t3 ] ) ;
  sh:property [ sh:path ex:code ; sh:in ( "a" "b" 1 ) ; sh:maxCount 2 ] ,
    [ sh:path ex:name ; sh:uniqueLang true ; sh:languageIn ( "fr" "en" ) ] ,
    [ sh:path ex:name ; sh:qualifiedValueShape [ sh:languageIn ( "en" ) ] ;
      sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ] ,
    [ sh:path [ sh:inversePath ex:owns ] ; sh:minCount 1 ; sh:class ex:Owner ] ,
    [ sh:path ex:day ; sh:datatype xsd:date ] ,
    [ sh:path ex:count ; sh:datatype xsd:integer ; sh:maxCount 1 ] ,
    [ sh:path ex:web ; sh:pattern "^HTTPS://" ; sh:flags "i" ; sh:nodeKind sh:IRIOrLiteral ] ,
    [ sh:path ex:kind ; sh:node ex:KindShape ] .
ex:KindShape a sh:NodeShape ; sh:property [ sh:path ex:scheme ; sh:hasValue ex:kinds ] .
ex:Off a sh:NodeShape ; sh:targetClass ex:Thing ; sh:deactivated true ; sh:nodeKind sh:Literal .
ex:Owners a sh:NodeShape ; sh:targetSubjectsOf ex:owns ; sh:class ex:Owner ;
  sh:message "propriétaire attendu"@fr , "owner expected"@en .
ex:Special a sh:NodeShape ; sh:targetNode ex:special , ex:t1 ;
  sh:property [ sh:path ex:code ; sh:minCount 1 ; sh:severity sh:Info ] .
ex:Compared a sh:PropertyShape ; sh:targetClass ex:Thing ; sh:path ex:start ;
  sh:lessThan ex:end ; sh:datatype xsd:integer .
ex:ComparedOrEqual a sh:PropertyShape ; sh:targetClass ex:Thing ; sh:path ex:start ;
  sh:lessThanOrEquals ex:end , ex:last ;
  sh:message "début après la fin"@fr , "start after the end"@en .
ex:Equal a sh:PropertyShape ; sh:targetClass ex:Thing ; sh:path ex:start ;
  sh:equals ex:end ; sh:maxCount 1 .
"""
COVERAGE_DATA = f"""
@prefix ex: <{EX}> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Sub rdfs:subClassOf ex:Thing .
ex:o1 a ex:Owner ; ex:owns ex:t1 , ex:t2 .
ex:o2 ex:owns ex:t3 .
ex:t1 a ex:Thing ; ex:code "a" , "c" , 2 ; ex:name "un"@fr , "one"@en , "uno"@fr-CA , "x"@de ;
  ex:day "2024-01-02"^^xsd:date , "2024-13-45"^^xsd:date , "plain" ;
  ex:count 1 , "2"^^xsd:integer ; ex:web <https://e.org/> , "http://e.org" , [ ex:p 1 ] ;
  ex:kind ex:k1 , ex:k2 ; ex:start 5 ; ex:end 3 .
ex:t2 a ex:Sub ; ex:name "two"@EN , "deux"@en ; ex:count "x"^^xsd:integer ; ex:start "s" ;
  ex:end 9 .
ex:t3 a ex:Thing ; ex:code "b" ; ex:web "ftp://x" ; ex:start 4 ; ex:end 4 .
ex:t4 a ex:Thing ; ex:start "2020-01-01"^^xsd:date , <http://e.org/a> ;
  ex:end "2021-01-01"^^xsd:date , "2019-06-30"^^xsd:date , <http://e.org/b> ;
  ex:last "2020-01-01"^^xsd:date , "zz" .
ex:k1 ex:scheme ex:kinds .
ex:k2 ex:scheme ex:other .
"""


def _path_key(path, graphs):
    if isinstance(path, BNode):
        for graph in graphs:
            inverse = graph.value(path, SH.inversePath)
            if inverse is not None:
                return ("^", inverse)
    return path


def _reference(data, vocabulary, violations, warnings) -> set:
    """Return pySHACL's own results on the merged graph, keyed for comparison."""
    merged, shapes = rdflib.Graph(), rdflib.Graph()
    for g in (vocabulary, data):
        merged += g
    for g in (violations, warnings):
        shapes += g
    advisory = set(warnings.subjects())
    _, report, _ = pyshacl.validate(merged, shacl_graph=shapes, inference="none", advanced=True,
                                    allow_warnings=True, meta_shacl=False)
    keys = set()
    for node in report.objects(None, SH.result):
        shape = report.value(node, SH.sourceShape)
        severity = report.value(node, SH.resultSeverity)
        severity = "Warning" if shape in advisory or severity != SH.Violation else "Violation"
        keys.add((report.value(node, SH.focusNode),
                  _path_key(report.value(node, SH.resultPath), (report, shapes)),
                  report.value(node, SH.value), report.value(node, SH.sourceConstraintComponent),
                  shape, severity, frozenset(report.objects(node, SH.resultMessage))))
    return keys


def _gate(data, vocabulary, violations, warnings) -> set:
    """Return the gate's results, keyed like :func:`_reference`."""
    shapes = violations + warnings
    report = validate_graph(data, (violations, warnings), vocabulary)
    return {(r.focus, _path_key(r.path, (shapes,)), r.value, r.component, r.shape, r.severity,
             frozenset(r.messages)) for r in report.results}


def _assert_same(data, vocabulary, violations, warnings) -> set:
    expected = _reference(data, vocabulary, violations, warnings)
    found = _gate(data, vocabulary, violations, warnings)
    assert found == expected, (sorted(map(str, found - expected)),
                               sorted(map(str, expected - found)))
    return found


@pytest.fixture(scope="module")
def project():
    violations, warnings = load_shapes()
    return load_vocabulary(), violations, warnings


def test_every_supported_component_matches_pyshacl_on_defects():
    shapes = rdflib.Graph().parse(data=COVERAGE, format="turtle")
    data = rdflib.Graph().parse(data=COVERAGE_DATA, format="turtle")
    found = _assert_same(data, rdflib.Graph(), shapes, rdflib.Graph())
    components = {key[3] for key in found}
    assert {SH.InConstraintComponent, SH.MaxCountConstraintComponent,
            SH.UniqueLangConstraintComponent, SH.LanguageInConstraintComponent,
            SH.QualifiedMaxCountConstraintComponent, SH.ClassConstraintComponent,
            SH.DatatypeConstraintComponent, SH.PatternConstraintComponent,
            SH.NodeConstraintComponent, SH.OrConstraintComponent,
            SH.MinCountConstraintComponent, SH.LessThanConstraintComponent,
            SH.LessThanOrEqualsConstraintComponent, SH.EqualsConstraintComponent} <= components
    assert not any(key[3] == SH.NodeKindConstraintComponent and key[2] == URIRef(f"{EX}t1")
                   for key in found)  # ex:Off is deactivated


def test_the_plan_leaves_unsupported_constraints_to_pyshacl_and_only_them():
    shapes = rdflib.Graph().parse(data=COVERAGE, format="turtle")
    planned = plan(shapes)
    equal = URIRef(f"{EX}Equal")
    assert planned.residual_shapes == [equal]
    assert (equal, SH.equals, URIRef(f"{EX}end")) in planned.residual
    assert (equal, SH.maxCount, None) not in planned.residual
    for shape in ("A", "Compared", "ComparedOrEqual"):
        assert (URIRef(f"{EX}{shape}"), SH.targetClass, None) not in planned.residual
    checked = {shape: own for shape, own, _ in planned.checks}
    assert set(checked[equal]) == {SH.maxCount}
    assert set(checked[URIRef(f"{EX}Compared")]) == {SH.datatype, SH.lessThan}
    assert set(checked[URIRef(f"{EX}ComparedOrEqual")]) == {SH.lessThanOrEquals}
    assert all(set(own) <= SUPPORTED for own in checked.values())


def test_a_qualified_shape_with_an_unsupported_constraint_stays_whole_for_pyshacl():
    shapes = rdflib.Graph().parse(data=COVERAGE.replace(
        'sh:qualifiedValueShape [ sh:languageIn ( "en" ) ]',
        'sh:qualifiedValueShape [ sh:languageIn ( "en" ) ; sh:maxLength 3 ]'), format="turtle")
    planned = plan(shapes)
    qualified = next(shapes.subjects(SH.qualifiedMinCount, None))
    assert URIRef(f"{EX}A") in planned.residual_shapes
    assert (URIRef(f"{EX}A"), SH.property, qualified) in planned.residual
    assert (qualified, SH.qualifiedMinCount, None) in planned.residual
    data = rdflib.Graph().parse(data=COVERAGE_DATA, format="turtle")
    found = _assert_same(data, rdflib.Graph(), shapes, rdflib.Graph())
    assert SH.QualifiedMinCountConstraintComponent in {key[3] for key in found}


def test_a_sparql_target_sends_everything_to_pyshacl():
    shapes = rdflib.Graph().parse(data=COVERAGE, format="turtle")
    shapes.add((URIRef(f"{EX}A"), SH.target, BNode()))
    planned = plan(shapes)
    assert planned.checks == [] and planned.residual is shapes


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_gate_matches_pyshacl_on_every_shapes_fixture(fixture: Path, project):
    vocabulary, violations, warnings = project
    data = rdflib.Graph().parse(fixture, format="turtle")
    found = _assert_same(data, vocabulary, violations, warnings)
    if fixture.parent.name == "invalid":
        assert found


@pytest.mark.slow
def test_the_gate_matches_pyshacl_on_the_repository_data(project):
    vocabulary, violations, warnings = project
    mapped = map_records(read_data_dir(ROOT / "data"), "https://w3id.org/achat-public/")
    _assert_same(mapped.graph, vocabulary, violations, warnings)


@pytest.mark.slow
def test_the_gate_matches_pyshacl_on_a_graph_with_many_defects(project):
    vocabulary, violations, warnings = project
    graph = map_records(read_data_dir(ROOT / "data"), "https://w3id.org/achat-public/").graph
    subjects = sorted(set(graph.subjects()), key=str)
    some_org = next(graph.subjects(RDF.type, APG.Organisation))
    for i, s in enumerate(subjects):
        if i % 5 == 0:
            graph.remove((s, RDFS.label, None))
        if i % 7 == 0:
            graph.set((s, DCTERMS.source, Literal("not a web address")))
        if i % 4 == 1:
            graph.add((s, RDFS.label, Literal("doublon", lang="fr")))
            graph.add((s, SKOS.definition, Literal("x", lang="de")))
        if i % 9 == 2:
            graph.add((s, APG.theme, some_org))
            graph.add((s, APG.instrumentKind, some_org))
        if i % 6 == 3:
            graph.add((s, APG.inForceFrom, Literal("2024-02-31", datatype=rdflib.XSD.date)))
            graph.add((s, APG.amount, Literal("many")))
        if i % 11 == 4:
            graph.remove((s, RDF.type, None))
    found = _assert_same(graph, vocabulary, violations, warnings)
    assert len(found) > 50


def test_the_project_shapes_need_no_pyshacl_fallback(project):
    _, violations, warnings = project
    planned = plan(violations + warnings)
    assert planned.residual is None and planned.residual_shapes == []
    checked = {shape for shape, _, _ in planned.checks}
    assert URIRef("https://w3id.org/achat-public/shapes#Instrument-legalBasisRequired") in checked
