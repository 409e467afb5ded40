"""What search engines and crawlers read: page heads, schema.org, sitemaps and robots.txt.

Every page's head gets a canonical link and hreflang alternates with the language in
the URL (``?lang=fr``, ``?lang=en``), a meta description, and schema.org JSON-LD:
a ``Dataset`` on the home and catalogue pages (from the published DCAT catalogue),
the closest schema.org type on a thing's page.  Absolute addresses come from
:func:`~sparql_endpoint.http.origin.site_root`, never from this module.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request, url_for
from jinja2 import pass_context
from markupsafe import Markup, escape

from achat_core.formats import content_of
from achat_core.iris import DCT, ONTOLOGY_NS, PREFIXES, SKOS
from sparql_endpoint.catalogue.catalog_view import catalog_view
from sparql_endpoint.catalogue.meta import file_triples, ontology_term_names, ontology_triples
from sparql_endpoint.catalogue.words import SITE
from sparql_endpoint.http.errors import problem
from sparql_endpoint.http.language import LANGUAGES, choose_language
from sparql_endpoint.http.origin import site_root
from sparql_endpoint.pages.render import backend, bases, href, labeller

bp = Blueprint("discovery", __name__)

#: A sitemap file lists at most this many addresses (the sitemaps.org limit).
SITEMAP_LIMIT = 50_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: Kinds of things a sitemap leaves out: parts shown on their owner's page (a threshold,
#: an identifier) and the structural nodes of a contract (its lot, amount, procedure,
#: roles...), whose pages add nothing a search engine should list beside the contract's.
PART_KINDS = ("threshold/", "identifier/", "amount/", "lot/", "contract-term/", "procedure/",
              "procedure-term/", "purpose/", "strategic-procurement/", "buyer/", "winner/",
              "location/")
#: Places with a page of their own despite PART_KINDS: regions (their figures, ``/regions``).
PAGE_PLACES = ("location/code-region-",)
#: The lists to browse (``pages.lists``), by endpoint name.
LIST_NAMES = ("instruments", "organisations", "resources", "regions")
SCHEMA = "https://schema.org/"
#: Our classes (and the outside ones our data uses) -> the closest schema.org type.
SCHEMA_TYPES = (
    (ONTOLOGY_NS + "LegalText", "Legislation"),
    (ONTOLOGY_NS + "LegalProvision", "Legislation"),
    (PREFIXES["eli"] + "LegalResource", "Legislation"),
    (ONTOLOGY_NS + "Organisation", "Organization"),
    (ONTOLOGY_NS + "CommonsCommunity", "Organization"),
    (PREFIXES["org"] + "Organization", "Organization"),
    (ONTOLOGY_NS + "Instrument", "GovernmentService"),
    (ONTOLOGY_NS + "WebPage", "WebPage"),
    (ONTOLOGY_NS + "WikiPage", "WebPage"),
    (ONTOLOGY_NS + "Project", "Project"),
    (ONTOLOGY_NS + "KnowledgeResource", "CreativeWork"),
    (ONTOLOGY_NS + "Publication", "CreativeWork"),
    (ONTOLOGY_NS + "Guide", "CreativeWork"),
    (ONTOLOGY_NS + "Study", "CreativeWork"),
    (ONTOLOGY_NS + "Figure", "Observation"),
    (ONTOLOGY_NS + "Indicator", "Observation"),
    (SKOS + "Concept", "DefinedTerm"),
)
#: Properties whose text describes a thing, best first.
DESCRIPTIONS = (ONTOLOGY_NS + "oneLineDescription", SKOS + "definition", DCT + "description",
                PREFIXES["rdfs"] + "comment")
#: Paths crawlers should leave alone: queries cost work and have no lasting content.
DISALLOWED = ("/sparql", "/query", "/search", "/describe")


def _address(path: str, /, **args: str) -> str:
    """Return the public address of a path on this server, with sorted query arguments.

    ``path`` is a request path or a ``url_for`` result (which carries the script root).
    """
    root = request.script_root
    if root and path.startswith(root + "/"):
        path = path[len(root):]
    query = urlencode(sorted(args.items()))
    path = quote(path.lstrip("/"), safe="/:@!$&'()*+,;=-._~%")
    return site_root() + path + (f"?{query}" if query else "")


def _page_args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k != "lang"}


def _text(values: list, lang: str) -> str | None:
    chosen = [v for v in values if getattr(v, "language", None) == lang] or values
    return chosen[0].value if chosen else None


def _thing(iri: str, lang: str) -> dict:
    """Return schema.org JSON-LD for a thing of the graph, from its own triples."""
    rows = backend().select(f"SELECT ?p ?o WHERE {{ {ox.NamedNode(iri)} ?p ?o }} LIMIT 2000")
    by_property: dict[str, list] = {}
    for row in rows:
        by_property.setdefault(row["p"].value, []).append(row["o"])
    types = {o.value for o in by_property.get(PREFIXES["rdf"] + "type", [])}
    kind = next((schema for cls, schema in SCHEMA_TYPES if cls in types), "Thing")
    name, _ = labeller().label(iri, lang)
    data = {"@context": SCHEMA, "@type": kind, "@id": iri, "name": name,
            "url": _address(request.path, lang=lang), "identifier": iri, "inLanguage": lang}
    description = next((_text(by_property[p], lang) for p in DESCRIPTIONS if p in by_property),
                       None)
    if description:
        data["description"] = description
    same = sorted(o.value for o in by_property.get(PREFIXES["owl"] + "sameAs", []))
    if same:
        data["sameAs"] = same
    for prop, key in ((DCT + "source", "citation"), (PREFIXES["rdfs"] + "seeAlso", "sameAs")):
        links = sorted(o.value for o in by_property.get(prop, []) if isinstance(o, ox.NamedNode)
                       and o.value.startswith("http"))
        if links:
            data[key] = sorted(set(data.get(key, [])) | set(links))
    return data


def _dataset(view: dict | None, lang: str) -> dict:
    """Return schema.org ``Dataset`` JSON-LD of the graph, from the catalogue's view."""
    name, description = SITE[lang]
    data = {"@context": SCHEMA, "@type": "Dataset", "name": name, "description": description,
            "url": _address("/", lang=lang), "inLanguage": list(LANGUAGES),
            "isAccessibleForFree": True,
            "license": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            "creator": {"@type": "Organization", "name": "achat-public-graph",
                        "url": _address("/")},
            "spatialCoverage": {"@type": "Place", "name": "France"}}
    if view is None:
        return data
    data["identifier"] = view["iri"]
    starts = [d["start"] for d in view["datasets"] if d["start"]]
    ends = [d["end"] for d in view["datasets"] if d["end"]]
    if starts and ends:
        data["temporalCoverage"] = f"{min(starts)}/{max(ends)}"
    if view.get("modified"):
        data["dateModified"] = view["modified"]
    data["keywords"] = sorted({k for d in view["datasets"] for k in d["keywords"]})
    data["distribution"] = [
        {"@type": "DataDownload", "name": f["title"], "contentUrl": _address(f["download"]),
         "encodingFormat": (content_of(f["download"]) or _Unknown).media_type}
        for d in view["datasets"] for f in d["files"]]
    data["hasPart"] = [{"@type": "Dataset", "name": d["title"], "description": d["description"],
                        "identifier": d["iri"], "url": _address("/catalog", lang=lang),
                        "license": data["license"], "creator": data["creator"]}
                       for d in view["datasets"]]
    return data


