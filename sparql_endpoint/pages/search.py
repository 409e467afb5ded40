"""Search over labels in French and English, ignoring accents and case (``/search?q=``)."""

from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Blueprint, current_app, jsonify, request

from achat_core.formats import BY_NAME
from achat_core.iris import SKOS
from achat_core.search_index import entry, tokenize
from achat_core.text import fold
from sparql_endpoint.http.errors import problem
from sparql_endpoint.http.language import choose_language
from sparql_endpoint.pages.labels import LABEL_PATH, pick
from sparql_endpoint.pages.render import backend, build_info, href, render
from sparql_endpoint.protocol.negotiation import negotiate

bp = Blueprint("search", __name__)

EXACT, PREFIX, WORDS = 3, 2, 1
#: Readable names of the kinds of entries, for the type filter and the results: (fr, en).
KIND_NAMES = {
    "instrument": ("Instrument d'achat", "Procurement instrument"),
    "organisation": ("Organisation", "Organisation"),
    "resource": ("Ressource", "Resource"),
    "legal-text": ("Texte juridique", "Legal text"),
    "legal-provision": ("Article de loi", "Legal provision"),
    "figure": ("Chiffre", "Figure"),
    "project": ("Projet", "Project"),
    "theme": ("Thème", "Theme"),
    "tag": ("Mot-clé", "Tag"),
    "challenge": ("Défi", "Challenge"),
    "community": ("Communauté", "Community"),
    "objective": ("Objectif", "Objective"),
    "instrument-kind": ("Genre d'instrument", "Kind of instrument"),
    "actor-role": ("Rôle d'acteur", "Actor role"),
    "threshold": ("Seuil", "Threshold"),
    "identifier": ("Identifiant", "Identifier"),
    "Concept": ("Concept (code européen)", "Concept (EU code)"),
    "ConceptScheme": ("Vocabulaire", "Vocabulary"),
    "Class": ("Classe de l'ontologie", "Ontology class"),
    "ObjectProperty": ("Propriété d'objet de l'ontologie", "Ontology object property"),
    "DatatypeProperty": ("Propriété de données de l'ontologie", "Ontology data property"),
    "FunctionalProperty": ("Propriété fonctionnelle de l'ontologie",
                           "Ontology functional property"),
    "Ontology": ("Ontologie", "Ontology"),
}


def kind_name(kind: str, lang: str) -> str:
    """Return the readable name of a kind of entry in a language (the kind itself if unknown)."""
    names = KIND_NAMES.get(kind)
    return names[lang == "en"] if names else kind
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def _entries_from_store() -> list[dict]:
    rows = backend().select(
        f"SELECT ?s ?l ?alias ?type WHERE {{ {{ ?s {LABEL_PATH} ?l }} UNION "
        f"{{ ?s <{SKOS}altLabel> ?alias }} OPTIONAL {{ ?s a ?type }} FILTER(isIRI(?s)) }}")
    found: dict[str, dict] = {}
    for row in rows:
        item = found.setdefault(row["s"].value, {"labels": {}, "aliases": [], "types": []})
        if isinstance(row.get("l"), ox.Literal):
            item["labels"].setdefault(row["l"].language or "", []).append(row["l"].value)
        if isinstance(row.get("alias"), ox.Literal):
            item["aliases"].append(row["alias"].value)
        if "type" in row:
            item["types"].append(row["type"].value)
    return [entry(iri, v["labels"], v["aliases"], v["types"])
            for iri, v in sorted(found.items()) if v["labels"]]


def index() -> list[dict]:
    """Return the search entries: ``search-index.json`` of the build, else built from the store."""
    if "search_index" not in current_app.extensions:
        dist = build_info().get("dist")
        path = dist / "search-index.json" if dist else None
        if path is not None and path.is_file():
            entries = json.loads(path.read_text(encoding="utf-8"))["entries"]
        else:
            entries = _entries_from_store()
        current_app.extensions["search_index"] = entries
    return current_app.extensions["search_index"]


def score(item: dict, folded_query: str, words: list[str]) -> int:
    """Rank an entry for a folded query: exact label, then label prefix, then every word."""
    if folded_query in item["folded"]:
        return EXACT
    if any(label.startswith(folded_query) for label in item["folded"]):
        return PREFIX
    tokens = item["tokens"]
    if words and all(any(t.startswith(w) for t in tokens) for w in words):
        return WORDS
    return 0


def find(query: str, lang: str, kind: str | None = None, limit: int = DEFAULT_LIMIT) -> list:
    """Return ranked matches of a query as {iri, label, lang, kind, score}, best first."""
    folded_query, words = fold(query), tokenize(query)
    if not folded_query:
        return []
    hits = []
    for item in index():
        if kind and item["kind"] != kind:
            continue
        points = score(item, folded_query, words)
        if points:
            labels = {lg: texts[0] for lg, texts in item["labels"].items()}
            label, label_lang = pick(labels, lang) or (item["iri"], "")
            hits.append({"iri": item["iri"], "label": label, "lang": label_lang,
                         "kind": item["kind"], "score": points})
    hits.sort(key=lambda h: (-h["score"], fold(h["label"]), h["iri"]))
    return hits[:limit]


@bp.get("/search.json")
def search_json():
    """Answer a search as JSON."""
    return search_page()


@bp.get("/search")
def search_page():
    """Answer a search as an HTML page or, at ``.json`` or on request, as JSON."""
    lang = choose_language()
    query = request.args.get("q", "").strip()
    kind = request.args.get("kind") or None
    raw_limit = request.args.get("limit", str(DEFAULT_LIMIT))
    try:
        limit = max(1, min(MAX_LIMIT, int(raw_limit)))
    except ValueError:
        return problem(400, f"limit must be a whole number from 1 to {MAX_LIMIT}, "
                            f"not {raw_limit!r}.")
    hits = find(query, lang, kind, limit)
    wants_json = request.path.endswith(".json") or negotiate(
        request.headers.get("Accept"), (BY_NAME["html"], BY_NAME["json"])) == BY_NAME["json"]
    if wants_json:
        response = jsonify({"query": query, "kind": kind, "results": [
            {**h, "page": href(h["iri"], described=True)} for h in hits]})
        response.vary.add("Accept")
        return response
    for hit in hits:
        hit["href"] = href(hit["iri"], described=True)
        hit["kind_name"] = kind_name(hit["kind"], lang)
    kinds = sorted(({"value": k, "name": kind_name(k, lang)}
                    for k in {item["kind"] for item in index() if item["kind"]}),
                   key=lambda k: fold(k["name"]))
    return render("search.html", query=query, hits=hits, kinds=kinds, kind=kind)
