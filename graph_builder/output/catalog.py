"""Describe a build: its VoID description and its DCAT-AP 3.0.1 catalogue.

Every node has an IRI under the build's base (no blank nodes), so both files are
as reproducible as the dumps they describe.  The catalogue lists the dumps but
never itself: it is written last, once every file it describes is final.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, SKOS

from achat_core.formats import EU_FILE_TYPES, by_media_type
from achat_core.iris import ELI
from graph_builder.namespaces import DCAT, EU_AUTHORITY, PREFIXES, SPDX, VOID

LICENCE = URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
FRANCE = URIRef(f"{EU_AUTHORITY}country/FRA")
LANGUAGES = (URIRef(f"{EU_AUTHORITY}language/FRA"), URIRef(f"{EU_AUTHORITY}language/ENG"))

TITLE = {"fr": "Graphe de connaissances de l'achat public",
         "en": "Public procurement knowledge graph"}
DESCRIPTION = {
    "fr": "Graphe ouvert de données liées sur les instruments de l'achat public innovant "
          "et de l'achat autrement en France, les acteurs et les ressources qui en parlent.",
    "en": "An open linked-data graph of French public-procurement instruments for buying "
          "innovation and buying differently, the actors involved and the resources about them.",
}
CATALOG_TITLE = {"fr": "Catalogue du graphe de l'achat public",
                 "en": "Catalogue of the public procurement graph"}
PUBLISHER_NAME = {"fr": "Projet achat-public-graph", "en": "achat-public-graph project"}
KEYWORDS = (
    ("commande publique", "public procurement"),
    ("achat innovant", "innovative procurement"),
    ("communs", "commons"),
    ("données liées", "linked data"),
)
LABEL = {"fr": "Licence Ouverte / Etalab 2.0", "en": "Open Licence / Etalab 2.0"}


#: What each published file holds, in its distribution's title (the file's name follows).
FILE_TITLES = {
    "graph.ttl": ("Le graphe, en Turtle", "The graph, in Turtle"),
    "graph.nt.gz": ("Le graphe, en N-Triples compressé", "The graph, in compressed N-Triples"),
    "graph.jsonld": ("Le graphe, en JSON-LD", "The graph, in JSON-LD"),
    "void.ttl": ("Description VoID du jeu de données", "VoID description of the dataset"),
    "validation-report.ttl": ("Rapport de validation SHACL", "SHACL validation report"),
    "search-index.json": ("Index de recherche du site", "The site's search index"),
    "contracts.nt.gz": ("Les contrats, en N-Triples compressé",
                        "The contracts, in compressed N-Triples"),
    "indicators.nt.gz": ("Indicateurs calculés sur les contrats",
                         "Indicators computed over the contracts"),
    "contracts.csv.gz": ("Les contrats en tableau (CSV compressé)",
                         "The contracts as a table (compressed CSV)"),
    "decp-rejected.jsonl": ("Contrats écartés par les contrôles, avec leurs raisons",
                            "Contracts the checks set aside, with the reasons"),
}


@dataclass(frozen=True)
class FileInfo:
    """A published file: name, size, SHA-256, media type, triples (None if not RDF)."""

    name: str
    bytes: int
    sha256: str
    media_type: str
    triples: int | None = None
    compressed: bool = False


@dataclass(frozen=True)
class LinkTarget:
    """A dataset the graph links to, known by the namespace of its IRIs."""

    key: str
    namespace: str
    title: dict[str, str]
    #: A namespace inside ``namespace`` that is a vocabulary, not the target's things.
    excluded: str | None = None

    def holds(self, iri: str) -> bool:
        """Tell whether an IRI names one of the target's things."""
        return iri.startswith(self.namespace) and not (
            self.excluded and iri.startswith(self.excluded))


