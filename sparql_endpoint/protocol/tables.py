"""``/query.csv``: query results as a table for spreadsheets, where no cell runs as a formula.

The pages' "Table as CSV" links lead here.  Spreadsheet programs run a cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula, so
such a cell is written with a leading apostrophe (which they show as text).  The
file starts with a UTF-8 byte-order mark so that they read accents right.  The
SPARQL CSV and TSV of ``/sparql`` stay the W3C formats, every value as it is: they
are read by programs, and changing a value would change the data.
"""

from __future__ import annotations

import csv
import io
import re

import pyoxigraph as ox
from flask import Blueprint, Response, request

from achat_core.spreadsheet import cell
from sparql_endpoint.http.errors import problem
from sparql_endpoint.http.language import choose_language
from sparql_endpoint.protocol import user_query
from sparql_endpoint.protocol.words import EDITOR_WORDS

bp = Blueprint("tables", __name__)
#: Characters of a download's name, at most.
NAME_LENGTH = 100


def term_text(term) -> str:
    """Return the text of a result term: an IRI or a literal's value, ``_:id`` for a blank node."""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return term.value


def table(result: user_query.Result, lang: str = "fr") -> str:
    """Write a query result as CSV text, one row per solution (ASK: one ``boolean`` cell).

    A result cut at the server's limit ends with a row saying so, in LANG.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if result.form == "ASK":
        writer.writerows([["boolean"], ["true" if result.boolean else "false"]])
        return out.getvalue()
    writer.writerow([cell(v) for v in result.variables])
    for row in result.rows:
        writer.writerow([cell(term_text(row[v])) if v in row else "" for v in result.variables])
    if result.truncated:
        words = EDITOR_WORDS["table_truncated"][0 if lang == "fr" else 1]
        writer.writerow([cell(words.format(rows=len(result.rows)))])
    return out.getvalue()


def file_name(lang: str) -> str:
    """Name the download after what it holds: the page's ``name`` (a slug: lower-case ASCII
    words joined by hyphens, checked whole), else "the query's results" in the language."""
    name = request.args.get("name", "")
    if len(name) <= NAME_LENGTH and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", name):
        return name
    return "resultats-requete" if lang == "fr" else "query-results"


@bp.get("/query.csv")
def query_csv():
    """Run ``query=`` as the ``/query`` form does; answer its results as a CSV download."""
    query = request.args.get("query", "")
    if not query.strip():
        return problem(400, "No query: add it as the 'query' parameter.")
    try:
        result = user_query.run(query)
    except user_query.QueryError as error:
        return problem(error.status, str(error))
    lang = choose_language()
    response = Response("\ufeff" + table(result, lang), mimetype="text/csv")
    response.mimetype_params["charset"] = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(lang)}.csv"'
    return response
