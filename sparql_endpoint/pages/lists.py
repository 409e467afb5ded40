"""Browsable lists: instruments, organisations, resources, regions; filtered, paged, and
each with CSV and JSON twins one suffix away (``/instruments.csv``, ``/instruments.json``).

A list is rows of cells; a cell is a text with, for the HTML page, an optional link. The
twins carry the same rows (every filtered row, not one page) under a file name that says
what they hold.  The words filter (``q``) is the site's search (``search.ranked``), so a
list finds what ``/search`` finds, in either language; the kind filter takes a key that
does not change with the language, so switching language keeps a filtered list.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import dataclass
from itertools import chain

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, request, url_for

from achat_core import spreadsheet
from achat_core.formats import BY_NAME
from achat_core.iris import APG, DCT, EPO, RDF, SCHEMA
from sparql_endpoint.http.language import choose_language
from sparql_endpoint.http.origin import site_root
from sparql_endpoint.pages import numbers
from sparql_endpoint.pages.labels import local_name
from sparql_endpoint.pages.parties import kinds_and_sizes
from sparql_endpoint.pages.render import backend, labeller, render, term_view
from sparql_endpoint.pages.search import ranked
from sparql_endpoint.pages.words import COLUMN_WORDS, LIST_TITLES, text
from sparql_endpoint.protocol.documents import twin_format

bp = Blueprint("lists", __name__)

PAGE_SIZE = 50
#: A list's page and its twins (``/instruments.csv``, ``/instruments.json``).
LIST_FORMATS = (BY_NAME["html"], BY_NAME["csv"], BY_NAME["json-document"])
#: Rows a CSV or JSON twin carries at most.
MAX_ROWS = 50_000
#: Words a French or English reader filters by, one per list: key -> (French, English).


@dataclass
class Column:
    key: str
    numeric: bool = False


#: Each list's columns; their headings are ``words.COLUMN_WORDS``.
COLUMNS = {
    "instruments": [Column("name"), Column("kind"), Column("contracts", True)],
    "organisations": [Column("name"), Column("kind"), Column("size"), Column("siret")],
    "resources": [Column("name"), Column("kind"), Column("url")],
    "regions": [Column("name"), Column("contracts", True), Column("amount", True)],
}


def _fold(value: str) -> str:
    """Fold case and accents, so "reseau" finds "Réseau"."""
    return "".join(c for c in unicodedata.normalize("NFKD", value.casefold())
                   if not unicodedata.combining(c))


def _cell(value: str, href: str | None = None, lang: str = "", sort=None) -> dict:
    return {"text": value, "href": href, "lang": lang, "sort": value if sort is None else sort}


def _named(iri: str, lang: str) -> dict:
    view = term_view(ox.NamedNode(iri), lang)
    return {**_cell(view["text"], view["href"], view["lang"]), "iri": iri}


def _kinds(iris: list[str], lang: str) -> dict:
    """Return a kind cell: the kinds' names, and their keys for the filter (any language)."""
    names = {local_name(iri): _named(iri, lang)["text"] for iri in iris}
    return {**_cell(", ".join(sorted(set(names.values())))), "kinds": names}


def _instruments(lang: str) -> list[dict]:
    rows = backend().select(
        f"SELECT ?item ?kind WHERE {{ ?item a <{APG}Instrument> "
        f"OPTIONAL {{ ?item <{APG}instrumentKind> ?kind }} }}")
    used = backend().select(
        f"SELECT ?item (SUM(?v) AS ?n) WHERE {{ ?f <{APG}aboutInstrument> ?item ; "
        f"<{APG}measure> ?m ; <{APG}value> ?v "
        f'FILTER(?m IN ("contracts-declared", "contracts-inferred")) }} GROUP BY ?item')
    counts = {r["item"].value: int(float(r["n"].value)) for r in used if "n" in r}
    labeller().fetch([r["item"].value for r in rows] + [r["kind"].value for r in rows
                                                        if "kind" in r])
    out = []
    for row in rows:
        item = row["item"].value
        n = counts.get(item, 0)
        out.append({"name": _named(item, lang),
                    "kind": _kinds([row["kind"].value] if "kind" in row else [], lang),
                    "contracts": _cell(numbers.number(n, lang), sort=n)})
    return out


