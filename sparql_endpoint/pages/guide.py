"""The guide "Quel instrument pour mon achat ? / Which instrument for my purchase?" (``/guide``).

The rules are data: thresholds (``apg:Threshold``) and conditions of use (``apg:Condition``)
are curated records that the gate checks.  Three SPARQL queries kept in ``achat_core/queries``
evaluate them for the purchase the form describes (``guide-instruments``, ``guide-thresholds``,
``guide-conditions``); their ``VALUES`` line is replaced by the purchase.  This module only
reads the parameters, keeps for each instrument its best threshold row and the worst verdict
of its rules, and words the answer.  Nothing here knows an amount, an article or an instrument.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import cache

from flask import Blueprint, jsonify, request
from werkzeug.datastructures import MultiDict

from achat_core.iris import APG, DCT, RDFS, SCHEMA, SKOS
from achat_core.resources import QUERIES_DIR
from sparql_endpoint.http.language import choose_language
from sparql_endpoint.pages import answers, numbers
from sparql_endpoint.pages.render import backend, data_base, href, labeller, render
from sparql_endpoint.pages.words import text

bp = Blueprint("guide", __name__)

#: The form's natures → the EU contract-nature concepts the thresholds name.
NATURES = {"fournitures": "supplies", "services": "services", "travaux": "works"}
NATURE_IRI = "http://publications.europa.eu/resource/authority/contract-nature/"
#: Buyer classes of the EU thresholds (``apg:AuthorityClassScheme``); a local authority by default.
BUYERS = ("other-contracting-authority", "central-government-authority", "utility")
AUTHORITY_CLASS = "https://w3id.org/achat-public/id/authority-class/"
#: Yes/no answers → the criterion code (``apg:GuideCriterionScheme``) they tick.
FLAGS = {"innovative": "innovative", "rd": "research-and-development",
         "defence": "defence-and-security"}
AIMS = ("social", "environmental", "local", "commons")
VERDICTS = ("applies", "conditional", "does-not-apply")
#: Bounds of what the form accepts.
MAX_AMOUNT = Decimal("1000000000000")
MAX_FIELD = 40
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
PARAMETERS = re.compile(r"VALUES \(\?date \?nature \?amount \?answers \?buyerClass\) \{[^}]*\}")


@cache
def query(name: str) -> str:
    """Return one of the guide's queries, ``achat_core/queries/guide-{name}.rq``."""
    return (QUERIES_DIR / f"guide-{name}.rq").read_text(encoding="utf-8")


class Purchase:
    """A purchase as the form describes it, checked; ``errors`` names each wrong field."""

    def __init__(self, args, lang: str) -> None:
        self.errors: dict[str, str] = {}
        self.asked = "amount" in args
        get = lambda name: (args.get(name) or "").strip()[:MAX_FIELD]  # noqa: E731
        self.nature = get("nature") or "services"
        if self.nature not in NATURES:
            self.errors["nature"] = text("guide_err_nature", lang)
        self.amount_text = get("amount")
        self.amount = None
        if self.asked:
            self.amount = _amount(self.amount_text)
            if self.amount is None:
                self.errors["amount"] = text("guide_err_amount", lang)
        self.flags = {}
        for name in FLAGS:
            value = get(name) or "no"
            if value not in ("yes", "no"):
                self.errors[name] = text("guide_err_yes_no", lang)
            self.flags[name] = value == "yes"
        self.buyer = get("buyer") or BUYERS[0]
        if self.buyer not in BUYERS:
            self.errors["buyer"] = text("guide_err_buyer", lang)
        self.date_text = get("date")
        self.date = dt.datetime.now(dt.UTC).date()
        if self.date_text:
            try:
                self.date = dt.date.fromisoformat(self.date_text)
                if not EARLIEST <= self.date <= LATEST:
                    raise ValueError
            except ValueError:
                self.errors["date"] = text("guide_err_date", lang)
        self.aims = [a[:MAX_FIELD] for a in args.getlist("aims")[:len(AIMS) + 1]]
        if any(a not in AIMS for a in self.aims):
            self.errors["aims"] = text("guide_err_aims", lang)

    def answers(self) -> str:
        """Return the criterion codes the purchase meets, separated by spaces."""
        codes = [FLAGS[name] for name, on in self.flags.items() if on]
        return " ".join(codes + [f"aim-{aim}" for aim in self.aims if aim in AIMS])

    def values(self) -> str:
        """Return the ``VALUES`` block the guide's queries read (every part checked above)."""
        amount = self.amount if self.amount is not None else Decimal(0)
        return ("VALUES (?date ?nature ?amount ?answers ?buyerClass) {\n    "
                f'("{self.date.isoformat()}"^^xsd:date <{NATURE_IRI}{NATURES[self.nature]}> '
                f'"{amount}"^^xsd:decimal "{self.answers()}" '
                f'<{AUTHORITY_CLASS}{self.buyer}>)\n  }}')

    def parameters(self) -> dict:
        """Return the purchase as the JSON answer and the links repeat it."""
        return {"nature": self.nature, "amount": str(self.amount) if self.amount is not None
                else None, **{n: "yes" if on else "no" for n, on in self.flags.items()},
                "buyer": self.buyer, "date": self.date.isoformat(), "aims": self.aims}


