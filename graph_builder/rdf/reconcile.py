"""Turn wiki pages into records and reconcile the things they name with the curated records.

Each page becomes one ``resource`` record keyed by the slug of its title, in French only,
with its wiki address as ``wiki_page`` and in ``sources``.  Its fields map as ``wiki.LABELS``
says.  Fields the importer does not know go to ``unmapped`` (written
``apg:unmappedField "Label : value"``) and are reported as warnings; the names of people
(contributors, referent, key people) are kept there too, without a warning, since people are
not modelled.

Names in list fields (organisations, challenges, communities, themes, tags, related
commons) are matched against the records of the right kind by ``normalise_name`` of their
labels, titles, aliases and key.  A value is first tried whole, then split at commas, so a
challenge whose name holds a comma still matches.  A name that matches nothing becomes one
new record (``imported=True``) shared by every page that names it, and is listed in
``ImportResult.new_nodes``.

A page whose key or wiki address is already a curated resource is merged into it: the
page fills the fields the curated record lacks (missing languages of a text included), adds
links and sources it does not have, and the curated record wins on every conflict.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from achat_core.text import ascii_fold
from graph_builder.errors import WARNING, Problem
from graph_builder.rdf.web_addresses import to_iri
from graph_builder.rdf.wiki_words import wiki_texts
from graph_builder.slugs import slugify
from graph_builder.sources.records import Record
from graph_builder.sources.wiki import (
    WikiField,
    WikiPage,
    is_placeholder_image,
    page_iri,
    title_key,
)

#: The kind of record each list field refers to.
LINK_KINDS: dict[str, str] = {
    "involves": "organisation",
    "used_by": "organisation",
    "challenges": "challenge",
    "communities": "community",
    "themes": "theme",
    "tags": "tag",
    "related": "resource",
}
_KIND_FR = {"organisation": "organisation", "challenge": "défi", "community": "communauté",
            "theme": "thème", "tag": "mot-clé", "resource": "ressource"}
#: What does not count when two names are compared (``normalise_name``).
_ORDINAL = re.compile(r"\b(\d+) ?(?:ieme|eme|ere|er|re|nde|nd|e)\b")
_ARTICLE = re.compile(r"^(?:la|le|les|l|the) ")
_NOT_WORD = re.compile(r"[\W_]+")


def normalise_name(text: str) -> str:
    """Return the form in which two names of the same thing compare equal.

    Case, accents, typographic apostrophes, no-break spaces, ordinals ("27ème", "27e"),
    a leading article ("la", "le", "les", "l'", "the") and punctuation do not count.
    """
    folded = ascii_fold(text).casefold()
    words = _NOT_WORD.sub(" ", folded).strip()
    words = _ORDINAL.sub(r"\1", words)
    return _ARTICLE.sub("", words).strip()


@dataclass
class ImportResult:
    """Curated and imported records merged, new nodes for the build summary, warnings."""

    records: list[Record]
    new_nodes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _PageRecord:
    """A page read into record fields, with the names its list fields hold (not yet keys)."""

    page: WikiPage
    fields: dict[str, Any]
    names: list[tuple[str, str, WikiField]]  # (record field, value, the field it came from)


def _warn(page: WikiPage, wiki_field: WikiField | None, en: str, fr: str) -> Problem:
    return Problem(en, fr, file=page.file, line=wiki_field.line if wiki_field else None,
                   record=f"resource/{page.key}",
                   field=wiki_field.label if wiki_field else None, severity=WARNING)


def _record_names(record: Record) -> list[str]:
    """Return every name a record is known by: labels, titles, aliases and its key."""
    names = [record.key.replace("-", " ")]
    for name in ("label", "title"):
        value = record.fields.get(name)
        if isinstance(value, str):
            names.append(value)
        elif isinstance(value, dict):
            names.extend(v for v in value.values() if isinstance(v, str))
    names.extend(a for a in record.fields.get("aliases", []) or [] if isinstance(a, str))
    return names


class _Index:
    """Records by reference, and their keys by kind and normalised name."""

    def __init__(self) -> None:
        self.by_ref: dict[str, Record] = {}
        self.by_name: dict[tuple[str, str], list[str]] = {}
        self.next_suffix: dict[str, int] = {}  # where free_key's search resumes

    def add(self, record: Record) -> None:
        self.by_ref[record.ref] = record
        for name in _record_names(record):
            keys = self.by_name.setdefault((record.kind, normalise_name(name)), [])
            if record.key not in keys:
                keys.append(record.key)

    def find(self, kind: str, name: str) -> list[str]:
        return sorted(self.by_name.get((kind, normalise_name(name)), []))

    def free_key(self, kind: str, name: str) -> str:
        base = slugify(name) or title_key(name)
        key, n = base, self.next_suffix.get(f"{kind}/{base}", 2)
        while f"{kind}/{key}" in self.by_ref:
            key, n = f"{base}-{n}", n + 1
        self.next_suffix[f"{kind}/{base}"] = n
        return key


def _page_fields(page: WikiPage, problems: list[Problem], read_on: dt.date) -> _PageRecord:
    """Read a page's fields into record fields, reporting what cannot be mapped."""
    fields: dict[str, Any] = {"title": {"fr": page.title}, "wiki_page": page.source,
                              "sources": [page.source]}
    kept = wiki_texts(page, read_on)
    if kept:
        fields["wiki_texts"] = kept
    names: list[tuple[str, str, WikiField]] = []
    unmapped: list[dict[str, str]] = []
    for wiki_field in page.fields:
        known = wiki_field.known
        value = wiki_field.value
        if known is None:
            problems.append(_warn(
                page, wiki_field,
                f"unknown wiki field {wiki_field.label!r}: kept as apg:unmappedField, "
                "not mapped to the ontology",
                f"champ du wiki inconnu {wiki_field.label!r} : gardé en apg:unmappedField, "
                "sans correspondance dans l'ontologie"))
            if value:
                unmapped.append({"label": wiki_field.label, "value": value})
            continue
        name, form = known
        if not value:
            continue
        if form == "list":
            names.append((name, value, wiki_field))
        elif form == "kept":
            unmapped.append({"label": wiki_field.label, "value": value})
        elif name in fields:
            problems.append(_warn(
                page, wiki_field, f"field repeated: this value was kept as apg:unmappedField "
                f"({name} is already set)",
                f"champ répété : cette valeur est gardée en apg:unmappedField ({name} a déjà "
                "une valeur)"))
            unmapped.append({"label": wiki_field.label, "value": value})
        elif form == "text":
            fields[name] = {"fr": value}
        else:
            iri, rest = _first_address(value, form)
            if iri is not None:
                fields[name] = iri
            if rest:
                problems.append(_warn(
                    page, wiki_field,
                    f"not an absolute http(s) address: {rest!r}; kept as apg:unmappedField",
                    f"pas une adresse http(s) absolue : {rest!r} ; gardé en apg:unmappedField"))
                unmapped.append({"label": wiki_field.label, "value": rest})
    if unmapped:
        fields["unmapped"] = unmapped
    return _PageRecord(page, fields, names)


