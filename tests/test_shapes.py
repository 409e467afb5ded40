"""The SHACL shapes, driven by fixtures: conforming records pass, each defect fails as declared.

A non-conforming fixture declares, in comments, the shapes file it is checked against
(``# shapes: violations``) and every result it must produce
(``# expect: <focus> <property shape> <constraint component>``, the focus relative to the
fixture's ``@base``, the shape and component by local name); the test asserts that the
report holds exactly those results, on the shape's path, with messages in French and English
that name the field.

The shapes use SHACL Core only (no SPARQL constraint): a rule that depends on another
field is a node shape with ``sh:or`` of property constraints.  So every result carries
its shape's messages in ``sh:resultMessage`` with their language tags, which is where
:func:`messages` and the gate read them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

from graph_builder.namespaces import PREFIXES
from graph_builder.rdf.vocabulary import load_shapes, load_vocabulary

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))
APGSH = Namespace("https://w3id.org/achat-public/shapes#")
BASE = "https://w3id.org/achat-public/id/"
SEVERITY = {"violations": SH.Violation, "warnings": SH.Warning}
DIRECTIVE = re.compile(r"^# (shapes|expect): (.+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def vocabulary() -> Graph:
    return load_vocabulary()


@pytest.fixture(scope="module")
def shapes() -> dict[str, Graph]:
    violations, warnings = load_shapes()
    return {"violations": violations, "warnings": warnings}


def validate(data: Graph, vocabulary: Graph, shapes_graph: Graph) -> Graph:
    """Validate data plus the vocabulary as the build does, and return the report graph."""
    merged = Graph()
    merged += vocabulary
    merged += data
    _, report, _ = pyshacl.validate(merged, shacl_graph=shapes_graph, inference="none")
    return report


def results(report: Graph) -> list:
    """Return the report's top-level results (not the nested details of sh:node)."""
    return list(report.objects(None, SH.result))


def messages(report: Graph, result) -> dict[str | None, str]:
    """Return a result's messages by language."""
    return {m.language: str(m) for m in report.objects(result, SH.resultMessage)}


def constrained_fields(shapes_graph: Graph, shape) -> list[str]:
    """Return the fields a shape is about: its path, else the paths its ``sh:or`` requires."""
    path = shapes_graph.value(shape, SH.path)
    if path is not None:
        return [curie(path)]
    found = []
    for alternative in shapes_graph.objects(shape, SH["or"]):
        for member in Collection(shapes_graph, alternative):
            for ps in [member, *shapes_graph.objects(member, SH.property)]:
                if (ps, SH.minCount, None) in shapes_graph:
                    found.append(curie(shapes_graph.value(ps, SH.path)))
    return found


def checked_shapes(shapes_graph: Graph) -> set:
    """Return the property shapes and the node shapes with an ``sh:or`` rule of their own."""
    property_shapes = set(shapes_graph.subjects(RDF.type, SH.PropertyShape))
    return property_shapes | {s for s in shapes_graph.subjects(SH["or"], None)
                              if (s, RDF.type, SH.NodeShape) in shapes_graph}


def parse_fixture(path: Path) -> tuple[Graph, str, set[tuple[URIRef, URIRef, URIRef]]]:
    text = path.read_text(encoding="utf-8")
    graph = Graph().parse(data=text, format="turtle", publicID=BASE)
    shapes_file, expected = None, set()
    for kind, value in DIRECTIVE.findall(text):
        if kind == "shapes":
            shapes_file = value.strip()
            continue
        focus, shape, component = value.split()
        expected.add((
            URIRef(BASE + focus.strip("<>")),
            APGSH[shape],
            SH[f"{component}ConstraintComponent"],
        ))
    assert shapes_file in SEVERITY, f"{path.name}: '# shapes:' must name violations or warnings"
    assert expected, f"{path.name}: no '# expect:' line"
    return graph, shapes_file, expected


def curie(term: URIRef) -> str:
    for prefix, namespace in PREFIXES.items():
        if str(term).startswith(namespace):
            return f"{prefix}:{str(term)[len(namespace):]}"
    return f"<{term}>"


def test_vocabulary_alone_conforms_to_every_shape(vocabulary, shapes):
    for name, shapes_graph in shapes.items():
        report = validate(Graph(), vocabulary, shapes_graph)
        assert results(report) == [], f"vocabulary breaks {name}.ttl"


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_conforming_fixture_has_no_result(path, vocabulary, shapes):
    data = Graph().parse(path)
    for name, shapes_graph in shapes.items():
        report = validate(data, vocabulary, shapes_graph)
        found = [
            (str(report.value(r, SH.focusNode)), str(report.value(r, SH.sourceShape)))
            for r in results(report)
        ]
        assert found == [], f"{path.name} fails {name}.ttl"


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_nonconforming_fixture_fails_exactly_as_declared(path, vocabulary, shapes):
    data, shapes_file, expected = parse_fixture(path)
    shapes_graph = shapes[shapes_file]
    report = validate(data, vocabulary, shapes_graph)
    found = set()
    for result in results(report):
        focus = report.value(result, SH.focusNode)
        shape = report.value(result, SH.sourceShape)
        found.add((focus, shape, report.value(result, SH.sourceConstraintComponent)))
        assert report.value(result, SH.resultSeverity) == SEVERITY[shapes_file]
        path_ = shapes_graph.value(shape, SH.path)
        assert report.value(result, SH.resultPath) == path_, f"{shape} reports another path"
        texts = messages(report, result)
        assert set(texts) == {"fr", "en"}, f"{shape} on {focus}: messages {texts}"
        fields = constrained_fields(shapes_graph, shape)
        assert fields, f"{shape}: no field to name"
        for language, message in texts.items():
            for field in fields:
                assert field in message, f"{shape} ({language}) does not name the field {field}"
    assert found == expected


