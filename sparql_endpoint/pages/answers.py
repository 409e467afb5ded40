"""The answer card of an instrument: what it is, when it may be used, on what basis, how often.

Everything comes from the graph: the curated record (definition, thresholds, legal basis,
EU codes, usage notes), the indicators the builder computed from the contract data (per
year, per region, most frequent buyers) and the few latest contracts. Pages read the
indicators instead of grouping contracts at each visit, so the card stays fast at millions
of contracts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, timedelta

import pyoxigraph as ox

from achat_core import legal_dates
from achat_core.iris import APG, DCT, DEFAULT_BASE, ELI, EPO, SCHEMA, SKOS
from sparql_endpoint.pages import freshness, numbers
from sparql_endpoint.pages.labels import pick
from sparql_endpoint.pages.source_links import official_site
from sparql_endpoint.pages.words import MATCH_WORDS, text

LEGIFRANCE = "https://www.legifrance.gouv.fr/codes/"
#: Légifrance addresses by identifier kind: an article, or a whole code.
LEGIFRANCE_KINDS = {"LEGIARTI": "article_lc/", "LEGITEXT": "texte_lc/"}
LEGIFRANCE_ID = re.compile(r"^(LEGIARTI|LEGITEXT)[0-9]{12}$")
#: EU code mappings, strongest first: property, French, English.
MATCHES = ("exactMatch", "closeMatch", "relatedMatch")
#: Latest contracts shown on a page.
LATEST = 10
#: Above this many contracts, look for the latest ones among the last days only (one index
#: lookup per day) rather than sorting them all; at most this many days.
SORT_LIMIT = 5_000
MAX_DAYS = 90
#: Buyers and regions listed on an instrument's page.
TOP = 10
#: The actor role of organisations that promote instruments (a concept of the vocabulary,
#: under its fixed base).
PROMOTER = DEFAULT_BASE + "id/actor-role/promoter"

Select = Callable[[str], list[dict]]


def node(iri: str) -> str:
    """Write an IRI as a SPARQL term (checked by pyoxigraph)."""
    return str(ox.NamedNode(iri))


def legifrance_url(identifier: str) -> str | None:
    """Return the Légifrance page of a LEGIARTI or LEGITEXT identifier, else None."""
    if not LEGIFRANCE_ID.match(identifier):
        return None
    return LEGIFRANCE + LEGIFRANCE_KINDS[identifier[:8]] + identifier


def _texts(rows: list[dict], name: str) -> dict[str, str]:
    """Collect a variable's literals by language (first one per language)."""
    found: dict[str, str] = {}
    for row in rows:
        term = row.get(name)
        if isinstance(term, ox.Literal):
            found.setdefault(term.language or "", term.value)
    return found


def _in(rows: list[dict], name: str, lang: str) -> str | None:
    chosen = pick(_texts(rows, name), lang)
    return chosen[0] if chosen else None


def _order(iri: str) -> tuple:
    """Sort key following the curated order of numbered IRIs (``…-2`` before ``…-10``)."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", iri))


def thresholds(select: Select, iri: str, lang: str) -> list[dict]:
    """Return an instrument's thresholds in their curated order, amounts written out."""
    rows = select(
        f"SELECT ?t ?amount ?currency ?vat ?scope ?from ?until ?below WHERE {{ "
        f"{node(iri)} <{APG}threshold> ?t . ?t <{APG}amount> ?amount . "
        f"OPTIONAL {{ ?t <{APG}currency> ?currency }} OPTIONAL {{ ?t <{APG}excludingVAT> ?vat }} "
        f"OPTIONAL {{ ?t <{APG}thresholdScope> ?scope }} "
        f"OPTIONAL {{ ?t <{APG}inForceFrom> ?from }} OPTIONAL {{ ?t <{APG}inForceUntil> ?until }}"
        f"OPTIONAL {{ ?t <{APG}appliesBelow> ?below }}"
        f" }}")
    by_node: dict[str, list[dict]] = {}
    for row in rows:
        by_node.setdefault(row["t"].value, []).append(row)
    out = []
    today = freshness.build_date()
    for key in sorted(by_node, key=_order):
        group = by_node[key]
        first = group[0]
        currency = first["currency"].value if "currency" in first else "EUR"
        start = first["from"].value if "from" in first else None
        end = first["until"].value if "until" in first else None
        out.append({
            "start": start, "end": end,
            "amount": numbers.amount(first["amount"].value, lang, currency),
            "excluding_vat": "vat" in first and first["vat"].value == "true",
            # A rule that holds from the amount upwards (an obligation) reads "from", not "below".
            "below": "below" not in first or first["below"].value == "true",
            "scope": _in(group, "scope", lang),
            "in_force": " ".join(
                freshness.in_force_phrase(prop, first[name].value, today, lang) or ""
                for name, prop in (("from", freshness.IN_FORCE_FROM),
                                   ("until", freshness.IN_FORCE_UNTIL)) if name in first),
        })
    if any(t["start"] or t["end"] for t in out):
        # A rule that changed over time reads as its history, oldest period first.
        out.sort(key=lambda t: (t["start"] or t["end"] or "", t["end"] or "9999"))
    return out


