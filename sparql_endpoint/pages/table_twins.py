"""Each table of a thing's page as a file a person can use: ``/tables/{kind}/{key}/{table}.csv``.

A page's "Table as CSV" and JSON links lead here rather than to raw query results: the
file has the page's columns, headed in the page's language, with names and numbers (not
IRIs or measure codes), each IRI or SIRET in a column of its own, and a name that says
what it holds (``partenariat-innovation-contrats-par-annee.csv``,
``innovation-partnership-contracts-per-year.csv``).  Numbers stay plain numbers, so a
spreadsheet can add them up; a text that a spreadsheet would run as a formula is kept as
text (``achat_core.spreadsheet``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, url_for

from achat_core import spreadsheet
from achat_core.iris import APG
from sparql_endpoint.http.errors import problem
from sparql_endpoint.http.language import choose_language
from sparql_endpoint.pages import answers, parties
from sparql_endpoint.pages.answers import node
from sparql_endpoint.pages.render import backend, bases, labeller, term_view
from sparql_endpoint.pages.words import TABLE_FILE_WORDS, text

bp = Blueprint("twins", __name__)

#: Rows read for a properties or inbound-links file, at most (the page shows fewer).
ROWS_LIMIT = 5_000
#: Characters of a thing's name kept in a file name.
NAME_LENGTH = 80


@dataclass(frozen=True)
class Column:
    """A column: its key in the JSON rows and the ``words.TEXTS`` key of its heading."""

    key: str
    heading: str


def _usage_columns(first: str) -> tuple[Column, ...]:
    return (Column(first, first), Column("contracts", "contracts"),
            Column("amount", "amount"))


#: The tables of each page, by name: their columns, in the page's order.
COLUMNS: dict[str, tuple[Column, ...]] = {
    "years": _usage_columns("year"),
    "buyers": (*_usage_columns("buyer"), Column("buyer_kind", "buyer_kind"),
               Column("size", "org_size"), Column("siret", "siret"), Column("iri", "iri")),
    "regions": (*_usage_columns("region"), Column("iri", "iri")),
    "properties": (Column("property", "property"), Column("value", "value"),
                   Column("language", "language"), Column("property_iri", "property_iri"),
                   Column("value_iri", "value_iri")),
    "inbound": (Column("property", "property"), Column("subject", "subject"),
                Column("property_iri", "property_iri"), Column("subject_iri", "subject_iri")),
}
#: The tables that only an instrument's page has.
USAGE_TABLES = ("years", "buyers", "regions")


def slug(words: str) -> str:
    """Write a name as a file-name slug: ASCII, lower case, no elided article
    (``Partenariat d'innovation`` → ``partenariat-innovation``), at most NAME_LENGTH."""
    ascii_text = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"\b[dlDL]['’]", "", ascii_text)
    dashed = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(dashed) > NAME_LENGTH:
        dashed = dashed[:NAME_LENGTH].rsplit("-", 1)[0]
    return dashed or "table"


def file_name(iri: str, table: str, lang: str, fmt: str) -> str:
    """Name a table's file after the thing, in the language, and what the table holds."""
    name, _ = labeller().label(iri, lang)
    fr, en = TABLE_FILE_WORDS[table]
    return f"{slug(name)}-{fr if lang == 'fr' else en}.{fmt}"


def table_link(iri: str, table: str, fmt: str, lang: str) -> str | None:
    """Return the address of a table's file for a thing of ours, or None for another IRI."""
    for base in bases():
        if iri.startswith(base + "id/"):
            return url_for("pages.twins.table", key=iri[len(base) + 3:], table=table, fmt=fmt,
                           lang=lang)
    return None


def _usage_rows(iri: str, table: str, lang: str) -> list[dict]:
    used = answers.usage(backend().select, iri, lang, top=None)
    if table == "years":
        return [{"year": y["year"], "contracts": _whole(y["contracts"]),
                 "amount": _whole(y["amount"])} for y in used["years"]]
    key = "buyer" if table == "buyers" else "region"
    entries = used[table]
    names = labeller()
    names.fetch(e["iri"] for e in entries)
    register = parties.kinds_and_sizes(backend().select, [e["iri"] for e in entries], lang) \
        if table == "buyers" else {}
    sirets = _sirets([e["iri"] for e in entries]) if table == "buyers" else {}
    rows = []
    for entry in entries:
        row = {key: names.label(entry["iri"], lang)[0], "contracts": _whole(entry["contracts"]),
               "amount": _whole(entry["amount"]), "iri": entry["iri"]}
        if table == "buyers":
            row["buyer_kind"], row["size"] = register.get(entry["iri"], ("", ""))
            row["siret"] = " ".join(sorted(sirets.get(entry["iri"], ())))
        rows.append(row)
    return rows


