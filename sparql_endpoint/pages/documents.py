"""Linked-data pages: ``/id/`` redirects, negotiated ``/doc/`` documents, ``/describe``.

``bp`` is the pages' room: it also carries the home page, search and the lists.
"""

from __future__ import annotations

import logging

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, request, url_for

from achat_core.iris import APG, DCT, RDF, RDFS, SKOS
from sparql_endpoint.execution.pool import PoolTimeout
from sparql_endpoint.http.errors import problem
from sparql_endpoint.http.language import choose_language
from sparql_endpoint.pages import (
    cards,
    contribute,
    feeds,
    freshness,
    guide,
    home,
    icons,
    kit,
    lists,
    numbers,
    search,
    table_twins,
)
from sparql_endpoint.pages.answers import node
from sparql_endpoint.pages.render import (
    backend,
    bases,
    is_external,
    labeller,
    local_key,
    query_link,
    render,
    term_view,
)
from sparql_endpoint.pages.source_links import source_link
from sparql_endpoint.pages.words import text
from sparql_endpoint.protocol.documents import (
    DOC_FORMATS,
    alternate_links,
    document_format,
    link_header,
    rdf_response,
)
from sparql_endpoint.protocol.negotiation import negotiate

bp = Blueprint("pages", __name__)
log = logging.getLogger("sparql_endpoint.pages.documents")
bp.register_blueprint(search.bp)
bp.register_blueprint(lists.bp)
bp.register_blueprint(guide.bp)
bp.register_blueprint(contribute.bp)
bp.register_blueprint(kit.bp)
bp.register_blueprint(icons.bp)
bp.register_blueprint(table_twins.bp)
bp.add_url_rule("/", "home", home.home)
bp.add_url_rule("/schemes", "schemes", home.schemes)

CHECKED_ON = APG + "legalFactsCheckedOn"
SOURCE = DCT + "source"
#: Kinds whose things only exist inside their owner's description.
DEPENDENT_KINDS = ("threshold/", "identifier/", "obligation/", "wiki-text/")
#: Properties shown first on a page, in this order.
FIRST = (RDFS + "label", SKOS + "prefLabel", DCT + "title", SKOS + "definition",
         DCT + "description", APG + "oneLineDescription")
#: Properties whose values are code (the SPARQL that computed an indicator).
CODE_VALUES = (APG + "computedByQuery",)
#: Links pointing at a thing listed on its page (a sample when there are more).
INBOUND_LIMIT = 500
#: Links pointing at a thing counted per property, at most (then "more than").
COUNT_LIMIT = 10_000
#: Rows per page of the editor query that lists all the links of one property.
PAGE_SIZE = 1_000
#: Values of a thing listed on its page, at most.
OUTBOUND_LIMIT = 5_000
#: Rows read about the figures of an instrument, at most.
FIGURE_ROWS = 5_000
#: Indicators that break an instrument's use down (per year, buyer, region): the answer
#: card charts and ranks them, so the figures table leaves them out.
BREAKDOWN = " || ".join(f'STRENDS(?m, "{end}")' for end in ("-per-year", "-by-buyer",
                                                             "-by-region"))


class PageQueryTimeout(Exception):
    """A page's query ran past the time limit; the page answers 503."""


def timed_select(query: str) -> list[dict]:
    """Run a page's SELECT whose cost grows with the data; 503 past the time limit.

    Every store call runs in the pool with the time limit; this one only says so on
    the page when the limit is hit.
    """
    try:
        return backend().select(query)
    except PoolTimeout as error:
        raise PageQueryTimeout(str(error)) from None


@bp.app_errorhandler(PageQueryTimeout)
def page_timeout(error: PageQueryTimeout):
    """Answer 503 when a page's query hit the time limit, saying what to do instead."""
    log.warning("page query stopped on %s: %s", request.path, error)
    return problem(503, text("page_timeout", choose_language()), {"Retry-After": "60"})


def outbound(iri: str) -> list[tuple[ox.NamedNode, object]]:
    """Return the (property, value) pairs of a subject, up to OUTBOUND_LIMIT."""
    rows = backend().select(
        f"SELECT ?p ?o WHERE {{ {node(iri)} ?p ?o }} LIMIT {OUTBOUND_LIMIT}")
    return [(r["p"], r["o"]) for r in rows]


def inbound(iri: str) -> list[tuple[ox.NamedNode, ox.NamedNode]]:
    """Return up to INBOUND_LIMIT + 1 (subject, property) pairs pointing at an IRI, sorted.

    The store returns the first pairs it finds (no ORDER BY, whose cost grows with
    every link); only that bounded sample is sorted, here.
    """
    rows = timed_select(
        f"SELECT ?s ?p WHERE {{ ?s ?p {node(iri)} FILTER(isIRI(?s)) }} LIMIT {INBOUND_LIMIT + 1}")
    return sorted(((r["s"], r["p"]) for r in rows), key=lambda pair: (pair[1].value,
                                                                      pair[0].value))


