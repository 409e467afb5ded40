"""The mapped DECP examples conform to the ePO 4.2.0 core shapes (a sample of records).

The validated data graph holds the sample, the SKOS membership of the EU code-list and CPV
concepts it uses (``skos:inScheme`` the table named by the concept's own IRI), the
``rdfs:subClassOf`` axioms of ``ePO_core.ttl`` (``sh:class`` follows them), and FOAF's
``foaf:Organization rdfs:subClassOf foaf:Agent`` (``epo:playedBy`` asks for a ``foaf:Agent``).
"""

import pyshacl
import pytest
from helpers import SHARED_DIR
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import FOAF, RDF, RDFS, SKOS

from graph_builder.pipeline.contracts import build_contracts

pytestmark = pytest.mark.conformance
EPO_DIR = SHARED_DIR / "data" / "epo-4.2.0"
DECP_DIR = SHARED_DIR / "data" / "decp-v2"
FIXTURE = __import__("pathlib").Path(__file__).parents[1] / "fixtures" / "decp" / "quirks.json"
EU = "http://publications.europa.eu/resource/authority/"
CPV = "http://data.europa.eu/cpv/cpv/"
EPO = Namespace("http://data.europa.eu/a4g/ontology#")


def _code_lists(sample: Graph) -> Graph:
    concepts = Graph()
    for node in set(sample.objects()):
        text = str(node)
        scheme = None
        if isinstance(node, URIRef) and text.startswith(EU):
            scheme = text.rsplit("/", 1)[0]
        elif isinstance(node, URIRef) and text.startswith(CPV):
            scheme = CPV.rstrip("/")
        if scheme:
            concepts.add((node, RDF.type, SKOS.Concept))
            concepts.add((node, SKOS.inScheme, URIRef(scheme)))
    return concepts


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    for folder in (EPO_DIR, DECP_DIR):
        if not folder.is_dir():
            pytest.skip(f"{folder} is absent (shared test material)")
    files = [f for f in sorted(DECP_DIR.glob("*.json")) if not f.name.startswith("schema")]
    result = build_contracts(files + [FIXTURE], tmp_path_factory.mktemp("e") / "c.nt",
                             "https://example.org/", {}, sample_rate=1.0)
    core = Graph().parse(EPO_DIR / "ePO_core.ttl")
    data = result.sample + _code_lists(result.sample)
    for triple in core.triples((None, RDFS.subClassOf, None)):
        data.add(triple)
    data.add((FOAF.Organization, RDFS.subClassOf, FOAF.Agent))
    shapes = Graph().parse(EPO_DIR / "ePO_core_shapes.ttl")
    return result, data, pyshacl.validate(data, shacl_graph=shapes, inference="none")


def test_sample_conforms_to_epo_core_shapes(report):
    result, data, (conforms, _, text) = report
    assert result.sampled_records == result.contracts_mapped
    assert (None, RDF.type, EPO.Contract) in data
    assert conforms, text


def test_shapes_do_catch_a_broken_contract(report):
    _, data, _ = report
    broken = Graph() + data
    contract = next(broken.subjects(RDF.type, EPO.Contract))
    broken.remove((contract, EPO.hasLotReference, None))
    shapes = Graph().parse(EPO_DIR / "ePO_core_shapes.ttl")
    conforms, _, text = pyshacl.validate(broken, shacl_graph=shapes, inference="none")
    assert not conforms and "hasLotReference" in text