#: The datasets VoID counts links to (``void:Linkset``), in this order.
LINK_TARGETS = (
    LinkTarget("eu-authority-tables", f"{EU_AUTHORITY}",
               {"fr": "Tables d'autorité de l'UE", "en": "EU authority tables"}),
    LinkTarget("cpv", "http://data.europa.eu/cpv/cpv/",
               {"fr": "Vocabulaire commun pour les marchés publics (CPV)",
                "en": "Common Procurement Vocabulary (CPV)"}),
    LinkTarget("nuts", "http://data.europa.eu/nuts/code/",
               {"fr": "Nomenclature NUTS", "en": "NUTS classification"}),
    LinkTarget("eli", "http://data.europa.eu/eli/",
               {"fr": "Textes juridiques (ELI)", "en": "Legislation (ELI)"},
               excluded=ELI),
    LinkTarget("wikidata", "http://www.wikidata.org/entity/",
               {"fr": "Wikidata", "en": "Wikidata"}),
    LinkTarget("business-directory", "https://annuaire-entreprises.data.gouv.fr/",
               {"fr": "Annuaire des entreprises", "en": "French business directory"}),
)


def link_target(iri: str) -> str | None:
    """Return the key of the link target an IRI belongs to, or None."""
    return next((t.key for t in LINK_TARGETS if t.holds(iri)), None)


_TARGET_TERMS = tuple(f"<{t.namespace}" for t in LINK_TARGETS)
_RDF_TYPE_TERM = f"<{RDF.type}>"


