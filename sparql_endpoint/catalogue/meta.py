"""Metadata: the VoID description, the DCAT catalogue and the ontology, each negotiated."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, request, url_for

from achat_core.formats import BY_NAME, BY_SUFFIX, Format
from achat_core.iris import DEFAULT_BASE, ONTOLOGY_NS, OWL, RDF, RDFS, SKOS
from achat_core.jsonld import CONTEXT_PATH, context
from sparql_endpoint.backends.store import BackendError
from sparql_endpoint.catalogue.catalog_view import catalog_view
from sparql_endpoint.catalogue.words import TERM_WORDS, words
from sparql_endpoint.http.errors import problem
from sparql_endpoint.http.language import choose_language
from sparql_endpoint.pages.render import (
    ONTOLOGY_IRI,
    backend,
    build_info,
    data_base,
    href,
    labeller,
    render,
    term_view,
)
from sparql_endpoint.protocol.documents import (
    DOC_FORMATS,
    alternate_links,
    document_format,
    link_header,
    rdf_response,
)
from sparql_endpoint.protocol.negotiation import describe, negotiate

log = logging.getLogger("sparql_endpoint.catalogue.meta")
bp = Blueprint("meta", __name__)

#: Concept schemes that are part of the ontology (fixed), not of the data.
FIXED_SCHEMES = ("InstrumentKindScheme", "ObjectiveScheme", "ActorRoleScheme")
#: Sections of the ontology page: (key of the heading text, types).
SECTIONS = (
    ("classes", (OWL + "Class", RDFS + "Class")),
    ("object_properties", (OWL + "ObjectProperty",)),
    ("datatype_properties", (OWL + "DatatypeProperty",)),
    ("schemes", (SKOS + "ConceptScheme",)),
    ("other_terms", (OWL + "AnnotationProperty", RDF + "Property")),
)


#: Metadata is for machines first: RDF unless the client prefers HTML (a browser).
#: Harvesters send ``*/*`` or no Accept at all and must get Turtle.
METADATA_FORMATS: tuple[Format, ...] = (
    *(f for f in DOC_FORMATS if f.name != "html"), BY_NAME["html"])


def metadata_format(suffix: str | None) -> Format:
    """Return the format a metadata document is asked in: its suffix, else Accept, RDF first."""
    if suffix is not None:
        return document_format(suffix)
    fmt = negotiate(request.headers.get("Accept"), METADATA_FORMATS)
    if fmt is None:
        abort(406, description=f"This document is offered as {describe(METADATA_FORMATS)}; "
                               f"for example Accept: text/turtle")
    return fmt


def file_triples(name: str) -> list[ox.Triple] | None:
    """Return the triples of a published Turtle file, parsed once; None when absent."""
    dist = build_info().get("dist")
    path = Path(dist) / name if dist else None
    if path is None or not path.is_file():
        return None
    cache = current_app.extensions.setdefault("meta_cache", {})
    stamp = (str(path), path.stat().st_mtime_ns)
    if stamp not in cache:
        cache[stamp] = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    return cache[stamp]


def graph_view(triples: list[ox.Triple], lang: str) -> list[dict]:
    """Group triples by subject for an HTML page, properties by readable name."""
    names = labeller()
    iris = {term.value for t in triples for term in t if isinstance(term, ox.NamedNode)}
    try:
        names.fetch(iris)
    except BackendError as error:  # the file is in dist/: show it, with IRIs for names
        log.warning("labels unavailable for a metadata page: %s", error)
        for iri in iris:
            names.cache.setdefault(iri, {})
    subjects: dict[str, dict] = {}
    for t in triples:
        subject = subjects.setdefault(str(t.subject), {"term": term_view(t.subject, lang),
                                                       "properties": {}})
        group = subject["properties"].setdefault(
            t.predicate.value, {"property": term_view(t.predicate, lang), "values": []})
        group["values"].append(term_view(t.object, lang))
    for subject in subjects.values():
        subject["properties"] = sorted(subject["properties"].values(),
                                       key=lambda g: g["property"]["text"].casefold())
    return sorted(subjects.values(), key=lambda s: (s["term"]["kind"] != "iri", s["term"]["text"]))


def serve_file(name: str, title_key: str, endpoint: str, suffix: str | None) -> Response:
    """Answer with a published metadata file in the negotiated format (RDF unless HTML)."""
    fmt = metadata_format(suffix)
    triples = file_triples(name)
    if triples is None:
        return problem(404, f"This server has no published {name} (was the graph built?).")
    alternates = alternate_links(lambda f: url_for(endpoint, suffix=f.suffix))
    if fmt.name == "html" and name == "catalog.ttl":
        lang = choose_language()
        names = labeller()

        def name_of(iri: str) -> str:
            return names.label(iri, lang)[0]

        response = render("catalog.html", view=catalog_view(triples, lang, href, name_of),
                          w=words(lang), alternates=alternates,
                          catalog_url=url_for(endpoint, _external=True))
    elif fmt.name == "html":
        response = render("graph.html", title_key=title_key, subjects=graph_view(
            triples, choose_language()), alternates=alternates, source_file=name)
    else:
        response = rdf_response(triples, fmt)
    response.headers["Link"] = link_header(alternates)
    response.vary.add("Accept")
    return response


@bp.get("/.well-known/void", defaults={"suffix": None})
@bp.get("/.well-known/void.<suffix>")
def void(suffix: str | None):
    """Serve the VoID description of the dataset."""
    return serve_file("void.ttl", "void", "meta.void", suffix)


@bp.get("/catalog", defaults={"suffix": None})
@bp.get("/catalog.<suffix>")
def catalog(suffix: str | None):
    """Serve the DCAT catalogue of the dataset and its distributions."""
    return serve_file("catalog.ttl", "catalog", "meta.catalog", suffix)


#: Published files whose nodes have IRIs of their own under the data's base.
DESCRIBED_FILES = ("catalog.ttl", "void.ttl")


def node_triples(iri: str) -> list[ox.Triple]:
    """Return what the catalogue and VoID say about one of their nodes, with its own parts.

    A part is a node under the node's IRI that it points to (a checksum, a period).
    """
    found: list[ox.Triple] = []
    for name in DESCRIBED_FILES:
        triples = file_triples(name) or []
        own = [t for t in triples if t.subject.value == iri]
        parts = {t.object.value for t in own if isinstance(t.object, ox.NamedNode)
                 and t.object.value.startswith(iri + "/")}
        found += own + [t for t in triples if t.subject.value in parts]
    return list(dict.fromkeys(found))


@bp.get("/dataset", defaults={"rest": ""})
@bp.get("/dataset/<path:rest>", defaults={"top": "dataset"})
@bp.get("/service/<path:rest>", defaults={"top": "service"})
@bp.get("/catalog/<path:rest>", defaults={"top": "catalog"})
def node(rest: str, top: str = "dataset"):
    """Describe a node of the catalogue or of VoID (dataset, distribution, service...)."""
    stem, dot, suffix = rest.rpartition(".")
    key, suffix = (stem, suffix) if dot and "/" not in suffix else (rest, None)
    path = f"{top}/{key}".rstrip("/")
    iri = data_base() + path
    triples = node_triples(iri)
    if not triples:
        return problem(404, f"The catalogue and the VoID description say nothing about <{iri}>.")
    fmt = metadata_format(suffix)
    alternates = alternate_links(lambda f: url_for("pages.home") + f"{path}.{f.suffix}")
    if fmt.name == "html":
        response = render("graph.html", title_key="catalog", subjects=graph_view(
            triples, choose_language()), alternates=alternates, source_file=iri)
    else:
        response = rdf_response(triples, fmt)
    response.headers["Link"] = link_header(alternates)
    response.vary.add("Accept")
    return response


@bp.get(f"/{CONTEXT_PATH}")
def jsonld_context():
    """Serve the JSON-LD context our JSON-LD documents name: any site may read it, for long."""
    response = Response(json.dumps(context(), indent=2), mimetype="application/ld+json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.cache_control.public = True
    response.cache_control.max_age = 365 * 24 * 3600
    response.cache_control.immutable = True
    return response


#: Types of the ontology's terms (with ``rdfs:isDefinedBy``, how its terms are found).
TERM_TYPES = tuple(dict.fromkeys(t for _, types in SECTIONS for t in types))


def ontology_triples() -> list[ox.Triple]:
    """Return the ontology's triples: its header, its terms and the concepts of its fixed schemes.

    Terms are found by their type or their ``rdfs:isDefinedBy``, never by scanning
    every subject, so the query's cost follows the ontology's size, not the data's.
    Computed once per process: the data never change while serving.
    """
    cache = current_app.extensions.setdefault("meta_cache", {})
    if "ontology" not in cache:
        schemes = " ".join(f"<{ONTOLOGY_NS}{s}>" for s in FIXED_SCHEMES)
        types = " ".join(f"<{t}>" for t in TERM_TYPES)
        query = (
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ "
            f"{{ VALUES ?s {{ <{ONTOLOGY_IRI}> <{DEFAULT_BASE}> }} ?s ?p ?o }} UNION "
            f"{{ {{ SELECT DISTINCT ?s WHERE {{ "
            f"{{ ?s <{RDFS}isDefinedBy> <{ONTOLOGY_IRI}> }} UNION "
            f"{{ VALUES ?type {{ {types} }} ?s a ?type }} "
            f"FILTER(STRSTARTS(STR(?s), \"{ONTOLOGY_NS}\")) }} }} ?s ?p ?o }} UNION "
            f"{{ VALUES ?scheme {{ {schemes} }} ?s <{SKOS}inScheme> ?scheme ; ?p ?o }} }}")
        # Only ever through the pool (or the remote engine): no store is queried in the
        # web worker, even when the pool is busy (the page is then a 503, tried again).
        try:
            cache["ontology"] = backend().construct(query)
        except BackendError as error:
            # A remote engine is down: the ontology is in the build's graph.ttl, read as
            # a file (parsed and filtered, no store), not kept so the engine is asked again.
            path = Path(build_info().get("dist") or ".") / "graph.ttl"
            remote = str(current_app.config.get("STORE", "")).startswith(("http://", "https://"))
            if not remote or not path.is_file():
                raise
            log.warning("ontology read from %s: %s", path, error)
            return _ontology_from_file(path)
    return cache["ontology"]


def _ontology_from_file(path: Path) -> list[ox.Triple]:
    """The triples the ontology query selects, read from a Turtle file without a store."""
    triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    header = {ox.NamedNode(ONTOLOGY_IRI), ox.NamedNode(DEFAULT_BASE)}
    defined, typed = ox.NamedNode(RDFS + "isDefinedBy"), ox.NamedNode(RDF + "type")
    schemes = {ox.NamedNode(ONTOLOGY_NS + s) for s in FIXED_SCHEMES}
    types = {ox.NamedNode(t) for t in TERM_TYPES}
    in_scheme = ox.NamedNode(SKOS + "inScheme")
    chosen = set(header)
    for t in triples:
        own = isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(ONTOLOGY_NS)
        if (own and ((t.predicate == defined and t.object == ox.NamedNode(ONTOLOGY_IRI))
                     or (t.predicate == typed and t.object in types))) \
                or (t.predicate == in_scheme and t.object in schemes):
            chosen.add(t.subject)
    return [t for t in triples if t.subject in chosen]


def ontology_terms(triples: list[ox.Triple], lang: str) -> tuple[dict, list]:
    """Sort the ontology's terms into sections, each with labels, comments, domain, range."""
    by_subject: dict[str, dict[str, list]] = {}
    for t in triples:
        if isinstance(t.subject, ox.NamedNode):
            by_subject.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(
                t.object)
    names = labeller()
    names.fetch(o.value for props in by_subject.values() for values in props.values()
                for o in values if isinstance(o, ox.NamedNode))

    def texts(props, prop):
        values = [v for v in props.get(prop, []) if isinstance(v, ox.Literal)]
        return [v for v in values if v.language == lang] or values

    def links(props, prop):
        return [term_view(v, lang) for v in props.get(prop, []) if isinstance(v, ox.NamedNode)]

    sections: dict[str, list] = {key: [] for key, _ in SECTIONS}
    for iri, props in sorted(by_subject.items()):
        if not iri.startswith(ONTOLOGY_NS):
            continue
        types = {o.value for o in props.get(RDF + "type", [])}
        key = next((k for k, kinds in SECTIONS if types & set(kinds)), "other_terms")
        sections[key].append({
            "anchor": iri[len(ONTOLOGY_NS):], "iri": iri,
            "labels": {v.language: v.value for v in props.get(RDFS + "label", [])
                       if isinstance(v, ox.Literal)},
            "comments": [v.value for v in texts(props, RDFS + "comment")
                         + texts(props, SKOS + "definition")],
            "domain": links(props, RDFS + "domain"), "range": links(props, RDFS + "range"),
            "parents": links(props, RDFS + "subClassOf") + links(props, RDFS + "subPropertyOf"),
        })
    header = by_subject.get(ONTOLOGY_IRI, {})
    names.fetch(header)
    return sections, [
        {"property": term_view(ox.NamedNode(p), lang), "values": [term_view(v, lang) for v in vs]}
        for p, vs in sorted(header.items())
    ]


