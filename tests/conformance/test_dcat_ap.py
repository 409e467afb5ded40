"""The published catalogue conforms to the DCAT-AP 3.0.1 shapes (../shared)."""

import pyshacl
import pytest
import rdflib
from helpers import SHARED_DIR

from graph_builder.output.catalog import DatasetPart, FileInfo, catalog_graph

pytestmark = pytest.mark.conformance
DCAT_AP = SHARED_DIR / "data" / "dcat-ap-3.0.1"
FILES = [
    FileInfo("graph.ttl", 61010, "ab" * 32, "text/turtle", 1085),
    FileInfo("graph.nt.gz", 16666, "cd" * 32, "application/n-triples", 1085, compressed=True),
    FileInfo("graph.jsonld", 118238, "ef" * 32, "application/ld+json", 1085),
]
CONTRACTS = (FileInfo("contracts.nt.gz", 9016, "01" * 32, "application/n-triples", 400,
                      compressed=True),)


def _parts(temporal=None) -> list[DatasetPart]:
    return [DatasetPart("knowledge", tuple(FILES), temporal),
            DatasetPart("contracts", CONTRACTS, ("2019-04-01", "2024-05-02"))]


def _shapes(*names: str) -> rdflib.Graph:
    if not DCAT_AP.is_dir():
        pytest.skip(f"{DCAT_AP} is absent: the DCAT-AP 3.0.1 shapes cannot be read")
    graph = rdflib.Graph()
    for name in names:
        graph.parse(DCAT_AP / name, format="turtle")
    return graph


@pytest.mark.parametrize("temporal", [None, ("2014-01-01", "2023-12-31")])
def test_catalogue_conforms_to_the_dcat_ap_shapes_and_ranges(temporal):
    shapes = _shapes("shapes.ttl", "range.ttl")
    catalog = catalog_graph("https://w3id.org/achat-public/", _parts(temporal), "2025-06-30")
    conforms, _, text = pyshacl.validate(catalog, shacl_graph=shapes, inference="none",
                                         allow_warnings=True)
    assert conforms, text


def test_controlled_vocabulary_shapes_are_advice_only():
    shapes = _shapes("mdr-vocabularies.shape.ttl")
    catalog = catalog_graph("https://w3id.org/achat-public/", _parts(), "2025-06-30")
    _, results, _ = pyshacl.validate(catalog, shacl_graph=shapes, inference="none",
                                     allow_warnings=True)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    focus = {str(results.value(r, sh.focusNode)) for r in results.subjects(
        rdflib.RDF.type, sh.ValidationResult)}
    # Known advice: the SPDX algorithm IRI pattern (https vs the http namespace) and the
    # catalogue's theme taxonomy; every EU authority concept we use is in its scheme.
    assert not any(f.startswith("http://publications.europa.eu/") for f in focus)
