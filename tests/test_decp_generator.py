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



def test_the_skewed_profile_has_busy_buyers_many_suppliers_and_concentrated_codes(tmp_path):
    from collections import Counter

    path, sirene = tmp_path / "s.json", tmp_path / "StockUniteLegale.csv"
    main(["--contracts", "6000", "--out", str(path), "--seed", "2", "--sirene", str(sirene)])
    marches = json.loads(path.read_text())["marches"]["marche"]
    buyers = Counter(m["acheteur"]["id"] for m in marches)
    assert len(buyers) <= 160  # 40 000 at 1.5 M contracts, in proportion
    assert buyers.most_common(1)[0][1] > 10 * len(marches) / len(buyers)  # the busiest
    suppliers = {t["titulaire"]["id"] for m in marches for t in m["titulaires"]
                 if t["titulaire"]["typeIdentifiant"] == "SIRET"}
    assert 300 < len(suppliers) <= 800  # 200 000 at 1.5 M contracts, in proportion
    codes = Counter(m["codeCPV"][:8] for m in marches)
    assert sum(n for _, n in codes.most_common(30)) > 0.2 * len(marches)  # of ~3 600
    assert Counter(m["codeCPV"][:2] for m in marches).most_common(1)[0][0] == "45"
    techniques = Counter(t for m in marches for t in m["techniques"]["technique"])
    assert techniques["Accord-cadre"] > techniques["Concours"] > 0
    rows = sirene.read_text(encoding="utf-8").splitlines()[1:]
    sirens = {row.split(",", 1)[0] for row in rows}
    assert {b[:9] for b in buyers} <= sirens
    assert 0 < sum(row.split(",")[1] == "P" for row in rows) < 0.1 * len(rows)
    result = build_contracts([path], tmp_path / "o.nt", BASE, {})
    assert result.contracts_mapped == 6000 and not result.rejected
