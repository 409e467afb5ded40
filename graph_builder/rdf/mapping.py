"""The mapping of records (curated YAML, imported wiki pages) to RDF, as docs/model.md says.

Every node gets an IRI (``{base}id/{kind}/{key}``, dependent nodes derived from their
owner): no blank nodes. Web addresses that are not valid absolute http(s) IRIs are
kept as ``xsd:anyURI`` literals, which the shapes reject naming the field, so a broken
IRI never reaches a dump. Links out come only from the records' own facts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from achat_core.iris import DEFAULT_BASE
from graph_builder.namespaces import ADMS, APG, ELI, EU_AUTHORITY, SCHEMA
from graph_builder.rdf.web_addresses import to_iri
from graph_builder.sources.model import ENTRIES, KINDS, LIST_TYPES, Field
from graph_builder.sources.records import Record

#: The fixed base of the project's own concept schemes (docs/model.md).
VOCABULARY_BASE = DEFAULT_BASE
WIKIDATA = "http://www.wikidata.org/entity/"
#: CPV concepts: ``{CPV}{8 digits, check digit removed}`` (facts.md §5).
CPV = Namespace("http://data.europa.eu/cpv/cpv/")
ANNUAIRE_ENTREPRISES = "https://annuaire-entreprises.data.gouv.fr/entreprise/"

#: Classes of resources by their ``type`` code.
RESOURCE_TYPES = {
    "publication": APG.Publication,
    "guide": APG.Guide,
    "study": APG.Study,
    "wiki-page": APG.WikiPage,
    "web-page": APG.WebPage,
}
CLASSES = {
    "instrument": APG.Instrument,
    "organisation": APG.Organisation,
    "resource": APG.KnowledgeResource,
    "legal-text": APG.LegalText,
    "legal-provision": APG.LegalProvision,
    "challenge": APG.Challenge,
    "community": APG.Community,
    "project": APG.Project,
    "figure": APG.Figure,
}
CONCEPT_SCHEMES = {"theme": APG.ThemeScheme, "tag": APG.TagScheme}

#: Dependent nodes listed in a record: field → (IRI kind, class, linking property).
DEPENDENTS = {
    "obligations": ("obligation", APG.Obligation, APG.obligation),
    "wiki_texts": ("wiki-text", APG.WikiText, APG.wikiText),
}

_EU_CONCEPT = re.compile(r"^([a-z][a-z0-9-]*)/([A-Za-z0-9][A-Za-z0-9-]*)$")


@dataclass
class Mapped:
    """A mapped graph and, for each subject IRI, the record that produced it."""

    graph: Graph
    origins: dict[URIRef, Record] = field(default_factory=dict)


def thing_iri(base: str, kind: str, key: str) -> URIRef:
    """Return the IRI of a thing: ``{base}id/{kind}/{key}`` (the key percent-encoded if need be)."""
    return URIRef(f"{base}id/{kind}/{quote(str(key), safe='-')}")


def concept_iri(scheme: str, code: str) -> URIRef:
    """Return the IRI of a concept of one of the project's fixed schemes."""
    return URIRef(f"{VOCABULARY_BASE}id/{scheme}/{quote(str(code), safe='-')}")


def web_address(text: Any) -> URIRef | Literal:
    """Return an absolute http(s) address as an IRI, or else as an ``xsd:anyURI`` literal."""
    text = str(text).strip()
    iri = to_iri(text)
    return URIRef(iri) if iri is not None else Literal(text, datatype=XSD.anyURI)


def map_records(records: list[Record], base: str) -> Mapped:
    """Map records to an RDF graph with no blank nodes, recording which record made each node."""
    graph = Graph(store="SimpleMemory", bind_namespaces="none")
    graph.bind("apg", str(APG))
    for prefix, namespace in (("dcterms", DCTERMS), ("skos", SKOS), ("owl", OWL),
                              ("schema", SCHEMA), ("eli", ELI), ("adms", ADMS),
                              ("rdfs", RDFS), ("xsd", XSD)):
        graph.bind(prefix, namespace)
    index: dict[str, set[str]] = {}
    for record in records:
        index.setdefault(record.kind, set()).add(record.key)
    mapped = Mapped(graph)
    for record in records:
        _map_record(record, base, index, mapped)
    return mapped