def _first_address(value: str, form: str) -> tuple[str | None, str]:
    """Return the first address of a value as an IRI, and the lines that are not used."""
    iri, rest = None, []
    for line in (line.strip() for line in value.split("\n")):
        if not line or (form == "image" and is_placeholder_image(line)):
            continue
        candidate = to_iri(line)
        if candidate is None and form == "image" and "://" not in line:
            name = line.split(":", 1)[-1] if line.lower().startswith(("fichier:", "file:")) \
                else line
            candidate = page_iri(f"Special:FilePath/{name.strip()}")
        if iri is None and candidate is not None:
            iri = candidate
        else:
            rest.append(line)
    return iri, "\n".join(rest)


def _merge(target: dict[str, Any], extra: dict[str, Any]) -> None:
    """Fill ``target`` with what it lacks from ``extra``; ``target`` wins on conflicts."""
    for name, value in extra.items():
        if name not in target:
            target[name] = copy.deepcopy(value)
        elif isinstance(target[name], dict) and isinstance(value, dict):
            for lang, text in value.items():
                target[name].setdefault(lang, text)
        elif isinstance(target[name], list) and isinstance(value, list):
            present = {repr(v) for v in target[name]}  # values may be dicts: compare by repr
            for v in value:
                if repr(v) not in present:
                    present.add(repr(v))
                    target[name].append(v)


