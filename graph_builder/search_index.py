"""The search index written beside the dumps: labels per language and folded tokens.

pyoxigraph has no full-text index, so the builder writes ``search-index.json``
and the endpoint's ``/search`` reads it.  Matching ignores accents and case.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

#: Properties whose values name a thing, most preferred first.
LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, DCTERMS.title)
#: Other names a thing goes by (found by search, not shown as its title).
ALIAS_PROPERTIES = (SKOS.altLabel,)
INDEX_VERSION = 1

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Return text without accents, in lower case, with punctuation turned into spaces."""
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def tokenize(text: str) -> list[str]:
    """Return the folded words of a text."""
    return fold(text).split()


def kind_of(iri: str, types: list[str]) -> str:
    """Return a thing's kind: the ``{kind}`` of ``…/id/{kind}/{key}``, else its type's name."""
    match = re.search(r"/id/([a-z0-9-]+)/[^/]+$", iri)
    if match:
        return match.group(1)
    for type_iri in sorted(types):
        return re.split(r"[#/]", type_iri)[-1]
    return ""


def entry(iri: str, labels: dict[str, list[str]], aliases: list[str], types: list[str]) -> dict:
    """Build one index entry from a thing's labels, aliases and types."""
    words: set[str] = set()
    for text in [*(t for texts in labels.values() for t in texts), *aliases]:
        words.update(tokenize(text))
    return {
        "iri": iri,
        "kind": kind_of(iri, types),
        "labels": {lang: sorted(set(texts)) for lang, texts in sorted(labels.items())},
        "aliases": sorted(set(aliases)),
        "folded": sorted({fold(t) for texts in labels.values() for t in texts} | {
            fold(a) for a in aliases
        }),
        "tokens": sorted(words),
    }


def build_entries(graph: Graph) -> list[dict]:
    """Return one entry per labelled IRI subject of a graph, sorted by IRI."""
    labels: dict[str, dict[str, list[str]]] = {}
    aliases: dict[str, list[str]] = {}
    for prop in LABEL_PROPERTIES:
        for subject, value in graph.subject_objects(prop):
            if isinstance(subject, URIRef) and isinstance(value, Literal):
                by_lang = labels.setdefault(str(subject), {})
                by_lang.setdefault(value.language or "", []).append(str(value))
    for prop in ALIAS_PROPERTIES:
        for subject, value in graph.subject_objects(prop):
            if str(subject) in labels and isinstance(value, Literal):
                aliases.setdefault(str(subject), []).append(str(value))
    entries = []
    for iri in sorted(labels):
        types = [str(t) for t in graph.objects(URIRef(iri), RDF.type)]
        entries.append(entry(iri, labels[iri], aliases.get(iri, []), types))
    return entries


def write_search_index(graph: Graph, path: Path) -> None:
    """Write the search index of a graph's labelled things to a JSON file, reproducibly."""
    document = {"version": INDEX_VERSION, "entries": build_entries(graph)}
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    Path(path).write_text(text + "\n", encoding="utf-8")