def version_iri() -> str | None:
    """Return the ontology's ``owl:versionIRI`` as the published graph states it."""
    for t in ontology_triples():
        if t.subject.value == ONTOLOGY_IRI and t.predicate.value == OWL + "versionIRI":
            return t.object.value
    return None




def term_page(name: str, suffix: str | None) -> Response:
    """Document one class or property of the ontology in both languages, or give its RDF."""
    iri = ONTOLOGY_NS + name
    triples = ontology_triples()
    own = [t for t in triples if t.subject.value == iri]
    fmt = metadata_format(suffix)
    alternates = alternate_links(lambda f: url_for("meta.ontology", version=f"{name}.{f.suffix}"))
    if fmt.name != "html":
        response = rdf_response(own, fmt)
    else:
        lang = choose_language()
        names = labeller()
        names.fetch(t.object.value for t in own if isinstance(t.object, ox.NamedNode))

        def texts(prop: str) -> list[dict]:
            return sorted(({"lang": t.object.language or "", "text": t.object.value}
                           for t in own if t.predicate.value == prop
                           and isinstance(t.object, ox.Literal)),
                          key=lambda v: (v["lang"] != lang, v["lang"]))

        def linked(prop: str, reverse: bool = False) -> list[dict]:
            found = ([t.subject for t in triples if t.predicate.value == prop
                      and t.object.value == iri] if reverse else
                     [t.object for t in own if t.predicate.value == prop])
            names.fetch(n.value for n in found if isinstance(n, ox.NamedNode))
            return [term_view(n, lang) for n in found if isinstance(n, ox.NamedNode)]

        labels = texts(RDFS + "label")
        w = {key: pair[1 if lang == "en" else 0] for key, pair in TERM_WORDS.items()}
        relations = [
            (t_key, values) for t_key, values in (
                ("types", linked(RDF + "type")), ("domain", linked(RDFS + "domain")),
                ("range", linked(RDFS + "range")),
                ("parents", linked(RDFS + "subClassOf") + linked(RDFS + "subPropertyOf")),
                ("subterms", linked(RDFS + "subClassOf", True)
                 + linked(RDFS + "subPropertyOf", True)),
                ("domain_of", linked(RDFS + "domain", True)),
                ("range_of", linked(RDFS + "range", True)),
                ("matches", linked(SKOS + "exactMatch") + linked(SKOS + "closeMatch")
                 + linked(SKOS + "relatedMatch"))) if values]
        title = next((v["text"] for v in labels if v["lang"] == lang), name)
        response = render("ontology_term.html", name=name, iri=iri, title=title,
                          labels=labels, definitions=texts(SKOS + "definition")
                          + texts(RDFS + "comment"), relations=relations, w=w,
                          alternates=alternates)
    response.headers["Link"] = link_header(alternates)
    response.vary.add("Accept")
    return response