@dataclass
class GraphStats:
    """Counts VoID needs: triples, entities, instances per class, triples per property."""

    triples: int = 0
    entities: int = 0
    subjects: int = 0
    objects: int = 0
    classes: Counter = field(default_factory=Counter)
    properties: Counter = field(default_factory=Counter)
    #: Links out: (target key, property IRI) -> triples.
    links: Counter = field(default_factory=Counter)
    #: Distinct subjects outside the URI space, when known (None: some, not counted).
    outside: int | None = field(default=0, compare=False)

    @classmethod
    def of(cls, triples: Iterable[ox.Triple], uri_space: str) -> GraphStats:
        """Count the statistics of distinct triples; entities are subjects under ``uri_space``."""
        stats = cls()
        subjects, objects = set(), set()
        for t in triples:
            stats.triples += 1
            subjects.add(t.subject)
            objects.add(t.object)
            stats.properties[t.predicate.value] += 1
            if t.predicate.value == str(RDF.type) and isinstance(t.object, ox.NamedNode):
                stats.classes[t.object.value] += 1
            elif isinstance(t.object, ox.NamedNode):
                target = link_target(t.object.value)
                if target:
                    stats.links[target, t.predicate.value] += 1
        stats.subjects = len(subjects)
        stats.objects = len(objects)
        stats.entities = sum(1 for s in subjects
                             if isinstance(s, ox.NamedNode) and s.value.startswith(uri_space))
        stats.outside = stats.subjects - stats.entities
        return stats

    def add_lines(self, lines: list[str], uri_space: str) -> None:
        """Count N-Triples lines as the mapper writes them: triples, classes, properties, links.

        Not the distinct subjects and objects: those need every part of the graph at once
        (:meth:`of_parts`); but whether a subject lies outside ``uri_space``.  Subjects and
        predicates are IRIs, one space apart.
        """
        # Counted by the raw terms first, trimmed once per distinct term.
        properties, classes, links = Counter(), Counter(), Counter()
        space = f"<{uri_space}"
        for line in lines:
            subject, predicate, obj = line.split(" ", 2)
            if self.outside == 0 and not subject.startswith(space):
                self.outside = None
            properties[predicate] += 1
            if obj[0] == "<":
                if predicate == _RDF_TYPE_TERM:
                    classes[obj] += 1
                elif obj.startswith(_TARGET_TERMS):
                    links[predicate, obj] += 1
        for predicate, n in properties.items():
            self.properties[predicate[1:-1]] += n
        for obj, n in classes.items():
            self.classes[obj[1:obj.rindex(">")]] += n
        for (predicate, obj), n in links.items():
            target = link_target(obj[1:obj.rindex(">")])
            if target:
                self.links[target, predicate[1:-1]] += n
        self.triples += len(lines)

    def json(self) -> dict:
        """Return the counts of :meth:`add_lines` as JSON values (sorted)."""
        return {"triples": self.triples, "outside": self.outside,
                "classes": sorted(self.classes.items()),
                "properties": sorted(self.properties.items()),
                "links": sorted([*k, n] for k, n in self.links.items())}

    @classmethod
    def from_json(cls, data: dict) -> GraphStats:
        """Read counts written by :meth:`json`."""
        return cls(triples=data["triples"], outside=data["outside"],
                   classes=Counter(dict(data["classes"])),
                   properties=Counter(dict(data["properties"])),
                   links=Counter({(t, p): n for t, p, n in data["links"]}))

    @classmethod
    def of_parts(cls, store: ox.Store, uri_space: str, parts: list[GraphStats],
                 distinct: Distinct | None = None) -> GraphStats | None:
        """Add up the counts of the parts ``store`` was loaded from, if they are disjoint.

        Triples, classes, properties and links add up when no triple is in two parts: then
        the store holds as many triples as the parts together.  Otherwise return None (the
        store must be counted, :meth:`of_store`).  Distinct subjects and objects span the
        parts, so the store counts them, unless ``distinct`` kept them up to date; the
        subjects under ``uri_space`` are the others but those outside it, when a single
        part has any.
        """
        triples = len(store) if distinct is None else distinct.triples
        if triples != sum(part.triples for part in parts):
            return None
        stats = cls(triples=triples)
        for part in parts:
            stats.classes.update(part.classes)
            stats.properties.update(part.properties)
            stats.links.update(part.links)
        outside = [part.outside for part in parts]
        if distinct is None and None not in outside and sum(map(bool, outside)) <= 1:
            stats.subjects, stats.objects = _distinct(store)
            stats.entities = stats.subjects - sum(outside)
        elif distinct is None:
            stats.subjects, stats.objects = _distinct(store)
            stats.entities = _entities(store, uri_space)
        else:
            stats.subjects, stats.entities = distinct.subjects, distinct.entities
            stats.objects = distinct.objects
        return stats

    @classmethod
    def of_store(cls, store: ox.Store, uri_space: str) -> GraphStats:
        """Count the same statistics in a store that holds only a default graph, with SPARQL."""
        def grouped(query: str) -> Counter:
            return Counter({r["k"].value: int(r["n"].value) for r in store.query(query)})

        def links() -> Counter:
            # Grouped by (property, object) in the store, sorted into targets here: one
            # scan, and a string test per distinct pair rather than per triple.
            found: Counter = Counter()
            for row in store.query(f"SELECT ?p ?o (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o "
                                   f"FILTER(isIRI(?o) && ?p != <{RDF.type}>) }} GROUP BY ?p ?o"):
                target = link_target(row["o"].value)
                if target:
                    found[target, row["p"].value] += int(row["n"].value)
            return found

        subjects, objects = _distinct(store)
        entities = _entities(store, uri_space)
        return cls(
            triples=len(store),
            entities=entities,
            subjects=subjects,
            objects=objects,
            classes=grouped(f"SELECT ?k (COUNT(*) AS ?n) WHERE {{ ?s <{RDF.type}> ?k "
                            f"FILTER isIRI(?k) }} GROUP BY ?k"),
            properties=grouped("SELECT ?k (COUNT(*) AS ?n) WHERE { ?s ?k ?o } GROUP BY ?k"),
            links=links(),
        )

    def vocabularies(self) -> list[str]:
        """Return the namespaces of the classes and properties used that have a known prefix."""
        known = set(PREFIXES.values())
        used = set(self.classes) | set(self.properties)
        return sorted(ns for ns in known if any(term.startswith(ns) for term in used))


