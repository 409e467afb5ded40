"""Deterministic RDF dumps (Turtle, gzipped N-Triples, JSON-LD) and their strict re-parse.

Every dump is written by pyoxigraph from triples in one canonical order (sorted by
their N-Triples text), so the same graph always gives the same bytes whatever the
hash seed.  Blank nodes, if any, get labels derived from the graph's content.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.compare import to_canonical_graph

from achat_core.formats import content_of
from achat_core.jsonld import compact_bytes, with_inline_context
from achat_core.rdf_files import open_rdf, rdf_format
from graph_builder.namespaces import PREFIXES
from graph_builder.rdf.ntriples import ntriples_bytes


class DumpError(ValueError):
    """A dump that pyoxigraph cannot read back, or that lost or gained triples."""


def canonical_triples(*graphs: rdflib.Graph) -> list[ox.Triple]:
    """Return the triples of one or more graphs as pyoxigraph terms, sorted, without repeats.

    Every term is checked on the way (pyoxigraph validates IRIs and language tags),
    so an invalid one raises :class:`DumpError` instead of reaching a dump.  Blank
    nodes, if any, get labels derived from the content of the graphs taken together.
    """
    converted = [t for graph in graphs for t in oxigraph_triples(graph)]
    if not has_blank_nodes(converted):
        return sort_triples(converted)
    merged = rdflib.Graph()
    for graph in graphs:
        for triple in graph:
            merged.add(triple)
    return sort_triples(oxigraph_triples(to_canonical_graph(merged)))


def oxigraph_triples(graph: rdflib.Graph) -> list[ox.Triple]:
    """Convert a graph's triples to pyoxigraph terms, in no order, checking every term."""
    convert = _Converter()
    return [ox.Triple(convert(s), convert(p), convert(o)) for s, p, o in graph]


def has_blank_nodes(triples: Iterable[ox.Triple]) -> bool:
    """Return whether a blank node is the subject or object of any of the triples."""
    return any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
               for t in triples)


def to_oxigraph(triple: tuple) -> ox.Triple:
    """Convert one rdflib triple to pyoxigraph, or raise :class:`DumpError` naming the term."""
    return ox.Triple(*(_term(term) for term in triple))


class _Converter:
    """Convert rdflib terms to pyoxigraph terms, converting (and checking) each IRI once."""

    def __init__(self) -> None:
        self.iris: dict[str, ox.NamedNode] = {}

    def __call__(self, term: rdflib.term.Node):
        kind = type(term)
        if kind is rdflib.URIRef:
            found = self.iris.get(term)
            if found is None:
                found = self.iris[term] = _term(term)
            return found
        if kind is rdflib.Literal:
            try:
                if term.language:
                    return ox.Literal(str(term), language=term.language)
                if term.datatype:
                    return ox.Literal(str(term), datatype=self(term.datatype))
                return ox.Literal(str(term))
            except ValueError:
                pass  # _term names the term in its error
        return _term(term)


def _term(term: rdflib.term.Node):
    try:
        if isinstance(term, rdflib.URIRef):
            return ox.NamedNode(str(term))
        if isinstance(term, rdflib.BNode):
            return ox.BlankNode(str(term))
        if isinstance(term, rdflib.Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype:
                return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
            return ox.Literal(str(term))
    except ValueError as error:
        raise DumpError(f"{term.n3() if not isinstance(term, rdflib.URIRef) else '<' + term + '>'}"
                        f" is not valid RDF: {error}") from error
    raise DumpError(f"{term!r} is not an RDF term")


def sort_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Return distinct triples in canonical order (by their N-Triples text)."""
    return sorted(set(triples), key=str)


def turtle_bytes(triples: list[ox.Triple], prefixes: dict[str, str] | None = None) -> bytes:
    """Serialise sorted triples as Turtle with the project's prefixes, declared in sorted order."""
    prefixes = prefixes or PREFIXES
    body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    lines = body.split(b"\n")
    start = 0
    while start < len(lines) and lines[start].startswith(b"@prefix "):
        start += 1
    header = [f"@prefix {name}: <{iri}> .".encode() for name, iri in sorted(prefixes.items())]
    return b"\n".join(header + [b""] + lines[start:])


def jsonld_bytes(triples: list[ox.Triple]) -> bytes:
    """Serialise sorted triples as JSON-LD, compacted with the project's published context."""
    return compact_bytes(triples)


def gzip_bytes(data: bytes) -> bytes:
    """Compress with gzip, storing neither a file name nor a time (reproducible)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=6) as out:
        out.write(data)
    return buffer.getvalue()


_WRITERS = {"turtle": turtle_bytes, "ntriples": ntriples_bytes, "jsonld": jsonld_bytes}


def write_dump(triples: list[ox.Triple], path: Path) -> None:
    """Write sorted triples to ``path`` in the format its suffix names (``.ttl``, ``.nt.gz``…)."""
    fmt = content_of(path.name)
    if fmt is None or fmt.name not in _WRITERS:
        raise DumpError(f"{path.name}: no dump writer for this file suffix")
    data = _WRITERS[fmt.name](triples)
    path.write_bytes(gzip_bytes(data) if path.name.endswith(".gz") else data)


def format_of(path: Path) -> ox.RdfFormat:
    """Return the RDF format of a file from its suffix (a trailing ``.gz`` is ignored)."""
    fmt = rdf_format(path)
    if fmt is None:
        raise DumpError(f"{path.name}: not an RDF file suffix")
    return fmt


def _read(path: Path, base_iri: str | None = None) -> Iterator[ox.Quad]:
    """Yield the quads of a dump parsed strictly; raise :class:`DumpError` naming the file."""
    fmt = format_of(path)
    try:
        with open_rdf(path) as stream:
            if fmt == ox.RdfFormat.JSON_LD:  # our context, read without the network
                stream = io.BytesIO(with_inline_context(stream.read()))
            yield from ox.parse(stream, format=fmt, base_iri=base_iri, without_named_graphs=True)
    except (SyntaxError, EOFError, gzip.BadGzipFile, UnicodeDecodeError,
            json.JSONDecodeError) as error:
        raise DumpError(f"{path.name}: not valid {fmt.name}: {error}") from error


def strict_count(path: Path, base_iri: str | None = None) -> int:
    """Parse a dump strictly with pyoxigraph and return its number of distinct triples.

    Raise :class:`DumpError` naming the file and the parser's message when it is invalid.
    """
    return len({quad.triple for quad in _read(path, base_iri)})


def check_dump(path: Path, expected: int) -> None:
    """Re-parse a dump strictly; raise :class:`DumpError` unless it holds ``expected`` triples.

    Our dumps are written from distinct triples, so every triple read counts: a repeated
    one is an error too.
    """
    found = sum(1 for _ in _read(path))
    if found != expected:
        raise DumpError(f"{path.name}: re-parsed {found} triples, expected {expected}")
