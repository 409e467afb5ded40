"""How a query matches an index entry and how matches rank (``pages/matching``), on small
hand-made entries: the levels, the ties, and the postings that must miss no match."""

from __future__ import annotations

import random

import pytest

from achat_core.search_index import entry, terms
from sparql_endpoint.pages.matching import EXACT, PHRASE, TEXT, WORDS, Index, match, prepare, rank

EX = "https://w3id.org/achat-public/id/"


def item(key: str, label: str, aliases=(), definition: str = "", kind: str = "instrument"):
    texts = {"definition": {"fr": [definition]}} if definition else {}
    return prepare(entry(f"{EX}{kind}/{key}", {"fr": [label]}, {"fr": list(aliases)}, [],
                         texts), current=True)


ENTRIES = [
    item("gre", "Marché sans publicité", aliases=["gré à gré", "sans mise en concurrence"]),
    item("rd", "Marché de recherche et développement", aliases=["R&D"]),
    item("network", "Réseau de recherche", kind="actor-role"),
    item("applied", "Recherche appliquée"),
    item("pi", "Partenariat d'innovation", definition="Finance un prototype puis l'achat."),
    item("innovation", "Innovation", kind="theme"),
    item("aaa", "Innovation", kind="objective"),
]


def ranked(query: str) -> list[tuple[str, int, str]]:
    return [(e.iri.rsplit("/", 1)[1], m.level, m.why()["how"])
            for e, m in rank(Index(ENTRIES), query, lambda e: e.labels["fr"])]


def test_an_exact_name_comes_first_then_all_words_then_a_name_inside_then_texts():
    assert ranked("gre a gre")[0] == ("gre", EXACT, "exact")
    assert [key for key, *_ in ranked("recherche")] == ["applied", "rd", "network"]
    assert {level for _, level, _ in ranked("recherche")} == {WORDS}
    assert ranked("acheter sans mise en concurrence") == [("gre", PHRASE, "name-in-query")]
    assert ranked("prototype") == [("pi", TEXT, "all-words")]


def test_ties_go_to_instruments_then_to_a_name_that_starts_with_the_query_then_the_label():
    # Two exact "Innovation" concepts and an instrument that starts with the word.
    assert ranked("innovation") == [("aaa", EXACT, "exact"), ("innovation", EXACT, "exact"),
                                    ("pi", WORDS, "all-words")]
    assert ranked("partenariat") == [("pi", WORDS, "prefix")]
    # "Recherche appliquée" starts with the word; "Réseau de recherche" is no instrument.
    assert ranked("recherche") == [("applied", WORDS, "prefix"), ("rd", WORDS, "all-words"),
                                   ("network", WORDS, "all-words")]


def test_the_last_word_may_be_cut_short_but_not_to_one_letter():
    assert ranked("partenariat innov") == [("pi", WORDS, "prefix")]
    assert ranked("reseau r") == []
    assert ranked("r&d")[0][0] == "rd"


def test_nothing_but_function_words_still_searches_them():
    assert terms("de") == ("de",)
    assert ranked("de") == [("rd", WORDS, "all-words")]  # the start of "développement"


def test_the_why_names_the_field_the_language_and_the_text():
    found = match(ENTRIES[0], Index(ENTRIES).read(terms("sans mise en concurrence")))
    assert found.why() == {"field": "alias", "how": "exact", "lang": "fr",
                           "text": "sans mise en concurrence"}


def test_an_index_of_the_first_version_is_read_again_from_its_texts():
    old = {"iri": EX + "instrument/mapa", "kind": "instrument",
           "labels": {"fr": ["Procédure adaptée"]}, "aliases": ["MAPA"],
           "folded": ["mapa", "procedure adaptee"], "tokens": ["adaptee", "mapa", "procedure"]}
    read = prepare(old, current=False)
    assert [(f.name, f.terms) for f in read.names] == [("label", ("procedure", "adaptee")),
                                                       ("alias", ("mapa",))]


@pytest.mark.parametrize("seed", range(5))
def test_the_postings_miss_no_match_a_full_scan_finds(seed):
    rng = random.Random(seed)
    words = ["achat", "innovant", "marché", "public", "sans", "de", "services", "R&D",
             "recherche", "commune", "partenariat", "innovation", "gré", "à"]
    entries = [prepare(entry(f"{EX}thing/t{n}",
                             {"fr": [" ".join(rng.choices(words, k=rng.randint(1, 4)))]},
                             {"": [" ".join(rng.choices(words, k=rng.randint(1, 3)))]}, [],
                             {"definition": {"fr": [" ".join(rng.choices(words, k=6))]}}),
                       current=True) for n in range(300)]
    index = Index(entries)
    for _ in range(60):
        query = " ".join(rng.choices(words, k=rng.randint(1, 4)))
        if rng.random() < 0.3:
            query = query[:-rng.randint(1, 3)]  # a last word cut short
        query_words = terms(query)
        if not query_words:
            continue
        scanned = {e.iri for e in entries if _scanned(e, query_words)}
        found = {e.iri for e, _ in rank(index, query, lambda e: e.iri)}
        assert found == scanned, query


def _holds(present: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """The rule, read plainly: every word present, the last one perhaps as a start."""
    *whole, last = words
    return all(w in present for w in whole) and (
        last in present or (len(last) >= 2 and any(p.startswith(last) for p in present)))


def _scanned(entry, words: tuple[str, ...]) -> bool:
    """Whether an entry matches, by a scan of its fields that shares no code with the index."""
    def inside(name):
        n = len(name)
        return n < len(words) and any(words[i:i + n] == name for i in range(len(words) - n + 1))

    return (any(f.terms == words or _holds(f.terms, words) or inside(f.terms)
                for f in entry.names)
            or any(_holds(f.terms, words) for f in entry.texts))


@pytest.mark.parametrize("seed", range(3))
def test_the_best_few_and_the_kept_order_rank_as_a_full_sort_does(seed):
    rng = random.Random(seed)
    words = ["commune", "ville", "marché", "achat", "public", "services"]
    entries = [prepare(entry(f"{EX}thing/t{n:03}",
                             {"fr": [" ".join(rng.choices(words, k=rng.randint(1, 3)))]},
                             {}, [], {}), current=True) for n in range(400)]
    index = Index(entries)
    label = lambda e: e.labels["fr"]  # noqa: E731
    for query in ("commune", "march", "ville public", "achat"):
        full = [(e.iri, m.level) for e, m in rank(index, query, label)]
        assert len(full) > 20, query  # many ties: the order is the labels' and IRIs'
        for limit in (1, 7, 20):
            best = [(e.iri, m.level) for e, m in rank(index, query, label, limit=limit)]
            assert best == full[:limit], (query, limit)
        kept = [(e.iri, m.level) for e, m in rank(index, query, label, order="fr")]
        assert kept == full, query
