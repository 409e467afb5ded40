"""N-Triples text: lines written directly (one string per triple, no Python object per term)
for bulk data, and the canonical bytes of pyoxigraph triples."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox

from achat_core.iris import RDF, XSD

RDF_TYPE = f"<{RDF}type>"
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def iri(value: str) -> str:
    """Return an IRI term."""
    return f"<{value}>"


def text(value: str, lang: str | None = None) -> str:
    """Return a plain or language-tagged literal, escaped for N-Triples."""
    body = '"' + value.translate(_ESCAPES) + '"'
    return f"{body}@{lang}" if lang else body


def typed(value: str, datatype: str) -> str:
    """Return a literal of an XSD datatype (``value`` must already be a valid lexical form)."""
    return f'"{value}"^^<{XSD}{datatype}>'


def decimal(value: Decimal | int) -> str:
    """Return an ``xsd:decimal`` literal, never in exponent notation."""
    return typed(format(value, "f") if isinstance(value, Decimal) else str(value), "decimal")


def triple(s: str, p: str, o: str) -> str:
    """Return one N-Triples line."""
    return f"{s} {p} {o} .\n"


def ntriples_bytes(triples: list[ox.Triple]) -> bytes:
    """Serialise sorted triples as canonical N-Triples."""
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
