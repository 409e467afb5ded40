"""How a query matches a search-index entry, and how matches rank (``/search``, list filters).

Levels, best first: a name (label or alias, any language) equal to the query; a name that
holds every word of it; a whole name found inside the query (a buyer's sentence: "acheter
sans mise en concurrence"); every word in another text of the thing (definition,
description).  The last word of a query may be the start of a word, as one types.  Ties
go to instruments (what the site answers with), then to a name that starts with the
query, then to the tighter name, then alphabetically: one query, always one order.
"""

from __future__ import annotations

from dataclasses import dataclass

from achat_core.search_index import terms
from achat_core.text import fold

EXACT, WORDS, PHRASE, TEXT = 4, 3, 2, 1
#: How a level matched, as the search's JSON says it.
HOW = {EXACT: "exact", WORDS: "all-words", PHRASE: "name-in-query", TEXT: "all-words"}
#: Kinds that win a tie, in this order; every other kind comes after them.
PREFERRED_KINDS = ("instrument",)
#: A last word shorter than this must be whole: "r" is no prefix worth following.
MIN_PREFIX = 2


@dataclass(frozen=True)
class Field:
    """One text of an entry: which field it is, its language, its words."""

    name: str
    text: str
    lang: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """An index entry with its texts split into words once, when the index is read."""

    iri: str
    kind: str
    labels: dict[str, str]
    names: tuple[Field, ...]
    texts: tuple[Field, ...]


def prepare(item: dict) -> Entry:
    """Return an index entry ready to match: its names and texts as words."""
    names = [Field("label", text, lang, terms(text))
             for lang, texts in item["labels"].items() for text in texts]
    aliases = item.get("aliases", {})
    if isinstance(aliases, list):  # an index written before aliases had languages
        aliases = {"": aliases}
    names += [Field("alias", text, lang, terms(text))
              for lang, texts in aliases.items() for text in texts]
    texts = [Field(field, text, lang, terms(text))
             for field, by_lang in item.get("texts", {}).items()
             for lang, values in by_lang.items() for text in values]
    return Entry(item["iri"], item["kind"],
                 {lang: values[0] for lang, values in item["labels"].items() if values},
                 tuple(f for f in names if f.terms), tuple(f for f in texts if f.terms))


@dataclass(frozen=True)
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


def _has_all(words: tuple[str, ...], present: tuple[str, ...]) -> bool:
    """Tell whether every word is present; the last one may be the start of a word."""
    *whole, last = words
    found = set(present)
    if not all(w in found for w in whole):
        return False
    if last in found:
        return True
    return len(last) >= MIN_PREFIX and any(p.startswith(last) for p in present)


def _starts(words: tuple[str, ...], name: tuple[str, ...]) -> bool:
    n = len(words)
    return (len(name) >= n and name[:n - 1] == words[:-1]
            and len(words[-1]) >= MIN_PREFIX and name[n - 1].startswith(words[-1]))


def _inside(name: tuple[str, ...], words: tuple[str, ...]) -> bool:
    n = len(name)
    return n < len(words) and any(words[i:i + n] == name for i in range(len(words) - n + 1))


def _name_match(field: Field, words: tuple[str, ...]) -> Match | None:
    if field.terms == words:
        return Match(EXACT, field, len(words))
    if _has_all(words, field.terms):
        return Match(WORDS, field, len(words), _starts(words, field.terms))
    if _inside(field.terms, words):
        return Match(PHRASE, field, len(field.terms))
    return None


def match(entry: Entry, words: tuple[str, ...]) -> Match | None:
    """Return the best match of an entry for a query's words, or None."""
    found = [m for m in (_name_match(f, words) for f in entry.names) if m]
    if not found:
        found = [Match(TEXT, f, len(words)) for f in entry.texts if _has_all(words, f.terms)]
    return min(found, key=Match.order, default=None)


def rank(entries: list[Entry], query: str, label_of) -> list[tuple[Entry, Match]]:
    """Return the entries a query matches with their matches, best first.

    ``label_of(entry)`` gives the label a reader sees, for alphabetical ties.
    """
    words = terms(query)
    if not words:
        return []
    hits = [(e, m) for e in entries if (m := match(e, words))]

    def key(hit: tuple[Entry, Match]) -> tuple:
        entry, found = hit
        preferred = (PREFERRED_KINDS.index(entry.kind) if entry.kind in PREFERRED_KINDS
                     else len(PREFERRED_KINDS))
        level, covered, *tighter = found.order()
        return (level, covered, preferred, *tighter, fold(label_of(entry)), entry.iri)

    return sorted(hits, key=key)
