"""Tests of the indicators computed from the contract graph."""

from pathlib import Path

import pyoxigraph as ox
import pytest

from achat_core.resources import QUERIES_DIR
from graph_builder.pipeline.contracts import build_contracts
from graph_builder.rdf.indicators import compute_indicators
from sparql_endpoint.protocol.examples import parse_example

FIXTURES = Path(__file__).parent / "fixtures" / "decp"
BASE = "https://example.org/"
APG = "https://w3id.org/achat-public/ontology#"


@pytest.fixture(scope="module")
def indicators(tmp_path_factory):
    out = tmp_path_factory.mktemp("decp") / "c.nt"
    build_contracts([FIXTURES / "quirks.json"], out, BASE, {})
    store = ox.Store()
    store.load(path=str(out), format=ox.RdfFormat.N_TRIPLES)
    triples = compute_indicators(store, BASE, source="https://example.org/decp")
    graph = ox.Store()
    for t in triples:
        graph.add(ox.Quad(t.subject, t.predicate, t.object))
    return triples, graph


def value(graph, slug):
    rows = list(graph.query(f"SELECT ?v WHERE {{ <{BASE}id/indicator/{slug}> <{APG}value> ?v }}"))
    assert len(rows) == 1, slug
    return rows[0]["v"].value


def test_innovative_purchase_usage_from_inferred_contracts(indicators):
    _, graph = indicators
    assert value(graph, "achat-innovant-inferred-contracts") == "1"
    assert value(graph, "achat-innovant-inferred-amount") == "84999.99"
    assert graph.query(f"ASK {{ <{BASE}id/indicator/achat-innovant-inferred-contracts> "
                       f"<{APG}aboutInstrument> <{BASE}id/instrument/achat-innovant> ; "
                       f"<{APG}computedByQuery> ?q ; <{APG}periodStart> ?s ; <{APG}scope> ?sc }}")


def test_innovative_contracts_per_year_and_region(indicators):
    _, graph = indicators
    assert value(graph, "innovative-contracts-2023") == "2"
    assert value(graph, "innovative-amount-2023") == "234999.99"
    assert value(graph, "innovative-contracts-2024") == "1"
    assert value(graph, "innovative-contracts-code-region-53") == "1"
    assert value(graph, "innovative-contracts-code-region-94") == "1"


def test_share_of_considerations(indicators):
    _, graph = indicators
    # 5 contracts: green on 2 (one marché, the concession), social on 2 (DC-01, concession)
    assert value(graph, "share-green-considerations") == "40"
    assert value(graph, "share-social-considerations") == "40"
    assert value(graph, "share-either-considerations") == "60"


def test_partnership_proxy_is_labelled(indicators):
    _, graph = indicators
    assert value(graph, "innovative-contracts-procedure-neg-wo-call") == "2"
    assert graph.query(f"ASK {{ <{BASE}id/indicator/innovative-contracts-procedure-oth-single> "
                       f"<{APG}isProxy> true ; <{APG}aboutInstrument> "
                       f"<{BASE}id/instrument/partenariat-innovation> }}")


def test_indicators_are_deterministic(indicators, tmp_path):
    triples, _ = indicators
    out = tmp_path / "c.nt"
    build_contracts([FIXTURES / "quirks.json"], out, BASE, {})
    store = ox.Store()
    store.load(path=str(out), format=ox.RdfFormat.N_TRIPLES)
    assert compute_indicators(store, BASE, source="https://example.org/decp") == triples


def test_empty_store_gives_no_indicators():
    assert compute_indicators(ox.Store(), BASE) == []


def test_shipped_queries_have_bilingual_headers_and_parse():
    files = sorted(QUERIES_DIR.glob("decp-*.rq")) + sorted(QUERIES_DIR.glob("indicators/*.rq"))
    assert len(files) == 7 + 9
    store = ox.Store()
    for path in files:
        example = parse_example(path)
        assert example.title["fr"] and example.description["en"]
        list(store.query(example.query))  # parses and runs


def test_unbound_sum_leaves_that_indicator_out(tmp_path):
    out = tmp_path / "c.nt"
    build_contracts([FIXTURES / "quirks.json"], out, BASE, {})
    store = ox.Store()
    store.load(path=str(out), format=ox.RdfFormat.N_TRIPLES)
    # An amount beyond the store's decimal range makes SUM unbound.
    store.update(
        "PREFIX epo: <http://data.europa.eu/a4g/ontology#> "
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
        "DELETE { ?v epo:hasAmountValue ?a } "
        "INSERT { ?v epo:hasAmountValue \"300000000000000000000\"^^xsd:decimal } "
        "WHERE { ?v epo:hasAmountValue ?a FILTER(?a = 84999.99) }")
    graph = ox.Store()
    for t in compute_indicators(store, BASE):
        graph.add(ox.Quad(t.subject, t.predicate, t.object))
    assert value(graph, "achat-innovant-inferred-contracts") == "1"
    assert not graph.query(f"ASK {{ <{BASE}id/indicator/achat-innovant-inferred-amount> ?p ?o }}")
