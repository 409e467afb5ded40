"""``/kit/{siren}``: a buyer's innovation kit, its JSON and CSV twins, and the 404 page."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from achat_core.resources import DATA_DIR
from achat_graph.cli import main
from sparql_endpoint import create_app

UGAP_SIRET = "77605646700012"  # an establishment of UGAP (SIREN 776056467, facts.md §3)


def _marche(record_id: str, day: str, amount, procedure: str) -> dict:
    return {"id": record_id, "acheteur": {"id": UGAP_SIRET}, "codeCPV": "72000000-5",
            "marcheInnovant": True, "dateNotification": day, "montant": amount,
            "procedure": procedure,
            "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": "44306184100047"}}],
            "lieuExecution": {"code": "35", "typeCode": "Code département"},
            "objet": f"Logiciel innovant {record_id}"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kit")
    without = "Marché passé sans publicité ni mise en concurrence préalable"
    (folder / "own.json").write_text(json.dumps({"marches": {"marche": [
        _marche("U1", "2023-03-14", 64000.5, without), _marche("U2", "2024-06-30", 80000, without),
        {**_marche("O1", "2024-09-01", 300000, "Appel d'offres ouvert"),
         "acheteur": {"id": "21350238800019"}}]}}, ensure_ascii=False), encoding="utf-8")
    out = folder / "dist"
    result = CliRunner().invoke(main, ["build", "--data", str(DATA_DIR), "--out", str(out),
                                       "--quiet", "--decp", str(folder / "own.json")])
    assert result.exit_code == 0, result.output
    app = create_app({"DIST": out, "STORE": "memory", "QUERY_TIMEOUT": 30.0})
    yield app.test_client()


def test_the_kit_shows_what_the_buyer_bought_and_used(client):
    kit = client.get("/kit/776056467.json").get_json()
    assert kit["siren"] == "776056467" and "UGAP" in kit["name"]
    assert [(y["year"], y["contracts"]) for y in kit["years"]] == [("2023", 1), ("2024", 1)]
    assert kit["divisions"] == [{"division": "72", "contracts": 2}]
    assert [i["iri"].rsplit("/", 1)[-1] for i in kit["instruments"]] == ["achat-innovant"]
    assert [p["iri"].rsplit("/", 1)[-1] for p in kit["procedures"]] == ["marche-sans-publicite"]
    suggested = [s["iri"].rsplit("/", 1)[-1] for s in kit["suggested"]]
    assert "appel-offres-ouvert" in suggested
    assert kit["guide"]["median"] == 72000 and kit["guide"]["nature"] == "services"


def test_the_page_and_its_csv_twin_hold_the_same_tables(client):
    page = client.get("/kit/776056467?lang=fr").get_data(as_text=True)
    assert "Kit d&#39;innovation" in page and "/guide?nature=services&amp;amount=72000" in page
    rows = list(csv.DictReader(io.StringIO(client.get("/kit/776056467.csv").get_data(
        as_text=True))))
    assert {r["table"] for r in rows} >= {"years", "cpv-divisions", "procedures", "instruments"}
    assert client.get("/doc/organisation/ugap?lang=fr").get_data(as_text=True).count(
        "/kit/776056467") == 1


@pytest.mark.parametrize("path", ["/kit/123456789", "/kit/abc", "/kit/776056467.xml"])
def test_an_unknown_siren_is_a_404_that_says_how_to_find_a_buyer(client, path):
    response = client.get(path + "?lang=en")
    assert response.status_code == 404
    assert "Find a buyer" in response.get_data(as_text=True)


def test_the_sitemap_lists_the_kits_the_guide_and_the_form(client):
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/kit/776056467?lang=fr" in sitemap and "/kit/213502388?lang=en" in sitemap
    assert "/guide?lang=fr" in sitemap and "/contribute?lang=en" in sitemap