def _map_record(record: Record, base: str, index: dict[str, set[str]], mapped: Mapped) -> None:
    graph = mapped.graph
    subject = thing_iri(base, record.kind, record.key)
    mapped.origins[subject] = record
    fields = record.fields
    add = graph.add
    for rdf_class in _classes(record):
        add((subject, RDF.type, rdf_class))
    label = fields.get("label") or fields.get("title")
    if record.kind in CONCEPT_SCHEMES or record.kind == "instrument":
        add((subject, RDF.type, SKOS.Concept))
        scheme = CONCEPT_SCHEMES.get(record.kind, APG.InstrumentScheme)
        add((subject, SKOS.inScheme, scheme))
        for literal in _texts(label):
            add((subject, SKOS.prefLabel, literal))
    for literal in _texts(label):
        add((subject, RDFS.label, literal))
    if record.kind in ("resource", "legal-text"):
        for literal in _texts(fields.get("title") or label):
            add((subject, DCTERMS.title, literal))
    for alias in _list(fields.get("aliases")):
        add((subject, SKOS.altLabel, Literal(str(alias))))

    schema = KINDS[record.kind]
    for name, value in fields.items():
        spec = schema.get(name)
        if spec is None:
            _unmapped(graph, subject, name, value)
        elif not spec.custom:
            for term in _terms(spec, value, base, index):
                add((subject, spec.prop, term))

    for item in _list(fields.get("unmapped")):
        if isinstance(item, dict):
            text = f"{item.get('label', '')} : {item.get('value', '')}"
            add((subject, APG.unmappedField, Literal(text)))
    if record.kind == "resource" and fields.get("wiki_page"):
        page = web_address(fields["wiki_page"])
        add((subject, RDFS.seeAlso, page))
        if not fields.get("url"):
            add((subject, SCHEMA.url, page))
    for code in _list(fields.get("cpv_codes")):
        add((subject, APG.cpvClass, CPV[str(code)]))
    _map_thresholds(record, subject, base, index, mapped)
    _map_conditions(record, subject, base, index, mapped)
    _map_dependents(record, subject, base, mapped)
    _map_identifiers(record, subject, base, mapped)
    if fields.get("wikidata"):
        qid = str(fields["wikidata"])
        if re.fullmatch(r"Q[1-9][0-9]*", qid):
            add((subject, SKOS.closeMatch, URIRef(WIKIDATA + qid)))
        else:
            add((subject, SKOS.closeMatch, Literal(qid, datatype=XSD.anyURI)))


def _classes(record: Record) -> list[URIRef]:
    if record.kind == "resource":
        code = record.fields.get("type")
        if code is None and record.fields.get("wiki_page"):
            code = "wiki-page"
        specific = RESOURCE_TYPES.get(str(code)) if code is not None else None
        return [APG.KnowledgeResource] + ([specific] if specific else [])
    if record.kind == "legal-text":
        return [APG.LegalText, APG.KnowledgeResource]
    return [CLASSES[record.kind]] if record.kind in CLASSES else []


#: Threshold fields the mapping writes itself; the others follow their type.
_THRESHOLD_OWN = {"amount", "currency", "excluding_vat", "scope", "key", "in_force_from",
                  "in_force_until"}


