"""Tests of the mapping rules from DECP v2 records to ePO 4.2.0."""

import copy
from decimal import Decimal

import pyoxigraph as ox
import pytest

from graph_builder.rdf.contracts import Mapper, Rejected

BASE = "https://example.org/"
EPO = "http://data.europa.eu/a4g/ontology#"
APG = "https://w3id.org/achat-public/ontology#"
EU = "http://publications.europa.eu/resource/authority/"
UGAP = "https://example.org/id/organisation/ugap"

RECORD = {
    "id": "2023/17", "acheteur": {"id": "77605646700587"}, "objet": "Capteurs",
    "codeCPV": "38432000-2", "marcheInnovant": True,
    "procedure": "Marché passé sans publicité ni mise en concurrence préalable",
    "lieuExecution": {"code": "35238", "typeCode": "Code commune"},
    "dateNotification": "2023-03-14", "montant": Decimal("84999.99"),
    "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": "44306184100047"}}],
    "considerationsSociales": {"considerationSociale": ["Clause sociale"]},
    "considerationsEnvironnementales": {"considerationEnvironnementale": ["Pas de considération "
                                                                         "environnementale"]},
}


def graph(record, kind="marche", lookup=None):
    mapped = Mapper(BASE, lookup or {}).map(kind, record)
    store = ox.Store()
    text = "".join(mapped.lines) + "".join("".join(v) for v in mapped.shared.values())
    store.load(text.encode(), format=ox.RdfFormat.N_TRIPLES)  # strict parse
    return mapped, store


def ask(store, pattern):
    return store.query(f"PREFIX epo: <{EPO}> PREFIX apg: <{APG}> ASK {{ {pattern} }}")


def changed(**fields):
    record = copy.deepcopy(RECORD)
    record.update(fields)
    return record


def test_key_is_buyer_siret_id_and_date():
    mapped, _ = graph(RECORD)
    assert mapped.key.startswith("77605646700587-2023-17-") and mapped.key.endswith("-2023-03-14")
    assert mapped.identity == ("77605646700587", "2023/17", "2023-03-14")
    other, _ = graph(changed(id="2023-17"))
    assert other.key != mapped.key  # lossy slugs get a digest of the raw id


def test_contract_procedure_lot_and_value():
    mapped, store = graph(RECORD)
    c = f"<{BASE}id/contract/{mapped.key}>"
    assert ask(store, f"{c} a epo:Contract ; epo:hasContractConclusionDate "
                      f"'2023-03-14'^^<http://www.w3.org/2001/XMLSchema#date> ; "
                      f"epo:hasLotReference ?lot . ?p a epo:Procedure ; "
                      f"epo:hasProcurementScopeDividedIntoLot ?lot ; "
                      f"epo:hasProcedureType <{EU}procurement-procedure-type/neg-wo-call>")
    assert ask(store, f"{c} epo:hasContractValue [ a epo:MonetaryValue ; epo:hasAmountValue "
                      f"84999.99 ; epo:hasCurrency <{EU}currency/EUR> ]")


def test_cpv_check_digit_is_stripped_and_nature_follows_division():
    _, store = graph(RECORD)
    assert ask(store, "?l epo:hasPurpose/epo:hasMainClassification "
                      "<http://data.europa.eu/cpv/cpv/38432000>")
    assert ask(store, f"?t epo:hasContractNatureType <{EU}contract-nature/supplies>")
    _, works = graph(changed(codeCPV="45233140"))
    assert ask(works, f"?t epo:hasContractNatureType <{EU}contract-nature/works>")