class _Unknown:
    media_type = "application/octet-stream"


def _catalog_view(lang: str) -> dict | None:
    triples = file_triples("catalog.ttl")
    if not triples:
        return None
    return catalog_view(triples, lang, href, lambda iri: labeller().label(iri, lang)[0])


def _description(ctx, schema: dict | None, lang: str) -> str:
    if ctx.get("description"):
        return str(ctx["description"])
    if schema and schema.get("description"):
        return schema["description"]
    site, about = SITE[lang]
    title = ctx.get("title")
    return f"{title} — {site}. {about}" if isinstance(title, str) and title else about


@bp.app_template_global("discovery_head")
@pass_context
def discovery_head(ctx) -> Markup:
    """Return the head elements of the page being rendered: canonical, hreflang, description,
    schema.org JSON-LD."""
    lang = ctx.get("lang") or choose_language()
    args = _page_args()
    schema = None
    if request.endpoint == "pages.home":
        schema = _dataset(_catalog_view(lang), lang)
    elif request.endpoint == "meta.catalog" and ctx.get("view"):
        schema = _dataset(ctx["view"], lang)
    elif request.endpoint == "pages.doc" and ctx.get("iri"):
        schema = _thing(ctx["iri"], lang)
    lines = [f'<link rel="canonical" href="{escape(_address(request.path, **args, lang=lang))}">']
    for other in LANGUAGES:
        lines.append(f'<link rel="alternate" hreflang="{other}" '
                     f'href="{escape(_address(request.path, **args, lang=other))}">')
    lines.append(f'<link rel="alternate" hreflang="x-default" '
                 f'href="{escape(_address(request.path, **args))}">')
    lines.append(f'<meta name="description" content="{escape(_description(ctx, schema, lang))}">')
    if schema:
        # "<" escaped so no text of the data can close the script element.
        body = json.dumps(schema, ensure_ascii=False, indent=1).replace("<", "\\u003c")
        lines.append(f'<script type="application/ld+json">{body}</script>')
    return Markup("\n  ".join(lines))


