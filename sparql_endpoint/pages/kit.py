"""``/kit/{siren}``: the innovation kit of one buyer, with JSON and CSV twins.

Who it is (Sirene's name, kind and region when the build had them), what it buys (contracts
and amounts per year, CPV divisions), which instruments and procedures it used, the
instruments buyers of the same kind used and it did not (with example contracts, what to
read and who can help), and the guide pre-filled with its typical purchase.  Every figure is
read live from its contracts (one buyer signs at most a few thousand), in the page's time
limit.
"""

from __future__ import annotations

import csv
import io
import re
from statistics import median

from flask import Blueprint, Response, jsonify, url_for

from achat_core.iris import APG, DCT, EPO
from sparql_endpoint.http.language import choose_language
from sparql_endpoint.pages import answers, numbers
from sparql_endpoint.pages.guide import NATURE_IRI, NATURES
from sparql_endpoint.pages.render import backend, href, labeller, query_link, render

bp = Blueprint("kit", __name__)

CPV = "http://data.europa.eu/cpv/cpv/"
SIREN = re.compile(r"[0-9]{9}")
#: At most this many organisations (establishments) per SIREN, instruments suggested,
#: example contracts per instrument, amounts read for the typical purchase.
MAX_ORGS, SUGGESTED, EXAMPLES, AMOUNTS = 200, 5, 3, 5000


def _organisations(siren: str) -> list[str]:
    """Return the organisations of a SIREN that bought something (its establishments)."""
    rows = backend().select(
        f"SELECT DISTINCT ?org WHERE {{ {{ ?org <{APG}siren> \"{siren}\" }} UNION "
        f"{{ ?org <{APG}siret> ?s FILTER(STRSTARTS(STR(?s), \"{siren}\")) }} "
        f"FILTER EXISTS {{ ?r <{EPO}playedBy> ?org . ?c <{EPO}bindsBuyer> ?r }} }} "
        f"ORDER BY ?org LIMIT {MAX_ORGS}")
    return [r["org"].value for r in rows]