def _map_thresholds(record: Record, subject: URIRef, base: str, index: dict[str, set[str]],
                    mapped: Mapped) -> None:
    graph = mapped.graph
    for number, item in enumerate(_list(record.fields.get("thresholds")), start=1):
        if not isinstance(item, dict):
            continue
        node = thing_iri(base, "threshold", str(item.get("key") or f"{record.key}-{number}"))
        mapped.origins[node] = record
        graph.add((subject, APG.threshold, node))
        graph.add((node, RDF.type, APG.Threshold))
        amount = _decimal(item.get("amount"))
        currency = str(item.get("currency", ""))
        if amount is not None:
            graph.add((node, APG.amount, Literal(amount)))
        if currency:
            graph.add((node, APG.currency, Literal(currency, datatype=XSD.string)))
        if isinstance(item.get("excluding_vat"), bool):
            graph.add((node, APG.excludingVAT, Literal(item["excluding_vat"])))
        for literal in _texts(item.get("scope")):
            graph.add((node, APG.thresholdScope, literal))
        _map_in_force(graph, node, item)
        for name, spec in ENTRIES["threshold"].items():
            if name not in _THRESHOLD_OWN and item.get(name) is not None:
                for term in _terms(spec, item[name], base, index):
                    graph.add((node, spec.prop, term))
        if amount is not None:
            vat = {True: (" HT", " excl. VAT"), False: (" TTC", " incl. VAT")}.get(
                item.get("excluding_vat"), ("", ""))
            shown = f"{amount:,f}".replace(",", "\u202f")
            graph.add((node, RDFS.label, Literal(f"{shown} {currency}{vat[0]}", lang="fr")))
            graph.add((node, RDFS.label,
                       Literal(f"{amount:,f} {currency}{vat[1]}", lang="en")))


def _map_conditions(record: Record, subject: URIRef, base: str, index: dict[str, set[str]],
                    mapped: Mapped) -> None:
    """Map the guide's conditions of use of an instrument, each a node ``id/condition/{key}``."""
    graph = mapped.graph
    for number, item in enumerate(_list(record.fields.get("conditions")), start=1):
        if not isinstance(item, dict):
            continue
        node = thing_iri(base, "condition", str(item.get("key") or f"{record.key}-{number}"))
        mapped.origins[node] = record
        graph.add((subject, APG.condition, node))
        graph.add((node, RDF.type, APG.Condition))
        _map_in_force(graph, node, item)
        for name, spec in ENTRIES["condition"].items():
            if name in {"key", "in_force_from", "in_force_until"} or item.get(name) is None:
                continue
            for term in _terms(spec, item[name], base, index):
                graph.add((node, spec.prop, term))


def _map_in_force(graph: Graph, node: URIRef, item: dict) -> None:
    """Add the in-force dates an entry (threshold, obligation) carries."""
    for name in ("in_force_from", "in_force_until"):
        literal = _date(item.get(name)) if item.get(name) is not None else None
        if literal is not None:
            graph.add((node, ENTRIES["obligation"][name].prop, literal))


def _map_dependents(record: Record, subject: URIRef, base: str, mapped: Mapped) -> None:
    """Map the obligations and wiki texts of a record as nodes of their own."""
    graph = mapped.graph
    for name, (kind, rdf_class, prop) in DEPENDENTS.items():
        for number, item in enumerate(_list(record.fields.get(name)), start=1):
            if not isinstance(item, dict):
                continue
            node = thing_iri(base, kind, f"{record.key}-{number}")
            mapped.origins[node] = record
            graph.add((subject, prop, node))
            graph.add((node, RDF.type, rdf_class))
            label = item.get("label")
            if isinstance(label, str):  # a wiki's own label, in the wiki's language
                label = {"fr": label}
            for literal in _texts(label):
                graph.add((node, RDFS.label, literal))
            _map_in_force(graph, node, item)
            if item.get("value"):
                graph.add((node, RDF.value, Literal(str(item["value"]), lang="fr")))
            if item.get("source"):
                graph.add((node, DCTERMS.source, web_address(item["source"])))
            literal = _date(item["read_on"]) if item.get("read_on") else None
            if literal is not None:
                graph.add((node, APG.readOn, literal))


