"""One response for a described document: its format chosen, its triples written, twins linked.

A document (a thing's ``/doc/`` page, VoID, the catalogue, the ontology) is offered in
``DOC_FORMATS``; the format comes from the URL's suffix (``.ttl``, ``.jsonld``...: the
one twin rule, :func:`twin_format`, which the lists' ``.csv``/``.json`` follow too), else
from ``Accept``.  Pages and the catalogue answer documents through these functions only.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox
from flask import Response, abort, request

from achat_core.formats import BY_NAME, BY_SUFFIX, Format
from achat_core.iris import PREFIXES
from achat_core.jsonld import compact_bytes
from sparql_endpoint.protocol.negotiation import describe, negotiate
from sparql_endpoint.protocol.serialisation import xml_safe_triple

#: Formats a described thing is offered in, server's preference first.
DOC_FORMATS: tuple[Format, ...] = tuple(
    BY_NAME[n] for n in ("html", "turtle", "ntriples", "jsonld", "rdfxml")
)


def twin_format(suffix: str, offered: Sequence[Format]) -> Format | None:
    """Return the offered format a twin's suffix names (``.ttl``, ``.csv``...), else None.

    The one suffix rule: a twin is its page's URL plus the suffix the format table gives.
    """
    fmt = BY_SUFFIX.get(suffix)
    return fmt if fmt in offered else None


def document_format(suffix: str | None) -> Format:
    """Return the format a document is asked in: its URL suffix, else the Accept header.

    An unknown suffix is a 404; nothing acceptable is a 406 listing what is offered
    (both answered by the app's error handlers, negotiated like every error).
    """
    if suffix is not None:
        fmt = twin_format(suffix, DOC_FORMATS)
        if fmt is None:
            abort(404, description=f"No document format has the suffix .{suffix}; use one of "
                                   + ", ".join(f".{f.suffix}" for f in DOC_FORMATS) + ".")
        return fmt
    fmt = negotiate(request.headers.get("Accept"), DOC_FORMATS)
    if fmt is None:
        abort(406, description=f"This document is offered as {describe(DOC_FORMATS)}; "
                               f"for example Accept: text/turtle")
    return fmt


def rdf_response(triples: list[ox.Triple], fmt: Format, status: int = 200) -> Response:
    """Serialise triples in an RDF format of the table."""
    used = {p: ns for p, ns in PREFIXES.items()}
    if fmt.name == "rdfxml":
        triples = [xml_safe_triple(t) for t in triples]
    if fmt.name == "jsonld":
        body = compact_bytes(sorted(triples, key=str))
    else:
        body = ox.serialize(sorted(triples, key=str), format=fmt.rdf_format, prefixes=used)
    response = Response(body, status=status, mimetype=fmt.media_type)
    if fmt.media_type.startswith("text/"):
        response.mimetype_params["charset"] = "utf-8"
    response.vary.add("Accept")
    return response


def alternate_links(url_of) -> list[dict]:
    """List a document's formats as {name, suffix, media_type, href} for links and headers."""
    return [
        {"name": f.name, "suffix": f.suffix, "media_type": f.media_type, "href": url_of(f)}
        for f in DOC_FORMATS
    ]


def link_header(alternates: list[dict]) -> str:
    """Return a ``Link`` header listing the alternate formats."""
    return ", ".join(
        f'<{a["href"]}>; rel="alternate"; type="{a["media_type"]}"' for a in alternates
    )