def _organisations(lang: str) -> list[dict]:
    rows = backend().select(
        f"SELECT ?item ?role ?siret WHERE {{ ?item a <{APG}Organisation> "
        f"OPTIONAL {{ ?item <{APG}role> ?role }} OPTIONAL {{ ?item <{APG}siret> ?siret }} }}")
    labeller().fetch([r["item"].value for r in rows] + [r["role"].value for r in rows
                                                        if "role" in r])
    found: dict[str, dict] = {}
    for row in rows:
        entry = found.setdefault(row["item"].value, {
            "name": _named(row["item"].value, lang), "roles": [], "siret": set()})
        if "role" in row:
            entry["roles"].append(row["role"].value)
        if "siret" in row:
            entry["siret"].add(row["siret"].value)
    register = kinds_and_sizes(backend().select, sorted(found), lang)
    return [{"name": e["name"], "kind": _kinds(e["roles"], lang),
             "size": _cell(register.get(item, ("", ""))[1]),
             "siret": _cell(" ".join(sorted(e["siret"])))} for item, e in found.items()]


def _buyers(lang: str, query: str, offset: int, limit: int) -> tuple[list[dict], int]:
    """List the buyers of the contract data (tens of thousands): one page, sorted by IRI,
    or by relevance when words filter them (the search knows the buyers' names).

    The sorted list is read once per process (the store does not change while the server
    runs): sorting it in the store at each page took seconds at a million contracts.
    """
    cache = current_app.extensions.setdefault("pages_cache", {})
    if "buyers" not in cache:
        rows = backend().select(f"SELECT DISTINCT ?item WHERE {{ ?b a <{EPO}Buyer> ; "
                                f"<{EPO}playedBy> ?item }}")
        cache["buyers"] = sorted(r["item"].value for r in rows)
        cache["buyer_set"] = frozenset(cache["buyers"])
    chosen = cache["buyers"]
    if query:
        chosen = [e.iri for e, _ in ranked(query, lang, cache["buyer_set"])]
        digits = "".join(query.split())
        if digits.isascii() and digits.isdigit():
            # A SIREN or SIRET: the buyers minted from the contracts carry it in their IRI.
            named = set(chosen)
            chosen += [iri for iri in cache["buyers"] if iri not in named
                       and iri.rsplit("/", 1)[-1].startswith("siret-" + digits)]
    listed = chosen[offset:offset + limit]
    sirets: dict[str, str] = {}
    if listed:
        values = " ".join(str(ox.NamedNode(i)) for i in listed)
        for row in backend().select(f"SELECT ?item ?siret WHERE {{ VALUES ?item {{ {values} }} "
                                    f"?item <{APG}siret> ?siret }}"):
            sirets.setdefault(row["item"].value, row["siret"].value)
    labeller().fetch(listed)
    register = kinds_and_sizes(backend().select, listed, lang)
    buyer = text("buyer", lang)
    return ([{"name": _named(item, lang),
              "kind": _cell(register.get(item, ("", ""))[0] or buyer),
              "size": _cell(register.get(item, ("", ""))[1]),
              "siret": _cell(sirets.get(item, ""))} for item in listed], len(chosen))


def _resources(lang: str) -> list[dict]:
    rows = backend().select(
        f"SELECT ?item ?type ?url WHERE {{ ?item a <{APG}KnowledgeResource> ; <{RDF}type> ?type "
        f"FILTER(?type != <{APG}KnowledgeResource>) "
        f"OPTIONAL {{ ?item <{SCHEMA}url> ?url }} }}")
    labeller().fetch([r["item"].value for r in rows] + [r["type"].value for r in rows])
    found: dict[str, dict] = {}
    for row in rows:
        entry = found.setdefault(row["item"].value, {
            "name": _named(row["item"].value, lang), "types": set(), "url": ""})
        entry["types"].add(row["type"].value)
        if "url" in row and row["url"].value.startswith(("http://", "https://")):
            entry["url"] = row["url"].value
    return [{"name": e["name"], "kind": _kinds(sorted(e["types"]), lang),
             # the page names the site; the address is the link, and the twins' value
             "url": _cell(local_name(e["url"]) if e["url"] else "", e["url"] or None)}
            for e in found.values()]