def inbound_counts(iri: str) -> tuple[dict[str, int], bool]:
    """Count the links pointing at an IRI per property, stopping at COUNT_LIMIT links.

    Return the counts and whether the limit was reached (then each count is a lower bound).
    """
    rows = timed_select(
        f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ {{ SELECT ?p WHERE {{ ?s ?p {node(iri)} "
        f"FILTER(isIRI(?s)) }} LIMIT {COUNT_LIMIT + 1} }} }} GROUP BY ?p")
    counts = {r["p"].value: int(r["n"].value) for r in rows}
    return counts, sum(counts.values()) > COUNT_LIMIT


def triples_of(iri: str) -> list[ox.Triple]:
    """Return a thing's description: its triples, its dependent nodes' and what points to it."""
    node = ox.NamedNode(iri)
    triples = [ox.Triple(node, p, o) for p, o in outbound(iri)]
    for _, value in list(outbound(iri)):
        key = local_key(value.value) if isinstance(value, ox.NamedNode) else None
        if key and key.startswith(DEPENDENT_KINDS):
            triples += [ox.Triple(value, p, o) for p, o in outbound(value.value)]
    triples += [ox.Triple(s, p, node) for s, p in inbound(iri)[:INBOUND_LIMIT]]
    return list(dict.fromkeys(triples))


def _group(pairs, lang: str, nested: bool = False) -> list[dict]:
    """Group (property, value) pairs by property, with readable names, in reading order."""
    names = labeller()
    names.fetch(p.value for p, _ in pairs)
    names.fetch(v.value for _, v in pairs if isinstance(v, ox.NamedNode))
    groups: dict[str, dict] = {}
    for prop, value in pairs:
        group = groups.setdefault(prop.value, {"property": term_view(prop, lang), "values": []})
        view = term_view(value, lang)
        view["code"] = prop.value in CODE_VALUES  # a query is code, shown as such
        if prop.value == APG + "unit" and view["kind"] == "literal":
            view["text"] = numbers.unit(value.value, 2, lang)  # "contrats", not "contracts"
        key = local_key(value.value) if isinstance(value, ox.NamedNode) else None
        if nested and key and key.startswith(DEPENDENT_KINDS):
            view["nested"] = _group(outbound(value.value), lang)
        group["values"].append(view)
    for group in groups.values():
        group["values"].sort(key=lambda v: (v["lang"] != lang, v["text"].casefold()))

    def order(item):
        iri, group = item
        first = FIRST.index(iri) if iri in FIRST else len(FIRST)
        return first, group["property"]["text"].casefold()

    return [g for _, g in sorted(groups.items(), key=order)]


def figures_about(iri: str, lang: str) -> list[dict]:
    """Return the figures and indicators about an instrument, each with its source."""
    rows = timed_select(
        f"SELECT ?f ?p ?o WHERE {{ ?f <{APG}aboutInstrument> {node(iri)} ; ?p ?o "
        f"FILTER NOT EXISTS {{ ?f <{APG}measure> ?m FILTER({BREAKDOWN}) }} }} "
        f"LIMIT {FIGURE_ROWS}")
    figures: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: r["f"].value):
        figure = figures.setdefault(row["f"].value, {"term": term_view(row["f"], lang), "p": {}})
        figure["p"].setdefault(row["p"].value.removeprefix(APG).removeprefix(DCT), []).append(
            row["o"])
    out = []
    for figure in figures.values():
        p = figure["p"]

        def first(name, p=p):
            values = p.get(name, [])
            chosen = [v for v in values if getattr(v, "language", None) == lang] or values
            return term_view(chosen[0], lang) if chosen else None

        period = [first("periodStart"), first("periodEnd")]
        value, unit = first("value"), first("unit")
        if unit and unit["kind"] == "literal":
            unit["text"] = numbers.unit(unit["value"], value["value"] if value else 2, lang)
        out.append({
            "term": figure["term"], "value": value, "unit": unit,
            "scope": first("scope"),
            "date": first("observationDate") or (period if all(period) else None),
            "sources": [term_view(s, lang) for s in p.get("source", [])],
        })
    return out


def document_page(iri: str, alternates: list[dict]) -> Response:
    """Render the HTML page of a thing."""
    lang = choose_language()
    pairs = outbound(iri)
    names = labeller()
    title, title_lang = names.label(iri, lang)
    labels = names.labels(iri)
    # One name once: org:Organization and foaf:Organization both read "organisation".
    types = list({view["text"]: view for view in (
        term_view(o, lang) for p, o in pairs if p.value == RDF + "type")}.values())
    checked = [o.value for p, o in pairs if p.value == CHECKED_ON]
    sources = [term_view(o, lang) for p, o in pairs if p.value == SOURCE]
    shown = [(p, o) for p, o in pairs
             if p.value not in (RDF + "type", SOURCE, freshness.WIKI_TEXT)]
    external = [term_view(o, lang) for p, o in pairs
                if isinstance(o, ox.NamedNode) and is_external(o.value)]
    points_here = inbound(iri)
    template, extra = cards.answer_of(iri, pairs, lang, timed_select, outbound)
    return render(
        template, **extra,
        iri=iri, title=title, title_lang=title_lang,
        other_labels=sorted((lg, t) for lg, t in labels.items() if t != title),
        types=types, checked_on=checked[0] if checked else None,
        properties=freshness.word_dates(_group(shown, lang, nested=True), lang),
        wiki=freshness.wiki_texts(pairs, outbound),
        inbound=_inbound_groups(iri, points_here, lang),
        inbound_truncated=len(points_here) > INBOUND_LIMIT,
        external=list({e["iri"]: e for e in external}.values()),
        sources=sources, figures=figures_about(iri, lang), alternates=alternates,
        source_link=source_link(pairs, outbound, lang),
        properties_csv=table_twins.table_link(iri, "properties", "csv", lang),
        inbound_csv=table_twins.table_link(iri, "inbound", "csv", lang),
    )


def _inbound_groups(iri: str, points_here: list, lang: str) -> list[dict]:
    """Group a sample of inbound links by property; past the sample, count them and link on."""
    groups = _group([(p, s) for s, p in points_here[:INBOUND_LIMIT]], lang)
    if len(points_here) <= INBOUND_LIMIT:
        return groups
    counts, capped = inbound_counts(iri)
    term = node(iri)
    for group in groups:
        prop = group["property"]["iri"]
        total = counts.get(prop, len(group["values"]))
        if total > len(group["values"]) or capped:
            group["total"] = total
            group["total_capped"] = capped
            group["more_href"] = query_link(
                f"SELECT ?subject WHERE {{ ?subject <{prop}> {term} }} LIMIT {PAGE_SIZE} "
                f"OFFSET 0")
    return groups


def exists(iri: str) -> bool:
    """Tell whether the store says anything about or pointing to an IRI."""
    term = node(iri)
    return backend().ask(f"ASK {{ {{ {term} ?p ?o }} UNION {{ ?s ?p {term} }} }}")


def not_found(iri: str | None, path: str) -> Response:
    """Answer 404 with help: an HTML page with search hints for browsers, else problem()."""
    words = path.rsplit("/", 1)[-1].replace("-", " ")
    fmt = negotiate(request.headers.get("Accept"), DOC_FORMATS)
    if fmt is None or fmt.name != "html":
        search = url_for("pages.search.search_page", q=words, _external=True)
        return problem(404, f"The published graph holds nothing about <{iri or path}>. "
                            f"Search: {search}")
    return render("not_found.html", status=404, iri=iri or path, words=words)


def serve_document(iri: str, suffix: str | None, url_of) -> Response:
    """Answer with a thing's description in the asked or negotiated format."""
    fmt = document_format(suffix)
    alternates = alternate_links(url_of)
    if fmt.name == "html":
        response = document_page(iri, alternates)
    else:
        response = rdf_response(triples_of(iri), fmt)
    response.headers["Link"] = link_header(alternates)
    response.vary.add("Accept")
    return response


@bp.get("/id/<path:path>")
def thing(path: str):
    """Redirect a thing's IRI to the document that describes it (303); unknown ones are 404."""
    known = False
    for base in bases():
        try:
            known = known or exists(ox.NamedNode(base + "id/" + path).value)
        except ValueError:
            break
    if not known:
        return not_found(bases()[0] + "id/" + path, path)
    response = redirect(url_for("pages.doc", path=path), code=303)
    response.vary.add("Accept")
    return response


@bp.get("/doc/<path:path>")
def doc(path: str):
    """Describe a thing: negotiated, or in the format its suffix names."""
    stem, dot, suffix = path.rpartition(".")
    key, suffix = (stem, suffix) if dot and "/" not in suffix else (path, None)
    for base in bases():
        try:
            iri = ox.NamedNode(base + "id/" + key).value
        except ValueError:
            return not_found(None, path)
        if exists(iri):
            return serve_document(
                iri, suffix, lambda f, key=key: url_for("pages.doc", path=f"{key}.{f.suffix}"))
    return not_found(bases()[0] + "id/" + key, key)


@bp.get("/feeds/<kind>/<key>.atom")
def feed(kind: str, key: str):
    """Answer the Atom feed of new contracts of an instrument or a buyer."""
    return feeds.atom(timed_select, kind, key)


@bp.get("/describe")
def describe():
    """Describe any IRI the graph mentions (EU code lists, external things)."""
    raw = request.args.get("iri", "")
    try:
        iri = ox.NamedNode(raw).value
    except ValueError:
        return not_found(None, raw)
    if not exists(iri):
        return not_found(iri, raw)
    key = local_key(iri)
    if key is not None:
        return redirect(url_for("pages.doc", path=key), code=303)
    suffix = request.args.get("format")
    return serve_document(
        iri, suffix, lambda f: url_for("pages.describe", iri=iri, format=f.suffix))
