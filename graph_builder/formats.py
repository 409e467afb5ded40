"""The one table of RDF and result formats: names, media types, file suffixes.

Dumps, content negotiation, download links and tests all read this table.
"""

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    suffix: str
    kind: str  # "rdf" (graphs), "results" (SELECT/ASK) or "page" (HTML)
    aliases: tuple[str, ...] = ()

    @property
    def rdf_format(self) -> ox.RdfFormat:
        return ox.RdfFormat.from_media_type(self.media_type)

    @property
    def results_format(self) -> ox.QueryResultsFormat:
        return ox.QueryResultsFormat.from_media_type(self.media_type)


FORMATS: tuple[Format, ...] = (
    Format("html", "text/html", "html", "page", ("application/xhtml+xml",)),
    Format("turtle", "text/turtle", "ttl", "rdf", ("application/x-turtle",)),
    Format("ntriples", "application/n-triples", "nt", "rdf", ("text/plain",)),
    Format("jsonld", "application/ld+json", "jsonld", "rdf"),
    Format("rdfxml", "application/rdf+xml", "rdf", "rdf"),
    Format("json", "application/sparql-results+json", "srj", "results", ("application/json",)),
    Format("xml", "application/sparql-results+xml", "srx", "results", ("application/xml",)),
    Format("csv", "text/csv", "csv", "results"),
    Format("tsv", "text/tab-separated-values", "tsv", "results"),
)

BY_NAME = {f.name: f for f in FORMATS}
BY_SUFFIX = {f.suffix: f for f in FORMATS}


def by_media_type(media_type: str) -> Format | None:
    """Return the format for a media type or one of its aliases, or None."""
    media_type = media_type.split(";")[0].strip().lower()
    for f in FORMATS:
        if media_type == f.media_type or media_type in f.aliases:
            return f
    return None


def of_kind(kind: str) -> tuple[Format, ...]:
    """Return the formats of one kind, in preference order."""
    return tuple(f for f in FORMATS if f.kind == kind)