def _amount(raw: str) -> Decimal | None:
    """Read an amount written ``80000``, ``80 000`` or ``80 000,50``; None when it is not one."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", raw).replace(",", ".")
    if not re.fullmatch(r"[0-9]{1,13}(\.[0-9]{1,2})?", cleaned):
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value <= MAX_AMOUNT else None


def bind(name: str, purchase: Purchase) -> str:
    """Return a guide query with the purchase in place of its example ``VALUES`` line."""
    return PARAMETERS.sub(lambda _: purchase.values(), query(name), count=1)


def _bool(row: dict, name: str) -> bool:
    term = row.get(name)
    return term is not None and term.value in ("true", "1")


def _value(row: dict, name: str) -> str | None:
    term = row.get(name)
    return term.value if term is not None else None


def _period(start: str | None, end: str | None, lang: str) -> str:
    """Word an in-force period (either end may be missing: no source confirms it)."""
    if start and end:
        return text("guide_period_both", lang).format(numbers.day(start, lang),
                                                     numbers.day(end, lang))
    if start:
        return text("guide_period_from", lang).format(numbers.day(start, lang))
    if end:
        return text("guide_period_until", lang).format(numbers.day(end, lang))
    return text("guide_period_open", lang)


def _texts(iris: set[str], props: tuple[str, ...]) -> dict[str, dict[str, dict[str, str]]]:
    """Return, for each node, its literals of some properties by language."""
    if not iris:
        return {}
    nodes = " ".join(answers.node(i) for i in sorted(iris))
    wanted = " ".join(f"<{p}>" for p in props)
    rows = backend().select(f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {nodes} }} "
                            f"VALUES ?p {{ {wanted} }} ?s ?p ?o FILTER(isLiteral(?o)) }}")
    found: dict[str, dict[str, dict[str, str]]] = {}
    for row in rows:
        by_lang = found.setdefault(row["s"].value, {}).setdefault(row["p"].value, {})
        by_lang.setdefault(row["o"].language or "", row["o"].value)
    return found


def _pick(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("fr") or texts.get("") or next(iter(texts.values()), "")


def provisions(iris: set[str], lang: str) -> dict[str, dict]:
    """Describe legal provisions: article, label, and the Légifrance (or other official) link."""
    if not iris:
        return {}
    nodes = " ".join(answers.node(i) for i in sorted(iris))
    rows = backend().select(
        f"SELECT ?p ?article ?url ?textUrl WHERE {{ VALUES ?p {{ {nodes} }} "
        f"OPTIONAL {{ ?p <{APG}articleNumber> ?article }} OPTIONAL {{ ?p <{SCHEMA}url> ?url }} "
        f"OPTIONAL {{ ?p <{APG}partOfLegalText>/<{SCHEMA}url> ?textUrl }} }}")
    labels = _texts(iris, (RDFS + "label",))
    found = {}
    for row in rows:
        iri = row["p"].value
        url = _value(row, "url") or _value(row, "textUrl")
        found[iri] = {"iri": iri, "article": _value(row, "article"),
                      "label": _pick(labels.get(iri, {}).get(RDFS + "label", {}), lang),
                      "url": url if url and url.startswith(("http://", "https://")) else None,
                      "href": href(iri)}
    return found


def evaluate(purchase: Purchase, lang: str) -> dict:
    """Evaluate every instrument for a purchase with the guide's queries; word the answer."""
    select = backend().select
    instruments = select(bind("instruments", purchase))
    thresholds = select(bind("thresholds", purchase))
    conditions = select(bind("conditions", purchase))

    best: dict[str, dict] = {}
    for row in thresholds:  # ordered best first within each instrument
        best.setdefault(row["instrument"].value, row)
    by_instrument: dict[str, list[dict]] = {}
    for row in conditions:
        by_instrument.setdefault(row["instrument"].value, []).append(row)

    nodes = set(best) | {r["instrument"].value for r in instruments}
    words = _texts({r["threshold"].value for r in best.values()}
                   | {r["condition"].value for r in conditions},
                   (APG + "thresholdScope", RDFS + "label", APG + "reasonIfNotMet"))
    cited = {r["provision"].value for r in [*best.values(), *conditions] if "provision" in r}
    law = provisions(cited, lang)
    names = labeller()
    names.fetch(nodes)

    found = []
    checked = []
    for row in instruments:
        iri = row["instrument"].value
        rules = []
        if not _bool(row, "inForce"):
            rules.append({"kind": "period", "verdict": "does-not-apply", "why": text(
                "guide_out_of_period", lang).format(
                _period(_value(row, "from"), _value(row, "until"), lang)), "provision": None})
        if iri in best:
            rules.append(_threshold_rule(best[iri], words, law, purchase, lang))
        for cond in by_instrument.get(iri, []):
            rules.append(_condition_rule(cond, words, law, lang))
        if not rules:
            rules.append({"kind": "none", "verdict": "conditional",
                          "why": text("guide_no_rule", lang), "provision": None})
        worst = max(VERDICTS.index(r["verdict"]) for r in rules)
        deciding = next(r for r in rules if VERDICTS.index(r["verdict"]) == worst)
        if _value(row, "checked"):
            checked.append(_value(row, "checked"))
        label, label_lang = names.label(iri, lang)
        found.append({
            "key": iri.rsplit("/", 1)[-1], "iri": iri, "label": label, "label_lang": label_lang,
            "href": href(iri), "verdict": VERDICTS[worst], "why": deciding["why"],
            "provisions": _unique([r["provision"] for r in rules if r["provision"]]),
            "rules": rules})
    found.sort(key=lambda e: (VERDICTS.index(e["verdict"]), e["label"].casefold()))
    _add_usage([e for e in found if e["verdict"] != "does-not-apply"], lang)
    return {"date": purchase.date.isoformat(), "parameters": purchase.parameters(),
            "rules_checked_on": max(checked) if checked else None, "instruments": found}