@bp.get("/robots.txt")
def robots():
    """Tell crawlers what to read, what to leave alone, and where the sitemap is."""
    lines = ["User-agent: *", "Allow: /", *(f"Disallow: {p}" for p in DISALLOWED),
             f"Sitemap: {_address(url_for('discovery.sitemap'))}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


def _page_paths() -> list[str]:
    """Return the paths of every page worth crawling: fixed pages, terms, then things."""
    cache = current_app.extensions.setdefault("discovery_cache", {})
    if "paths" not in cache:
        paths = ["/", "/schemes", "/dumps/"]
        if file_triples("catalog.ttl"):
            paths.append("/catalog")
        if ontology_triples():
            paths.append("/ontology")
            paths += [f"/ontology/{name}" for name in ontology_term_names()]
        keys = set()
        for base in bases():
            # Typed things only: the type index is read, not every triple.
            space = base + "id/"
            rows = backend().select(
                f"SELECT DISTINCT ?s WHERE {{ ?s a ?class "
                f"FILTER(STRSTARTS(STR(?s), {json.dumps(space)})) }}")
            keys |= {r["s"].value[len(space):] for r in rows}
        paths += [url_for(f"pages.lists.{name}") for name in LIST_NAMES]
        paths += [f"/doc/{key}" for key in sorted(keys)
                  if key and (not key.startswith(PART_KINDS) or key.startswith(PAGE_PLACES))]
        paths += ["/guide", "/contribute"] + [f"/kit/{siren}" for siren in _buyer_sirens()]
        cache["paths"] = paths
    return cache["paths"]


def _buyer_sirens() -> list[str]:
    """Return the SIRENs of the buyers, whose innovation kits (``/kit/{siren}``) are pages."""
    rows = backend().select(
        "SELECT DISTINCT ?siren WHERE { ?r a <http://data.europa.eu/a4g/ontology#Buyer> ; "
        "<http://data.europa.eu/a4g/ontology#playedBy> ?o . "
        "{ ?o <https://w3id.org/achat-public/ontology#siren> ?siren } UNION "
        "{ ?o <https://w3id.org/achat-public/ontology#siret> ?siret "
        "BIND(SUBSTR(STR(?siret), 1, 9) AS ?siren) } } ORDER BY ?siren")
    return [r["siren"].value for r in rows if r["siren"].value.isdigit()
            and len(r["siren"].value) == 9]


def _addresses(start: int = 0, stop: int | None = None) -> list[str]:
    """Return the public addresses from ``start`` to ``stop``: each page in each language."""
    paths, n = _page_paths(), len(LANGUAGES)
    stop = _count() if stop is None else min(stop, _count())
    return [_address(paths[i // n], lang=LANGUAGES[i % n]) for i in range(start, stop)]


def _count() -> int:
    return len(_page_paths()) * len(LANGUAGES)


def _xml(root: ET.Element) -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/xml")


def _built(number: int, build) -> Response:
    """Return a sitemap file built once per build and origin (a few origins kept)."""
    cache = current_app.extensions.setdefault("discovery_cache", {})
    files = cache.setdefault("sitemaps", {})
    key = (site_root(), number, SITEMAP_LIMIT)
    body = files.get(key)
    if body is None:
        body = build().get_data()
        while len(files) >= 8:
            files.pop(next(iter(files)))
        files[key] = body
    return Response(body, mimetype="application/xml")


@bp.get("/sitemap.xml")
def sitemap():
    """List the pages in both languages: one sitemap, or an index of parts past the limit."""
    return _built(0, _sitemap)


def _sitemap() -> Response:
    total = _count()
    if total <= SITEMAP_LIMIT:
        return _urlset(_addresses())
    index = ET.Element("sitemapindex", xmlns=SITEMAP_NS)
    for number in range(1, (total - 1) // SITEMAP_LIMIT + 2):
        part = ET.SubElement(index, "sitemap")
        ET.SubElement(part, "loc").text = _address(url_for("discovery.sitemap_part",
                                                           number=number))
    return _xml(index)


@bp.get("/sitemap-<int:number>.xml")
def sitemap_part(number: int):
    """One part of a split sitemap (numbered from 1)."""
    total = _count()
    if number < 1 or (number - 1) * SITEMAP_LIMIT >= total or total <= SITEMAP_LIMIT:
        return problem(404, f"There is no sitemap part {number}; see /sitemap.xml.")
    return _built(number, lambda: _urlset(
        _addresses((number - 1) * SITEMAP_LIMIT, number * SITEMAP_LIMIT)))


def _urlset(addresses: list[str]) -> Response:
    urlset = ET.Element("urlset", xmlns=SITEMAP_NS)
    for address in addresses:
        ET.SubElement(ET.SubElement(urlset, "url"), "loc").text = address
    return _xml(urlset)