def _map_identifiers(record: Record, subject: URIRef, base: str, mapped: Mapped) -> None:
    graph = mapped.graph
    for scheme, digits in (("siren", 9), ("siret", 14)):
        number = record.fields.get(scheme)
        if number is None:
            continue
        number = str(number)
        prop = APG.siren if scheme == "siren" else APG.siret
        graph.add((subject, prop, Literal(number)))
        if not re.fullmatch(rf"[0-9]{{{digits}}}", number):
            continue  # the shapes report the malformed number; no IRI is minted from it
        node = thing_iri(base, "identifier", f"{scheme}-{number}")
        mapped.origins[node] = record
        graph.add((subject, ADMS.identifier, node))
        graph.add((node, RDF.type, ADMS.Identifier))
        graph.add((node, SKOS.notation, Literal(number)))
        graph.add((node, DCTERMS.type, Literal(scheme.upper())))
        graph.add((node, RDFS.label, Literal(f"{scheme.upper()} {number}")))
        if scheme == "siren":
            graph.add((subject, RDFS.seeAlso, URIRef(ANNUAIRE_ENTREPRISES + number)))


def _terms(spec: Field, value: Any, base: str, index: dict[str, set[str]]) -> list:
    """Return the RDF terms a field's value becomes, by the field's type."""
    item_type = LIST_TYPES.get(spec.type, spec.type)
    items = _list(value)
    if item_type == "text":
        return _texts(value)
    if item_type == "url":
        return [web_address(item) for item in items]
    if item_type in ("date", "partial-date"):
        return [literal for literal in (_date(item) for item in items) if literal is not None]
    if item_type == "ref":
        return [thing_iri(base, _kind_of(str(key), spec.refs, index), key) for key in items]
    if item_type == "code":
        return [concept_iri(spec.scheme, code) for code in items]
    if item_type == "eu-concept":
        return [_eu_concept(item) for item in items]
    if item_type == "bool":
        return [Literal(item) for item in items if isinstance(item, bool)]
    if item_type == "decimal":
        return [Literal(number) for number in map(_decimal, items) if number is not None]
    return [Literal(str(item)) for item in items]


def _kind_of(key: str, kinds: tuple[str, ...], index: dict[str, set[str]]) -> str:
    """Return the first kind that has a record with this key (else the first kind)."""
    return next((kind for kind in kinds if key in index.get(kind, ())), kinds[0])


def _eu_concept(text: Any) -> URIRef | Literal:
    match = _EU_CONCEPT.match(str(text))
    if not match:
        return Literal(str(text), datatype=XSD.anyURI)
    return URIRef(f"{EU_AUTHORITY}{match.group(1)}/{match.group(2)}")


def _texts(value: Any) -> list[Literal]:
    """Return the literals of a text map (one per language), a string, or a list of them."""
    if isinstance(value, dict):
        return [Literal(str(text), lang=lang) for lang, text in sorted(value.items())
                if isinstance(lang, str) and re.fullmatch(r"[a-z]{2,3}", lang) and text]
    if isinstance(value, list):
        return [literal for item in value for literal in _texts(item)]
    if value is None or value == "":
        return []
    return [Literal(str(value))]


def _date(value: Any) -> Literal | None:
    if isinstance(value, dt.datetime):
        return Literal(value.date())
    if isinstance(value, dt.date):
        return Literal(value)
    text = str(value)
    if re.fullmatch(r"[12][0-9]{3}", text):
        return Literal(text, datatype=XSD.gYear)
    if re.fullmatch(r"[12][0-9]{3}-(0[1-9]|1[0-2])", text):
        return Literal(text, datatype=XSD.gYearMonth)
    try:
        return Literal(dt.date.fromisoformat(text))
    except ValueError:
        return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _unmapped(graph: Graph, subject: URIRef, name: str, value: Any) -> None:
    """Keep a field the mapping does not know as ``apg:unmappedField "name : value"``."""
    for item in _list(value):
        texts = _texts(item) if isinstance(item, dict) else [Literal(str(item))]
        for literal in texts:
            graph.add((subject, APG.unmappedField, Literal(f"{name} : {literal}")))
