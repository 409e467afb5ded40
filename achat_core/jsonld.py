"""JSON-LD with the project's published ``@context``: compact documents that read as prefixes.

The context maps the prefixes of :data:`PREFIXES` and nothing else, so compacting is
exact: an IRI under one of them becomes ``prefix:local``, and expanding with the same
context gives back the same triples.  It is published at :data:`CONTEXT_URL`, an
address that never changes meaning: a change of the prefixes needs a new
:data:`CONTEXT_VERSION`, served beside the old ones.

Shared by the builder (the ``graph.jsonld`` dump) and the server (JSON-LD answers and
the context itself), like the format table.  SPARQL ``CONSTRUCT`` answers stay expanded:
any protocol client reads them without fetching a context.
"""

from __future__ import annotations

import json

import pyoxigraph as ox

from achat_core.iris import DEFAULT_BASE, PREFIXES

CONTEXT_VERSION = "1"
CONTEXT_PATH = f"context/{CONTEXT_VERSION}.jsonld"
CONTEXT_URL = DEFAULT_BASE + CONTEXT_PATH
#: Namespaces longest first, so an IRI gets its most specific prefix.
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


def context() -> dict:
    """Return the published context document."""
    return {"@context": dict(sorted(PREFIXES.items()))}


def _curie(iri: str) -> str:
    for prefix, ns in _BY_LENGTH:
        local = iri[len(ns):]
        if iri.startswith(ns) and local and not local.startswith("//"):
            return f"{prefix}:{local}"
    return iri


def _value(value: dict) -> dict:
    if "@value" in value and "@type" in value:
        return {**value, "@type": _curie(value["@type"])}
    return value


def _node(node: dict) -> dict:
    out = {}
    for key, values in node.items():
        if key == "@type":
            out[key] = [_curie(t) for t in values]
        elif key.startswith("@"):
            out[key] = values
        else:
            out[_curie(key)] = [_value(v) for v in values]
    return out


def compact_bytes(triples: list[ox.Triple]) -> bytes:
    """Serialise triples as JSON-LD compacted with the published context (by its URL)."""
    expanded = json.loads(ox.serialize(triples, format=ox.RdfFormat.JSON_LD))
    document = {"@context": CONTEXT_URL, "@graph": [_node(n) for n in expanded]}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def with_inline_context(data: bytes) -> bytes:
    """Return a JSON-LD document with our context's URL replaced by the context itself.

    So that a parser with no network (pyoxigraph, or any offline reader) reads our
    documents; any other context is left as it is.
    """
    document = json.loads(data)
    if isinstance(document, dict) and document.get("@context") == CONTEXT_URL:
        document["@context"] = context()["@context"]
    return json.dumps(document, ensure_ascii=False).encode()
