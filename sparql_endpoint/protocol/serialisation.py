"""Stream query results in the negotiated format, stopping at a row cap.

SELECT solutions are written here row by row (pyoxigraph's own serialiser cannot
stop at a row count); graphs and booleans go through pyoxigraph's serialisers.
When the cap is reached the document is closed properly and, where the format has
comments or room for it, says that it was truncated (JSON: a top-level
``"truncated": true`` member; XML, Turtle, N-Triples: a comment; CSV, TSV,
JSON-LD and RDF/XML: no mark, only the server's log).

XML 1.0 forbids some characters that RDF literals may hold (C0 controls other than
tab, line feed and carriage return; U+FFFE and U+FFFF).  In SPARQL XML results and
RDF/XML each of them is written as U+FFFD (the replacement character), so the
document always parses; a carriage return is written ``&#13;`` so it survives.
JSON, CSV, TSV, Turtle and N-Triples carry every character unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from achat_core.formats import Format
from achat_core.iris import PREFIXES

XSD_STRING = PREFIXES["xsd"] + "string"
#: Characters XML 1.0 does not allow in a document.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
REPLACEMENT = "\ufffd"


class Counter:
    """Pass items through, stopping after ``limit`` and remembering whether more were left.

    With ``max_bytes``, it also stops the output at that many bytes *as written*, after
    escaping: the SELECT writers offer each row's bytes to :meth:`admit` before writing
    them, and a row that would pass the cap is not written.  Graphs, written by
    pyoxigraph's serialisers, count the bytes that reached the output (:meth:`wrap`)
    and stop before an item whose text alone would pass the cap, so one huge triple
    cannot pass either.
    """

    def __init__(self, items: Iterable, limit: int, max_bytes: int | None = None):
        self.items = iter(items)
        self.limit = limit
        self.max_bytes = max_bytes
        self.bytes = 0
        self.count = 0
        self.truncated = False
        self.measured = False  # True once wrap() counts the output itself

    def __iter__(self) -> Iterator:
        for item in self.items:
            if self.count >= self.limit:
                self.truncated = True
                return
            if self.max_bytes is not None and self.measured \
                    and self.bytes + len(str(item)) > self.max_bytes:
                self.truncated = True
                return
            self.count += 1
            yield item

    def admit(self, data: bytes) -> bool:
        """Count a row's bytes before they are written; False (truncated) past the cap."""
        if self.max_bytes is not None and self.bytes + len(data) > self.max_bytes:
            self.truncated = True
            self.count -= 1
            return False
        self.bytes += len(data)
        return True

    def wrap(self, out: BinaryIO) -> BinaryIO:
        """Return OUT counting into this counter every byte written to it."""
        self.measured = True
        return _Counted(out, self)


class _Counted:
    """A binary output that adds what is written to a Counter's bytes."""

    def __init__(self, out: BinaryIO, counter: Counter):
        self.out, self.counter = out, counter

    def write(self, data) -> int:
        self.counter.bytes += len(data)
        return self.out.write(data)

    def flush(self) -> None:
        flush = getattr(self.out, "flush", None)
        if flush is not None:
            flush()


def write_solutions(variables: list[str], rows: Counter, fmt: Format, out: BinaryIO) -> None:
    """Write SELECT solutions (pyoxigraph QuerySolution objects) in a results format."""
    _WRITERS[fmt.name](variables, rows, out)


def write_boolean(value: ox.QueryBoolean, fmt: Format, out: BinaryIO) -> None:
    """Write an ASK result in a results format."""
    value.serialize(out, fmt.results_format)


def write_triples(triples: Counter, fmt: Format, out: BinaryIO) -> None:
    """Write CONSTRUCT or DESCRIBE triples in an RDF format."""
    prefixes = PREFIXES if fmt.name == "turtle" else None
    items = (xml_safe_triple(t) for t in triples) if fmt.name == "rdfxml" else triples
    ox.serialize(items, triples.wrap(out), fmt.rdf_format, prefixes=prefixes)
    if triples.truncated and fmt.name in ("turtle", "ntriples"):
        out.write(f"# truncated: more than {triples.count} triples\n".encode())