@dataclass
class Distinct:
    """A store's distinct subjects (those under the URI space: entities) and objects, kept up
    to date while the store is changed by a difference, as an update changes the released
    store: counting them again would read every triple of the store.

    Call :meth:`removed` after triples left the store, :meth:`adding` before they enter it.
    The triples are counted too: ``len(store)`` reads every triple of an on-disk store.
    """

    store: ox.Store
    uri_space: str
    subjects: int
    entities: int
    objects: int
    triples: int

    @classmethod
    def of_void(cls, store: ox.Store, void: Path, base: str) -> Distinct:
        """Start from the counts a build's VoID published for the store it was made with."""
        dataset = ox.NamedNode(str(dataset_iri(base)))

        def number(term: URIRef) -> int:
            found = list(parsed.quads_for_pattern(dataset, ox.NamedNode(str(term)), None))
            if len(found) != 1:
                raise ValueError(f"{void.name}: no single {term}")
            return int(found[0].object.value)

        parsed = ox.Store()
        parsed.load(path=str(void), format=ox.RdfFormat.TURTLE)
        return cls(store, base + "id/", number(VOID.distinctSubjects), number(VOID.entities),
                   number(VOID.distinctObjects), number(VOID.triples))

    def _in_space(self, term: ox.NamedNode | ox.BlankNode) -> bool:
        return isinstance(term, ox.NamedNode) and term.value.startswith(self.uri_space)

    def removed(self, triples: Iterable[ox.Triple]) -> None:
        """Count out ``triples`` (distinct, each one in the store before it left) and the
        subjects and objects the store no longer has."""
        triples = list(triples)
        self.triples -= len(triples)
        for subject in {t.subject for t in triples}:
            if next(self.store.quads_for_pattern(subject, None, None), None) is None:
                self.subjects -= 1
                self.entities -= self._in_space(subject)
        for obj in {t.object for t in triples}:
            if next(self.store.quads_for_pattern(None, None, obj), None) is None:
                self.objects -= 1

    def adding(self, triples: Iterable[ox.Triple]) -> None:
        """Count in the subjects and objects ``triples`` bring, before they enter the store."""
        # Looked up by subject first: a month's triples are mostly about new subjects, whose
        # triples are all new, so most triples need no lookup of their own.
        by_subject: dict[ox.NamedNode | ox.BlankNode, list[ox.Triple]] = defaultdict(list)
        for t in set(triples):
            by_subject[t.subject].append(t)
        objects = set()
        for subject, some in by_subject.items():
            if next(self.store.quads_for_pattern(subject, None, None), None) is None:
                self.subjects += 1
                self.entities += self._in_space(subject)
            else:
                some = [t for t in some if ox.Quad(*t) not in self.store]
            self.triples += len(some)
            objects.update(t.object for t in some)
        for obj in objects:
            if next(self.store.quads_for_pattern(None, None, obj), None) is None:
                self.objects += 1


def _first(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(query)))[0].value)


