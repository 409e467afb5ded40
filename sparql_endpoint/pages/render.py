"""What every page shares: the data's base, links to IRIs, terms for templates, responses."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import (
    Response,
    current_app,
    g,
    make_response,
    render_template,
    request,
    url_for,
)

from achat_core.iris import DEFAULT_BASE, ONTOLOGY_NS, PREFIXES
from sparql_endpoint.http.language import COOKIE, LANGUAGES, choose_language
from sparql_endpoint.pages import numbers
from sparql_endpoint.pages.labels import Labeller, local_name
from sparql_endpoint.pages.links import safe_href
from sparql_endpoint.pages.words import UNKNOWN_NAME_MARKS, text

ONTOLOGY_IRI = ONTOLOGY_NS.rstrip("#")


def build_info() -> dict:
    """Return the published build's description (build.json plus ``dist``), or an empty dict."""
    return current_app.extensions.get("build") or {}


def backend():
    """Return the store backend of the running app."""
    return current_app.extensions["backend"]


def data_base() -> str:
    """Return the base under which the published things are minted."""
    return build_info().get("base") or DEFAULT_BASE


def bases() -> list[str]:
    """Return the bases served under ``/id/``: the data's, then the fixed vocabulary's."""
    return list(dict.fromkeys([data_base(), DEFAULT_BASE]))


def local_key(iri: str) -> str | None:
    """Return the ``{kind}/{key}`` path of an IRI served under ``/id/``, or None."""
    for base in bases():
        if iri.startswith(base + "id/") and len(iri) > len(base) + 3:
            return iri[len(base) + 3:]
    return None


def labeller() -> Labeller:
    """Return this request's label cache."""
    if "labeller" not in g:
        g.labeller = Labeller(backend())
    return g.labeller


def href(iri: str, described: bool = False) -> str | None:
    """Return where a reader follows an IRI: our page for our IRIs, else the IRI itself.

    None when the IRI must not be a link (``links.safe_href``): show it as text.
    """
    key = local_key(iri)
    if key is not None:
        return url_for("pages.doc", path=key)
    if iri.startswith(ONTOLOGY_NS):
        return url_for("meta.ontology") + "#" + iri[len(ONTOLOGY_NS):]
    if iri == ONTOLOGY_IRI:
        return url_for("meta.ontology")
    rest = iri[len(data_base()):] if iri.startswith(data_base()) else None
    if rest and rest[0] not in "/\\":
        return safe_href(url_for("pages.home") + rest)
    if described:
        return url_for("pages.describe", iri=iri)
    return safe_href(iri)


def is_external(iri: str) -> bool:
    """Tell whether an IRI leads to another site (not one of our pages or vocabularies)."""
    return (
        local_key(iri) is None
        and not iri.startswith(ONTOLOGY_IRI)
        and iri.startswith(("http://", "https://"))
    )


def term_view(term, lang: str, name: str = "") -> dict:
    """Describe a pyoxigraph term for a template: text, language, link.

    ``name`` is the column or property it comes from: a whole number in a year's column
    is written as a year (``2019``, never ``2 019``).
    """
    if isinstance(term, ox.NamedNode):
        names = labeller()
        label, label_lang = names.label(term.value, lang)
        described = bool(names.cache.get(term.value)) and term.value not in names.addresses
        return {
            "kind": "iri", "iri": term.value, "text": label, "lang": label_lang,
            "href": href(term.value, described), "external": is_external(term.value)
            and not described, "unknown_name": label.endswith(UNKNOWN_NAME_MARKS),
        }
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if term.datatype else ""
        short = datatype.rsplit("#", 1)[-1] if datatype.startswith(PREFIXES["xsd"]) else ""
        year = short in ("integer", "int", "long", "decimal") and numbers.is_year_name(name)
        return {"kind": "literal",
                "text": numbers.year(term.value) if year else readable(term.value, short, lang),
                "value": term.value, "lang": term.language or "", "datatype": short}
    return {"kind": "bnode", "text": str(term), "lang": ""}


def readable(value: str, datatype: str, lang: str) -> str:
    """Write a typed value for a reader: numbers grouped, dates spelt out, booleans in words."""
    if datatype in ("decimal", "integer", "double", "float", "int", "long"):
        return numbers.number(value, lang, numbers.places(value))
    if datatype == "date":
        return numbers.day(value, lang)
    if datatype == "boolean":
        return text("yes" if value in ("true", "1") else "no", lang)
    return value


def query_link(query: str, fmt: str | None = None, name: str = "") -> str:
    """Return a link that runs a query: as an HTML table, a spreadsheet's CSV, or from ``/sparql``.

    ``"csv"`` is the table for spreadsheets (``tables``), downloaded as ``{name}.csv`` (a
    slug saying what it holds); other formats are SPARQL results.
    """
    if fmt is None:
        return url_for("editor.query_page") + "?query=" + quote(query, safe="")
    if fmt == "csv":
        named = f"&name={quote(name, safe='')}" if name else ""
        return url_for("tables.query_csv") + "?query=" + quote(query, safe="") + named
    return url_for("sparql.endpoint") + "?query=" + quote(query, safe="") + f"&format={fmt}"


def render(template: str, status: int = 200, **context) -> Response:
    """Render a page in the chosen language, with the shared helpers and headers."""
    lang = choose_language()
    other = "en" if lang == "fr" else "fr"

    def t(key: str) -> str:
        return text(key, lang)

    args = request.args.to_dict()
    args["lang"] = other
    # Relative to this page: a path echoed from the request could read as another host.
    switch = "?" + urlencode(args, quote_via=quote)
    response = make_response(render_template(
        template, lang=lang, other_lang=other, t=t, switch_url=switch, build=build_info(),
        number=lambda value: numbers.number(value, lang, numbers.places(value)),
        noun=lambda key, value: numbers.noun(key, value, lang),
        counted=lambda value, key: numbers.counted(value, key, lang),
        day=lambda value: numbers.day(value, lang), site=local_name,
        **context,
    ), status)
    if request.args.get("lang") in LANGUAGES:
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax")
    response.content_language = lang
    response.vary.update(("Accept", "Accept-Language", "Cookie"))
    return response