def test_every_property_shape_has_a_failing_fixture(shapes):
    declared = set()
    for path in INVALID:
        declared |= {shape for _, shape, _ in parse_fixture(path)[2]}
    for name, shapes_graph in shapes.items():
        missing = sorted(curie(s) for s in checked_shapes(shapes_graph) - declared)
        assert missing == [], f"{name}.ttl: no failing fixture for {missing}"


def test_every_targeted_node_shape_meets_a_conforming_fixture(vocabulary, shapes):
    world = Graph()
    for path in VALID:
        world.parse(path)
    world += vocabulary
    for shapes_graph in shapes.values():
        for shape in set(shapes_graph.subjects(RDF.type, SH.NodeShape)):
            for cls in shapes_graph.objects(shape, SH.targetClass):
                query = "ASK { ?x a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c }"
                assert world.query(query, initBindings={"c": cls}).askAnswer, (shape, cls)
            for prop in shapes_graph.objects(shape, SH.targetObjectsOf):
                assert (None, prop, None) in world, (shape, prop)


@pytest.mark.parametrize("name", sorted(SEVERITY))
def test_shapes_are_named_described_and_bilingual(name, shapes):
    shapes_graph = shapes[name]
    node_shapes = set(shapes_graph.subjects(RDF.type, SH.NodeShape))
    property_shapes = set(shapes_graph.subjects(RDF.type, SH.PropertyShape))
    assert node_shapes and property_shapes
    for shape in node_shapes | property_shapes:
        assert str(shape).startswith(str(APGSH)), shape
        for prop in (SH.name, SH.description):
            languages = {o.language for o in shapes_graph.objects(shape, prop)}
            assert languages == {"fr", "en"}, (shape, prop, languages)
    for shape in property_shapes:
        assert re.fullmatch(r"[A-Z][A-Za-z]*-[a-z][A-Za-z]*", str(shape)[len(str(APGSH)):]), shape
        assert shapes_graph.value(shape, SH.severity) == SEVERITY[name], shape
    for shape in checked_shapes(shapes_graph):
        languages = {o.language for o in shapes_graph.objects(shape, SH.message)}
        assert languages == {"fr", "en"}, (shape, languages)
    # SHACL Core only: pyshacl drops the language tags of a SPARQL constraint's messages,
    # and the gate would have to leave such a shape to pyshacl
    assert (None, SH.sparql, None) not in shapes_graph
    targeted = {s for s in node_shapes if (s, SH.targetClass, None) in shapes_graph
                or (s, SH.targetObjectsOf, None) in shapes_graph}
    for shape in targeted:
        assert shapes_graph.value(shape, SH.severity) == SEVERITY[name], shape


def test_shape_targets_and_classes_are_ontology_terms(vocabulary, shapes):
    apg = "https://w3id.org/achat-public/ontology#"
    for shapes_graph in shapes.values():
        used = set(shapes_graph.objects(None, SH.targetClass)) | set(
            shapes_graph.objects(None, SH["class"])
        )
        used |= {o for o in shapes_graph.objects(None, SH.path) if isinstance(o, URIRef)}
        for term in used:
            if str(term).startswith(apg):
                assert (term, RDFS.isDefinedBy, None) in vocabulary, term


def test_defective_record_is_named_with_its_field_in_both_languages(vocabulary, shapes):
    data = Graph().parse(FIXTURES / "valid" / "resource.ttl")
    record = URIRef("https://w3id.org/achat-public/id/organisation/la-27e-region")
    resource = URIRef("https://w3id.org/achat-public/id/resource/repenser-l-achat-public")
    data.remove((record, RDFS.label, None))
    data.set((resource, URIRef("http://schema.org/url"), URIRef("urn:nowhere")))
    data.add((resource, URIRef("https://w3id.org/achat-public/ontology#involvesOrganisation"),
              URIRef("https://w3id.org/achat-public/id/organisation/missing")))
    report = validate(data, vocabulary, shapes["violations"])
    by_field = {}
    for result in results(report):
        field = curie(report.value(result, SH.resultPath))
        by_field[(report.value(result, SH.focusNode), field)] = messages(report, result)
    assert set(by_field) == {
        (record, "rdfs:label"),
        (resource, "schema:url"),
        (resource, "apg:involvesOrganisation"),
    }
    for (_, field), texts in by_field.items():
        assert field in texts["fr"] and field in texts["en"]
        assert texts["fr"] != texts["en"]


def test_shape_files_share_no_shape(shapes):
    """The gate merges both files into one shapes graph: no shape may be defined twice."""
    violations, warnings = shapes["violations"], shapes["warnings"]
    assert set(violations.subjects(SH.severity, None)) & set(warnings.subjects(SH.severity, None)) \
        == set()