def _distinct(store: ox.Store) -> tuple[int, int]:
    """Return the distinct subjects and the distinct objects of ``store``."""
    return (_first(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
            _first(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"))


def _entities(store: ox.Store, uri_space: str) -> int:
    """Return the distinct subjects of ``store`` under ``uri_space`` (each one's IRI read)."""
    return _first(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT DISTINCT ?s WHERE {{ "
                         f"?s ?p ?o }} }} FILTER(isIRI(?s) && STRSTARTS(STR(?s), "
                         f"{ox.Literal(uri_space)})) }}")


def _slug(iri: str) -> str:
    for name, ns in PREFIXES.items():
        if iri.startswith(ns) and iri[len(ns):].replace("-", "").replace("_", "").isalnum():
            return f"{name}-{iri[len(ns):]}"
    return hashlib.sha256(iri.encode()).hexdigest()[:16]


def _texts(g: rdflib.Graph, node: URIRef, predicate: URIRef, texts: dict[str, str]) -> None:
    for lang, text in texts.items():
        g.add((node, predicate, Literal(text, lang=lang)))


def dataset_iri(base: str) -> URIRef:
    """Return the IRI of the dataset (shared by VoID and DCAT)."""
    return URIRef(f"{base}dataset")


def download_url(base: str, name: str) -> URIRef:
    """Return where a published file is downloaded from."""
    return URIRef(f"{base}dumps/{name}")


def void_graph(base: str, stats: GraphStats, dumps: Iterable[str], created: str) -> rdflib.Graph:
    """Return the VoID description of the dataset."""
    g = rdflib.Graph()
    ds = dataset_iri(base)
    g.add((ds, RDF.type, VOID.Dataset))
    _texts(g, ds, DCTERMS.title, TITLE)
    _texts(g, ds, DCTERMS.description, DESCRIPTION)
    g.add((ds, DCTERMS.license, LICENCE))
    g.add((ds, DCTERMS.modified, Literal(created, datatype=XSD.date)))
    g.add((ds, VOID.uriSpace, Literal(f"{base}id/")))
    g.add((ds, VOID.sparqlEndpoint, URIRef(f"{base}sparql")))
    # The entry point a reader starts from: the home page lists and links everything.
    g.add((ds, VOID.rootResource, URIRef(base)))
    for name in dumps:
        g.add((ds, VOID.dataDump, download_url(base, name)))
    for predicate, number in ((VOID.triples, stats.triples), (VOID.entities, stats.entities),
                              (VOID.distinctSubjects, stats.subjects),
                              (VOID.distinctObjects, stats.objects),
                              (VOID.classes, len(stats.classes)),
                              (VOID.properties, len(stats.properties))):
        g.add((ds, predicate, Literal(number)))
    for ns in stats.vocabularies():
        g.add((ds, VOID.vocabulary, URIRef(ns)))
    for cls, count in stats.classes.items():
        part = URIRef(f"{base}dataset/class/{_slug(cls)}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(count)))
    targets = {t.key: t for t in LINK_TARGETS}
    for (key, prop), count in sorted(stats.links.items()):
        target = URIRef(f"{base}dataset/target/{key}")
        linkset = URIRef(f"{base}dataset/linkset/{key}/{_slug(prop)}")
        g.add((target, RDF.type, VOID.Dataset))
        _texts(g, target, DCTERMS.title, targets[key].title)
        g.add((target, VOID.uriSpace, Literal(targets[key].namespace)))
        g.add((ds, VOID.subset, linkset))
        g.add((linkset, RDF.type, VOID.Linkset))
        g.add((linkset, VOID.subjectsTarget, ds))
        g.add((linkset, VOID.objectsTarget, target))
        g.add((linkset, VOID.linkPredicate, URIRef(prop)))
        g.add((linkset, VOID.triples, Literal(count)))
    for prop, count in stats.properties.items():
        part = URIRef(f"{base}dataset/property/{_slug(prop)}")
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(count)))
    return g


@dataclass(frozen=True)
class DatasetPart:
    """One dataset of the catalogue: its key (``knowledge``, ``contracts``), files and period."""

    key: str
    files: tuple[FileInfo, ...]
    temporal: tuple[str, str] | None = None


#: What each dataset of the catalogue is: titles, descriptions, keywords, EU data themes.
DATASETS = {
    "knowledge": {
        "title": TITLE,
        "description": DESCRIPTION,
        "keywords": KEYWORDS,
        "themes": ("GOVE", "ECON"),
    },
    "contracts": {
        "title": {"fr": "Contrats de la commande publique (DECP) et indicateurs",
                  "en": "Public procurement contracts (DECP) and indicators"},
        "description": {
            "fr": "Les contrats des données essentielles de la commande publique (DECP), "
                  "décrits avec l'ontologie européenne des marchés publics (ePO), reliés aux "
                  "instruments du graphe, et les indicateurs calculés à partir d'eux.",
            "en": "The contracts of the French essential public procurement data (DECP), "
                  "described with the eProcurement Ontology (ePO), linked to the graph's "
                  "instruments, and the indicators computed from them.",
        },
        "keywords": (("commande publique", "public procurement"),
                     ("contrats", "contracts"), ("DECP", "DECP"),
                     ("indicateurs", "indicators")),
        "themes": ("ECON", "GOVE"),
    },
}
DATA_THEMES = f"{EU_AUTHORITY}data-theme/"
#: The labels the EU data-theme table gives the themes used.
THEME_LABELS = {
    "GOVE": {"fr": "Gouvernement et secteur public", "en": "Government and public sector"},
    "ECON": {"fr": "Économie et finances", "en": "Economy and finance"},
}
ACCESS_PUBLIC = URIRef(f"{EU_AUTHORITY}access-right/PUBLIC")
#: Etalab 2.0 in the EU licence table (code ETALAB_2_0, "Etalab open licence v 2.0").
EU_LICENCE = URIRef(f"{EU_AUTHORITY}licence/ETALAB_2_0")
RIGHTS = {
    "fr": "Réutilisation libre, y compris commerciale, sous la Licence Ouverte / Etalab 2.0, "
          "en mentionnant la source et la date de dernière mise à jour.",
    "en": "Free reuse, commercial use included, under the Open Licence / Etalab 2.0, "
          "crediting the source and the date of the last update.",
}
CONTACT_NAME = {"fr": "Équipe du projet achat-public-graph",
                "en": "achat-public-graph project team"}
VCARD = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")


def catalog_iri(base: str) -> URIRef:
    """Return the IRI of the catalogue."""
    return URIRef(f"{base}catalog")


def part_iri(base: str, key: str) -> URIRef:
    """Return the IRI of one dataset of the catalogue."""
    return URIRef(f"{base}dataset/{key}")


def service_iri(base: str) -> URIRef:
    """Return the IRI of the SPARQL endpoint as a data service."""
    return URIRef(f"{base}service/sparql")


def distribution_iri(base: str, name: str) -> URIRef:
    """Return the IRI of the distribution of a published file."""
    return URIRef(f"{base}dataset/distribution/{name.replace('.', '-')}")


def catalog_graph(base: str, parts: Iterable[DatasetPart], created: str) -> rdflib.Graph:
    """Return the DCAT-AP 3.0.1 catalogue: its datasets, their distributions, the SPARQL service.

    Every node has a ``dct:identifier`` and an IRI under ``base`` that the endpoint
    serves; the controlled values come from the EU tables (file type, data theme,
    country, language, access right, licence) and IANA media types.
    """
    g = rdflib.Graph()
    date = Literal(created, datatype=XSD.date)
    _shared_nodes(g, base)
    _catalog(g, base, date)
    _service(g, base)
    for part in parts:
        _dataset(g, base, part, date)
    return g


def _publisher(base: str) -> URIRef:
    return URIRef(f"{base}catalog/publisher")


def _contact(base: str) -> URIRef:
    return URIRef(f"{base}catalog/contact")


def _rights(base: str) -> URIRef:
    return URIRef(f"{base}catalog/rights")


def _shared_nodes(g: rdflib.Graph, base: str) -> None:
    """Describe the nodes the catalogue, service and datasets point to: publisher, contact,
    rights, licence, home page, country, access right, protocol, languages."""
    publisher, contact, rights, homepage = (_publisher(base), _contact(base), _rights(base),
                                            URIRef(base))
    g.add((publisher, RDF.type, FOAF.Agent))
    _texts(g, publisher, FOAF.name, PUBLISHER_NAME)
    g.add((contact, RDF.type, VCARD.Kind))
    _texts(g, contact, VCARD.fn, CONTACT_NAME)
    g.add((contact, VCARD.hasURL, homepage))
    g.add((rights, RDF.type, DCTERMS.RightsStatement))
    _texts(g, rights, RDFS.label, RIGHTS)
    # One licence, two IRIs: its canonical address (catalogue, datasets, service, read
    # by people and by data.gouv.fr) and the EU licence table's (distributions, scored
    # by data.europa.eu), each stated as the exact match of the other.
    for licence, same in ((LICENCE, EU_LICENCE), (EU_LICENCE, LICENCE)):
        g.add((licence, RDF.type, DCTERMS.LicenseDocument))
        _texts(g, licence, RDFS.label, LABEL)
        g.add((licence, SKOS.exactMatch, same))
    g.add((homepage, RDF.type, FOAF.Document))
    g.add((FRANCE, RDF.type, DCTERMS.Location))
    g.add((FRANCE, SKOS.inScheme, URIRef(f"{EU_AUTHORITY}country")))
    _texts(g, FRANCE, SKOS.prefLabel, {"fr": "France", "en": "France"})
    g.add((ACCESS_PUBLIC, RDF.type, DCTERMS.RightsStatement))
    g.add((ACCESS_PUBLIC, SKOS.inScheme, URIRef(f"{EU_AUTHORITY}access-right")))
    _texts(g, ACCESS_PUBLIC, SKOS.prefLabel, {"fr": "public", "en": "public"})
    g.add((SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard))
    for language in LANGUAGES:
        g.add((language, RDF.type, DCTERMS.LinguisticSystem))
        g.add((language, SKOS.inScheme, URIRef(f"{EU_AUTHORITY}language")))


def _catalog(g: rdflib.Graph, base: str, date: Literal) -> None:
    catalog = catalog_iri(base)
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.identifier, Literal(str(catalog))))
    _texts(g, catalog, DCTERMS.title, CATALOG_TITLE)
    _texts(g, catalog, DCTERMS.description, DESCRIPTION)
    g.add((catalog, DCTERMS.publisher, _publisher(base)))
    g.add((catalog, FOAF.homepage, URIRef(base)))
    g.add((catalog, DCTERMS.license, LICENCE))
    g.add((catalog, DCTERMS.issued, date))
    g.add((catalog, DCTERMS.modified, date))
    g.add((catalog, DCTERMS.spatial, FRANCE))
    g.add((catalog, DCAT.service, service_iri(base)))
    for language in LANGUAGES:
        g.add((catalog, DCTERMS.language, language))


def _service(g: rdflib.Graph, base: str) -> None:
    service = service_iri(base)
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.identifier, Literal(str(service))))
    _texts(g, service, DCTERMS.title, {"fr": "Point d'accès SPARQL", "en": "SPARQL endpoint"})
    _texts(g, service, DCTERMS.description, {
        "fr": "Interroger les deux jeux de données ensemble en SPARQL 1.1.",
        "en": "Query both datasets together with SPARQL 1.1."})
    g.add((service, DCAT.endpointURL, URIRef(f"{base}sparql")))
    g.add((service, DCAT.endpointDescription, URIRef(f"{base}sparql")))
    g.add((service, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    g.add((service, DCTERMS.license, LICENCE))
    g.add((service, DCTERMS.accessRights, ACCESS_PUBLIC))
    g.add((service, DCTERMS.publisher, _publisher(base)))
    g.add((service, DCAT.contactPoint, _contact(base)))


def _dataset(g: rdflib.Graph, base: str, part: DatasetPart, date: Literal) -> None:
    ds = part_iri(base, part.key)
    texts = DATASETS[part.key]
    g.add((catalog_iri(base), DCAT.dataset, ds))
    g.add((service_iri(base), DCAT.servesDataset, ds))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.identifier, Literal(str(ds))))
    _texts(g, ds, DCTERMS.title, texts["title"])
    _texts(g, ds, DCTERMS.description, texts["description"])
    for fr, en in texts["keywords"]:
        g.add((ds, DCAT.keyword, Literal(fr, lang="fr")))
        g.add((ds, DCAT.keyword, Literal(en, lang="en")))
    for code in texts["themes"]:
        theme = URIRef(DATA_THEMES + code)
        g.add((ds, DCAT.theme, theme))
        g.add((theme, RDF.type, SKOS.Concept))
        g.add((theme, SKOS.inScheme, URIRef(DATA_THEMES.rstrip("/"))))
        _texts(g, theme, SKOS.prefLabel, THEME_LABELS[code])
    g.add((ds, DCTERMS.publisher, _publisher(base)))
    g.add((ds, DCAT.contactPoint, _contact(base)))
    g.add((ds, DCTERMS.accessRights, ACCESS_PUBLIC))
    g.add((ds, DCTERMS.rights, _rights(base)))
    g.add((ds, DCTERMS.issued, date))
    g.add((ds, DCTERMS.modified, date))
    g.add((ds, DCTERMS.spatial, FRANCE))
    g.add((ds, DCAT.landingPage, URIRef(base)))
    for language in LANGUAGES:
        g.add((ds, DCTERMS.language, language))
    if part.temporal is not None:
        period = URIRef(f"{ds}/temporal")
        g.add((ds, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(part.temporal[0], datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(part.temporal[1], datatype=XSD.date)))
    for info in part.files:
        _distribution(g, base, ds, info, date, _rights(base))


def _distribution(g: rdflib.Graph, base: str, ds: URIRef, info: FileInfo, date: Literal,
                  rights: URIRef) -> None:
    dist = distribution_iri(base, info.name)
    checksum = URIRef(f"{dist}/checksum")
    media = URIRef(IANA_MEDIA_TYPES + info.media_type)
    url = download_url(base, info.name)
    g.add((ds, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCTERMS.identifier, Literal(str(dist))))
    fr, en = FILE_TITLES.get(info.name, ("Fichier", "File"))
    _texts(g, dist, DCTERMS.title, {"fr": f"{fr} ({info.name})", "en": f"{en} ({info.name})"})
    g.add((dist, DCAT.accessURL, url))
    g.add((dist, DCAT.downloadURL, url))
    g.add((dist, DCAT.accessService, service_iri(base)))
    g.add((dist, DCAT.mediaType, media))
    g.add((media, RDF.type, DCTERMS.MediaType))
    fmt = by_media_type(info.media_type)
    if fmt is not None and fmt.eu_file_type:
        file_type = URIRef(EU_FILE_TYPES + fmt.eu_file_type)
        g.add((dist, DCTERMS["format"], file_type))
        g.add((file_type, RDF.type, DCTERMS.MediaTypeOrExtent))
        g.add((file_type, SKOS.inScheme, URIRef(EU_FILE_TYPES.rstrip("/"))))
    if info.compressed:
        gzip_type = URIRef(IANA_MEDIA_TYPES + "application/gzip")
        g.add((dist, DCAT.compressFormat, gzip_type))
        g.add((gzip_type, RDF.type, DCTERMS.MediaType))
    g.add((dist, DCAT.byteSize, Literal(str(info.bytes), datatype=XSD.nonNegativeInteger)))
    g.add((dist, DCTERMS.license, EU_LICENCE))
    g.add((dist, DCTERMS.rights, rights))
    g.add((dist, DCTERMS.issued, date))
    g.add((dist, DCTERMS.modified, date))
    g.add((dist, SPDX.checksum, checksum))
    g.add((checksum, RDF.type, SPDX.Checksum))
    g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    g.add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))
    g.add((checksum, SPDX.checksumValue, Literal(info.sha256, datatype=XSD.hexBinary)))
