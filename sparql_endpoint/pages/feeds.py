"""Atom feeds of new contracts, per instrument and per buyer: alerts without accounts.

``/feeds/instrument/{key}.atom`` and ``/feeds/organisation/{key}.atom`` list the latest
contracts of an instrument or an organisation (as buyer), newest first, each linking to its
page. The XML is written by ElementTree, never by string concatenation.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pyoxigraph as ox
from flask import Response, abort, url_for

from achat_core.iris import APG, EPO
from sparql_endpoint.http.language import choose_language
from sparql_endpoint.http.origin import site_root
from sparql_endpoint.pages import answers
from sparql_endpoint.pages.answers import Select
from sparql_endpoint.pages.render import backend, data_base, labeller
from sparql_endpoint.pages.words import text

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 20
#: Feeds by kind of thing: the property path from a contract to it.
LINKS = {
    "instrument": f"<{APG}usesInstrument>|<{APG}inferredInstrument>",
    "organisation": f"<{EPO}bindsBuyer>/<{EPO}playedBy>",
}


#: Characters XML 1.0 does not allow (C0 controls but tab and line breaks, U+FFFE, U+FFFF,
#: lone surrogates): a DECP title holding one would make the feed unreadable.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """Replace the characters XML 1.0 forbids with U+FFFD, so the feed always parses."""
    return NOT_IN_XML.sub("\ufffd", text)


def _absolute(path: str) -> str:
    return site_root().rstrip("/") + path


def feed_url(iri: str) -> str | None:
    """Return the feed of an instrument or organisation IRI, or None for other things."""
    prefix = data_base() + "id/"
    key = iri[len(prefix):] if iri.startswith(prefix) else ""
    kind, _, rest = key.partition("/")
    if kind not in LINKS or not rest or "/" in rest:
        return None
    return url_for("pages.feed", kind=kind, key=rest)


def atom(select: Select, kind: str, key: str) -> Response:
    """Answer the Atom feed of an instrument's or a buyer's latest contracts."""
    if kind not in LINKS:
        abort(404, description=f"Feeds exist for instruments and organisations, not {kind!r}.")
    try:
        iri = ox.NamedNode(f"{data_base()}id/{kind}/{key}").value
    except ValueError:
        abort(404, description=f"No {kind} is named {key!r}.")
    if not backend().ask(f"ASK {{ {answers.node(iri)} ?p ?o }}"):
        abort(404, description=f"The published graph holds no {kind} named {key!r}.")
    lang = choose_language()
    if kind == "instrument":  # hundreds of thousands of contracts: the last days only
        used = answers.usage(select, iri, lang)
        total, first, last = used["contracts"], used["first"], used["last"]
    else:
        total, first, last = 0, None, None
    contracts = answers.latest_contracts(select, LINKS[kind], iri, lang, total, first, last,
                                         ENTRIES)
    names = labeller()
    names.fetch([iri] + [c["buyer"] for c in contracts if c["buyer"]])
    title, _ = names.label(iri, lang)
    page = url_for("pages.doc", path=f"{kind}/{key}")

    ElementTree.register_namespace("", ATOM)
    root = ElementTree.Element(f"{{{ATOM}}}feed", {"xml:lang": lang})

    def add(parent, tag: str, value: str | None = None, **attributes) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}",
                                         {k: xml_safe(v) for k, v in attributes.items()})
        if value is not None:
            element.text = xml_safe(value)
        return element

    add(root, "id", _absolute(url_for("pages.feed", kind=kind, key=key)))
    add(root, "title", f"{text('feed', lang)} — {title}")
    add(root, "updated", (contracts[0]["date"] if contracts else "1970-01-01") + "T00:00:00Z")
    add(root, "link", rel="self", type="application/atom+xml",
        href=_absolute(url_for("pages.feed", kind=kind, key=key)))
    add(root, "link", rel="alternate", type="text/html", href=_absolute(page))
    author = add(root, "author")
    add(author, "name", text("site_title", lang))
    for contract in contracts:
        entry = add(root, "entry")
        add(entry, "id", contract["iri"])
        add(entry, "title", contract["title"] or f"{text('contract_no', lang)} {contract['id']}")
        add(entry, "updated", contract["date"] + "T00:00:00Z")
        local = contract["iri"].removeprefix(data_base() + "id/")
        add(entry, "link", rel="alternate", type="text/html",
            href=_absolute(url_for("pages.doc", path=local)))
        buyer = names.label(contract["buyer"], lang)[0] if contract["buyer"] else ""
        add(entry, "summary", " · ".join(p for p in (buyer, contract["date_text"],
                                                      contract["amount_text"]) if p))
    body = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    response = Response(body, mimetype="application/atom+xml")
    response.mimetype_params["charset"] = "utf-8"
    return response
