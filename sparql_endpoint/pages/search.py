"""Search over names in French and English (``/search?q=``), and the search the lists filter by.

What matches and how it ranks is ``matching``; how texts are compared is
``achat_core.search_index.terms``, the same on the builder's side.
"""

from __future__ import annotations

import copy
import gc
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection
from contextlib import contextmanager

import pyoxigraph as ox
from flask import Blueprint, abort, current_app, jsonify, request, url_for

from achat_core.formats import BY_NAME
from achat_core.iris import SKOS
from achat_core.search_index import INDEX_VERSION, TEXT_PROPERTIES, entry, terms
from achat_core.text import fold
from sparql_endpoint.http.errors import problem
from sparql_endpoint.http.language import LANGUAGES, choose_language
from sparql_endpoint.pages.labels import LABEL_PATH, pick
from sparql_endpoint.pages.matching import Entry, Index, Match, prepare, rank
from sparql_endpoint.pages.render import backend, build_info, href, render
from sparql_endpoint.protocol.documents import twin_format
from sparql_endpoint.protocol.negotiation import negotiate

bp = Blueprint("search", __name__)

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


#: What a result was found by (the field that matched): (fr, en).
FIELD_NAMES = {
    "label": ("son nom", "its name"),
    "alias": ("un autre nom", "another name"),
    "definition": ("sa définition", "its definition"),
    "description": ("sa description", "its description"),
    "comment": ("son commentaire", "its comment"),
}
FOUND_BY = ("Trouvé par", "Found by")


def kind_name(kind: str, lang: str) -> str:
    """Return the readable name of a kind of entry in a language (the kind itself if unknown)."""
    names = KIND_NAMES.get(kind)
    return names[lang == "en"] if names else kind


DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: The search page and its twin (``/search.json``).
SEARCH_FORMATS = (BY_NAME["html"], BY_NAME["json-document"])


def _entries_from_store() -> list[dict]:
    """Build the entries from the store, for a dist written without ``search-index.json``."""
    rows = backend().select(
        f"SELECT ?s ?l ?alias ?type WHERE {{ {{ ?s {LABEL_PATH} ?l }} UNION "
        f"{{ ?s <{SKOS}altLabel> ?alias }} OPTIONAL {{ ?s a ?type }} FILTER(isIRI(?s)) }}")
    found: dict[str, dict] = {}
    for row in rows:
        item = found.setdefault(row["s"].value, {"labels": {}, "aliases": {}, "types": [],
                                                 "texts": {}})
        if isinstance(row.get("l"), ox.Literal):
            item["labels"].setdefault(row["l"].language or "", []).append(row["l"].value)
        if isinstance(row.get("alias"), ox.Literal):
            item["aliases"].setdefault(row["alias"].language or "", []).append(
                row["alias"].value)
        if "type" in row:
            item["types"].append(row["type"].value)
    fields = {prop: field for field, prop in TEXT_PROPERTIES.items()}
    values = " ".join(f"<{prop}>" for prop in fields)
    for row in backend().select(f"SELECT ?s ?p ?text WHERE {{ VALUES ?p {{ {values} }} "
                                f"?s ?p ?text FILTER(isIRI(?s) && isLiteral(?text)) }}"):
        if row["s"].value in found:
            texts = found[row["s"].value]["texts"].setdefault(fields[row["p"].value], {})
            texts.setdefault(row["text"].language or "", []).append(row["text"].value)
    return [entry(iri, v["labels"], v["aliases"], v["types"], v["texts"])
            for iri, v in sorted(found.items()) if v["labels"]]


def index() -> Index:
    """Return the search entries: ``search-index.json`` of the build, else built from the store.

    Read and split into words once per process: the published build does not change under it.
    """
    if "search_index" not in current_app.extensions:
        dist = build_info().get("dist")
        path = dist / "search-index.json" if dist else None
        with _no_collection():
            if path is not None and path.is_file():
                document = json.loads(path.read_text(encoding="utf-8"))
            else:
                document = {"version": INDEX_VERSION, "entries": _entries_from_store()}
            # An index of another version is read for its texts, and split again here.
            current = document.get("version") == INDEX_VERSION
            made = Index([prepare(item, current) for item in document["entries"]])
            for lang in LANGUAGES:  # each language's alphabetical order, once, before the fork
                made.places(lang, lambda e, lang=lang: _label(e, lang)[0])
            current_app.extensions["search_index"] = made
    return current_app.extensions["search_index"]


