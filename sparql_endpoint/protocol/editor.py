"""The query editor: YASGUI served from our own host, and a form that works without JavaScript."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, request, send_from_directory

from achat_core.iris import PREFIXES
from sparql_endpoint.http.errors import problem
from sparql_endpoint.http.headers import allow_inline_styles
from sparql_endpoint.http.language import choose_language
from sparql_endpoint.http.origin import site_root
from sparql_endpoint.pages.render import labeller, query_link, render, term_view
from sparql_endpoint.pages.words import error_text, is_ours
from sparql_endpoint.protocol import examples, user_query

bp = Blueprint("editor", __name__)

#: The YASGUI build (npm package ``@zazuko/yasgui``) inside a ``node_modules`` folder.
_YASGUI_BUILD = Path("node_modules", "@zazuko", "yasgui", "build")
#: Where to look for it: beside the checkout (``npm ci``), then in the working folder.
YASGUI_DIR = next((folder for folder in (Path(__file__).resolve().parents[2] / _YASGUI_BUILD,
                                         Path.cwd() / _YASGUI_BUILD)
                   if (folder / "yasgui.min.js").is_file()),
                  Path(__file__).resolve().parents[2] / _YASGUI_BUILD)
#: How to get it when it is missing (the no-JavaScript form works without it).
YASGUI_HINT = ("The query editor's JavaScript is missing: run `npm ci` in the project's "
               "checkout, or `npm install @zazuko/yasgui` in the folder you serve from.")
YASGUI_FILES = ("yasgui.min.js", "yasgui.min.css", "yasgui.min.js.map")
#: Rows shown in the HTML table; downloads carry up to the app's MAX_ROWS.
SHOWN_ROWS = 1000
#: pyparsing (rdflib's SPARQL parser) ends a syntax error with where it stopped.
_WHERE = re.compile(r"\(line:(\d+), col:(\d+)\)\s*$")
#: Characters of the faulty line shown either side of where the parser stopped.
EXCERPT = 60


def _register(state) -> None:
    state.app.extensions["editor_view"] = query_page
    state.app.extensions["error_page"] = error_page


bp.record_once(_register)


def error_page(status: int, message: str) -> Response:
    """Render an error of the endpoint as an HTML page (``app.extensions["error_page"]``).

    The explanation is in the page's language; the technical message, often the parser's
    English, follows it marked with its language.
    """
    lang = choose_language()
    ours = is_ours(message, lang)
    return render("error.html", status=status, code=status,
                  explanation=message if ours else error_text(status, lang),
                  details=None if ours else message, details_lang="" if ours else "en")


@bp.get("/query")
def query_page():
    """Run a query (``query=``) or an example (``example=``, else the first) and show its
    results first, then the editor opened on that query, then the examples by question."""
    allow_inline_styles()
    lang = choose_language()
    query = request.args.get("query", "")
    asked = request.args.get("example", "")
    example = examples.find(asked) if asked else None
    if asked and example is None:
        return problem(404, f"No example query is named {asked!r}; see /query for the list.")
    listed = examples.load_examples()
    chosen = None
    if not query.strip():
        example = example or (listed[0] if listed else None)
        if example is None:
            return render("query.html", query="", groups=[], **_context())
        chosen, query = example.view(lang), example.query
    context = {"groups": examples.grouped(lang), "chosen": chosen, **_context()}
    try:
        result = user_query.run(query, max_rows=SHOWN_ROWS)
    except user_query.QueryError as error:
        return render("query.html", status=error.status, query=query, error=str(error),
                      error_explanation=error_text(error.status, lang),
                      error_place=error_place(query, str(error)), **context)
    # Every IRI shown is named in one bounded query, not one query per cell.
    labeller().fetch((term.value for row in result.rows for term in row.values()
                      if isinstance(term, ox.NamedNode)), batch=SHOWN_ROWS * 4)
    shown = [{v: cell(row[v], v, lang) for v in result.variables if v in row}
             for row in result.rows[:SHOWN_ROWS]]
    return render(
        "query.html", query=query, result=result, shown=shown,
        # Only SHOWN_ROWS rows are asked for: "1+" more when the result was cut there.
        hidden_rows="1+" if result.truncated else 0,
        csv=query_link(query, "csv"), json=query_link(query, "json"), **context)


def cell(term, variable: str, lang: str) -> dict:
    """Describe one result for a reader: its label or plain value (a year column's
    numbers as years), and the exact term (N-Triples) for the cell's hover."""
    view = term_view(term, lang, variable)
    view["raw"] = str(term)
    return view


def error_place(query: str, message: str) -> dict | None:
    """Say where a syntax error points: its line and column, read from the parser's
    message, and that line cut around it (``None`` when the message names no place)."""
    match = _WHERE.search(message)
    if not match:
        return None
    line, column = int(match[1]), int(match[2])
    lines = query.split("\n")
    if not 1 <= line <= len(lines):
        return None
    # The parser counts columns in the line with its tabs expanded.
    text = lines[line - 1].rstrip("\r").expandtabs()
    at = min(max(column, 1), len(text) + 1) - 1
    start, end = max(at - EXCERPT, 0), at + 1 + EXCERPT
    return {"line": line, "column": column,
            "before": ("…" if start else "") + text[start:at],
            "at": text[at:at + 1] or " ",
            "after": text[at + 1:end] + ("…" if end < len(text) else "")}


#: Statuses the editor's script may meet, explained to the reader in the page's language.
SCRIPT_STATUSES = (400, 403, 406, 413, 429, 503)


def _context() -> dict:
    lang = choose_language()
    words = {str(status): error_text(status, lang) for status in SCRIPT_STATUSES}
    words["other"] = error_text(0, lang)
    return {"endpoint": site_root() + "sparql",
            "yasgui": (YASGUI_DIR / "yasgui.min.js").is_file(),
            "script_errors": json.dumps(words, ensure_ascii=False)}


@bp.get("/editor/yasgui/<name>")
def yasgui_file(name: str):
    """Serve one file of the YASGUI build from our own host."""
    if name not in YASGUI_FILES or not (YASGUI_DIR / name).is_file():
        return problem(404, f"No editor file {name!r} here. {YASGUI_HINT}")
    return send_from_directory(YASGUI_DIR, name, max_age=3600)


@bp.get("/editor/prefixes.json")
def prefixes():
    """Serve the project's prefixes, in the ``{prefix: namespace}`` form YASGUI reads."""
    return jsonify(PREFIXES)


@bp.get("/editor/examples.json")
def example_list():
    """Serve the example queries in the page language: the query page's list, as JSON."""
    lang = choose_language()
    return jsonify([e.view(lang) for e in examples.load_examples()])