def gather(siren: str, lang: str) -> dict | None:
    """Gather the kit of a buyer, or None when no buyer of the graph has this SIREN."""
    orgs = _organisations(siren)
    if not orgs:
        return None
    select = backend().select
    values = "VALUES ?org { " + " ".join(answers.node(o) for o in orgs) + " } "
    mine = values + f"?r <{EPO}playedBy> ?org . ?c <{EPO}bindsBuyer> ?r . "
    names = labeller()
    names.fetch(orgs)
    about = select(f"SELECT ?kind ?region WHERE {{ {values} "
                   f"OPTIONAL {{ ?org <{APG}buyerKind> ?kind }} "
                   f"OPTIONAL {{ ?org <{DCT}spatial>/<{DCT}isPartOf>/<{DCT}isPartOf> ?region }}"
                   f" }} LIMIT 50")
    kind = next((r["kind"].value for r in about if "kind" in r), None)
    region = next((r["region"].value for r in about if "region" in r), None)
    names.fetch([x for x in (kind, region) if x])

    years = [{"year": r["year"].value, "contracts": int(r["n"].value),
              "amount": round(float(r["total"].value)) if "total" in r else 0,
              "amount_text": numbers.amount(round(float(r["total"].value)), lang)
              if "total" in r else ""}
             for r in select(f"SELECT ?year (COUNT(DISTINCT ?c) AS ?n) (SUM(?a) AS ?total) "
                             f"WHERE {{ {mine} ?c <{EPO}hasContractConclusionDate> ?d . "
                             f"OPTIONAL {{ ?c <{EPO}hasContractValue>/<{EPO}hasAmountValue> "
                             f"?a }} BIND(YEAR(?d) AS ?year) }} GROUP BY ?year ORDER BY ?year")]
    divisions = [{"division": r["division"].value, "contracts": int(r["n"].value)}
                 for r in select(
                     f"SELECT ?division (COUNT(DISTINCT ?c) AS ?n) WHERE {{ {mine} "
                     f"?c <{EPO}hasLotReference>/<{EPO}hasPurpose>/"
                     f"<{EPO}hasMainClassification> ?cpv . "
                     f'BIND(SUBSTR(STRAFTER(STR(?cpv), "{CPV}"), 1, 2) AS ?division) }} '
                     f"GROUP BY ?division ORDER BY DESC(?n) ?division LIMIT 10")]
    used_rows = select(f"SELECT ?i ?kind (COUNT(DISTINCT ?c) AS ?n) WHERE {{ {mine} "
                       f"?c <{APG}usesInstrument>|<{APG}inferredInstrument> ?i . "
                       f"OPTIONAL {{ ?i <{APG}instrumentKind> ?kind }} }} "
                       f"GROUP BY ?i ?kind ORDER BY DESC(?n) ?i")
    used = {r["i"].value for r in used_rows}
    names.fetch(used)
    instruments = [{"iri": r["i"].value, "label": names.label(r["i"].value, lang)[0],
                    "href": href(r["i"].value), "contracts": int(r["n"].value),
                    "procedure": "kind" in r and r["kind"].value.endswith("/procedure")}
                   for r in used_rows]
    return {
        "siren": siren,
        "name": names.label(orgs[0], lang)[0],
        "organisations": [{"iri": o, "label": names.label(o, lang)[0], "href": href(o)}
                          for o in orgs],
        "kind": _term(kind, lang), "region": _term(region, lang),
        "years": years, "divisions": divisions,
        "instruments": [i for i in instruments if not i["procedure"]],
        "procedures": [i for i in instruments if i["procedure"]],
        "suggested": _suggested(kind, used, lang),
        "guide": _typical_purchase(mine, divisions, lang),
        "contracts_csv": query_link(
            "PREFIX epo: <http://data.europa.eu/a4g/ontology#>\n"
            f"SELECT ?contract ?date ?amount WHERE {{ {mine.replace('?c ', '?contract ')}"
            "?contract epo:hasContractConclusionDate ?date . OPTIONAL { ?contract "
            "epo:hasContractValue/epo:hasAmountValue ?amount } } ORDER BY ?date", "csv",
            f"kit-{siren}-{'contrats' if lang == 'fr' else 'contracts'}"),
    }


def _term(iri: str | None, lang: str) -> dict | None:
    if iri is None:
        return None
    return {"iri": iri, "label": labeller().label(iri, lang)[0], "href": href(iri)}


def _suggested(kind: str | None, used: set[str], lang: str) -> list[dict]:
    """Return the instruments buyers of the same kind used that this one did not."""
    select = backend().select
    same = f"?o <{APG}buyerKind> {answers.node(kind)} . " if kind else ""
    rows = select(f"SELECT ?i (COUNT(DISTINCT ?c) AS ?n) WHERE {{ {same}"
                  f"?r <{EPO}playedBy> ?o . ?c <{EPO}bindsBuyer> ?r ; "
                  f"<{APG}usesInstrument>|<{APG}inferredInstrument> ?i }} "
                  f"GROUP BY ?i ORDER BY DESC(?n) ?i")
    found = []
    names = labeller()
    for row in rows:
        iri = row["i"].value
        if iri in used or len(found) >= SUGGESTED:
            continue
        examples = select(f"SELECT ?c ?d WHERE {{ {same}?r <{EPO}playedBy> ?o . "
                          f"?c <{EPO}bindsBuyer> ?r ; <{APG}usesInstrument>|"
                          f"<{APG}inferredInstrument> {answers.node(iri)} ; "
                          f"<{EPO}hasContractConclusionDate> ?d }} "
                          f"ORDER BY DESC(?d) ?c LIMIT {EXAMPLES}")
        contracts = answers.contract_rows(select, [r["c"].value for r in examples], lang)
        names.fetch([iri, *(c["buyer"] for c in contracts if c.get("buyer"))])
        read = answers.resources(select, iri)
        helpers = answers.promoters(select, iri)
        names.fetch([r["iri"] for r in read] + [h["iri"] for h in helpers])
        found.append({
            "iri": iri, "label": names.label(iri, lang)[0], "href": href(iri),
            "contracts": int(row["n"].value),
            "examples": [{"iri": c["iri"], "href": href(c["iri"]), "date": c["date"],
                          "title": c.get("title") or c.get("id") or c["iri"],
                          "amount_text": c.get("amount_text", ""),
                          "buyer": c.get("buyer"),
                          "buyer_label": names.label(c["buyer"], lang)[0]
                          if c.get("buyer") else ""} for c in contracts],
            "read": [{"iri": r["iri"], "label": names.label(r["iri"], lang)[0],
                      "href": href(r["iri"])} for r in read[:5]],
            "help": [{"iri": h["iri"], "label": names.label(h["iri"], lang)[0],
                      "href": href(h["iri"])} for h in helpers[:5]],
            "guide": url_for("pages.guide.guide_page", instrument=iri.rsplit("/", 1)[-1],
                             lang=lang)})
    return found