def _unique(items: list[dict]) -> list[dict]:
    seen, out = set(), []
    for item in items:
        if item["iri"] not in seen:
            seen.add(item["iri"])
            out.append(item)
    return out


def _threshold_rule(row: dict, words: dict, law: dict, purchase: Purchase, lang: str) -> dict:
    """Word the threshold row that decided an instrument (the query computed its verdict)."""
    iri = row["threshold"].value
    scope = _pick(words.get(iri, {}).get(APG + "thresholdScope", {}), lang)
    provision = law.get(_value(row, "provision") or "")
    article = (provision or {}).get("article") or ""
    amount = numbers.amount(row["limit"].value, lang) + " " + text("excl_vat", lang)
    period = _period(_value(row, "from"), _value(row, "until"), lang)
    misfit, verdict = _value(row, "misfit"), row["verdict"].value
    key = {"": {"applies": "guide_below", "conditional": "guide_lots",
                "does-not-apply": "guide_above"}[verdict]}.get(misfit, f"guide_misfit_{misfit}")
    why = text(key, lang).format(amount=amount, scope=scope, article=article, period=period)
    return {"kind": "threshold", "verdict": verdict, "why": why, "provision": provision,
            "threshold": {"iri": iri, "amount": row["limit"].value, "scope": scope,
                          "in_force_from": _value(row, "from"),
                          "in_force_until": _value(row, "until"),
                          "lots_only": _bool(row, "lotsOnly"),
                          "defence_and_security": _bool(row, "defenceOnly"),
                          "innovative_only": _bool(row, "innovativeOnly")}}


def _condition_rule(row: dict, words: dict, law: dict, lang: str) -> dict:
    """Word a condition of use as the query evaluated it."""
    iri = row["condition"].value
    met = _bool(row, "met")
    own = words.get(iri, {})
    said = own.get(RDFS + "label", {}) if met else (own.get(APG + "reasonIfNotMet")
                                                     or own.get(RDFS + "label", {}))
    return {"kind": "condition", "condition": iri, "met": met, "verdict": row["verdict"].value,
            "why": _pick(said, lang), "provision": law.get(_value(row, "provision") or "")}


