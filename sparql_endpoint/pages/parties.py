"""Buyer and supplier pages: what an organisation bought or won, read from the contract data.

An organisation (curated, or minted from a SIRET in DECP) plays buyer and winner roles
(``epo:playedBy``); its contracts hang from those roles. One organisation signs at most a
few thousand contracts, so these groupings run live, in the page's time limit; the
indicators the builder linked to it (``dcterms:subject``) are read as they are.
"""

from __future__ import annotations

import pyoxigraph as ox

from achat_core.iris import APG, DCT, EPO, RDF, RDFS
from sparql_endpoint.pages import numbers
from sparql_endpoint.pages.answers import Select, contract_rows, node
from sparql_endpoint.pages.labels import pick
from sparql_endpoint.pages.render import labeller
from sparql_endpoint.pages.words import MEASURE_WORDS

ANNUAIRE = "https://annuaire-entreprises.data.gouv.fr/"
CPV = "http://data.europa.eu/cpv/cpv/"
#: The two sides of a contract an organisation can be on: role, property from the contract.
ROLES = (("buyer", EPO + "bindsBuyer"), ("supplier", EPO + "bindsContractor"))
LATEST = 10
TOP = 8
#: What the Sirene register says of an organisation, in the order its page shows it:
#: word key (``words.TEXTS``), property.
REGISTER = (("legal_name", APG + "legalName"), ("buyer_kind", APG + "buyerKind"),
            ("legal_category", APG + "legalCategory"),
            ("company_category", APG + "companyCategory"), ("staff_band", APG + "staffBand"),
            ("activity", APG + "mainActivity"), ("commune", DCT + "spatial"))


def _contracts(iri: str, prop: str) -> str:
    """Return a SPARQL pattern binding ?c to the contracts the organisation is on by ``prop``.

    One side at a time: the store then starts from the organisation (a UNION of both sides
    made it scan every lot's classification, a hundred times slower).
    """
    return f"?r <{EPO}playedBy> {node(iri)} . ?c <{prop}> ?r . "


def directory_links(pairs: list) -> list[dict]:
    """Return the French business directory's pages for the organisation's SIREN and SIRETs."""
    sirets = sorted(o.value for p, o in pairs if p.value == APG + "siret")
    sirens = sorted({o.value for p, o in pairs if p.value == APG + "siren"}
                    | {s[:9] for s in sirets})
    links = [{"kind": "siren", "number": s, "href": f"{ANNUAIRE}entreprise/{s}"}
             for s in sirens if s.isdigit() and len(s) == 9]
    links += [{"kind": "siret", "number": s, "href": f"{ANNUAIRE}etablissement/{s}"}
              for s in sirets if s.isdigit() and len(s) == 14]
    return links


def register(pairs: list) -> dict:
    """Read what the Sirene register said of an organisation, and whether its name is known.

    A unit that must not be named (``apg:partiallyDiffusible``) says so; an organisation the
    curated data does not describe and the register did not name has an unknown name, and
    its page says how to get it.
    """
    values: dict[str, list] = {}
    for p, o in pairs:
        values.setdefault(p.value, []).append(o)
    facts = [{"key": key, "iri" if isinstance(term, ox.NamedNode) else "value": term.value}
             for key, prop in REGISTER for term in sorted(values.get(prop, []), key=str)]
    hidden = any(o.value == "true" for o in values.get(APG + "partiallyDiffusible", []))
    curated = any(o.value == APG + "Organisation" for o in values.get(RDF + "type", []))
    return {"facts": facts, "hidden": hidden,
            "unknown": not (curated or hidden or APG + "legalName" in values)}


def kinds_and_sizes(select: Select, items: list[str], lang: str) -> dict[str, tuple[str, str]]:
    """Return what the Sirene register says organisations are and how big: item -> (kind,
    size), the buyer kind or else the legal category, the company category or else the staff
    band; empty where the register is silent."""
    found: dict[str, dict[str, str]] = {}
    for start in range(0, len(items), 200):
        values = " ".join(node(i) for i in items[start:start + 200])
        for row in select(
                f"SELECT ?item ?p ?o WHERE {{ VALUES ?item {{ {values} }} VALUES ?p {{ "
                f"<{APG}buyerKind> <{APG}legalCategory> <{APG}companyCategory> "
                f"<{APG}staffBand> }} ?item ?p ?o }}"):
            found.setdefault(row["item"].value, {})[row["p"].value] = row["o"].value
    names = labeller()
    names.fetch(iri for facts in found.values() for iri in facts.values())

    def first(facts: dict[str, str], *props: str) -> str:
        chosen = next((facts[p] for p in props if p in facts), None)
        return names.label(chosen, lang)[0] if chosen else ""

    return {item: (first(facts, APG + "buyerKind", APG + "legalCategory"),
                   first(facts, APG + "companyCategory", APG + "staffBand"))
            for item, facts in found.items()}


def party_card(select: Select, light: Select, iri: str, pairs: list, lang: str) -> dict:
    """Gather an organisation's contracts as buyer and as supplier: years, instruments, CPV.

    ``select`` runs the queries over its contracts (time-limited); ``light`` reads the
    indicators about it.
    """
    sides = [side for side in (_side(select, iri, role, prop, lang) for role, prop in ROLES)
             if side["contracts"]]
    return {
        "sides": sides,
        "indicators": indicators_about(light, iri, lang),
        "directory": directory_links(pairs),
        "register": register(pairs),
    }


