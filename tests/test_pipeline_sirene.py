"""End to end with the Sirene register: ``achat-graph build --decp … --sirene …``."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from achat_core.resources import DATA_DIR
from achat_graph.cli import main
from graph_builder.pipeline.contracts import build_contracts
from graph_builder.sources.decp_generator import write_decp
from graph_builder.sources.sirene_generator import NAME_LEAK_MARK, write_stock_unite_legale

BASE = "https://w3id.org/achat-public/"
APG = "https://w3id.org/achat-public/ontology#"


def _sirets(path: Path) -> tuple[set[str], set[str]]:
    data = json.loads(gzip.decompress(path.read_bytes()) if path.suffix == ".gz"
                      else path.read_bytes())["marches"]
    buyers, holders = set(), set()
    for record in data["marche"]:
        buyers.add(record["acheteur"]["id"])
        holders |= {h["titulaire"]["id"] for h in record["titulaires"]
                    if h["titulaire"]["typeIdentifiant"] == "SIRET"}
    return buyers, holders


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sirene-inputs")
    decp = folder / "decp.json"
    write_decp(decp, 200, seed=13, concession_share=0)
    buyers, holders = _sirets(decp)
    stock = folder / "StockUniteLegale_utf8.csv"
    write_stock_unite_legale(stock, 2000, seed=13, sirens={s[:9] for s in buyers | holders})
    return decp, stock, buyers, holders


def test_build_contracts_joins_the_register(inputs, tmp_path):
    decp, stock, buyers, holders = inputs
    result = build_contracts([decp], tmp_path / "c.nt", BASE, {}, sirene_files=(stock,))
    text = (tmp_path / "c.nt").read_text(encoding="utf-8")
    assert NAME_LEAK_MARK not in text and "[ND]" not in text
    store = ox.Store()
    store.load(path=str(tmp_path / "c.nt"), format=ox.RdfFormat.N_TRIPLES)
    assert len(store) == result.triples  # every line once
    report = result.sirene
    assert report.described == len(buyers | holders) and report.not_found == 0
    assert "Sirene:" in result.summary()
    named = store.query(f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o <{APG}legalName> ?n0 }}")
    assert int(next(iter(named))["n"].value) > 0
    kinds = store.query(f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o <{APG}buyerKind> ?k }}")
    assert int(next(iter(kinds))["n"].value) == len(buyers)


def test_cli_build_with_sirene_publishes_names(inputs, tmp_path):
    decp, stock, _, _ = inputs
    out = tmp_path / "dist"
    result = CliRunner().invoke(main, ["build", "--data", str(DATA_DIR), "--out", str(out),
                                       "--quiet", "--decp", str(decp), "--sirene", str(stock),
                                       "--no-store"])
    assert result.exit_code == 0, result.output
    text = gzip.decompress((out / "contracts.nt.gz").read_bytes()).decode("utf-8")
    assert f"<{APG}legalName>" in text and NAME_LEAK_MARK not in text
    assert "Sirene:" in (out / "summary.txt").read_text(encoding="utf-8")


def test_sirene_needs_decp_and_a_sirene_file(inputs, tmp_path):
    decp, stock, _, _ = inputs
    result = CliRunner().invoke(main, ["build", "--data", str(DATA_DIR), "--out",
                                       str(tmp_path / "a"), "--quiet", "--sirene", str(stock)])
    assert result.exit_code == 2 and "--sirene needs --decp" in result.output
    result = CliRunner().invoke(main, ["build", "--data", str(DATA_DIR), "--out",
                                       str(tmp_path / "b"), "--quiet", "--decp", str(decp),
                                       "--sirene", str(decp)])
    assert result.exit_code == 2 and "not a Sirene stock file" in result.output
