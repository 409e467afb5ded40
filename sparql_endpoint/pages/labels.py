"""Readable names for IRIs: labels from the store, in French or English, with fallbacks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import pyoxigraph as ox

from achat_core.iris import DCT, EU_AUTHORITY, PREFIXES, RDFS, SCHEMA, SKOS
from sparql_endpoint.pages.words import TERM_NAMES

LABEL_PATH = f"<{RDFS}label>|<{SKOS}prefLabel>|<{DCT}title>"
#: Namespaces of vocabulary terms and codes, whose last segment says what they are (a code,
#: a term); any other web address is named by its host.
TERM_SPACES = (*PREFIXES.values(), EU_AUTHORITY, "http://data.europa.eu/", "https://w3id.org/")


def local_name(iri: str) -> str:
    """Return a readable stand-in when nothing names an IRI.

    A web address says where it leads (its host: ``code-commande-publique.com``), not the
    slug of its last segment; a vocabulary term gives its last segment.
    """
    parts = urlsplit(iri)
    if parts.scheme in ("http", "https") and parts.hostname and not iri.startswith(TERM_SPACES):
        return parts.hostname.removeprefix("www.")
    tail = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    return tail or iri


def pick(by_lang: dict[str, str], lang: str) -> tuple[str, str] | None:
    """Return (text, language) in the asked language, else the other, else any; or None."""
    for candidate in (lang, "fr" if lang == "en" else "en", ""):
        if candidate in by_lang:
            return by_lang[candidate], candidate
    if by_lang:
        first = sorted(by_lang)[0]
        return by_lang[first], first
    return None


class Labeller:
    """Fetch and remember labels of IRIs, in one query per batch."""

    def __init__(self, backend):
        self.backend = backend
        self.cache: dict[str, dict[str, str]] = {}
        #: Web addresses named by the resource they are the address of (``schema:url``):
        #: the store describes the resource, not the address, which stays a plain link.
        self.addresses: set[str] = set()

    def fetch(self, iris: Iterable[str], batch: int = 200) -> None:
        """Load the labels of IRIs not yet known, ``batch`` IRIs per query."""
        wanted = sorted({i for i in iris if i not in self.cache})
        for start in range(0, len(wanted), batch):
            batch_iris = wanted[start:start + batch]
            for iri in batch_iris:
                self.cache[iri] = {}
            values = " ".join(str(ox.NamedNode(i)) for i in batch_iris)
            rows = self.backend.select(
                f"SELECT ?s ?l ?r WHERE {{ VALUES ?s {{ {values} }} {{ ?s {LABEL_PATH} ?l }} "
                f"UNION {{ ?r <{SCHEMA}url> ?s . ?r {LABEL_PATH} ?l }} }}"
            )
            own = {row["s"].value for row in rows if row.get("r") is None}
            for row in sorted(rows, key=lambda r: r.get("r") is not None):
                label, iri = row["l"], row["s"].value
                if isinstance(label, ox.Literal) and (iri not in own or row.get("r") is None):
                    self.cache[iri].setdefault(label.language or "", label.value)
                    if iri not in own:
                        self.addresses.add(iri)

    def labels(self, iri: str) -> dict[str, str]:
        """Return every known label of an IRI by language, fallbacks included."""
        self.fetch([iri])
        found = dict(self.cache[iri])
        if not found and iri in TERM_NAMES:
            found = dict(zip(("fr", "en"), TERM_NAMES[iri], strict=True))
        return found

    def label(self, iri: str, lang: str) -> tuple[str, str]:
        """Return (text, language) naming an IRI; the language is empty for a local name."""
        chosen = pick(self.labels(iri), lang)
        return chosen if chosen else (local_name(iri), "")