def _regions(lang: str) -> list[dict]:
    rows = backend().select(
        f"SELECT ?item ?measure ?value WHERE {{ ?item a <{DCT}Location> "
        f'FILTER(CONTAINS(STR(?item), "/id/location/code-region-")) '
        f"OPTIONAL {{ ?f <{DCT}subject> ?item ; <{APG}measure> ?measure ; <{APG}value> ?value "
        f'FILTER(?measure IN ("innovative-contracts", "innovative-amount")) }} }}')
    labeller().fetch(r["item"].value for r in rows)
    found: dict[str, dict] = {}
    for row in rows:
        entry = found.setdefault(row["item"].value, {"name": _named(row["item"].value, lang),
                                                     "contracts": 0, "amount": 0.0})
        if "measure" in row:
            key = "contracts" if row["measure"].value == "innovative-contracts" else "amount"
            entry[key] += float(row["value"].value)
    return [{"name": e["name"],
             "contracts": _cell(numbers.number(e["contracts"], lang), sort=e["contracts"]),
             "amount": _cell(numbers.amount(round(e["amount"]), lang), sort=e["amount"])}
            for e in found.values()]


LISTS = {"instruments": _instruments, "organisations": _organisations,
         "resources": _resources, "regions": _regions}


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        abort(400, description=f"page must be a whole number from 1, not {raw!r}.")
    return int(raw)


def _file_name(name: str, lang: str, filters: dict[str, str], suffix: str) -> str:
    parts = ["achat-public", name] + [f"{k}-{v}" for k, v in sorted(filters.items()) if v]
    stem = "-".join(parts) + f"-{lang}"
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in stem)
    return f"{safe}.{suffix}"


@dataclass(frozen=True)
class Asked:
    """What a reader asked of a list: language, format, filters and page."""

    lang: str
    fmt: str
    query: str
    kind: str
    source: str
    page: int

    def filters(self, name: str) -> dict[str, str]:
        """Return the filters that name a twin's file and the page links."""
        return {"q": self.query, "kind": self.kind,
                "source": self.source if name == "organisations" else ""}


def show(name: str, fmt: str | None):
    """Answer one list as an HTML page, or as its CSV or JSON twin."""
    asked = _asked(name, fmt)
    rows, total, kinds = _rows(name, asked)
    if asked.fmt != "html":
        return _twin(name, asked.lang, asked.filters(name), COLUMNS[name], rows[:MAX_ROWS],
                     asked.fmt)
    return _page(name, asked, rows, total, kinds)


def _asked(name: str, fmt: str | None) -> Asked:
    """Read the request's format, filters and page; refuse a bad one (404, 400)."""
    lang = choose_language()
    fmt = fmt or request.args.get("format") or "html"
    if twin_format(fmt, LIST_FORMATS) is None:
        abort(404, description=f"/{name} is offered as HTML, .csv and .json, not .{fmt}.")
    query = request.args.get("q", "").strip()
    kind = request.args.get("kind", "").strip()
    source = request.args.get("source", "curated")
    if name == "organisations" and source not in ("curated", "buyers"):
        abort(400, description="source must be curated or buyers.")
    return Asked(lang, fmt, query, kind, source, _page_number())


def _rows(name: str, asked: Asked) -> tuple[list[dict], int, list[dict]]:
    """Return the rows to show (one page for HTML, all for a twin), their total, the kinds."""
    html = asked.fmt == "html"
    if name == "organisations" and asked.source == "buyers":
        limit = PAGE_SIZE if html else MAX_ROWS
        offset = (asked.page - 1) * PAGE_SIZE if html else 0
        rows, total = _buyers(asked.lang, asked.query, offset, limit)
        return rows, total, []
    rows = LISTS[name](asked.lang)
    found = dict(chain.from_iterable(r["kind"].get("kinds", {}).items() for r in rows
                                     if "kind" in r))
    kinds = sorted(({"value": key, "name": text} for key, text in found.items()),
                   key=lambda k: _fold(k["name"]))
    if asked.kind:
        # A kind's name in the page's language is accepted too: addresses saved before
        # the filter took keys.
        rows = [r for r in rows if asked.kind in r.get("kind", {}).get("kinds", {})
                or asked.kind in r.get("kind", {}).get("kinds", {}).values()]
    columns = COLUMNS[name]
    first = columns[0].key
    numeric = next((c.key for c in columns if c.numeric), None)
    rows.sort(key=lambda r: (-r[numeric]["sort"] if numeric else 0, _fold(r[first]["text"])))
    if asked.query:
        rows = _matching(rows, asked.query, asked.lang)
    total = len(rows)
    if html:
        rows = rows[(asked.page - 1) * PAGE_SIZE:asked.page * PAGE_SIZE]
    return rows, total, kinds


