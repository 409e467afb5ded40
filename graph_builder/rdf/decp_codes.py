"""Code tables of the DECP mapping: DECP values, EU authority codes, our instruments, regions.

The crosswalk from DECP procedures to EU procedure types is ours (facts §6), not an
official one.  "Procédure adaptée" has no EU code; ePO requires one, so it gets
``oth-single`` and our own instrument ``procedure-adaptee``.  Concession procedures have
no crosswalk in the facts: they get ``oth-single`` and no instrument.
"""

from __future__ import annotations

from achat_core.iris import EU_AUTHORITY

#: The EU authority tables the codes below belong to, ``{EU}{table}/{code}``.
EU = EU_AUTHORITY
CPV_SCHEME = "http://data.europa.eu/cpv/cpv"

#: DECP ``procedure`` of a marché → (EU procurement-procedure-type code, our instrument key).
PROCEDURES: dict[str, tuple[str, str]] = {
    "Procédure adaptée": ("oth-single", "procedure-adaptee"),
    "Appel d'offres ouvert": ("open", "appel-offres-ouvert"),
    "Appel d'offres restreint": ("restricted", "appel-offres-restreint"),
    "Procédure avec négociation": ("neg-w-call", "procedure-avec-negociation"),
    "Marché passé sans publicité ni mise en concurrence préalable": (
        "neg-wo-call", "marche-sans-publicite"),
    "Dialogue compétitif": ("comp-dial", "dialogue-competitif"),
}
WITHOUT_PUBLICITY = "Marché passé sans publicité ni mise en concurrence préalable"

#: DECP ``procedure`` of a contrat de concession (no EU crosswalk: ``oth-single``).
CONCESSION_PROCEDURES = frozenset({
    "Procédure négociée ouverte", "Procédure non négociée ouverte",
    "Procédure négociée restreinte", "Procédure non négociée restreinte",
})
CONCESSION_PROCEDURE_TYPE = "oth-single"

#: DECP ``nature`` of a contrat de concession → EU contract-nature code.
CONCESSION_NATURES: dict[str, str] = {
    "Concession de travaux": "works",
    "Concession de service": "services",
    "Concession de service public": "services",
    "Délégation de service public": "services",
}
MARCHE_NATURES = frozenset({"Marché", "Marché de partenariat", "Marché de défense ou de sécurité"})

SOCIAL = frozenset({"Clause sociale", "Critère social", "Marché réservé", "Concession réservée"})
NO_SOCIAL = "Pas de considération sociale"
ENVIRONMENTAL = frozenset({"Clause environnementale", "Critère environnemental"})
NO_ENVIRONMENTAL = "Pas de considération environnementale"

TECHNIQUES = frozenset({
    "Accord-cadre", "Concours", "Système de qualification", "Système d'acquisition dynamique",
    "Catalogue électronique", "Enchère électronique", "Sans objet",
})
#: Techniques that are one of our instruments.  "Système d'acquisition dynamique",
#: "Système de qualification", "Catalogue électronique" and "Enchère électronique" have no
#: instrument in data/instruments.yaml yet: they map to none.
TECHNIQUE_INSTRUMENTS = {"Accord-cadre": "accord-cadre", "Concours": "concours"}
#: Social considerations that are one of our instruments ("Concession réservée" has none).
SOCIAL_INSTRUMENTS = {"Marché réservé": "marche-reserve"}

HOLDER_TYPES = frozenset({"SIRET", "TVA", "TAHITI", "RIDET", "FRWF", "IREP", "HORS-UE"})

#: The innovative-purchase exemption (CCP R2122-9-1): innovative, without publicity,
#: below 100 000 € HT (facts §2, last checked with the facts file).
INNOVATIVE_PURCHASE = "achat-innovant"
INNOVATIVE_PURCHASE_LIMIT = 100_000
CONSIDERATIONS_INSTRUMENT = "clauses-sociales-environnementales"
PARTNERSHIP_INSTRUMENT = "partenariat-innovation"

PLACE_TYPES: dict[str, str] = {
    "Code postal": "code-postal",
    "Code commune": "code-commune",
    "Code arrondissement": "code-arrondissement",
    "Code canton": "code-canton",
    "Code département": "code-departement",
    "Code région": "code-region",
    "Code pays": "code-pays",
}

#: INSEE region code → (name, départements), regions as of 1 January 2016.
REGIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "01": ("Guadeloupe", ("971",)),
    "02": ("Martinique", ("972",)),
    "03": ("Guyane", ("973",)),
    "04": ("La Réunion", ("974",)),
    "06": ("Mayotte", ("976",)),
    "11": ("Île-de-France", ("75", "77", "78", "91", "92", "93", "94", "95")),
    "24": ("Centre-Val de Loire", ("18", "28", "36", "37", "41", "45")),
    "27": ("Bourgogne-Franche-Comté", ("21", "25", "39", "58", "70", "71", "89", "90")),
    "28": ("Normandie", ("14", "27", "50", "61", "76")),
    "32": ("Hauts-de-France", ("02", "59", "60", "62", "80")),
    "44": ("Grand Est", ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88")),
    "52": ("Pays de la Loire", ("44", "49", "53", "72", "85")),
    "53": ("Bretagne", ("22", "29", "35", "56")),
    "75": ("Nouvelle-Aquitaine", ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79",
                                  "86", "87")),
    "76": ("Occitanie", ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81",
                         "82")),
    "84": ("Auvergne-Rhône-Alpes", ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69",
                                    "73", "74")),
    "93": ("Provence-Alpes-Côte d'Azur", ("04", "05", "06", "13", "83", "84")),
    "94": ("Corse", ("2A", "2B", "20")),
}
REGION_OF_DEPARTEMENT: dict[str, str] = {
    dep: region for region, (_, deps) in REGIONS.items() for dep in deps
}


def region_of(type_code: str, code: str) -> str | None:
    """Return the INSEE region code of a DECP place of performance, or None when unknown."""
    code = code.strip().upper()
    if type_code == "Code région":
        return code if code in REGIONS else None
    if type_code == "Code pays":
        return None
    if type_code == "Code département":
        dep = code
    elif code.startswith("97"):
        dep = code[:3]
    else:
        dep = code[:2]
    return REGION_OF_DEPARTEMENT.get(dep)


def contract_nature_of_cpv(cpv: str) -> str:
    """Return the EU contract nature of a CPV code: division 45 works, 50+ services."""
    division = int(cpv[:2])
    if division == 45:
        return "works"
    return "services" if division >= 50 else "supplies"
