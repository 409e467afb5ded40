"""Names, kinds and sizes of buyers and suppliers from the Sirene register, on every page and
file, in French and English; unknown names said as such; the non-diffusible never named;
the curated UGAP meeting its contracts."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from achat_core.resources import DATA_DIR
from achat_graph.cli import main
from graph_builder.rdf.contracts import UNKNOWN_NAME
from graph_builder.sources.decp_generator import write_decp
from graph_builder.sources.sirene_generator import (
    COLUMNS,
    NAME_LEAK_MARK,
    write_stock_unite_legale,
)
from sparql_endpoint import create_app
from sparql_endpoint.pages.words import UNKNOWN_NAME_MARKS

BASE = "https://w3id.org/achat-public/"
UGAP = f"{BASE}id/organisation/ugap"
UGAP_SIRET, UGAP_OTHER_SIRET = "77605646700587", "77605646700012"
#: A sole trader whose row is partially diffusible but still carries a name.
HIDDEN_SIRET = "55512345600017"
#: A supplier the register does not hold.
UNKNOWN_SIRET = "99887766500014"
#: A commune buying, and a company supplying it, both named by the register.
TOWN_SIRET, FIRM_SIRET = "21350238800019", "44306184100047"


def _marche(record_id: str, buyer: str, holder: str, day: str, amount) -> dict:
    return {
        "id": record_id, "acheteur": {"id": buyer}, "codeCPV": "72000000-5",
        "dateNotification": day, "montant": amount, "procedure": "Appel d'offres ouvert",
        "marcheInnovant": False,
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": holder}}],
        "lieuExecution": {"code": "35", "typeCode": "Code département"},
        "objet": f"Prestations {record_id}",
    }


def _unit(siren: str, status: str, category: str, **names) -> list[str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(siren=siren, statutDiffusionUniteLegale=status, etatAdministratifUniteLegale="A",
               categorieJuridiqueUniteLegale=category, **names)
    return [row[c] for c in COLUMNS]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("names-inputs")
    generated = folder / "generated.json"
    write_decp(generated, 80, seed=21, concession_share=0)
    own = folder / "own.json"
    own.write_text(json.dumps({"marches": {"marche": [
        _marche("UGAP-A", UGAP_SIRET, HIDDEN_SIRET, "2023-03-14", 90000),
        _marche("UGAP-B", UGAP_OTHER_SIRET, UNKNOWN_SIRET, "2024-06-30", 120000),
        _marche("TOWN-1", TOWN_SIRET, FIRM_SIRET, "2024-02-01", 50000),
        _marche("TOWN-2", TOWN_SIRET, HIDDEN_SIRET, "2024-05-01", 45000),
    ]}}, ensure_ascii=False), encoding="utf-8")
    data = json.loads(generated.read_text(encoding="utf-8"))["marches"]["marche"]
    sirens = {r["acheteur"]["id"][:9] for r in data} | {
        h["titulaire"]["id"][:9] for r in data for h in r["titulaires"]}
    stock = folder / "StockUniteLegale_utf8.csv"
    write_stock_unite_legale(stock, 400, seed=21, sirens=sirens)
    with open(stock, "a", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(_unit("776056467", "O", "4110", denominationUniteLegale=(
            "UNION DES GROUPEMENTS D'ACHATS PUBLICS"), trancheEffectifsUniteLegale="41",
            categorieEntreprise="ETI", activitePrincipaleUniteLegale="46.90Z"))
        writer.writerow(_unit(HIDDEN_SIRET[:9], "P", "1000", prenom1UniteLegale="Jeanne",
                              nomUniteLegale=f"DUPONT {NAME_LEAK_MARK}",
                              pseudonymeUniteLegale=f"Jeanne {NAME_LEAK_MARK}"))
        writer.writerow(_unit(TOWN_SIRET[:9], "O", "7210",
                              denominationUniteLegale="COMMUNE DE RENNES ESSAI",
                              trancheEffectifsUniteLegale="53"))
        writer.writerow(_unit(FIRM_SIRET[:9], "O", "5710",
                              denominationUniteLegale="LOGICIELS DE L'OUEST",
                              trancheEffectifsUniteLegale="12", categorieEntreprise="PME"))
    out = tmp_path_factory.mktemp("names-build") / "dist"
    result = CliRunner().invoke(main, [
        "build", "--data", str(DATA_DIR), "--out", str(out), "--quiet",
        "--decp", str(generated), "--decp", str(own), "--sirene", str(stock)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def client(built):
    return create_app({"DIST": built, "STORE": str(built / "store")}).test_client()


def page(client, path: str, lang: str) -> str:
    separator = "&" if "?" in path else "?"
    response = client.get(f"{path}{separator}lang={lang}", headers={"Accept": "text/html"})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def words(html: str) -> str:
    return re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", html))


def test_pages_and_builder_agree_on_the_unknown_name_words():
    assert tuple(f"({w})" for w in UNKNOWN_NAME) == UNKNOWN_NAME_MARKS