def xml_safe(text: str) -> str:
    """Replace the characters XML 1.0 forbids with U+FFFD."""
    return NOT_IN_XML.sub(REPLACEMENT, text)


def xml_safe_triple(triple: ox.Triple) -> ox.Triple:
    """Return a triple whose literal object holds no character XML 1.0 forbids."""
    value = triple.object
    if not isinstance(value, ox.Literal) or not NOT_IN_XML.search(value.value):
        return triple
    if value.language:
        safe = ox.Literal(xml_safe(value.value), language=value.language)
    else:
        safe = ox.Literal(xml_safe(value.value), datatype=value.datatype)
    return ox.Triple(triple.subject, triple.predicate, safe)


def _xml_text(text: str) -> str:
    return escape(xml_safe(text), {"\r": "&#13;"})


def json_term(term) -> dict:
    """Return a term as SPARQL JSON results write it."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        result = {"type": "literal", "value": term.value}
        if term.language:
            result["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            result["datatype"] = term.datatype.value
        return result
    return {"type": "triple", "value": {
        "subject": json_term(term.subject),
        "predicate": json_term(term.predicate),
        "object": json_term(term.object),
    }}


def _write_json(variables, rows, out) -> None:
    out.write(b'{"head":{"vars":' + json.dumps(variables).encode() + b'},"results":{"bindings":[')
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    separator = b""
    for row in rows:
        binding = {}
        for name in variables:
            term = row[name]
            if term is not None:
                binding[name] = json_term(term)
        data = separator + dumps(binding).encode()
        if not rows.admit(data):
            break
        out.write(data)
        separator = b","
    out.write(b"]}")
    if rows.truncated:
        out.write(b',"truncated":true')
    out.write(b"}")


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        text = _xml_text(term.value)
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{text}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{text}</literal>"
        return f"<literal>{text}</literal>"
    return (f"<triple><subject>{_xml_term(term.subject)}</subject>"
            f"<predicate>{_xml_term(term.predicate)}</predicate>"
            f"<object>{_xml_term(term.object)}</object></triple>")


def _write_xml(variables, rows, out) -> None:
    head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
    out.write(('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
               f"<head>{head}</head><results>").encode())
    for row in rows:
        cells = "".join(
            f"<binding name={quoteattr(name)}>{_xml_term(row[name])}</binding>"
            for name in variables if row[name] is not None
        )
        data = f"<result>{cells}</result>".encode()
        if not rows.admit(data):
            break
        out.write(data)
    out.write(b"</results></sparql>\n")
    if rows.truncated:
        out.write(f"<!-- truncated after {rows.count} rows: this endpoint's row or byte "
                  "limit -->\n".encode())


def _csv_cell(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    elif isinstance(term, ox.NamedNode | ox.Literal):
        text = term.value
    else:
        text = str(term)
    if any(c in text for c in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def _write_csv(variables, rows, out) -> None:
    out.write((",".join(variables) + "\r\n").encode())
    for row in rows:
        data = (",".join(_csv_cell(row[name]) for name in variables) + "\r\n").encode()
        if not rows.admit(data):
            break
        out.write(data)


def _tsv_cell(term) -> str:
    return "" if term is None else str(term).replace("\t", "\\t")


def _write_tsv(variables, rows, out) -> None:
    out.write(("\t".join("?" + v for v in variables) + "\n").encode())
    for row in rows:
        data = ("\t".join(_tsv_cell(row[name]) for name in variables) + "\n").encode()
        if not rows.admit(data):
            break
        out.write(data)


_WRITERS = {"json": _write_json, "xml": _write_xml, "csv": _write_csv, "tsv": _write_tsv}