def ontology_term_names() -> list[str]:
    """Return the local names of the ontology's classes and properties."""
    types = set(TERM_TYPES) - {SKOS + "ConceptScheme"}
    return sorted({t.subject.value[len(ONTOLOGY_NS):] for t in ontology_triples()
                   if t.subject.value.startswith(ONTOLOGY_NS) and t.predicate.value == RDF + "type"
                   and t.object.value in types})


@bp.get("/ontology", defaults={"suffix": None})
@bp.get("/ontology.<suffix>")
@bp.get("/ontology/<version>", defaults={"suffix": None})
def ontology(suffix: str | None, version: str | None = None):
    """Serve the ontology at its namespace and its version IRI, and a page per term."""
    if version is not None:
        stem, dot, ext = version.rpartition(".")
        known = (version_iri() or "").rsplit("/", 1)[-1]
        name, ext = (stem, ext) if dot and ext in BY_SUFFIX else (version, None)
        if name in ontology_term_names():
            return term_page(name, ext)
        if name != known:
            return problem(404, f"The ontology has no term {name!r}, and this server "
                                f"publishes its version {known}, not {name}.")
        suffix = ext
    fmt = metadata_format(suffix)
    triples = ontology_triples()
    if not triples:
        return problem(404, "The ontology is not in the published graph.")
    alternates = alternate_links(lambda f: url_for("meta.ontology", suffix=f.suffix))
    if fmt.name == "html":
        lang = choose_language()
        sections, header = ontology_terms(triples, lang)
        response = render("ontology.html", sections=sections, header=header,
                          alternates=alternates, namespace=ONTOLOGY_NS)
    else:
        response = rdf_response(triples, fmt)
    response.headers["Link"] = link_header(alternates)
    response.vary.add("Accept")
    return response
