"""The search index written beside the dumps: labels per language and folded tokens.

pyoxigraph has no full-text index, so the builder writes ``search-index.json``
and the endpoint's ``/search`` reads it.  Matching ignores accents and case.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from achat_core.iris import PREFIXES
from achat_core.text import fold

#: Properties whose values name a thing, most preferred first.
LABEL_PROPERTIES = (PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel",
                    PREFIXES["dcterms"] + "title")
#: Other names a thing goes by (found by search, not shown as its title): the register's
#: legal name of a curated organisation is one.
ALIAS_PROPERTIES = (PREFIXES["skos"] + "altLabel", PREFIXES["apg"] + "legalName")
_TYPE = PREFIXES["rdf"] + "type"
INDEX_VERSION = 1

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
    texts = {t for values in labels.values() for t in values} | set(aliases)
    folded = {fold(t) for t in texts}
    return {
        "iri": iri,
        "kind": kind_of(iri, types),
        "labels": {lang: sorted(set(values)) for lang, values in sorted(labels.items())},
        "aliases": sorted(set(aliases)),
        "folded": sorted(folded),
        "tokens": sorted({word for f in folded for word in f.split()}),
    }


def build_entries(triples: Iterable[ox.Triple]) -> list[dict]:
    """Return one entry per labelled IRI subject of the triples, sorted by IRI (one pass)."""
    labels: dict[str, dict[str, list[str]]] = {}
    aliases: dict[str, list[str]] = {}
    types: dict[str, list[str]] = {}
    label_properties, alias_properties = set(LABEL_PROPERTIES), set(ALIAS_PROPERTIES)
    for subject, predicate, value in triples:
        if not isinstance(subject, ox.NamedNode):
            continue
        name = predicate.value
        if name == _TYPE:
            types.setdefault(subject.value, []).append(value.value)
        elif isinstance(value, ox.Literal):
            if name in label_properties:
                by_lang = labels.setdefault(subject.value, {})
                by_lang.setdefault(value.language or "", []).append(value.value)
            elif name in alias_properties:
                aliases.setdefault(subject.value, []).append(value.value)
    return [entry(iri, labels[iri], aliases.get(iri, []), types.get(iri, []))
            for iri in sorted(labels)]


def write_search_index(triples: Iterable[ox.Triple], path: Path) -> None:
    """Write the search index of the labelled things among the triples to a JSON file."""
    document = {"version": INDEX_VERSION, "entries": build_entries(triples)}
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    Path(path).write_text(text + "\n", encoding="utf-8")