def _typical_purchase(mine: str, divisions: list[dict], lang: str) -> dict | None:
    """Return its most frequent CPV division, that division's median amount and the guide link."""
    if not divisions:
        return None
    division = divisions[0]["division"]
    rows = backend().select(
        f"SELECT ?a ?nature WHERE {{ {mine} ?c <{EPO}hasLotReference> ?lot . "
        f"?lot <{EPO}hasPurpose>/<{EPO}hasMainClassification> ?cpv . "
        f'FILTER(STRSTARTS(STR(?cpv), "{CPV}{division}")) '
        f"?c <{EPO}hasContractValue>/<{EPO}hasAmountValue> ?a . "
        f"OPTIONAL {{ ?lot <{EPO}foreseesContractSpecificTerm>/<{EPO}hasContractNatureType> "
        f"?nature }} }} LIMIT {AMOUNTS}")
    amounts = [float(r["a"].value) for r in rows]
    if not amounts:
        return None
    natures = [r["nature"].value for r in rows if "nature" in r]
    common = max(set(natures), key=natures.count) if natures else None
    nature = next((k for k, v in NATURES.items() if common == NATURE_IRI + v), "services")
    amount = round(median(amounts))
    return {"division": division, "median": amount, "nature": nature,
            "median_text": numbers.amount(amount, lang),
            "href": url_for("pages.guide.guide_page", nature=nature, amount=str(amount),
                            lang=lang)}


def _csv(kit: dict) -> Response:
    """Write the kit's tables as one CSV: table, item, label, contracts, amount."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["table", "item", "label", "contracts", "amount_eur_excl_vat"])
    for y in kit["years"]:
        writer.writerow(["years", y["year"], y["year"], y["contracts"], y["amount"]])
    for d in kit["divisions"]:
        writer.writerow(["cpv-divisions", d["division"], d["division"], d["contracts"], ""])
    for name in ("procedures", "instruments", "suggested"):
        for i in kit[name]:
            writer.writerow([name, i["iri"], _safe(i["label"]), i["contracts"], ""])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="kit-{kit["siren"]}.csv"'
    return response


def _safe(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@bp.get("/kit/<name>")
def kit_page(name: str):
    """Show a buyer's innovation kit; ``.json`` and ``.csv`` are its twins."""
    lang = choose_language()
    siren, _, suffix = name.partition(".")
    if not SIREN.fullmatch(siren) or suffix not in ("", "json", "csv"):
        return render("kit_missing.html", 404, siren=siren[:20])
    kit = gather(siren, lang)
    if kit is None:
        return render("kit_missing.html", 404, siren=siren)
    if suffix == "json":
        return jsonify(kit)
    if suffix == "csv":
        return _csv(kit)
    return render("kit.html", kit=kit, json_href=url_for("pages.kit.kit_page",
                                                         name=f"{siren}.json"),
                  csv_href=url_for("pages.kit.kit_page", name=f"{siren}.csv"))
