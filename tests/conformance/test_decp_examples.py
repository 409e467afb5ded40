"""The fictional DECP v2 examples of ../shared map: every contract, buyer and winner, in ePO."""

import json

import pyoxigraph as ox
import pytest
from helpers import SHARED_DIR

from graph_builder.pipeline.contracts import build_contracts

pytestmark = pytest.mark.conformance
DECP_DIR = SHARED_DIR / "data" / "decp-v2"
BASE = "https://example.org/"
EPO = "http://data.europa.eu/a4g/ontology#"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if not DECP_DIR.is_dir():
        pytest.skip(f"{DECP_DIR} is absent (shared test material)")
    files = sorted(DECP_DIR.glob("*.json"))
    files = [f for f in files if not f.name.startswith("schema")]
    result = build_contracts(files, tmp_path_factory.mktemp("decp") / "c.nt", BASE, {},
                             sample_rate=1.0)
    store = ox.Store()
    store.load(path=str(result.out_path), format=ox.RdfFormat.N_TRIPLES)
    return files, result, store


def test_every_record_maps_or_is_a_reported_duplicate(built):
    files, result, _ = built
    records = 0
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))["marches"]
        records += len(data.get("marche", [])) + len(data.get("contrat-concession", []))
    assert result.records_read == records
    assert result.contracts_mapped + result.rejected.get("duplicate-key", 0) == records
    assert set(result.rejected) <= {"duplicate-key"}


def test_every_contract_buyer_and_winner_is_in_the_graph(built):
    files, _, store = built
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))["marches"]
        for kind, buyer_field, holders, inner in (
                ("marche", "acheteur", "titulaires", "titulaire"),
                ("contrat-concession", "autoriteConcedante", "concessionnaires",
                 "concessionnaire")):
            for record in data.get(kind, []):
                siret = record[buyer_field]["id"]
                ask = (f"PREFIX epo: <{EPO}> ASK {{ ?c a ?t ; "
                       f"<http://purl.org/dc/terms/identifier> \"{record['id']}\" ; "
                       f"epo:bindsBuyer/epo:playedBy <{BASE}id/organisation/siret-{siret}> ; "
                       f"epo:hasContractValue/epo:hasAmountValue ?v ; epo:hasLotReference ?l . "
                       f"?p epo:hasProcurementScopeDividedIntoLot ?l ; epo:hasProcedureType ?pt "
                       f"FILTER(?t IN (epo:Contract, epo:ConcessionContract)) }}")
                assert store.query(ask), (path.name, record["id"])
                for holder in record[holders]:
                    number = holder[inner]["id"]
                    assert store.query(
                        f"PREFIX epo: <{EPO}> ASK {{ ?c <http://purl.org/dc/terms/identifier> "
                        f"\"{record['id']}\" ; epo:bindsContractor [ a epo:Winner ; epo:playedBy "
                        f"<{BASE}id/organisation/siret-{number}> ] }}"), number
