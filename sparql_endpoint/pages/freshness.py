"""Dates worded for the reader, from the build's date, and the wiki's own words of a thing.

The data holds in-force dates as typed values (``apg:inForceFrom``, ``apg:inForceUntil``);
a page says "since August 21, 2026" or "from April 1, 2027" depending on whether the build's
date has reached them, so no sentence in the data goes stale.
"""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox

from achat_core.iris import DCT, ONTOLOGY_NS, RDF, RDFS
from sparql_endpoint.pages import numbers
from sparql_endpoint.pages.render import build_info
from sparql_endpoint.pages.words import IN_FORCE_WORDS

IN_FORCE_FROM = ONTOLOGY_NS + "inForceFrom"
IN_FORCE_UNTIL = ONTOLOGY_NS + "inForceUntil"
WIKI_TEXT = ONTOLOGY_NS + "wikiText"
READ_ON = ONTOLOGY_NS + "readOn"
#: (property, the date is past or today) → (French, English) wording before the date.


def build_date() -> dt.date:
    """Return the build's date (``created`` of build.json), else today's."""
    try:
        return dt.date.fromisoformat(build_info().get("created") or "")
    except ValueError:
        return dt.datetime.now(dt.UTC).date()


def in_force_phrase(prop: str, value: str, today: dt.date, lang: str) -> str | None:
    """Word an in-force date from a day: "since August 21, 2026", or None if not one."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    fr, en = IN_FORCE_WORDS[(prop, day <= today)]
    return f"{fr if lang == 'fr' else en} {numbers.day(value, lang)}"


def word_dates(groups: list[dict], lang: str, today: dt.date | None = None) -> list[dict]:
    """Replace in-force dates in property groups (and nested ones) by their wording."""
    today = today or build_date()
    for group in groups:
        prop = group["property"].get("iri")
        for value in group["values"]:
            if prop in (IN_FORCE_FROM, IN_FORCE_UNTIL) and value["kind"] == "literal":
                raw = value.get("value", value["text"])  # the ISO date, not its wording
                phrase = in_force_phrase(prop, raw, today, lang)
                if phrase:
                    value.update(text=phrase, lang=lang, datatype="", date=raw)
            if value.get("nested"):
                word_dates(value["nested"], lang, today)
    return groups


def wiki_texts(pairs: list[tuple[ox.NamedNode, object]], outbound) -> list[dict]:
    """Return the wiki's own words of a thing, by page and day read: ``{source, read_on,
    texts: [{label, text}]}``, in page order."""
    texts = []
    for prop, node in pairs:
        if prop.value != WIKI_TEXT or not isinstance(node, ox.NamedNode):
            continue
        values = {}
        for p, o in outbound(node.value):
            values.setdefault(p.value, o.value)
        texts.append({"iri": node.value, "label": values.get(RDFS + "label", ""),
                      "text": values.get(RDF + "value", ""),
                      "source": values.get(DCT + "source", ""),
                      "read_on": values.get(READ_ON, "")})
    pages: dict[tuple[str, str], dict] = {}
    for kept in sorted(texts, key=lambda t: (len(t["iri"]), t["iri"])):  # "-2" before "-10"
        page = pages.setdefault((kept["source"], kept["read_on"]), {
            "source": kept["source"], "read_on": kept["read_on"], "texts": []})
        page["texts"].append(kept)
    return list(pages.values())