def since(select: Select, iri: str, basis: list[dict], lang: str) -> dict | None:
    """Return since when the instrument's legal basis is in force, and which text says so.

    Each item of ``basis`` gets its own date too (``dated``), by the same rule, so an article
    shows the date of the text it is part of.
    """
    rows = [{name: term.value for name, term in row.items()}
            for row in select(legal_dates.basis_dates_query(iri))]
    for item in basis:
        dated = [d for d in map(legal_dates.basis_date,
                                (r for r in rows if r["basis"] == item["iri"])) if d]
        if dated:
            day, in_force, source = min(dated)
            item["dated"] = {"date": day, "date_text": numbers.day(day, lang),
                             "in_force": in_force, "of_text": source != item["iri"],
                             "in_title": numbers.names_day(item["title"], day)}
    found = legal_dates.since(rows).get(iri)
    if found is None:
        return None
    day, in_force, source = found
    return {"date": day, "date_text": numbers.day(day, lang), "in_force": in_force,
            "iri": source}


def legal_basis(select: Select, iri: str, lang: str) -> list[dict]:
    """Return the legal basis: each article or text with number, title, date and Légifrance link."""
    rows = select(
        f"SELECT ?b ?label ?title ?number ?id ?text ?textId ?date ?url WHERE {{ "
        f"{node(iri)} <{APG}legalBasis> ?b . "
        f"OPTIONAL {{ ?b <http://www.w3.org/2000/01/rdf-schema#label> ?label }} "
        f"OPTIONAL {{ ?b <{DCT}title> ?title }} "
        f"OPTIONAL {{ ?b <{APG}articleNumber> ?number }} OPTIONAL {{ ?b <{DCT}identifier> ?id }} "
        f"OPTIONAL {{ ?b <{APG}partOfLegalText> ?text . "
        f"OPTIONAL {{ ?text <{DCT}identifier> ?textId }} }} "
        f"OPTIONAL {{ ?b <{ELI}date_document> ?date }} OPTIONAL {{ ?b <{SCHEMA}url> ?url }} }}")
    by_node: dict[str, list[dict]] = {}
    for row in rows:
        by_node.setdefault(row["b"].value, []).append(row)
    out = []
    for key, group in by_node.items():
        ids = sorted({r["id"].value for r in group if "id" in r})
        text_ids = sorted({r["textId"].value for r in group if "textId" in r})
        links = [u for u in (legifrance_url(i) for i in ids) if u]
        urls = sorted({r["url"].value for r in group if "url" in r})
        official = links[0] if links else next((u for u in urls if official_site(u)), None)
        first = group[0]
        out.append({
            "iri": key,
            "number": first["number"].value if "number" in first else None,
            "title": _in(group, "label", lang) or _in(group, "title", lang) or key,
            "date": first["date"].value if "date" in first else None,
            "date_text": numbers.day(first["date"].value, lang) if "date" in first else None,
            # its page on Légifrance or EUR-Lex, and the words that name the site
            "legifrance": official,
            "official_words": text("on_site", lang).format(site=official_site(official))
            if official else None,
            "code_legifrance": next((legifrance_url(i) for i in text_ids
                                     if legifrance_url(i)), None),
            "url": urls[0] if urls else None,
        })
    # Articles first (by number), then the texts from the oldest.
    out.sort(key=lambda b: (b["number"] is None, _order(b["number"] or ""), b["date"] or "",
                            b["title"]))
    return out


def eu_matches(select: Select, iri: str, lang: str) -> list[dict]:
    """Return the EU authority concepts the instrument maps to, strongest mapping first."""
    values = " ".join(f'(<{SKOS}{prop}> {rank})' for rank, prop in enumerate(MATCHES))
    rows = select(f"SELECT ?rank ?c ?label WHERE {{ VALUES (?match ?rank) {{ {values} }} "
                  f"{node(iri)} ?match ?c . OPTIONAL {{ ?c <{SKOS}prefLabel> ?label }} }}")
    by_node: dict[tuple[int, str], list[dict]] = {}
    for row in rows:
        by_node.setdefault((int(row["rank"].value), row["c"].value), []).append(row)
    found = []
    for (rank, concept), group in sorted(by_node.items()):
        fr, en = MATCH_WORDS[MATCHES[rank]]
        found.append({"iri": concept, "kind": fr if lang == "fr" else en,
                      "label": _in(group, "label", lang) or concept.rsplit("/", 1)[-1],
                      "code": concept.rsplit("/", 1)[-1]})
    return found


