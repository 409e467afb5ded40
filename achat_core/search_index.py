"""The search index written beside the dumps, and the one way a search reads text.

pyoxigraph has no full-text index, so the builder writes ``search-index.json`` and the
endpoint's ``/search`` and list filters read it.  The index holds the texts as published
(names by language, aliases, descriptions); both sides compare them through :func:`terms`,
so the index and a query are normalised the same way: accents, case, hyphens,
apostrophes, plurals, "R&D" against "R & D", and small function words do not matter.
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
#: Other names a thing goes by (found by search, not shown as its title): the synonyms and
#: aliases of the data, and the register's legal name of a curated organisation.
ALIAS_PROPERTIES = (PREFIXES["skos"] + "altLabel", PREFIXES["apg"] + "legalName")
#: Texts about a thing that a search reads last: field name -> property.
TEXT_PROPERTIES = {"definition": PREFIXES["skos"] + "definition",
                   "description": PREFIXES["dcterms"] + "description",
                   "comment": PREFIXES["rdfs"] + "comment"}
_TYPE = PREFIXES["rdf"] + "type"
INDEX_VERSION = 2

#: French and English function words, left out of matching so that "partenariat
#: innovation" finds "Partenariat d'innovation" and "gré à gré" finds "gré-à-gré".
STOP_WORDS = frozenset({
    "a", "an", "and", "au", "aux", "by", "d", "de", "des", "du", "en", "et", "for", "in",
    "l", "la", "le", "les", "of", "on", "par", "pour", "sur", "the", "to", "un", "une"})
#: Two single letters around "&" are one word ("R&D", "R & D"); other "&" are spaces.
_AMPERSAND_WORD = re.compile(r"\b(\w)\s*&\s*(\w)\b")


def _stem(word: str) -> str:
    """Drop a plural's final s or x, so "services innovants" finds "service innovant"."""
    if len(word) > 3 and word[-1] in "sx" and word[-2] != "s":
        return word[:-1]
    return word


def terms(text: str) -> tuple[str, ...]:
    """Return the words a search compares: folded, stemmed, without function words.

    A text made of function words only keeps them (a search for "de" still means "de").
    """
    if "&" in text:
        text = _AMPERSAND_WORD.sub(r"\1\2", text)
    words = [_stem(w) for w in fold(text).split()]
    meaningful = tuple(w for w in words if w not in STOP_WORDS)
    return meaningful or tuple(words)


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


def _by_lang(values: dict[str, list[str]]) -> dict[str, list[str]]:
    return {lang: sorted(set(texts)) for lang, texts in sorted(values.items())}


def entry(iri: str, labels: dict[str, list[str]], aliases: dict[str, list[str]],
          types: list[str], texts: dict[str, dict[str, list[str]]] | None = None) -> dict:
    """Build one index entry: a thing's names and aliases by language, kind and other texts.

    A text without a language is listed under ``""``.
    """
    item = {
        "iri": iri,
        "kind": kind_of(iri, types),
        "labels": _by_lang(labels),
        "aliases": _by_lang(aliases),
        "texts": {field: _by_lang(by_lang) for field, by_lang in sorted((texts or {}).items())
                  if by_lang},
    }
    # The words of each text, in the order of ``fields``: the server reads them as they are
    # instead of splitting every text of a large index when it opens it.
    item["terms"] = [" ".join(terms(text)) for _, _, text in fields(item)]
    return item


def fields(item: dict) -> list[tuple[str, str, str]]:
    """Return an entry's texts as (field, language, text): labels, aliases, then the others."""
    found = [("label", lang, text) for lang, texts in item["labels"].items() for text in texts]
    found += [("alias", lang, text) for lang, texts in item["aliases"].items() for text in texts]
    found += [(field, lang, text) for field, by_lang in item["texts"].items()
              for lang, texts in by_lang.items() for text in texts]
    return found


def build_entries(triples: Iterable[ox.Triple]) -> list[dict]:
    """Return one entry per labelled IRI subject of the triples, sorted by IRI (one pass)."""
    labels: dict[str, dict[str, list[str]]] = {}
    aliases: dict[str, dict[str, list[str]]] = {}
    types: dict[str, list[str]] = {}
    texts: dict[str, dict[str, dict[str, list[str]]]] = {}
    label_properties, alias_properties = set(LABEL_PROPERTIES), set(ALIAS_PROPERTIES)
    text_fields = {prop: field for field, prop in TEXT_PROPERTIES.items()}
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
                by_lang = aliases.setdefault(subject.value, {})
                by_lang.setdefault(value.language or "", []).append(value.value)
            elif name in text_fields:
                by_lang = texts.setdefault(subject.value, {}).setdefault(text_fields[name], {})
                by_lang.setdefault(value.language or "", []).append(value.value)
    return [entry(iri, labels[iri], aliases.get(iri, {}), types.get(iri, []),
                  texts.get(iri)) for iri in sorted(labels)]


def write_search_index(triples: Iterable[ox.Triple], path: Path) -> None:
    """Write the search index of the labelled things among the triples to a JSON file."""
    document = {"version": INDEX_VERSION, "entries": build_entries(triples)}
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    Path(path).write_text(text + "\n", encoding="utf-8")
