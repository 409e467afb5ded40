"""Sirene facts of DECP organisations as N-Triples; partially diffusible units stay anonymous."""

from __future__ import annotations

import csv

import pyoxigraph as ox

from graph_builder.rdf.organisations import (
    SireneReport,
    code_lists,
    hidden_label,
    sirene_triples,
)
from graph_builder.sources.sirene_generator import COLUMNS, NAME_LEAK_MARK, write_stock_unite_legale

BASE = "https://example.org/"
ID = "https://w3id.org/achat-public/id/"
APG = "https://w3id.org/achat-public/ontology#"
UNITS = [
    {"siren": "123456789", "statutDiffusionUniteLegale": "O", "denominationUniteLegale": "ACME",
     "categorieJuridiqueUniteLegale": "5710", "trancheEffectifsUniteLegale": "12",
     "categorieEntreprise": "PME", "activitePrincipaleUniteLegale": "62.01Z",
     "nomenclatureActivitePrincipaleUniteLegale": "NAFRev2"},
    {"siren": "217200000", "statutDiffusionUniteLegale": "O",
     "denominationUniteLegale": "COMMUNE D'EXEMPLE", "categorieJuridiqueUniteLegale": "7210"},
    # Partially diffusible, as INSEE writes it.
    {"siren": "222222222", "statutDiffusionUniteLegale": "P", "nomUniteLegale": "[ND]",
     "prenom1UniteLegale": "[ND]", "prenomUsuelUniteLegale": "[ND]", "sexeUniteLegale": "[ND]",
     "categorieJuridiqueUniteLegale": "1000", "activitePrincipaleUniteLegale": "43.21A",
     "nomenclatureActivitePrincipaleUniteLegale": "NAFRev2"},
    # Partially diffusible, but the file still carries a name in every name column.
    {"siren": "333333333", "statutDiffusionUniteLegale": "P", "nomUniteLegale": "DURAND",
     "nomUsageUniteLegale": "LEGRAND", "prenom1UniteLegale": "Gaspard",
     "prenom2UniteLegale": "Hippolyte", "prenomUsuelUniteLegale": "Gaspard",
     "pseudonymeUniteLegale": "GASPARD-LE-MAGNIFIQUE", "sigleUniteLegale": "GDX",
     "denominationUniteLegale": "DURAND CONSEIL",
     "denominationUsuelle1UniteLegale": "ATELIER DURAND",
     "categorieJuridiqueUniteLegale": "1000"},
]
ESTABLISHMENT_COLUMNS = ("siren", "nic", "siret", "statutDiffusionEtablissement",
                         "enseigne1Etablissement", "denominationUsuelleEtablissement",
                         "numeroVoieEtablissement", "libelleVoieEtablissement",
                         "codeCommuneEtablissement", "etatAdministratifEtablissement")
ESTABLISHMENTS = [
    {"siren": "217200000", "nic": "00013", "siret": "21720000000013",
     "statutDiffusionEtablissement": "O", "codeCommuneEtablissement": "44109",
     "etatAdministratifEtablissement": "A"},
    {"siren": "333333333", "nic": "00017", "siret": "33333333300017",
     "statutDiffusionEtablissement": "P", "enseigne1Etablissement": "CHEZ GASPARD",
     "denominationUsuelleEtablissement": "GASPARD DURAND", "numeroVoieEtablissement": "12",
     "libelleVoieEtablissement": "RUE SECRETE", "codeCommuneEtablissement": "75056"},
]
SIRETS = {"12345678900011", "21720000000013", "22222222200015", "33333333300017",
          "99999999900019"}
SECRETS = ("DURAND", "LEGRAND", "Gaspard", "Hippolyte", "GASPARD", "GDX", "ATELIER",
           "CHEZ", "RUE SECRETE", "[ND]", "75056")


def _write(path, columns, rows):
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
    return path


def _files(tmp_path):
    return [_write(tmp_path / "StockUniteLegale_utf8.csv", COLUMNS, UNITS),
            _write(tmp_path / "StockEtablissement_utf8.csv", ESTABLISHMENT_COLUMNS,
                   ESTABLISHMENTS)]