def usage(select: Select, iri: str, lang: str, top: int | None = TOP) -> dict:
    """Read the builder's indicators about an instrument: totals, per year, regions, buyers
    (the ``top`` first of each, or all of them)."""
    rows = select(
        f"SELECT ?measure ?value ?start ?end ?subject WHERE {{ "
        f"?f <{APG}aboutInstrument> {node(iri)} ; <{APG}measure> ?measure ; "
        f"<{APG}value> ?value ; <{APG}periodStart> ?start ; <{APG}periodEnd> ?end . "
        f"OPTIONAL {{ ?f <{DCT}subject> ?subject }} }}")
    years: dict[str, dict] = {}
    subjects: dict[str, dict[str, dict]] = {"buyer": {}, "region": {}}
    totals = {"contracts": 0.0, "amount": 0.0, "inferred": False, "first": None, "last": None}
    for row in rows:
        measure, value = row["measure"].value, float(row["value"].value)
        start, end = row["start"].value, row["end"].value
        if measure.endswith("-per-year"):
            year = years.setdefault(start[:4], {"year": start[:4], "contracts": 0.0,
                                                "amount": 0.0})
            year["contracts" if measure.startswith("contracts") else "amount"] += value
        elif measure in ("contracts-declared", "contracts-inferred"):
            totals["contracts"] += value
            totals["inferred"] |= measure == "contracts-inferred"
            totals["first"] = min(filter(None, (totals["first"], start)))
            totals["last"] = max(filter(None, (totals["last"], end)))
        elif measure in ("amount-declared", "amount-inferred"):
            totals["amount"] += value
        else:
            kind = measure.rsplit("-", 1)[-1]
            if kind in subjects and "subject" in row:
                entry = subjects[kind].setdefault(row["subject"].value, {
                    "iri": row["subject"].value, "contracts": 0.0, "amount": 0.0})
                entry["contracts" if measure.startswith("contracts") else "amount"] += value
    per_year = [years[y] for y in sorted(years)]
    for year in per_year:
        year["contracts_text"] = numbers.number(year["contracts"], lang)
        year["amount_text"] = numbers.amount(round(year["amount"]), lang)

    def ranked(kind: str) -> list[dict]:
        listed = sorted(subjects[kind].values(), key=lambda e: (-e["contracts"], e["iri"]))[:top]
        for entry in listed:
            entry["contracts_text"] = numbers.number(entry["contracts"], lang)
            entry["amount_text"] = numbers.amount(round(entry["amount"]), lang)
        return listed

    return {
        "years": per_year,
        "buyers": ranked("buyer"),
        "regions": ranked("region"),
        "contracts": totals["contracts"],
        "contracts_text": numbers.number(totals["contracts"], lang),
        "amount_text": numbers.amount(round(totals["amount"]), lang),
        "inferred": totals["inferred"],
        "first": totals["first"], "last": totals["last"],
        "first_text": numbers.day(totals["first"], lang) if totals["first"] else None,
        "last_text": numbers.day(totals["last"], lang) if totals["last"] else None,
    }


def latest_contracts(select: Select, link: str, target: str, lang: str, total: float,
                     first: str | None, last: str | None, limit: int = LATEST) -> list[dict]:
    """Return the latest contracts linked to ``target`` by the property path ``link``.

    With many contracts, look only at the last few days before the latest date: each day
    is one index lookup, and each contract of those days one check of the link. The window
    holds about three times ``limit`` of them at the average rate, widened once if short.
    """
    if total > SORT_LIMIT and first and last:
        end, start = date.fromisoformat(last[:10]), date.fromisoformat(first[:10])
        per_day = total / max(1, (end - start).days + 1)
        days = min(MAX_DAYS, max(1, math.ceil(3 * limit / per_day)))
        for window in (days, min(MAX_DAYS, 4 * days)):
            values = " ".join(
                f'"{end - timedelta(days=n)}"^^<http://www.w3.org/2001/XMLSchema#date>'
                for n in range(window))
            rows = select(
                f"SELECT ?c ?date WHERE {{ VALUES ?date {{ {values} }} "
                f"?c <{EPO}hasContractConclusionDate> ?date "
                f"FILTER EXISTS {{ ?c {link} {node(target)} }} }} "
                f"ORDER BY DESC(?date) ?c LIMIT {limit}")
            if len(rows) >= limit:
                break
    else:
        rows = select(
            f"SELECT ?c ?date WHERE {{ ?c {link} {node(target)} ; "
            f"<{EPO}hasContractConclusionDate> ?date }} ORDER BY DESC(?date) ?c LIMIT {limit}")
    return contract_rows(select, [r["c"].value for r in rows], lang)


