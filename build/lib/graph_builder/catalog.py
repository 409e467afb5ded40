"""Describe a build: its VoID description and its DCAT-AP 3.0.1 catalogue.

Every node has an IRI under the build's base (no blank nodes), so both files are
as reproducible as the dumps they describe.  The catalogue lists the dumps but
never itself: it is written last, once every file it describes is final.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, SKOS

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


@dataclass(frozen=True)
class FileInfo:
    """A published file: name, size, SHA-256, media type, triples (None if not RDF)."""

    name: str
    bytes: int
    sha256: str
    media_type: str
    triples: int | None = None
    compressed: bool = False


@dataclass
class GraphStats:
    """Counts VoID needs: triples, entities, instances per class, triples per property."""

    triples: int = 0
    entities: int = 0
    subjects: int = 0
    objects: int = 0
    classes: Counter = field(default_factory=Counter)
    properties: Counter = field(default_factory=Counter)

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
        stats.subjects = len(subjects)
        stats.objects = len(objects)
        stats.entities = sum(1 for s in subjects
                             if isinstance(s, ox.NamedNode) and s.value.startswith(uri_space))
        return stats

    @classmethod
    def of_store(cls, store: ox.Store, uri_space: str) -> GraphStats:
        """Count the same statistics in a store that holds only a default graph, with SPARQL."""
        def first(query: str) -> ox.QuerySolution:
            return next(iter(store.query(query)))

        def grouped(query: str) -> Counter:
            return Counter({r["k"].value: int(r["n"].value) for r in store.query(query)})

        space = ox.Literal(uri_space)
        distinct = first(f"SELECT (COUNT(*) AS ?subjects) (SUM(IF(isIRI(?s) && "
                         f"STRSTARTS(STR(?s), {space}), 1, 0)) AS ?entities) "
                         f"WHERE {{ SELECT DISTINCT ?s WHERE {{ ?s ?p ?o }} }}")
        objects = first("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }")
        return cls(
            triples=len(store),
            entities=int(distinct["entities"].value),
            subjects=int(distinct["subjects"].value),
            objects=int(objects["n"].value),
            classes=grouped(f"SELECT ?k (COUNT(*) AS ?n) WHERE {{ ?s <{RDF.type}> ?k "
                            f"FILTER isIRI(?k) }} GROUP BY ?k"),
            properties=grouped("SELECT ?k (COUNT(*) AS ?n) WHERE { ?s ?k ?o } GROUP BY ?k"),
        )

    def vocabularies(self) -> list[str]:
        """Return the namespaces of the classes and properties used that have a known prefix."""
        known = set(PREFIXES.values())
        used = set(self.classes) | set(self.properties)
        return sorted(ns for ns in known if any(term.startswith(ns) for term in used))


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
    g.add((ds, VOID.rootResource, URIRef(f"{base}id/")))
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
    for prop, count in stats.properties.items():
        part = URIRef(f"{base}dataset/property/{_slug(prop)}")
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(count)))
    return g


def catalog_graph(base: str, files: Iterable[FileInfo], created: str,
                  temporal: tuple[str, str] | None = None) -> rdflib.Graph:
    """Return the DCAT-AP 3.0.1 catalogue: catalogue, dataset, distributions, SPARQL service."""
    g = rdflib.Graph()
    catalog = URIRef(f"{base}catalog")
    ds = dataset_iri(base)
    service = URIRef(f"{base}service/sparql")
    publisher = URIRef(f"{base}catalog/publisher")
    homepage = URIRef(base)
    date = Literal(created, datatype=XSD.date)

    g.add((publisher, RDF.type, FOAF.Agent))
    _texts(g, publisher, FOAF.name, PUBLISHER_NAME)
    g.add((LICENCE, RDF.type, DCTERMS.LicenseDocument))
    _texts(g, LICENCE, RDFS.label, LABEL)
    g.add((homepage, RDF.type, FOAF.Document))
    g.add((FRANCE, RDF.type, DCTERMS.Location))
    g.add((FRANCE, SKOS.inScheme, URIRef(f"{EU_AUTHORITY}country")))
    g.add((SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard))
    for language in LANGUAGES:
        g.add((language, RDF.type, DCTERMS.LinguisticSystem))
        g.add((language, SKOS.inScheme, URIRef(f"{EU_AUTHORITY}language")))

    g.add((catalog, RDF.type, DCAT.Catalog))
    _texts(g, catalog, DCTERMS.title, CATALOG_TITLE)
    _texts(g, catalog, DCTERMS.description, DESCRIPTION)
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((catalog, FOAF.homepage, homepage))
    g.add((catalog, DCTERMS.license, LICENCE))
    g.add((catalog, DCTERMS.modified, date))
    g.add((catalog, DCAT.dataset, ds))
    g.add((catalog, DCAT.service, service))
    for language in LANGUAGES:
        g.add((catalog, DCTERMS.language, language))

    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.identifier, Literal(str(ds))))
    _texts(g, ds, DCTERMS.title, TITLE)
    _texts(g, ds, DCTERMS.description, DESCRIPTION)
    g.add((ds, DCTERMS.publisher, publisher))
    g.add((ds, DCTERMS.modified, date))
    g.add((ds, DCTERMS.spatial, FRANCE))
    g.add((ds, DCAT.landingPage, homepage))
    for language in LANGUAGES:
        g.add((ds, DCTERMS.language, language))
    for fr, en in KEYWORDS:
        g.add((ds, DCAT.keyword, Literal(fr, lang="fr")))
        g.add((ds, DCAT.keyword, Literal(en, lang="en")))
    if temporal is not None:
        period = URIRef(f"{base}dataset/temporal")
        g.add((ds, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(temporal[0], datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(temporal[1], datatype=XSD.date)))

    for info in files:
        _distribution(g, base, ds, info, date)

    g.add((service, RDF.type, DCAT.DataService))
    _texts(g, service, DCTERMS.title, {"fr": "Point d'accès SPARQL", "en": "SPARQL endpoint"})
    g.add((service, DCAT.endpointURL, URIRef(f"{base}sparql")))
    g.add((service, DCAT.endpointDescription, URIRef(f"{base}sparql")))
    g.add((service, DCAT.servesDataset, ds))
    g.add((service, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    g.add((service, DCTERMS.license, LICENCE))
    g.add((service, DCTERMS.publisher, publisher))
    return g


def _distribution(g: rdflib.Graph, base: str, ds: URIRef, info: FileInfo, date: Literal) -> None:
    dist = URIRef(f"{base}dataset/distribution/{info.name.replace('.', '-')}")
    checksum = URIRef(f"{dist}/checksum")
    media = URIRef(IANA_MEDIA_TYPES + info.media_type)
    url = download_url(base, info.name)
    g.add((ds, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    _texts(g, dist, DCTERMS.title, {"fr": f"Export {info.name}", "en": f"Dump {info.name}"})
    g.add((dist, DCAT.accessURL, url))
    g.add((dist, DCAT.downloadURL, url))
    g.add((dist, DCAT.mediaType, media))
    g.add((media, RDF.type, DCTERMS.MediaType))
    if info.compressed:
        gzip_type = URIRef(IANA_MEDIA_TYPES + "application/gzip")
        g.add((dist, DCAT.compressFormat, gzip_type))
        g.add((gzip_type, RDF.type, DCTERMS.MediaType))
    g.add((dist, DCAT.byteSize, Literal(str(info.bytes), datatype=XSD.nonNegativeInteger)))
    g.add((dist, DCTERMS.license, LICENCE))
    g.add((dist, DCTERMS.modified, date))
    g.add((dist, SPDX.checksum, checksum))
    g.add((checksum, RDF.type, SPDX.Checksum))
    g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    g.add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))
    g.add((checksum, SPDX.checksumValue, Literal(info.sha256, datatype=XSD.hexBinary)))