def import_pages(pages: list[WikiPage], records: list[Record],
                 read_on: dt.date | None = None) -> ImportResult:
    """Import wiki pages into the curated records, reconciling the names they hold.

    ``read_on`` is the day the pages were read (by default today): the wiki's own words
    are kept with it.
    """
    read_on = read_on or dt.datetime.now(dt.UTC).date()
    result = ImportResult(records=[copy.deepcopy(r) for r in records])
    index = _Index()
    for record in result.records:
        index.add(record)
    by_wiki_page = {r.fields["wiki_page"]: r for r in result.records
                    if r.kind == "resource" and isinstance(r.fields.get("wiki_page"), str)}
    curated = len(result.records)

    # First every page's own record, so pages can name each other as related commons.
    page_records: list[tuple[_PageRecord, Record]] = []
    for page in pages:
        result.problems.extend(page.problems)
        read = _page_fields(page, result.problems, read_on)
        target = by_wiki_page.get(page.source) or index.by_ref.get(f"resource/{page.key}")
        if target is None:
            target = Record("resource", page.key, {}, file=page.file, line=page.title_line,
                            imported=True)
            result.records.append(target)
            result.new_nodes.append(f"resource «{page.title}» (wiki page {page.file}, not in "
                                    f"data/, created resource/{page.key})")
        elif target.imported:
            result.problems.append(_warn(
                page, None, f"another page has the same title key {page.key!r} "
                f"({target.file}): both are merged into one resource",
                f"une autre page a la même clé de titre {page.key!r} ({target.file}) : "
                "les deux sont fusionnées en une ressource"))
        _merge(target.fields, read.fields)
        index.add(target)
        by_wiki_page.setdefault(page.source, target)
        page_records.append((read, target))

    for read, target in page_records:
        links: dict[str, dict[str, None]] = {}  # ordered sets of keys
        for name, value, wiki_field in read.names:
            for thing in _split_names(index, LINK_KINDS[name], value):
                key = _resolve(index, result, read.page, wiki_field, LINK_KINDS[name], thing)
                if key is not None:
                    links.setdefault(name, {})[key] = None
        _merge(target.fields, {name: list(keys) for name, keys in links.items()})

    imported = sorted(result.records[curated:], key=lambda r: r.ref)
    result.records[curated:] = imported
    return result


def _split_names(index: _Index, kind: str, value: str) -> list[str]:
    """Return the names a list value holds: the whole value if it is known, else its parts."""
    whole = " ".join(value.split())
    if index.find(kind, whole) or "," not in whole:
        return [whole]
    return [part.strip() for part in whole.split(",") if part.strip()]


def _resolve(index: _Index, result: ImportResult, page: WikiPage, wiki_field: WikiField,
             kind: str, name: str) -> str | None:
    """Return the key of the record a name means, creating it when nothing matches."""
    keys = index.find(kind, name)
    if len(keys) > 1:
        result.problems.append(_warn(
            page, wiki_field, f"{kind} «{name}» matches several records "
            f"({', '.join(keys)}): linked to {keys[0]}; add an alias to tell them apart",
            f"{_KIND_FR[kind]} «{name}» correspond à plusieurs enregistrements "
            f"({', '.join(keys)}) : lié à {keys[0]} ; ajouter un alias pour les distinguer"))
    if keys:
        record = index.by_ref[f"{kind}/{keys[0]}"]
        if record.imported and page.source not in record.fields.setdefault("sources", []):
            record.fields["sources"].append(page.source)
        return keys[0]
    if not slugify(name) and not title_key(name):
        result.problems.append(_warn(
            page, wiki_field, f"{kind} name {name!r} has no letter or digit: ignored",
            f"le nom de {_KIND_FR[kind]} {name!r} n'a ni lettre ni chiffre : ignoré"))
        return None
    key = index.free_key(kind, name)
    text = {"fr": name}
    fields: dict[str, Any] = {"label": text, "sources": [page.source]}
    if kind == "resource":
        fields = {"title": text, "wiki_page": page_iri(name), "sources": [page.source]}
    record = Record(kind, key, fields, file=page.file, line=wiki_field.line, imported=True)
    result.records.append(record)
    index.add(record)
    result.new_nodes.append(f"{kind} «{name}» (not in data/, created {kind}/{key})")
    result.problems.append(_warn(
        page, wiki_field, f"{kind} «{name}» matches no record in data/: created {kind}/{key}; "
        "add it or an alias to data/ to link it to a curated record",
        f"{_KIND_FR[kind]} «{name}» ne correspond à aucun enregistrement de data/ : "
        f"{kind}/{key} créé ; l'ajouter, ou un alias, dans data/ pour le relier"))
    return key
