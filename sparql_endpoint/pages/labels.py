"""Readable names for IRIs: labels from the store, in French or English, with fallbacks."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox

from achat_core.iris import DCT, RDFS, SKOS
from sparql_endpoint.pages.words import TERM_NAMES

LABEL_PATH = f"<{RDFS}label>|<{SKOS}prefLabel>|<{DCT}title>"


def local_name(iri: str) -> str:
    """Return the last segment of an IRI, a readable stand-in when nothing names it."""
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

    def fetch(self, iris: Iterable[str], batch: int = 200) -> None:
        """Load the labels of IRIs not yet known, ``batch`` IRIs per query."""
        wanted = sorted({i for i in iris if i not in self.cache})
        for start in range(0, len(wanted), batch):
            batch_iris = wanted[start:start + batch]
            for iri in batch_iris:
                self.cache[iri] = {}
            values = " ".join(str(ox.NamedNode(i)) for i in batch_iris)
            rows = self.backend.select(
                f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {values} }} ?s {LABEL_PATH} ?l }}"
            )
            for row in rows:
                label = row["l"]
                if isinstance(label, ox.Literal):
                    by_lang = self.cache[row["s"].value]
                    by_lang.setdefault(label.language or "", label.value)

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
