"""The home page (counts, the questions the graph answers) and the vocabularies' list."""

from __future__ import annotations

from flask import current_app

from achat_core.iris import APG, RDFS, SKOS
from sparql_endpoint.http.language import choose_language
from sparql_endpoint.pages.render import backend, labeller, query_link, render, term_view
from sparql_endpoint.protocol import examples

#: Counts on the home page: (key, class IRI); their nouns are ``words.NOUNS[key]``.
COUNTED = (
    ("instruments", APG + "Instrument"),
    ("organisations", APG + "Organisation"),
    ("resources", APG + "KnowledgeResource"),
    ("legal", APG + "LegalText"),
    ("figures", APG + "Figure"),
    ("concepts", SKOS + "Concept"),
)


def counts() -> list[dict]:
    """Return how many things of each main class the graph holds (computed once).

    The counts and the triple count are published together, once both are known: a
    request arriving while another computes them computes them too, never half of them.
    """
    cache = current_app.extensions.setdefault("pages_cache", {})
    if "home" not in cache:
        found = []
        for key, cls in COUNTED:
            rows = backend().select(
                f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a/<{RDFS}subClassOf>* <{cls}> }}")
            n = int(rows[0]["n"].value) if rows else 0
            found.append({"key": key, "count": n, "class": cls})
        cache["home"] = (found, backend().triple_count())
    return cache["home"][0]


def home():
    """Show the home page: counts, the questions the graph answers, links and licence."""
    found = counts()
    triples = current_app.extensions["pages_cache"]["home"][1]
    lang = choose_language()
    return render("home.html", counts=found, triples=triples, groups=examples.grouped(lang))


def schemes():
    """Browse the concept schemes and their concepts."""
    lang = choose_language()
    rows = backend().select(
        f"SELECT ?scheme ?concept WHERE {{ ?scheme a <{SKOS}ConceptScheme> "
        f"OPTIONAL {{ ?concept <{SKOS}inScheme> ?scheme }} }}")
    names = labeller()
    names.fetch(r["scheme"].value for r in rows)
    names.fetch(r["concept"].value for r in rows if "concept" in r)
    found: dict[str, dict] = {}
    for row in rows:
        scheme = found.setdefault(row["scheme"].value,
                                  {"term": term_view(row["scheme"], lang), "concepts": []})
        if "concept" in row:
            scheme["concepts"].append(term_view(row["concept"], lang))
    listed = sorted(found.values(), key=lambda s: s["term"]["text"].casefold())
    for scheme in listed:
        scheme["concepts"].sort(key=lambda c: c["text"].casefold())
    query = (f"SELECT ?scheme ?concept ?label WHERE {{ ?concept <{SKOS}inScheme> ?scheme ; "
             f"<{SKOS}prefLabel> ?label }} ORDER BY ?scheme ?label")
    name = "vocabulaires-concepts" if lang == "fr" else "vocabularies-concepts"
    return render("schemes.html", schemes=listed, csv=query_link(query, "csv", name))
