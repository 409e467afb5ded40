"""The wiki's own words: every field of a page kept verbatim, beside the curated text.

The importer maps a page's fields onto a record, where a curated record wins on every
conflict; this module keeps what the wiki wrote, typos included, so the page can show
both.  Each kept text names its wiki label, the page it comes from and the day it was read.

A paragraph inside a text field that reads like a heading of its own — a few words, then
`` : `` and the text (the seed's "avec un chaoitre sur le partenariat public-commun : …") — is
kept as a text of its own under that heading, so its words can be found by name.
"""

from __future__ import annotations

import datetime as dt
import re

from graph_builder.sources.wiki import WikiPage, is_placeholder_image

#: A paragraph that opens with a short heading: at most ten words, no address, then " : ".
_HEADED = re.compile(r"^(?P<head>(?:[^\s:/]+[ \u00a0]){0,9}[^\s:/]+)[ \u00a0]+:[ \u00a0]+"
                     r"(?P<body>\S.*)$", re.DOTALL)
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")


def wiki_texts(page: WikiPage, read_on: dt.date) -> list[dict]:
    """Return the page's fields as ``{label, value, source, read_on}``, in page order.

    Empty fields and the wiki's "no image yet" placeholder are left out.
    """
    texts = []
    for field in page.fields:
        if field.known == ("image", "image") and is_placeholder_image(field.value):
            continue  # "no image yet" says nothing
        kept: list[tuple[str, list[str]]] = [(field.label, [])]
        for paragraph in _PARAGRAPHS.split(field.value.strip()):
            headed = _HEADED.match(paragraph.strip()) if kept[-1][1] else None
            if headed:
                kept.append((headed["head"], [headed["body"].strip()]))
            elif paragraph.strip():
                kept[-1][1].append(paragraph.strip())
        texts.extend({"label": label, "value": "\n\n".join(parts), "source": page.source,
                      "read_on": read_on} for label, parts in kept if parts)
    return texts