def _matching(rows: list[dict], query: str, lang: str) -> list[dict]:
    """Keep the rows the search finds, best first, then the rows whose cells hold the words
    (a SIRET, an address): the list's order among those."""
    listed = {r["name"]["iri"] for r in rows if r["name"].get("iri")}
    place = {entry.iri: n for n, (entry, _) in enumerate(ranked(query, lang, listed))}
    wanted = _fold(query)
    found = [r for r in rows if r["name"].get("iri") in place]
    found.sort(key=lambda r: place[r["name"]["iri"]])
    return found + [r for r in rows if r["name"].get("iri") not in place
                    and any(wanted in _fold(c["text"]) for c in r.values())]


def _page(name: str, asked: Asked, rows: list[dict], total: int, kinds: list[dict]) -> Response:
    """Render one page of a list, with links to the pages around it and to its twins."""
    page, lang = asked.page, asked.lang
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        abort(404, description=f"This list has {pages} page(s); there is no page {page}.")
    args = {k: v for k, v in asked.filters(name).items() if v}

    def link(**changes) -> str:
        return url_for(f"pages.lists.{name}", **{**args, "lang": lang, **changes})

    return render("index.html", name=name, title=LIST_TITLES[name][lang == "en"],
                  columns=[{"key": c.key, "label": COLUMN_WORDS[name][c.key][lang == "en"],
                            "numeric": c.numeric} for c in COLUMNS[name]],
                  rows=rows, total=total, page=page, pages=pages, query=asked.query,
                  kind=asked.kind, kinds=kinds, source=asked.source,
                  previous=link(page=page - 1) if page > 1 else None,
                  next=link(page=page + 1) if page < pages else None,
                  csv=url_for(f"pages.lists.{name}_twin", fmt="csv", **args, lang=lang),
                  json=url_for(f"pages.lists.{name}_twin", fmt="json", **args, lang=lang))


def _twin(name: str, lang: str, filters: dict, columns: list[Column], rows: list[dict],
          fmt: str) -> Response:
    """Write the rows as CSV or JSON: each column's text, and the IRI of what it names."""
    records = []
    for row in rows:
        record = {}
        for column in columns:
            cell = row.get(column.key) or _cell("")
            record[column.key] = cell["sort"] if column.numeric else (
                (cell["href"] or "") if column.key == "url" else cell["text"])
            if column.key == "name" and cell.get("href"):
                record["page"] = site_root().rstrip("/") + cell["href"] \
                    if cell["href"].startswith("/") else cell["href"]
        records.append(record)
    file_name = _file_name(name, lang, filters, fmt)
    if fmt == "json":
        body = json.dumps({"list": name, "lang": lang, "filters": {k: v for k, v in
                                                                    filters.items() if v},
                           "total": len(records), "rows": records}, ensure_ascii=False,
                          indent=1)
        response = Response(body, mimetype="application/json")
    else:
        out = io.StringIO()
        keys = [c.key for c in columns] + ["page"]
        writer = csv.DictWriter(out, fieldnames=keys, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: spreadsheet.cell(v) if isinstance(v, str) else v
                          for k, v in record.items()} for record in records)
        response = Response(out.getvalue(), mimetype="text/csv")
        response.mimetype_params["charset"] = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _register(name: str) -> None:
    def page():
        return show(name, None)

    def twin(fmt: str):
        return show(name, fmt)

    page.__doc__ = f"Browse the {name}: filter, page, and download as CSV or JSON."
    twin.__doc__ = f"Download the {name} list as CSV or JSON."
    bp.add_url_rule(f"/{name}", name, page, methods=["GET"])
    bp.add_url_rule(f"/{name}.<fmt>", f"{name}_twin", twin, methods=["GET"])


for _name in LISTS:
    _register(_name)
