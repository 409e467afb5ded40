"""Where a thing can be read at its source: a legal text on Légifrance or EUR-Lex, a resource
at its own address, shown at the top of its page.

The address is the thing's own ``schema:url`` from the data, which the curated files give
only for a confirmed identifier (``official_id_confirmed``).  A legal provision whose
article identifier is not confirmed links to the text it belongs to, when that text has a
confirmed address, and says so; with neither, the page says that no official address is
confirmed rather than guessing one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pyoxigraph as ox

from achat_core.iris import APG, SCHEMA
from sparql_endpoint.pages.links import safe_href
from sparql_endpoint.pages.words import text

OFFICIAL_URL = SCHEMA + "url"
CONFIRMED = APG + "officialIdentifierConfirmed"
PART_OF = APG + "partOfLegalText"
#: Official legal sites, by host: the name a reader knows them by.
LEGAL_SITES = {"www.legifrance.gouv.fr": "Légifrance", "legifrance.gouv.fr": "Légifrance",
               "eur-lex.europa.eu": "EUR-Lex", "data.europa.eu": "EUR-Lex"}


def _site(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return LEGAL_SITES.get(host, host.removeprefix("www."))


def official_site(url: str) -> str | None:
    """Return the name of the official legal site an address is on, or None."""
    return LEGAL_SITES.get(urlsplit(url).hostname or "")


def _first_url(pairs: list) -> str | None:
    urls = sorted(o.value for p, o in pairs
                  if p.value == OFFICIAL_URL and isinstance(o, ox.NamedNode) and safe_href(o.value))
    return urls[0] if urls else None


def source_link(pairs: list, outbound, lang: str) -> dict | None:
    """Return ``{href, text}`` leading to a thing's source, or None when it has none to give.

    ``href`` is its own address, else (its identifier not confirmed) the address of the
    text it belongs to, else None with a sentence saying no address is confirmed.
    """
    own = _first_url(pairs)
    if own:
        site = _site(own)
        key = "source_legal" if site in LEGAL_SITES.values() else "source_own"
        return {"href": own, "text": text(key, lang).format(site=site)}
    confirmed = [o.value for p, o in pairs if p.value == CONFIRMED]
    if confirmed != ["false"]:
        return None
    parts = [o.value for p, o in pairs if p.value == PART_OF and isinstance(o, ox.NamedNode)]
    for part in parts:
        url = _first_url(outbound(part))
        if url:
            return {"href": url, "text": text("source_text", lang).format(site=_site(url))}
    return {"href": None, "text": text("source_unconfirmed", lang)}
