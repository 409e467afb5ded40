"""Deterministic RDF dumps (Turtle, gzipped N-Triples, JSON-LD) and their strict re-parse.

Every dump is written by pyoxigraph from triples in one canonical order (sorted by
their N-Triples text), so the same graph always gives the same bytes whatever the
hash seed.  Blank nodes, if any, get labels derived from the graph's content.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.compare import to_canonical_graph

from graph_builder.formats import BY_NAME
from graph_builder.namespaces import PREFIXES


class DumpError(ValueError):
    """A dump that pyoxigraph cannot read back, or that lost or gained triples."""


def canonical_triples(graph: rdflib.Graph) -> list[ox.Triple]:
    """Return the graph's triples as pyoxigraph terms, sorted, with content-derived bnodes.

    Every term is checked on the way (pyoxigraph validates IRIs and language tags),
    so an invalid one raises :class:`DumpError` instead of reaching a dump.
    """
    if any(isinstance(term, rdflib.BNode) for triple in graph for term in triple):
        graph = to_canonical_graph(graph)
    return sort_triples(to_oxigraph(triple) for triple in graph)


def to_oxigraph(triple: tuple) -> ox.Triple:
    """Convert one rdflib triple to pyoxigraph, or raise :class:`DumpError` naming the term."""
    return ox.Triple(*(_term(term) for term in triple))


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


def ntriples_bytes(triples: list[ox.Triple]) -> bytes:
    """Serialise sorted triples as canonical N-Triples."""
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


def jsonld_bytes(triples: list[ox.Triple]) -> bytes:
    """Serialise sorted triples as JSON-LD."""
    return ox.serialize(triples, format=ox.RdfFormat.JSON_LD)


def gzip_bytes(data: bytes) -> bytes:
    """Compress with gzip, storing neither a file name nor a time (reproducible)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as out:
        out.write(data)
    return buffer.getvalue()


def write_dump(triples: list[ox.Triple], path: Path) -> None:
    """Write sorted triples to ``path`` in the format its suffix names (``.ttl``, ``.nt.gz``…)."""
    name = path.name
    compressed = name.endswith(".gz")
    suffix = name.removesuffix(".gz").rsplit(".", 1)[-1]
    writers = {
        BY_NAME["turtle"].suffix: turtle_bytes,
        BY_NAME["ntriples"].suffix: ntriples_bytes,
        BY_NAME["jsonld"].suffix: jsonld_bytes,
    }
    if suffix not in writers:
        raise DumpError(f"{name}: no dump writer for the suffix .{suffix}")
    data = writers[suffix](triples)
    path.write_bytes(gzip_bytes(data) if compressed else data)


def format_of(path: Path) -> ox.RdfFormat:
    """Return the RDF format of a file from its suffix (a trailing ``.gz`` is ignored)."""
    suffix = path.name.removesuffix(".gz").rsplit(".", 1)[-1]
    try:
        return ox.RdfFormat.from_extension(suffix)
    except ValueError as error:
        raise DumpError(f"{path.name}: not an RDF file suffix (.{suffix})") from error


def strict_count(path: Path, base_iri: str | None = None) -> int:
    """Parse a dump strictly with pyoxigraph and return its number of distinct triples.

    Raise :class:`DumpError` naming the file and the parser's message when it is invalid.
    """
    fmt = format_of(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as stream:
            triples = {quad.triple for quad in
                       ox.parse(stream, format=fmt, base_iri=base_iri, without_named_graphs=True)}
    except (SyntaxError, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as error:
        raise DumpError(f"{path.name}: not valid {fmt.name}: {error}") from error
    return len(triples)


def check_dump(path: Path, expected: int) -> None:
    """Re-parse a dump strictly; raise :class:`DumpError` unless it holds ``expected`` triples."""
    found = strict_count(path)
    if found != expected:
        raise DumpError(f"{path.name}: re-parsed {found} triples, expected {expected}")
