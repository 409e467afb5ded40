"""The one table of formats: names, media types, file suffixes, parameter names, W3C IRIs.

Dumps, the dumps route, content negotiation, error answers, the protocol's
``format``/``output`` parameters, the Service Description, download links and
tests all read this table; nothing else lists media types or suffixes.

Kinds: ``rdf`` (graphs), ``results`` (SELECT/ASK results), ``page`` (HTML) and
``file`` (other published files: gzip archives, JSON, plain text, JSON lines).

A compressed dump such as ``graph.nt.gz`` has two formats: it is *served* as
``application/gzip`` (:func:`of_file`: what a browser, ``curl -O`` or Datasette
users expect of a ``.gz`` download, saved as is), and its *content* is N-Triples
(:func:`content_of`: what ``build.json`` records as ``media_type`` and what the DCAT
catalogue states as ``dcat:mediaType``, beside ``dcat:compressFormat`` gzip, as
DCAT-AP recommends).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

W3C_FORMATS = "http://www.w3.org/ns/formats/"
#: The EU file-type table: ``{EU_FILE_TYPES}{code}`` is a format's ``dct:format``.
EU_FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"


@dataclass(frozen=True)
class Format:
    """One format: its name, media type, file suffix and kind, and how clients name it."""

    name: str
    media_type: str
    suffix: str
    kind: str  # "rdf", "results", "page" or "file"
    #: Other media types that mean this format (older or generic registrations).
    aliases: tuple[str, ...] = ()
    #: Values of the protocol's ``format``/``output``/``results`` parameters naming it.
    names: tuple[str, ...] = ()
    #: Its IRI under https://www.w3.org/ns/formats/, for Service Descriptions; or None.
    w3c: str | None = None
    #: Its code in the EU file-type table (DCAT-AP ``dct:format``), or None.
    eu_file_type: str | None = None

    @property
    def rdf_format(self) -> ox.RdfFormat:
        return ox.RdfFormat.from_media_type(self.media_type)

    @property
    def results_format(self) -> ox.QueryResultsFormat:
        return ox.QueryResultsFormat.from_media_type(self.media_type)

    @property
    def is_text(self) -> bool:
        """Tell whether the format is text a ``charset=utf-8`` parameter belongs to."""
        return self.media_type.startswith("text/")


FORMATS: tuple[Format, ...] = (
    Format("html", "text/html", "html", "page", ("application/xhtml+xml",)),
    Format("turtle", "text/turtle", "ttl", "rdf", ("application/x-turtle",),
           ("turtle", "ttl", "n3"), W3C_FORMATS + "Turtle", "RDF_TURTLE"),
    Format("ntriples", "application/n-triples", "nt", "rdf", ("text/plain",),
           ("ntriples", "nt", "n-triples"), W3C_FORMATS + "N-Triples", "RDF_N_TRIPLES"),
    # application/json asks for a graph as JSON: JSON-LD.
    Format("jsonld", "application/ld+json", "jsonld", "rdf", ("application/json",),
           ("json", "jsonld", "json-ld"), W3C_FORMATS + "JSON-LD", "JSON_LD"),
    Format("rdfxml", "application/rdf+xml", "rdf", "rdf", (),
           ("xml", "rdf", "rdfxml", "rdf+xml"), W3C_FORMATS + "RDF_XML", "RDF_XML"),
    Format("json", "application/sparql-results+json", "srj", "results", ("application/json",),
           ("json", "srj"), W3C_FORMATS + "SPARQL_Results_JSON"),
    Format("xml", "application/sparql-results+xml", "srx", "results", ("application/xml",),
           ("xml", "srx"), W3C_FORMATS + "SPARQL_Results_XML"),
    Format("csv", "text/csv", "csv", "results", (), ("csv",), W3C_FORMATS + "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", "tsv", "results", (), ("tsv",),
           W3C_FORMATS + "SPARQL_Results_TSV"),
    Format("gzip", "application/gzip", "gz", "file", ("application/x-gzip",), eu_file_type="GZIP"),
    Format("json-document", "application/json", "json", "file", eu_file_type="JSON"),
    Format("text", "text/plain", "txt", "file"),
    Format("ndjson", "application/x-ndjson", "jsonl", "file"),
)

BY_NAME = {f.name: f for f in FORMATS}
BY_SUFFIX = {f.suffix: f for f in FORMATS}


def by_media_type(media_type: str, kind: str | None = None) -> Format | None:
    """Return the format of a media type (its own, else an alias), of ``kind`` if given."""
    media_type = media_type.split(";")[0].strip().lower()
    candidates = [f for f in FORMATS if kind is None or f.kind == kind]
    for f in candidates:
        if media_type == f.media_type:
            return f
    for f in candidates:
        if media_type in f.aliases:
            return f
    return None


def by_parameter(value: str, kind: str) -> Format | None:
    """Return the format of ``kind`` a ``format``/``output`` parameter names, or None.

    The value is a short name (``json``, ``ttl``...) or a media type.
    """
    value = value.strip().lower()
    if "/" in value:
        return by_media_type(value, kind)
    return next((f for f in FORMATS if f.kind == kind and value in f.names), None)


def of_kind(kind: str) -> tuple[Format, ...]:
    """Return the formats of one kind, in preference order."""
    return tuple(f for f in FORMATS if f.kind == kind)


def of_file(name: str) -> Format | None:
    """Return the format a file is served as, from its last suffix (``x.nt.gz``: gzip)."""
    _, dot, suffix = name.rpartition(".")
    return BY_SUFFIX.get(suffix.lower()) if dot else None


def content_of(name: str) -> Format | None:
    """Return the format of a file's content, looking through a ``.gz`` suffix."""
    inner = name[:-3] if name.lower().endswith(".gz") else name
    return of_file(inner)
