"""How a query matches a search-index entry, and how matches rank (``/search``, list filters).

Levels, best first: a name (label or alias, any language) equal to the query; a name that
holds every word of it; a whole name found inside the query (a buyer's sentence: "acheter
sans mise en concurrence"); every word in another text of the thing (definition,
description).  The last word of a query may be the start of a word, as one types.  Ties
go to instruments (what the site answers with), then to a name that starts with the
query, then to the tighter name, then alphabetically: one query, always one order.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection
from dataclasses import dataclass

from achat_core.search_index import fields, terms
from achat_core.text import fold

EXACT, WORDS, PHRASE, TEXT = 4, 3, 2, 1
#: How a level matched, as the search's JSON says it.
HOW = {EXACT: "exact", WORDS: "all-words", PHRASE: "name-in-query", TEXT: "all-words"}
#: Kinds that win a tie, in this order; every other kind comes after them.
PREFERRED_KINDS = ("instrument",)
#: The fields that name a thing; the others are texts about it.
NAME_FIELDS = ("label", "alias")
#: A last word shorter than this must be whole: "r" is no prefix worth following.
MIN_PREFIX = 2


@dataclass(slots=True)
class Field:
    """One text of an entry: which field it is, its language, its words."""

    name: str
    text: str
    lang: str
    terms: tuple[str, ...]


@dataclass(slots=True)
class Entry:
    """An index entry: its names (labels, aliases) and other texts, as words."""

    iri: str
    kind: str
    labels: dict[str, str]
    names: tuple[Field, ...]
    texts: tuple[Field, ...]


def prepare(item: dict, current: bool = False) -> Entry:
    """Return an index entry ready to match.

    ``current``: the index was written by this version (``INDEX_VERSION``), so the words
    it lists for each text are read as they are; otherwise they are found again.
    """
    if not current:  # version 1 listed aliases without languages, and no other texts
        aliases = item.get("aliases") or {}
        item = {**item, "aliases": {"": aliases} if isinstance(aliases, list) else aliases,
                "texts": item.get("texts") or {}}
    listed = fields(item)
    words = ([tuple(t.split()) for t in item["terms"]] if current
             else [terms(text) for _, _, text in listed])
    found = [Field(field, text, lang, w)
             for (field, lang, text), w in zip(listed, words, strict=True) if w]
    return Entry(item["iri"], item["kind"],
                 {lang: values[0] for lang, values in item["labels"].items() if values},
                 tuple(f for f in found if f.name in NAME_FIELDS),
                 tuple(f for f in found if f.name not in NAME_FIELDS))


@dataclass(slots=True)
class Match:
    """Why an entry matched: the level, the field and how much of the query it explains."""

    level: int
    field: Field
    covered: int
    starts: bool = False

    def why(self) -> dict:
        """Say which field matched, how, and its text (the search's JSON answer)."""
        how = "prefix" if self.starts and self.level == WORDS else HOW[self.level]
        return {"field": self.field.name, "how": how, "text": self.field.text,
                "lang": self.field.lang}

    def order(self) -> tuple:
        """Return this match's place among others': better, then starting, then tighter."""
        return (-self.level, -self.covered, not self.starts,
                len(self.field.terms) - self.covered)


@dataclass(slots=True, frozen=True)
class Query:
    """A query's words, read once: its whole words, and the index's words its last one
    starts, itself included (so each entry is tested with set operations, not a scan)."""

    words: tuple[str, ...]
    whole: frozenset[str]
    starting: frozenset[str]


def _has_all(query: Query, present: tuple[str, ...]) -> bool:
    """Tell whether every word is present; the last one may be the start of a word."""
    if query.whole and not query.whole.issubset(present):
        return False
    return not query.starting.isdisjoint(present)


def _starts(words: tuple[str, ...], name: tuple[str, ...]) -> bool:
    n = len(words)
    return (len(name) >= n and name[:n - 1] == words[:-1]
            and len(words[-1]) >= MIN_PREFIX and name[n - 1].startswith(words[-1]))


def _inside(name: tuple[str, ...], words: tuple[str, ...]) -> bool:
    n = len(name)
    return n < len(words) and any(words[i:i + n] == name for i in range(len(words) - n + 1))


def _name_match(field: Field, query: Query) -> Match | None:
    words = query.words
    if field.terms == words:
        return Match(EXACT, field, len(words))
    if _has_all(query, field.terms):
        return Match(WORDS, field, len(words), _starts(words, field.terms))
    if _inside(field.terms, words):
        return Match(PHRASE, field, len(field.terms))
    return None


def match(entry: Entry, query: Query) -> Match | None:
    """Return the best match of an entry for a query read by ``Index.read``, or None."""
    found = [m for m in (_name_match(f, query) for f in entry.names) if m]
    if not found:
        found = [Match(TEXT, f, len(query.words)) for f in entry.texts
                 if _has_all(query, f.terms)]
    return min(found, key=Match.order, default=None)


class Index:
    """The entries, which entries hold each word, and which entries bear each name: a query
    reads only the entries that can match it, not all of them."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        postings: dict[str, list[int]] = {}
        names: dict[tuple[str, ...], list[int]] = {}
        for number, entry in enumerate(entries):
            for word in {t for f in (*entry.names, *entry.texts) for t in f.terms}:
                postings.setdefault(word, []).append(number)
            for name in {f.terms for f in entry.names}:
                names.setdefault(name, []).append(number)
        self.postings, self.names = postings, names
        self.words = sorted(postings)
        self._places: dict[str, array] = {}

    def read(self, words: tuple[str, ...]) -> Query:
        """Return the query's words ready to match, with the index's words its last starts."""
        *whole, last = words
        starting = {last}
        if len(last) >= MIN_PREFIX:
            at = bisect_left(self.words, last)
            while at < len(self.words) and self.words[at].startswith(last):
                starting.add(self.words[at])
                at += 1
        return Query(words, frozenset(whole), frozenset(starting))

    def candidates(self, query: Query) -> list[int]:
        """Return the numbers of the entries that hold every word of the query (the last
        one perhaps as the start of a word), and of those bearing a name inside it."""
        words = query.words
        ending: set[int] = set()
        for word in query.starting:
            ending.update(self.postings.get(word, ()))
        for word in sorted(query.whole, key=lambda w: len(self.postings.get(w, ()))):
            ending.intersection_update(self.postings.get(word, ()))
        for start in range(len(words)):
            for stop in range(start + 1, len(words) + 1):
                ending.update(self.names.get(words[start:stop], ()))
        return sorted(ending)

    def places(self, name: str, label_of: Callable[[Entry], str]) -> array:
        """Return each entry's place in the alphabetical order of ``label_of`` (folded),
        computed once per NAME (a language): a tie among many matches (a word most
        organisations bear) is then broken without folding their labels again."""
        if name not in self._places:
            folded: dict[str, str] = {}
            keys = []
            for number, entry in enumerate(self.entries):
                label = label_of(entry)
                if label not in folded:
                    folded[label] = fold(label)
                keys.append((folded[label], entry.iri, number))
            keys.sort()
            places = array("l", bytes(array("l").itemsize * len(keys)))
            for place, (_, _, number) in enumerate(keys):
                places[number] = place
            self._places[name] = places
        return self._places[name]


def rank(index: Index, query: str, label_of: Callable[[Entry], str],
         among: Collection[str] | None = None, limit: int | None = None,
         order: str | None = None) -> list[tuple[Entry, Match]]:
    """Return the entries a query matches with their matches, best first.

    ``label_of(entry)`` gives the label a reader sees, for alphabetical ties (with
    ``order``, the name of that labelling: its order is computed once and kept);
    ``among``, the IRIs a list holds, keeps the others out before they are matched;
    ``limit``, how many of the best are wanted (the others are not sorted).
    """
    words = terms(query)
    if not words:
        return []
    read = index.read(words)
    entries = index.entries
    numbers = index.candidates(read)
    if among is not None:
        numbers = [n for n in numbers if entries[n].iri in among]
    hits = [(n, m) for n in numbers if (m := match(entries[n], read))]
    places = index.places(order, label_of) if order else None

    def key(hit: tuple[int, Match]) -> tuple:
        number, found = hit
        entry = entries[number]
        preferred = (PREFERRED_KINDS.index(entry.kind) if entry.kind in PREFERRED_KINDS
                     else len(PREFERRED_KINDS))
        level, covered, *tighter = found.order()
        last = (places[number],) if places is not None else (fold(label_of(entry)), entry.iri)
        return (level, covered, preferred, *tighter, *last)

    best = (heapq.nsmallest(limit, hits, key=key) if limit is not None and limit < len(hits)
            else sorted(hits, key=key))
    return [(entries[n], m) for n, m in best]