def _sirets(items: list[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for start in range(0, len(items), 200):
        values = " ".join(node(i) for i in items[start:start + 200])
        for row in backend().select(
                f"SELECT ?item ?siret WHERE {{ VALUES ?item {{ {values} }} "
                f"?item <{APG}siret> ?siret }}"):
            found.setdefault(row["item"].value, set()).add(row["siret"].value)
    return found


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def _property_rows(iri: str, table: str, lang: str) -> list[dict]:
    term = node(iri)
    if table == "properties":
        pairs = [(r["p"], r["o"]) for r in backend().select(
            f"SELECT ?p ?o WHERE {{ {term} ?p ?o }} LIMIT {ROWS_LIMIT}")]
    else:
        pairs = [(r["p"], r["s"]) for r in backend().select(
            f"SELECT ?s ?p WHERE {{ ?s ?p {term} FILTER(isIRI(?s)) }} LIMIT {ROWS_LIMIT}")]
    names = labeller()
    names.fetch(p.value for p, _ in pairs)
    names.fetch(v.value for _, v in pairs if isinstance(v, ox.NamedNode))
    other = "value" if table == "properties" else "subject"
    rows = []
    for prop, value in pairs:
        view = term_view(value, lang)
        row = {"property": term_view(prop, lang)["text"], other: view["text"],
               "property_iri": prop.value,
               f"{other}_iri": value.value if isinstance(value, ox.NamedNode) else ""}
        if table == "properties":
            row["language"] = view.get("lang", "") if view["kind"] == "literal" else ""
        rows.append(row)
    rows.sort(key=lambda r: (r["property"].casefold(), r[other].casefold()))
    return rows


ROWS: dict[str, Callable[[str, str, str], list[dict]]] = {
    **dict.fromkeys(USAGE_TABLES, _usage_rows),
    "properties": _property_rows, "inbound": _property_rows,
}


def _csv(columns: tuple[Column, ...], rows: list[dict], lang: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([text(c.heading, lang) for c in columns])
    for row in rows:
        writer.writerow([spreadsheet.cell(v) if isinstance(v, str) else v
                         for v in (row.get(c.key, "") for c in columns)])
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.mimetype_params["charset"] = "utf-8"
    return response


def _json(iri: str, table: str, columns: tuple[Column, ...], rows: list[dict],
          lang: str) -> Response:
    body = {"thing": iri, "name": labeller().label(iri, lang)[0], "table": table, "lang": lang,
            "columns": [{"key": c.key, "label": text(c.heading, lang)} for c in columns],
            "rows": [{c.key: row.get(c.key, "") for c in columns} for row in rows]}
    return Response(json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/json")


@bp.get("/tables/<path:key>/<table>.<fmt>")
def table(key: str, table: str, fmt: str):
    """Download one table of a thing's page as CSV or JSON, in the page's language."""
    lang = choose_language()
    if fmt not in ("csv", "json") or table not in COLUMNS:
        return problem(404, text("table_unknown", lang))
    try:
        iri = ox.NamedNode(bases()[0] + "id/" + key).value
    except ValueError:
        return problem(404, text("table_unknown", lang))
    kind = f"<{APG}Instrument>" if table in USAGE_TABLES else "?type"
    if not backend().ask(f"ASK {{ {node(iri)} a {kind} }}"):
        return problem(404, text("table_unknown", lang))
    rows = ROWS[table](iri, table, lang)
    columns = COLUMNS[table]
    response = _csv(columns, rows, lang) if fmt == "csv" else _json(iri, table, columns,
                                                                    rows, lang)
    response.headers["Content-Disposition"] = \
        f'attachment; filename="{file_name(iri, table, lang, fmt)}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.content_language = lang
    response.vary.update(("Accept-Language", "Cookie"))
    return response
