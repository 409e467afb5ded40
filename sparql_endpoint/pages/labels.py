"""Readable names for IRIs: labels from the store, in French or English, with fallbacks."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox

from achat_core.iris import ADMS, DCT, ELI, OWL, RDF, RDFS, SCHEMA, SKOS

#: Names for common external terms the store does not describe: IRI -> (fr, en).
FALLBACK: dict[str, tuple[str, str]] = {
    RDF + "type": ("type", "type"),
    RDFS + "label": ("libellé", "label"),
    RDFS + "comment": ("commentaire", "comment"),
    RDFS + "seeAlso": ("voir aussi", "see also"),
    RDFS + "isDefinedBy": ("défini par", "defined by"),
    RDFS + "subClassOf": ("sous-classe de", "subclass of"),
    RDFS + "subPropertyOf": ("sous-propriété de", "subproperty of"),
    RDFS + "domain": ("domaine", "domain"),
    RDFS + "range": ("co-domaine", "range"),
    SKOS + "prefLabel": ("libellé préféré", "preferred label"),
    SKOS + "altLabel": ("autre nom", "alternative label"),
    SKOS + "definition": ("définition", "definition"),
    SKOS + "notation": ("notation", "notation"),
    SKOS + "inScheme": ("dans le vocabulaire", "in scheme"),
    SKOS + "topConceptOf": ("concept de tête de", "top concept of"),
    SKOS + "hasTopConcept": ("concept de tête", "top concept"),
    SKOS + "broader": ("plus large", "broader"),
    SKOS + "narrower": ("plus précis", "narrower"),
    SKOS + "related": ("lié à", "related"),
    SKOS + "exactMatch": ("correspondance exacte", "exact match"),
    SKOS + "closeMatch": ("correspondance proche", "close match"),
    SKOS + "relatedMatch": ("correspondance liée", "related match"),
    SKOS + "scopeNote": ("note d'application", "scope note"),
    DCT + "source": ("source", "source"),
    DCT + "title": ("titre", "title"),
    DCT + "description": ("description", "description"),
    DCT + "identifier": ("identifiant", "identifier"),
    DCT + "issued": ("date de publication", "issued"),
    DCT + "modified": ("date de modification", "modified"),
    DCT + "license": ("licence", "licence"),
    DCT + "publisher": ("éditeur", "publisher"),
    DCT + "creator": ("auteur", "creator"),
    DCT + "type": ("type", "type"),
    OWL + "sameAs": ("identique à", "same as"),
    OWL + "versionInfo": ("version", "version"),
    OWL + "versionIRI": ("IRI de version", "version IRI"),
    SCHEMA + "url": ("site web", "web site"),
    SCHEMA + "image": ("image", "image"),
    ADMS + "identifier": ("identifiant", "identifier"),
    ELI + "date_document": ("date du texte", "date of the text"),
}

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
        if not found and iri in FALLBACK:
            found = dict(zip(("fr", "en"), FALLBACK[iri], strict=True))
        return found

    def label(self, iri: str, lang: str) -> tuple[str, str]:
        """Return (text, language) naming an IRI; the language is empty for a local name."""
        chosen = pick(self.labels(iri), lang)
        return chosen if chosen else (local_name(iri), "")
