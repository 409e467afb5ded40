"""``achat-graph build`` with the shared DECP v2 examples: every contract, buyer and winner."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from helpers import SHARED_DIR

from achat_core.resources import DATA_DIR
from achat_graph.cli import main

pytestmark = pytest.mark.conformance
DECP_DIR = SHARED_DIR / "data" / "decp-v2"
EPO = "http://data.europa.eu/a4g/ontology#"
PREFIXES = (f"PREFIX epo: <{EPO}> PREFIX dct: <http://purl.org/dc/terms/> "
            "PREFIX apg: <https://w3id.org/achat-public/ontology#> "
            "PREFIX adms: <http://www.w3.org/ns/adms#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ")
KINDS = (("marche", "epo:Contract", "acheteur", "titulaires"),
         ("contrat-concession", "epo:ConcessionContract", "autoriteConcedante",
          "concessionnaires"))


def _examples() -> list[Path]:
    return [f for f in sorted(DECP_DIR.glob("*.json")) if not f.name.startswith("schema")]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, ox.Store]:
    if not DECP_DIR.is_dir():
        pytest.skip(f"{DECP_DIR} is absent (shared test material)")
    out = tmp_path_factory.mktemp("shared-decp") / "dist"
    args = ["build", "--data", str(DATA_DIR), "--out", str(out), "--quiet"]
    for path in _examples():
        args += ["--decp", str(path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return out, ox.Store.read_only(str(out / "store"))


def test_every_contract_buyer_and_winner_is_in_the_published_store(built):
    _, store = built
    checked = 0
    for path in _examples():
        data = json.loads(path.read_text(encoding="utf-8"))["marches"]
        for kind, cls, buyer_field, holders_field in KINDS:
            for record in data.get(kind, []):
                buyer = record[buyer_field]["id"]
                assert store.query(
                    f'{PREFIXES} ASK {{ ?c a {cls} ; dct:identifier "{record["id"]}" ; '
                    f"epo:hasContractValue/epo:hasAmountValue ?v ; epo:bindsBuyer ?b . "
                    f'?b a epo:Buyer ; epo:playedBy/apg:siret "{buyer}" }}'), (path.name, record)
                for holder in record[holders_field]:
                    number = next(iter(holder.values()))["id"]
                    assert store.query(
                        f'{PREFIXES} ASK {{ ?c dct:identifier "{record["id"]}" ; '
                        f"epo:bindsContractor ?w . ?w a epo:Winner ; "
                        f'epo:playedBy/adms:identifier/skos:notation "{number}" }}'), \
                        (path.name, record["id"], number)
                checked += 1
    assert checked > 0


def test_only_duplicates_are_rejected_and_the_report_is_published(built):
    out, _ = built
    lines = [json.loads(line) for line in
             (out / "decp-rejected.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {line["kind"] for line in lines} <= {"duplicate-key"}
    manifest = json.loads((out / "build.json").read_text(encoding="utf-8"))
    assert "decp-rejected.jsonl" in manifest["files"]
    assert manifest["load"][:3] == ["graph.nt.gz", "contracts.nt.gz", "indicators.nt.gz"]