def test_innovative_without_publicity_below_threshold_infers_the_exemption():
    mapped, store = graph(RECORD)
    c = f"<{BASE}id/contract/{mapped.key}>"
    assert ask(store, f"{c} apg:inferredInstrument <{BASE}id/instrument/achat-innovant>")
    assert ask(store, f"{c} apg:usesInstrument <{BASE}id/instrument/marche-sans-publicite>")
    assert ask(store, "?lot epo:fulfillsStrategicProcurement [ a epo:InnovativeProcurement ]")
    for record in (changed(montant=100000), changed(marcheInnovant=False),
                   changed(procedure="Procédure adaptée")):
        _, other = graph(record)
        assert not ask(other, "?c apg:inferredInstrument ?i")


def test_procedure_adaptee_gets_oth_single_and_our_instrument():
    _, store = graph(changed(procedure="Procédure adaptée"))
    assert ask(store, f"?p epo:hasProcedureType <{EU}procurement-procedure-type/oth-single>")
    assert ask(store, f"?c apg:usesInstrument <{BASE}id/instrument/procedure-adaptee>")


@pytest.mark.parametrize("procedure,code", [("Appel d'offres ouvert", "open"),
                                            ("Appel d'offres restreint", "restricted"),
                                            ("Procédure avec négociation", "neg-w-call"),
                                            ("Dialogue compétitif", "comp-dial")])
def test_procedure_crosswalk(procedure, code):
    _, store = graph(changed(procedure=procedure))
    assert ask(store, f"?p epo:hasProcedureType <{EU}procurement-procedure-type/{code}>")


def test_social_and_green_considerations():
    _, store = graph(RECORD)
    assert ask(store, "?lot epo:fulfillsStrategicProcurement [ a epo:SocialProcurement ]")
    assert not ask(store, "?lot epo:fulfillsStrategicProcurement [ a epo:GreenProcurement ]")
    assert ask(store, f"?c apg:usesInstrument <{BASE}id/instrument/"
                      "clauses-sociales-environnementales>")
    _, none = graph(changed(considerationsSociales={"considerationSociale": []}))
    assert not ask(none, "?lot epo:fulfillsStrategicProcurement [ a epo:SocialProcurement ]")


def test_buyer_matching_a_curated_siren_is_the_same_node():
    _, store = graph(RECORD, lookup={"776056467": UGAP})
    assert ask(store, f"?b a epo:Buyer ; epo:playedBy <{UGAP}> . <{UGAP}> "
                      "<http://www.w3.org/ns/adms#identifier> ?i . ?i "
                      "<http://www.w3.org/2004/02/skos/core#notation> '77605646700587'")
    assert not ask(store, f"<{UGAP}> a ?t")  # curated types and labels are not redeclared


def test_unknown_buyer_and_winner_get_siret_organisations():
    _, store = graph(RECORD)
    assert ask(store, f"?b a epo:Buyer ; epo:playedBy <{BASE}id/organisation/siret-77605646700587>")
    assert ask(store, f"?c epo:bindsContractor ?w . ?w a epo:Winner ; epo:playedBy "
                      f"<{BASE}id/organisation/siret-44306184100047>")


def test_foreign_holder_keeps_its_scheme():
    record = changed(titulaires=[{"titulaire": {"typeIdentifiant": "HORS-UE", "id": "CA 12"}}])
    _, store = graph(record)
    assert ask(store, "?w epo:playedBy ?o . ?o <http://www.w3.org/ns/adms#identifier> ?i . "
                      "?i <http://purl.org/dc/terms/type> 'HORS-UE' ; "
                      "<http://www.w3.org/2004/02/skos/core#notation> 'CA 12'")


def test_place_of_performance_is_part_of_its_region():
    _, store = graph(RECORD)
    assert ask(store, f"?t epo:definesSpecificPlaceOfPerformance ?p . ?p "
                      f"<http://purl.org/dc/terms/isPartOf> <{BASE}id/location/code-region-53>")