def _side(select: Select, iri: str, role: str, prop: str, lang: str) -> dict:
    """Describe one side (buyer or supplier) of an organisation's contracts."""
    pattern = _contracts(iri, prop)
    side: dict = {"role": role, "years": [], "contracts": 0, "amount": 0.0}
    for row in select(
            f"SELECT ?year (COUNT(?c) AS ?n) (SUM(?a) AS ?total) WHERE {{ {pattern} "
            f"?c <{EPO}hasContractConclusionDate> ?d . "
            f"OPTIONAL {{ ?c <{EPO}hasContractValue>/<{EPO}hasAmountValue> ?a }} "
            f"BIND(YEAR(?d) AS ?year) }} GROUP BY ?year ORDER BY ?year"):
        count = int(row["n"].value)
        total = float(row["total"].value) if "total" in row else 0.0
        side["contracts"] += count
        side["amount"] += total
        side["years"].append({"year": row["year"].value, "contracts": count,
                              "contracts_text": numbers.number(count, lang),
                              "amount_text": numbers.amount(round(total), lang)})
    if not side["contracts"]:
        return side
    side["contracts_text"] = numbers.number(side["contracts"], lang)
    side["amount_text"] = numbers.amount(round(side["amount"]), lang)
    side["instruments"] = [
        {"iri": row["i"].value, "contracts_text": numbers.number(row["n"].value, lang)}
        for row in select(
            f"SELECT ?i (COUNT(?c) AS ?n) WHERE {{ {pattern} "
            f"?c <{APG}usesInstrument>|<{APG}inferredInstrument> ?i }} "
            f"GROUP BY ?i ORDER BY DESC(?n) ?i")]
    side["cpv"] = [
        {"division": row["division"].value,
         "contracts_text": numbers.number(row["n"].value, lang)}
        for row in select(
            f"SELECT ?division (COUNT(?c) AS ?n) WHERE {{ {pattern} "
            f"?c <{EPO}hasLotReference> ?lot . ?lot <{EPO}hasPurpose> ?purpose . "
            f"?purpose <{EPO}hasMainClassification> ?cpv . "
            f'BIND(SUBSTR(STRAFTER(STR(?cpv), "{CPV}"), 1, 2) AS ?division) }} '
            f"GROUP BY ?division ORDER BY DESC(?n) ?division LIMIT {TOP}")]
    latest = select(
        f"SELECT ?c ?d WHERE {{ {pattern} ?c <{EPO}hasContractConclusionDate> ?d }} "
        f"ORDER BY DESC(?d) ?c LIMIT {LATEST}")
    side["latest"] = contract_rows(select, [r["c"].value for r in latest], lang)
    innovative = select(
        f"SELECT ?c ?d WHERE {{ {pattern} ?c <{EPO}hasContractConclusionDate> ?d ; "
        f"<{EPO}hasLotReference> ?lot . ?lot <{EPO}fulfillsStrategicProcurement> ?s . "
        f"?s a <{EPO}InnovativeProcurement> }} ORDER BY DESC(?d) ?c LIMIT {LATEST}")
    side["innovative"] = contract_rows(select, [r["c"].value for r in innovative], lang)
    return side


def indicators_about(select: Select, iri: str, lang: str) -> list[dict]:
    """Return the builder's indicators whose subject is this organisation or region."""
    rows = select(
        f"SELECT ?f ?label ?value ?unit ?start ?end ?measure ?instrument WHERE {{ "
        f"?f <{DCT}subject> {node(iri)} ; "
        f"<{APG}value> ?value ; <{APG}unit> ?unit ; <{RDFS}label> ?label . "
        f"OPTIONAL {{ ?f <{APG}measure> ?measure }} "
        f"OPTIONAL {{ ?f <{APG}aboutInstrument> ?instrument }} "
        f"OPTIONAL {{ ?f <{APG}periodStart> ?start }} OPTIONAL {{ ?f <{APG}periodEnd> ?end }} }}")
    found: dict[str, dict] = {}
    for row in rows:
        entry = found.setdefault(row["f"].value, {
            "iri": row["f"].value, "labels": {},
            "instrument": row["instrument"].value if "instrument" in row else None})
        measure = MEASURE_WORDS.get(row["measure"].value) if "measure" in row else None
        if measure:
            entry["measure"] = measure[lang == "en"]
        label = row["label"]
        if isinstance(label, ox.Literal):
            entry["labels"][label.language or ""] = label.value
        unit, value = row["unit"].value, row["value"].value
        entry["value_text"] = (numbers.amount(value, lang) if unit == "EUR"
                               else numbers.number(value, lang, numbers.places(value)))
        entry["period"] = (f"{numbers.day(row['start'].value, lang)} – "
                           f"{numbers.day(row['end'].value, lang)}"
                           if "start" in row and "end" in row else "")
    out = []
    for entry in found.values():
        chosen = pick(entry.pop("labels"), lang)
        entry["label"] = entry.get("measure") or (chosen[0] if chosen else entry["iri"])
        out.append(entry)
    return sorted(out, key=lambda e: (e["instrument"] or "", e["label"]))


def role_owner(pairs: list) -> str | None:
    """Return the organisation a buyer or winner role is played by, if any."""
    return next((o.value for p, o in pairs if p.value == EPO + "playedBy"
                 and isinstance(o, ox.NamedNode)), None)
