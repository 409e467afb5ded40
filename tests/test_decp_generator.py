"""Tests of the synthetic DECP generator."""

import json

from graph_builder.pipeline.contracts import build_contracts
from graph_builder.sources.decp_generator import main, write_decp

BASE = "https://example.org/"


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path):
    write_decp(tmp_path / "a.json.gz", 300, seed=3)
    write_decp(tmp_path / "b.json.gz", 300, seed=3)
    write_decp(tmp_path / "c.json.gz", 300, seed=4)
    assert (tmp_path / "a.json.gz").read_bytes() == (tmp_path / "b.json.gz").read_bytes()
    assert (tmp_path / "a.json.gz").read_bytes() != (tmp_path / "c.json.gz").read_bytes()


def test_generated_records_all_map_with_realistic_mix(tmp_path):
    path = tmp_path / "g.json"
    main(["--contracts", "2000", "--out", str(path), "--seed", "1"])
    data = json.loads(path.read_text())["marches"]
    assert len(data["marche"]) + len(data["contrat-concession"]) == 2000
    marches = data["marche"]
    adaptee = sum(m["procedure"] == "Procédure adaptée" for m in marches) / len(marches)
    assert 0.6 < adaptee < 0.8
    assert any(m["codeCPV"].count("-") for m in marches)
    assert any(m["titulaires"][0]["titulaire"]["typeIdentifiant"] != "SIRET" for m in marches)
    assert any("modifications" in m for m in marches)
    assert 10 < sum(m["marcheInnovant"] for m in marches) < 100
    result = build_contracts([path], tmp_path / "o.nt", BASE, {})
    assert result.contracts_mapped == 2000 and not result.rejected