def test_modifications_keep_initial_values_and_record_latest_date():
    record = changed(modifications=[
        {"modification": {"id": 1, "montant": 5, "dateNotificationModification": "2023-06-01"}},
        {"modification": {"id": 2, "dateNotificationModification": "2024-01-02"}},
        {"modification": {"id": 3, "dateNotificationModification": "not a date"}}])
    mapped, store = graph(record)
    assert (mapped.modifications, mapped.skipped_modifications) == (3, 1)
    assert ask(store, "?c <http://purl.org/dc/terms/modified> "
                      "'2024-01-02'^^<http://www.w3.org/2001/XMLSchema#date>")
    assert ask(store, "?v epo:hasAmountValue 84999.99")


def test_text_with_quotes_and_newlines_is_escaped():
    _, store = graph(changed(objet='Lot "A"\\B\nsuite'))
    assert ask(store, '?c <http://purl.org/dc/terms/title> "Lot \\"A\\"\\\\B\\nsuite"@fr')


def test_concession_maps_authority_and_concessionnaires():
    record = {"id": "DSP-1", "autoriteConcedante": {"id": "21350238800019"},
              "nature": "Concession de travaux", "procedure": "Procédure négociée ouverte",
              "dateSignature": "2021-06-30", "valeurGlobale": Decimal("10.3"),
              "concessionnaires": [{"concessionnaire": {"typeIdentifiant": "SIRET",
                                                        "id": "38103128500491"}}]}
    _, store = graph(record, kind="contrat-concession")
    assert ask(store, f"?c a epo:ConcessionContract ; epo:bindsBuyer/epo:playedBy "
                      f"<{BASE}id/organisation/siret-21350238800019> ; epo:bindsContractor ?w ; "
                      "epo:hasContractValue/epo:hasAmountValue 10.3")
    assert ask(store, f"?p epo:hasProcedureType <{EU}procurement-procedure-type/oth-single>")
    assert ask(store, f"?t epo:hasContractNatureType <{EU}contract-nature/works>")


@pytest.mark.parametrize("fields,kind,field", [
    ({"id": ""}, "missing-field", "id"),
    ({"id": {"a": 1}}, "bad-value", "id"),
    ({"acheteur": {"id": "1234"}}, "bad-siret", "acheteur.id"),
    ({"acheteur": None}, "missing-field", "acheteur"),
    ({"dateNotification": "14/03/2023"}, "bad-date", "dateNotification"),
    ({"montant": "84999"}, "bad-amount", "montant"),
    ({"montant": Decimal("NaN")}, "bad-amount", "montant"),
    ({"montant": True}, "bad-amount", "montant"),
    ({"montant": 300000000000000000000}, "bad-amount", "montant"),
    ({"montant": Decimal("1000000000000.01")}, "bad-amount", "montant"),
    ({"procedure": "Partenariat"}, "unknown-procedure", "procedure"),
    ({"marcheInnovant": None}, "missing-field", "marcheInnovant"),
    ({"codeCPV": "38432000-22"}, "bad-cpv", "codeCPV"),
    ({"titulaires": []}, "empty-array", "titulaires"),
    ({"titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": "123"}}]}, "bad-siret",
     "titulaires[0].titulaire.id"),
    ({"titulaires": [{"x": 1}]}, "bad-holder", "titulaires[0].titulaire"),
    ({"lieuExecution": {"code": "35", "typeCode": "Code IRIS"}}, "unknown-value",
     "lieuExecution.typeCode"),
    ({"objet": "bad \ud800 text"}, "bad-text", "objet"),
])
def test_bad_fields_are_rejected_with_kind_and_field(fields, kind, field):
    with pytest.raises(Rejected) as error:
        Mapper(BASE, {}).map("marche", changed(**fields))
    assert (error.value.kind, error.value.field) == (kind, field)
    assert error.value.message


def test_amount_at_the_cap_is_kept_and_summable():
    _, store = graph(changed(montant=10**12))
    rows = list(store.query(f"PREFIX epo: <{EPO}> SELECT (SUM(?a) AS ?s) "
                            "WHERE { ?v epo:hasAmountValue ?a }"))
    assert rows[0]["s"].value == "1000000000000"
