"""The indicator totals summed while mapping give what the store's queries give.

Differential: the same contracts are mapped (their totals summed on the way), loaded in a
store and grouped there by the published queries; every streamed query's rows must match.
"""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph_builder.output.catalog import GraphStats
from graph_builder.pipeline.build import build_and_release
from graph_builder.pipeline.contracts import (
    DECP_SOURCE,
    INDICATORS_DUMP,
    STATE_NAME,
    State,
    build_contracts,
    contract_dates,
    predating,
)
from graph_builder.pipeline.options import BuildOptions
from graph_builder.rdf.indicator_totals import STREAMED, Totals
from graph_builder.rdf.indicators import _rows, compute_indicators, read_query
from graph_builder.sources.decp_generator import write_decp

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "decp"
BASE = "https://example.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _same(rows: list[dict]) -> list[dict]:
    """Rows with every figure as a number, so the store's text and the totals compare."""
    def number(value):
        if value is None:
            return None
        try:
            return Decimal(value).quantize(Decimal("0.000001"))
        except (ArithmeticError, ValueError):
            return value
    return [{k: number(v) for k, v in row.items()} for row in rows]


def _mapped(tmp_path: Path, *decp: Path) -> tuple[ox.Store, Totals]:
    out = tmp_path / "contracts.nt"
    result = build_contracts(list(decp), out, BASE, {})
    store = ox.Store()
    store.load(path=str(out), format=ox.RdfFormat.N_TRIPLES)
    return store, result.totals


@pytest.mark.parametrize("skewed", [False, True])
def test_streamed_totals_answer_the_stores_queries(tmp_path, skewed):
    decp = tmp_path / "decp.json"
    write_decp(decp, 1500, seed=5, skewed=skewed)
    store, totals = _mapped(tmp_path, decp, FIXTURES / "quirks.json")
    for name in STREAMED:
        from_store = _rows(store, read_query(f"indicators/{name}"))
        assert from_store, name
        assert _same(totals.rows(name)) == _same(from_store), name


def test_the_first_and_last_days_summed_while_mapping_are_the_stores(tmp_path):
    """The contracts' first and last conclusion dates from the totals and the other triples
    equal the store's; a dated contract outside the mapped ones widens them."""
    decp = tmp_path / "decp.json"
    write_decp(decp, 300, seed=9, skewed=True)
    store, totals = _mapped(tmp_path, decp, FIXTURES / "quirks.json")
    found = contract_dates(store)
    assert found is not None and found[0] < found[1]
    assert contract_dates(store, totals) == found
    older = ox.Triple(ox.NamedNode(f"{BASE}id/contract/curated"), ox.NamedNode(
        "http://data.europa.eu/a4g/ontology#hasContractConclusionDate"),
        ox.Literal("1999-12-31", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")))
    store.add(ox.Quad(*older))
    assert contract_dates(store) == contract_dates(store, totals, [older]) == ("1999-12-31",
                                                                                found[1])
    assert contract_dates(ox.Store(), Totals()) is None is contract_dates(ox.Store())


def test_totals_written_and_read_back_are_the_same_totals(tmp_path):
    decp = tmp_path / "decp.json"
    write_decp(decp, 400, seed=6, skewed=True)
    _, totals = _mapped(tmp_path, decp)
    again = Totals.from_json(totals.to_json())
    assert again.to_json() == totals.to_json()
    for name in STREAMED:
        assert again.rows(name) == totals.rows(name)


def test_a_build_publishes_the_indicators_the_store_computes(tmp_path):
    """End to end: the released indicators, and the warnings on contracts that predate their
    instrument's legal basis, equal the queries run over the released store."""
    decp, sirene, out = tmp_path / "decp.json", tmp_path / "StockUniteLegale.csv", tmp_path / "d"
    write_decp(decp, 800, seed=7, sirene=sirene, skewed=True)
    options = BuildOptions(data_dir=ROOT / "data", out_dir=out, decp_files=(decp,),
                           sirene_files=(sirene,), quiet=True, created="2025-01-01")
    build_and_release(options)
    store = ox.Store.read_only(str(out / "store"))
    with gzip.open(out / INDICATORS_DUMP) as dump:
        published = {q.triple for q in ox.parse(dump, format=ox.RdfFormat.N_TRIPLES)}
    assert published == set(compute_indicators(store, options.base, source=DECP_SOURCE))
    totals = Totals.from_json(State.read(out / STATE_NAME).totals)
    warnings = predating(store)
    assert warnings and predating(store, totals) == warnings


def test_the_statistics_added_up_from_the_parts_are_the_stores(tmp_path):
    """VoID's counts from the parts as written equal the store's own count, with or without
    the entities known from the parts, and a part loaded twice (no longer disjoint) makes
    the store count again."""
    decp = tmp_path / "decp.json"
    write_decp(decp, 300, seed=8, skewed=True)
    out = tmp_path / "contracts.nt"
    result = build_contracts([decp], out, BASE, {})
    store = ox.Store()
    store.load(path=str(out), format=ox.RdfFormat.N_TRIPLES)
    extra = [ox.Triple(ox.NamedNode(f"{BASE}id/thing/x"), ox.NamedNode(f"{BASE}p"),
                       ox.NamedNode("http://data.europa.eu/cpv/cpv/03000000")),
             ox.Triple(ox.NamedNode(f"{BASE}id/thing/x"), ox.NamedNode(RDF_TYPE),
                       ox.NamedNode(f"{BASE}Thing")),
             ox.Triple(ox.NamedNode(f"{BASE}Thing"), ox.NamedNode(RDF_TYPE),  # not an entity
                       ox.NamedNode("http://www.w3.org/2002/07/owl#Class"))]
    for triple in extra:
        store.add(ox.Quad(*triple))
    space = f"{BASE}id/"
    parts = [result.counts, GraphStats.of(extra, space)]
    counted = GraphStats.of_store(store, space)
    assert GraphStats.of_parts(store, space, parts) == counted
    assert counted.entities < counted.subjects
    result.counts.outside = None  # a part with subjects outside the space, not counted
    assert GraphStats.of_parts(store, space, parts) == counted
    assert GraphStats.of_parts(store, space, [*parts, GraphStats.of(extra, space)]) is None