@contextmanager
def _no_collection():
    """Hold the garbage collector while the index is read, then leave what it read out of
    its walks (``gc.freeze``): the index makes no cycles and lives as long as the process,
    and each collection walked all of it again (reading 100 000 names took 6 times as
    long, and the first searches after it paid the same)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _label(entry: Entry, lang: str) -> tuple[str, str]:
    return pick(entry.labels, lang) or (entry.iri, "")


def ranked(query: str, lang: str, among: Collection[str] | None = None,
           limit: int | None = None) -> list[tuple[Entry, Match]]:
    """Return the entries a query matches, best first, or those among some IRIs (a list's);
    with LIMIT, only that many of the best."""
    return rank(index(), query, lambda e: _label(e, lang)[0], among, limit, order=lang)


class _Found:
    """The last searches' results, at most ``BUDGET`` bytes (as JSON): a served build
    never changes, and a word most organisations bear costs a second to rank.  A search
    asked again while it is ranked waits for that ranking instead of running alongside
    (ranking holds the interpreter, and every other request of the worker waits on it)."""

    BUDGET = 4 * 2**20
    #: How long a search waits for the same one being ranked, seconds.
    WAIT = 30.0

    def __init__(self):
        self._kept: OrderedDict[tuple, tuple[list, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._ranking: dict[tuple, threading.Event] = {}

    def get(self, key: tuple) -> list | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
        return copy.deepcopy(kept[0]) if kept else None  # pages add to the hits they get

    def put(self, key: tuple, hits: list) -> None:
        size = len(json.dumps(hits)) + len(repr(key)) + 200
        if size > self.BUDGET // 16:
            return
        with self._lock:
            if key in self._kept:
                return
            self._kept[key] = (copy.deepcopy(hits), size)
            self._size += size
            while self._size > self.BUDGET:
                self._size -= self._kept.popitem(last=False)[1][1]

    def find(self, key: tuple, compute: Callable[[], list]) -> list:
        """Return the kept hits of KEY, else those another request is ranking, else
        COMPUTE's (then kept)."""
        hits = self.get(key)
        if hits is not None:
            return hits
        with self._lock:
            ranking = self._ranking.get(key)
            if ranking is None:
                ranking = self._ranking[key] = threading.Event()
                mine = True
            else:
                mine = False
        if not mine:
            ranking.wait(self.WAIT)
            hits = self.get(key)
            return hits if hits is not None else compute()
        try:
            hits = compute()
            self.put(key, hits)
            return hits
        finally:
            with self._lock:
                del self._ranking[key]
            ranking.set()


def find(query: str, lang: str, kind: str | None = None, limit: int = DEFAULT_LIMIT) -> list:
    """Return ranked matches of a query as {iri, label, lang, kind, score, why}, best first."""
    found = current_app.extensions.get("search_found")
    if found is None:
        found = current_app.extensions.setdefault("search_found", _Found())
    return found.find((terms(query), lang, kind, limit), lambda: _find(query, lang, kind, limit))


def _find(query: str, lang: str, kind: str | None, limit: int) -> list:
    hits = []
    for item, found in ranked(query, lang, _of_kind(kind) if kind else None, limit):
        label, label_lang = _label(item, lang)
        hits.append({"iri": item.iri, "label": label, "lang": label_lang, "kind": item.kind,
                     "score": found.level, "why": found.why()})
    return hits


def _of_kind(kind: str) -> frozenset[str]:
    """Return the IRIs of the index's entries of KIND (grouped once per process: a kind
    filter is applied before matching, so only that kind is ranked)."""
    kinds = current_app.extensions.get("search_kinds")
    if kinds is None:
        grouped: dict[str, set[str]] = {}
        for item in index().entries:
            grouped.setdefault(item.kind, set()).add(item.iri)
        kinds = current_app.extensions.setdefault(
            "search_kinds", {k: frozenset(v) for k, v in grouped.items()})
    return kinds.get(kind, frozenset())  # an unknown kind (a client's) is never kept


@bp.get("/search.<fmt>")
def search_twin(fmt: str):
    """Answer a search in the format its suffix names (``/search.json``)."""
    chosen = twin_format(fmt, SEARCH_FORMATS)
    if chosen is None or chosen.name == "html":
        abort(404, description=f"/search is offered as HTML and .json, not .{fmt}.")
    return _answer(chosen.name)


@bp.get("/search")
def search_page():
    """Answer a search as an HTML page or, on request (``Accept``), as JSON."""
    chosen = negotiate(request.headers.get("Accept"), SEARCH_FORMATS) or SEARCH_FORMATS[0]
    response = _answer(chosen.name)
    response.vary.add("Accept")
    return response


def _answer(fmt: str):
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
    if fmt != "html":
        return jsonify({"query": query, "kind": kind, "lang": lang, "results": [
            {**h, "page": href(h["iri"], described=True)} for h in hits]})
    for hit in hits:
        hit["href"] = href(hit["iri"], described=True)
        hit["kind_name"] = kind_name(hit["kind"], lang)
        why = hit["why"]
        hit["why_name"] = FIELD_NAMES.get(why["field"], (why["field"],) * 2)[lang == "en"]
        # A name other than the one shown is quoted; a long text is only named.
        names = why["field"] in ("label", "alias")
        hit["why_text"] = why["text"] if names and why["text"] != hit["label"] else ""
    kinds = sorted(({"value": k, "name": kind_name(k, lang)}
                    for k in {item.kind for item in index().entries if item.kind}),
                   key=lambda k: fold(k["name"]))
    # The twin carries every parameter of this page, read from the parsed request.
    twin = url_for("pages.search.search_twin", fmt="json",
                   **{k: v for k, v in request.args.items() if k in ("q", "kind", "limit")},
                   lang=lang)
    return render("search.html", query=query, hits=hits, kinds=kinds, kind=kind, twin=twin,
                  found_by=FOUND_BY[lang == "en"])
