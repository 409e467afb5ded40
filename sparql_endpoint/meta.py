"""Metadata: the VoID description, the DCAT catalogue and the ontology, each negotiated."""

from __future__ import annotations

import logging
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, url_for

from graph_builder.paths import ONTOLOGY_NS
from sparql_endpoint.errors import problem
from sparql_endpoint.labels import OWL, RDF, RDFS, SKOS
from sparql_endpoint.store import BackendError
from sparql_endpoint.texts import choose_language
from sparql_endpoint.web import (
    ONTOLOGY_IRI,
    alternate_links,
    backend,
    build_info,
    document_format,
    labeller,
    link_header,
    rdf_response,
    render,
    term_view,
)

log = logging.getLogger("sparql_endpoint.meta")
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
    """Answer with a published metadata file in the negotiated format."""
    fmt = document_format(suffix)
    triples = file_triples(name)
    if triples is None:
        return problem(404, f"This server has no published {name} (was the graph built?).")
    alternates = alternate_links(lambda f: url_for(endpoint, suffix=f.suffix))
    if fmt.name == "html":
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
            f"{{ VALUES ?s {{ <{ONTOLOGY_IRI}> }} ?s ?p ?o }} UNION "
            f"{{ {{ SELECT DISTINCT ?s WHERE {{ "
            f"{{ ?s <{RDFS}isDefinedBy> <{ONTOLOGY_IRI}> }} UNION "
            f"{{ VALUES ?type {{ {types} }} ?s a ?type }} "
            f"FILTER(STRSTARTS(STR(?s), \"{ONTOLOGY_NS}\")) }} }} ?s ?p ?o }} UNION "
            f"{{ VALUES ?scheme {{ {schemes} }} ?s <{SKOS}inScheme> ?scheme ; ?p ?o }} }}")
        try:
            cache["ontology"] = backend().construct(query)
        except BackendError as error:
            # The store (a remote engine) is down: the ontology is in the build's graph.ttl.
            path = Path(build_info().get("dist") or ".") / "graph.ttl"
            if not path.is_file():
                raise
            log.warning("ontology read from %s: %s", path, error)
            store = ox.Store()
            store.load(path=str(path), format=ox.RdfFormat.TURTLE)
            return list(store.query(query))
    return cache["ontology"]


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


@bp.get("/ontology", defaults={"suffix": None})
@bp.get("/ontology.<suffix>")
def ontology(suffix: str | None):
    """Serve the ontology at its namespace: HTML documentation or RDF."""
    fmt = document_format(suffix)
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