def _graph(lines) -> ox.Store:
    store = ox.Store()
    store.load("".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def _values(store, node, predicate):
    return {t.object.value if isinstance(t.object, ox.Literal) else t.object.value
            for t in store.quads_for_pattern(ox.NamedNode(node), ox.NamedNode(predicate), None)}


def test_public_units_get_name_category_kind_size_and_activity(tmp_path):
    report = SireneReport()
    lines = list(sirene_triples(_files(tmp_path), BASE, SIRETS, buyers={"21720000000013"},
                                report=report))
    assert len(lines) == len(set(lines))
    store = _graph(lines)
    acme = f"{BASE}id/organisation/siret-12345678900011"
    assert _values(store, acme, APG + "legalName") == {"ACME"}
    assert _values(store, acme, APG + "siren") == {"123456789"}
    assert _values(store, acme, APG + "legalCategory") == {f"{ID}legal-category/5710"}
    assert _values(store, acme, APG + "staffBand") == {f"{ID}staff-band/12"}
    assert _values(store, acme, APG + "companyCategory") == {f"{ID}company-category/pme"}
    assert _values(store, acme, APG + "mainActivity") == {"62.01Z"}
    assert _values(store, acme, APG + "buyerKind") == set()  # not a buyer
    commune = f"{BASE}id/organisation/siret-21720000000013"
    assert _values(store, commune, APG + "buyerKind") == {f"{ID}buyer-kind/commune"}
    place = f"{BASE}id/location/code-commune-44109"
    assert _values(store, commune, "http://purl.org/dc/terms/spatial") == {place}
    part_of = _values(store, place, "http://purl.org/dc/terms/isPartOf")
    assert part_of == {f"{BASE}id/location/code-departement-44",
                       f"{BASE}id/location/code-region-52"}
    assert report.described == 4 and report.not_found == 1
    assert report.units == 4 and report.establishments == 2


def test_partially_diffusible_holders_are_never_named(tmp_path):
    """The ``[ND]`` form and a ``P`` row that still carries a name: no name in any triple."""
    lines = list(sirene_triples(_files(tmp_path), BASE, SIRETS))
    output = "".join(lines)
    for secret in SECRETS:
        assert secret not in output, secret
    store = _graph(lines)
    for siret, siren in (("22222222200015", "222222222"), ("33333333300017", "333333333")):
        node = f"{BASE}id/organisation/siret-{siret}"
        labels = {(t.object.value, t.object.language) for t in store.quads_for_pattern(
            ox.NamedNode(node), ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
            None)}
        assert labels == {
            (f"Entrepreneur individuel (données non diffusibles), SIREN {siren}", "fr"),
            (f"Sole trader (non-public data), SIREN {siren}", "en")}
        assert _values(store, node, APG + "legalName") == set()
        assert _values(store, node, APG + "partiallyDiffusible") == {"true"}
        assert _values(store, node, "http://purl.org/dc/terms/spatial") == set()
    # What is not a name stays: the category and the activity.
    hidden = f"{BASE}id/organisation/siret-22222222200015"
    assert _values(store, hidden, APG + "mainActivity") == {"43.21A"}


def test_curated_organisations_get_facts_but_keep_their_labels(tmp_path):
    curated = "https://example.org/id/organisation/commune-exemple"
    lines = list(sirene_triples(_files(tmp_path), BASE, SIRETS | {"21720000000021"},
                                buyers={"21720000000013", "21720000000021"},
                                org_lookup={"217200000": curated}))
    assert len(lines) == len(set(lines))
    store = _graph(lines)
    assert _values(store, curated, APG + "legalName") == {"COMMUNE D'EXEMPLE"}
    assert _values(store, curated, "http://www.w3.org/2004/02/skos/core#prefLabel") == set()
    assert _values(store, curated, APG + "siren") == set()


def test_places_already_written_are_not_written_again(tmp_path):
    seen = {f"<{BASE}id/location/code-region-52>"}
    lines = list(sirene_triples(_files(tmp_path), BASE, SIRETS, seen=seen))
    assert not any(line.startswith(f"<{BASE}id/location/code-region-52>") for line in lines)
    assert f"<{BASE}id/location/code-commune-44109>" in seen


def test_hidden_label_of_an_unknown_category():
    assert hidden_label("0000", "111111111", code_lists()) == (
        "Unité légale (données non diffusibles), SIREN 111111111",
        "Legal unit (non-public data), SIREN 111111111")


def test_generated_register_leaks_no_name(tmp_path):
    path = tmp_path / "StockUniteLegale.csv"
    write_stock_unite_legale(path, 4000, seed=5)
    with open(path, encoding="utf-8") as stream:
        sirets = {line[:9] + "00011" for line in list(stream)[1:]}
    output = "".join(sirene_triples([path], BASE, sirets))
    assert NAME_LEAK_MARK not in output and "[ND]" not in output
    assert "(données non diffusibles)" in output