def contract_rows(select: Select, contracts: list[str], lang: str) -> list[dict]:
    """Describe contracts for a table: title, buyer, date, amount, instruments."""
    if not contracts:
        return []
    values = " ".join(node(c) for c in contracts)
    rows = select(
        f"SELECT ?c ?title ?id ?date ?amount ?buyer ?instrument WHERE {{ VALUES ?c {{ {values} }} "
        f"?c <{EPO}hasContractConclusionDate> ?date . "
        f"OPTIONAL {{ ?c <{DCT}title> ?title }} OPTIONAL {{ ?c <{DCT}identifier> ?id }} "
        f"OPTIONAL {{ ?c <{EPO}hasContractValue>/<{EPO}hasAmountValue> ?amount }} "
        f"OPTIONAL {{ ?c <{EPO}bindsBuyer>/<{EPO}playedBy> ?buyer }} "
        f"OPTIONAL {{ ?c <{APG}usesInstrument>|<{APG}inferredInstrument> ?instrument }} }}")
    by_contract: dict[str, dict] = {}
    for row in rows:
        entry = by_contract.setdefault(row["c"].value, {
            "iri": row["c"].value, "date": row["date"].value,
            "date_text": numbers.day(row["date"].value, lang),
            "title": row["title"].value if "title" in row else None,
            "id": row["id"].value if "id" in row else None,
            "amount_text": numbers.amount(row["amount"].value, lang) if "amount" in row else "",
            "buyer": row["buyer"].value if "buyer" in row else None,
            "instruments": []})
        if "instrument" in row and row["instrument"].value not in entry["instruments"]:
            entry["instruments"].append(row["instrument"].value)
    return sorted(by_contract.values(), key=lambda e: (e["date"], e["iri"]), reverse=True)


def resources(select: Select, iri: str) -> list[dict]:
    """Return the knowledge resources that mention an instrument, with their own addresses."""
    rows = select(f"SELECT ?r ?url WHERE {{ ?r <{APG}mentionsInstrument> {node(iri)} . "
                  f"OPTIONAL {{ ?r <{SCHEMA}url> ?url }} }}")
    found: dict[str, dict] = {}
    for row in rows:
        entry = found.setdefault(row["r"].value, {"iri": row["r"].value, "url": None})
        if "url" in row and row["url"].value.startswith(("http://", "https://")):
            entry["url"] = row["url"].value
    return list(found.values())


def promoters(select: Select, iri: str) -> list[dict]:
    """Return the organisations that promote an instrument, with what they publish about it.

    A promoter plays the ``promoter`` actor role and publishes a resource or leads a project
    about the instrument; a report's authors or contributors are not promoters.
    """
    rows = select(
        f"SELECT DISTINCT ?org ?via WHERE {{ ?via <{APG}mentionsInstrument> {node(iri)} ; "
        f"<{DCT}publisher>|<{APG}ledBy> ?org . ?org <{APG}role> <{PROMOTER}> }}")
    found: dict[str, dict] = {}
    for row in rows:
        found.setdefault(row["org"].value, {"iri": row["org"].value, "via": []})[
            "via"].append(row["via"].value)
    return list(found.values())


def instrument_card(select: Select, light: Select, iri: str, pairs: list, lang: str) -> dict:
    """Gather everything the instrument's answer card and usage sections show.

    ``select`` runs the queries over contracts (time-limited); ``light`` the small ones over
    the curated records and the indicators.
    """
    def values(prop: str) -> list:
        return [o for p, o in pairs if p.value == prop]

    def text_of(prop: str) -> str | None:
        chosen = pick({o.language or "": o.value for o in values(prop)
                       if isinstance(o, ox.Literal)}, lang)
        return chosen[0] if chosen else None

    checked = values(APG + "legalFactsCheckedOn")
    basis = legal_basis(light, iri, lang)
    used = usage(light, iri, lang)
    return {
        "definition": text_of(SKOS + "definition"),
        "kind": next((o.value for o in values(APG + "instrumentKind")), None),
        "notes": sorted(o.value for o in values(APG + "usageNote")
                        if isinstance(o, ox.Literal) and o.language == lang),
        "phases": [o.value for o in values(APG + "phase")
                   if isinstance(o, ox.Literal) and o.language == lang],
        "thresholds": thresholds(light, iri, lang),
        "basis": basis,
        "basis_note": text_of(APG + "legalBasisNote"),
        "since": since(light, iri, basis, lang),
        "checked_on": numbers.day(checked[0].value, lang) if checked else None,
        "checked_iso": checked[0].value if checked else None,
        "eu": eu_matches(light, iri, lang),
        "usage": used,
        "latest": latest_contracts(select, f"<{APG}usesInstrument>|<{APG}inferredInstrument>",
                                   iri, lang, used["contracts"], used["first"], used["last"]),
        "resources": resources(light, iri),
        "promoters": promoters(light, iri),
    }