def _add_usage(entries: list[dict], lang: str) -> None:
    """Add DECP counts, three example buyers, what to read and who can help."""
    if not entries:
        return
    select = backend().select
    counts: dict[str, int] = {}
    for row in select((QUERIES_DIR / "decp-instrument-usage.rq").read_text(encoding="utf-8")):
        iri = row["instrument"].value
        counts[iri] = counts.get(iri, 0) + int(float(row["contracts"].value))
    nodes = " ".join(answers.node(e["iri"]) for e in entries)
    rows = select(f"SELECT ?instrument ?org ?n WHERE {{ VALUES ?instrument {{ {nodes} }} "
                  f"?i <{APG}measure> \"contracts-by-buyer\" ; <{APG}aboutInstrument> ?instrument ;"
                  f" <{DCT}subject> ?org ; <{APG}value> ?n }} ORDER BY ?instrument DESC(?n) ?org")
    buyers: dict[str, list[str]] = {}
    for row in rows:
        listed = buyers.setdefault(row["instrument"].value, [])
        if row["org"].value not in listed and len(listed) < 3:
            listed.append(row["org"].value)
    names = labeller()
    names.fetch(o for listed in buyers.values() for o in listed)
    for entry in entries:
        iri = entry["iri"]
        entry["contracts"] = counts.get(iri, 0)
        entry["example_buyers"] = [
            {"iri": o, "label": names.label(o, lang)[0], "href": href(o)}
            for o in buyers.get(iri, [])]
        read = answers.resources(select, iri)
        names.fetch(r["iri"] for r in read)
        entry["read"] = [{"iri": r["iri"], "label": names.label(r["iri"], lang)[0],
                          "href": href(r["iri"]), "url": r["url"]} for r in read[:5]]
        helpers = answers.promoters(select, iri)
        names.fetch(h["iri"] for h in helpers)
        entry["help"] = [{"iri": h["iri"], "label": names.label(h["iri"], lang)[0],
                          "href": href(h["iri"])} for h in helpers[:5]]


def _criteria_words(lang: str) -> dict:
    """Return the definition of "innovant" (L2172-3) and the criteria's labels from the graph."""
    rows = backend().select(
        f"SELECT ?c ?code ?label WHERE {{ ?c <{SKOS}inScheme> <{APG}GuideCriterionScheme> ; "
        f"<{SKOS}notation> ?code ; <{SKOS}prefLabel> ?label FILTER(lang(?label) = \"{lang}\") }}")
    return {r["code"].value: r["label"].value for r in rows}


def prefill(key: str, args) -> MultiDict:
    """Return the form's answers an instrument's own rules suggest (from its conditions' criteria
    and its thresholds' natures), so its page can link to the guide pre-filled for it."""
    filled = MultiDict(args)
    if not re.fullmatch(r"[a-z0-9-]{1,40}", key):
        return filled
    iri = answers.node(f"{data_base()}id/instrument/{key}")
    rows = backend().select(
        f"SELECT ?code ?nature WHERE {{ {{ {iri} <{APG}condition>/<{APG}criterion>/"
        f"<{SKOS}notation> ?code }} UNION {{ {iri} <{APG}threshold>/<{APG}contractNature> "
        f"?nature }} }}")
    by_criterion = {code: name for name, code in FLAGS.items()}
    for row in rows:
        code = _value(row, "code")
        if code in by_criterion:
            filled[by_criterion[code]] = "yes"
        elif code and code.startswith("aim-") and code[4:] in AIMS:
            filled.add("aims", code[4:])
        nature = _value(row, "nature")
        if nature and "nature" not in filled:
            found = [k for k, v in NATURES.items() if nature == NATURE_IRI + v]
            if found:
                filled["nature"] = found[0]
    return filled


@bp.get("/guide")
def guide_page():
    """Show the guide's form and, once a purchase is described, every instrument's verdict."""
    lang = choose_language()
    args = request.args
    if "instrument" in args and "amount" not in args:
        args = prefill(args.get("instrument", "")[:MAX_FIELD], args)
    purchase = Purchase(args, lang)
    result = None
    status = 200
    if purchase.errors:
        status = 400
    elif purchase.asked:
        result = evaluate(purchase, lang)
    json_args = {k: v for k, v in request.args.items(multi=True) if k != "lang"}
    return render("guide.html", status, purchase=purchase, result=result,
                  errors=purchase.errors, natures=NATURES, buyers=BUYERS, aims=AIMS,
                  criteria=_criteria_words(lang), json_args=json_args,
                  checked_text=numbers.day(result["rules_checked_on"], lang)
                  if result and result["rules_checked_on"] else None,
                  today=dt.datetime.now(dt.UTC).date().isoformat())


@bp.get("/guide.json")
def guide_json():
    """Answer the guide as JSON: every instrument with its verdict, why, and the provisions."""
    lang = choose_language()
    purchase = Purchase(request.args, lang)
    if not purchase.asked and not purchase.errors:
        purchase.errors["amount"] = text("guide_err_amount", lang)
    if purchase.errors:
        response = jsonify({"status": 400, "errors": purchase.errors})
        response.status_code = 400
        response.content_language = lang
        return response
    result = evaluate(purchase, lang)
    for entry in result["instruments"]:
        entry.pop("href", None)
        entry.pop("label_lang", None)
        for rule in entry["rules"]:
            if rule.get("provision"):
                rule["provision"] = {k: v for k, v in rule["provision"].items() if k != "href"}
        entry["provisions"] = [{k: v for k, v in p.items() if k != "href"}
                               for p in entry["provisions"]]
        for name in ("example_buyers", "read", "help"):
            for item in entry.get(name, []):
                item.pop("href", None)
    response = jsonify(result)
    response.content_language = lang
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
