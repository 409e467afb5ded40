"""VoID and DCAT-AP descriptions of a build."""

import pyoxigraph as ox
import rdflib
from rdflib import RDF, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from graph_builder.namespaces import DCAT, SPDX, VOID
from graph_builder.output.catalog import (
    EU_LICENCE,
    LICENCE,
    VCARD,
    DatasetPart,
    FileInfo,
    GraphStats,
    catalog_graph,
    dataset_iri,
    part_iri,
    void_graph,
)

BASE = "https://example.org/apg/"
ORG = ox.NamedNode("https://w3id.org/achat-public/ontology#Organisation")
TYPE = ox.NamedNode(str(RDF.type))
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
FILES = [
    FileInfo("graph.ttl", 1234, "ab" * 32, "text/turtle", 10),
    FileInfo("graph.nt.gz", 321, "cd" * 32, "application/n-triples", 10, compressed=True),
]
CONTRACTS = FileInfo("contracts.nt.gz", 999, "ef" * 32, "application/n-triples", 50,
                     compressed=True)


def _stats() -> GraphStats:
    a, b = ox.NamedNode(f"{BASE}id/organisation/a"), ox.NamedNode(f"{BASE}id/organisation/b")
    outside = ox.NamedNode("http://elsewhere.org/x")
    triples = [ox.Triple(a, TYPE, ORG), ox.Triple(b, TYPE, ORG),
               ox.Triple(a, LABEL, ox.Literal("A")), ox.Triple(outside, LABEL, ox.Literal("X"))]
    return GraphStats.of(triples, f"{BASE}id/")


def test_stats_count_triples_entities_classes_and_properties():
    stats = _stats()
    assert stats.triples == 4
    assert stats.entities == 2  # the outside subject is not under the URI space
    assert stats.classes[ORG.value] == 2
    assert stats.properties[LABEL.value] == 2
    assert "https://w3id.org/achat-public/ontology#" in stats.vocabularies()


def test_void_describes_the_uri_space_dumps_and_partitions():
    g = void_graph(BASE, _stats(), ["graph.ttl", "graph.nt.gz"], "2024-05-01")
    ds = dataset_iri(BASE)
    assert (ds, RDF.type, VOID.Dataset) in g
    assert g.value(ds, VOID.uriSpace) == Literal(f"{BASE}id/")
    assert g.value(ds, VOID.sparqlEndpoint) == URIRef(f"{BASE}sparql")
    assert set(g.objects(ds, VOID.dataDump)) == {URIRef(f"{BASE}dumps/graph.ttl"),
                                                  URIRef(f"{BASE}dumps/graph.nt.gz")}
    assert g.value(ds, VOID.triples).toPython() == 4
    partition = next(p for p in g.objects(ds, VOID.classPartition)
                     if g.value(p, VOID["class"]) == URIRef(ORG.value))
    assert g.value(partition, VOID.entities).toPython() == 2
    assert not any(isinstance(t, rdflib.BNode) for triple in g for t in triple)


def _parts(temporal=None) -> list[DatasetPart]:
    return [DatasetPart("knowledge", tuple(FILES), temporal),
            DatasetPart("contracts", (CONTRACTS,), ("2019-04-01", "2024-05-02"))]


def test_catalogue_distributions_carry_size_checksum_format_and_media_type():
    g = catalog_graph(BASE, _parts(), "2024-05-01")
    dists = list(g.objects(part_iri(BASE, "knowledge"), DCAT.distribution))
    assert len(dists) == 2
    by_url = {g.value(d, DCAT.downloadURL): d for d in dists}
    ttl = by_url[URIRef(f"{BASE}dumps/graph.ttl")]
    size = g.value(ttl, DCAT.byteSize)
    assert size == Literal("1234", datatype=XSD.nonNegativeInteger)
    checksum = g.value(ttl, SPDX.checksum)
    assert g.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    assert g.value(checksum, SPDX.checksumValue) == Literal("ab" * 32, datatype=XSD.hexBinary)
    assert g.value(ttl, DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/text/turtle")
    assert g.value(ttl, DCTERMS["format"]) == URIRef(
        "http://publications.europa.eu/resource/authority/file-type/RDF_TURTLE")
    assert g.value(ttl, DCAT.compressFormat) is None
    gz = by_url[URIRef(f"{BASE}dumps/graph.nt.gz")]
    assert g.value(gz, DCAT.compressFormat) == URIRef(
        "https://www.iana.org/assignments/media-types/application/gzip")
    assert g.value(gz, DCTERMS["format"]) == URIRef(
        "http://publications.europa.eu/resource/authority/file-type/RDF_N_TRIPLES")
    assert g.value(gz, DCTERMS.license) == EU_LICENCE
    assert (EU_LICENCE, SKOS.exactMatch, LICENCE) in g


def test_contracts_and_knowledge_are_two_datasets_served_by_one_service():
    g = catalog_graph(BASE, _parts(("2014-01-01", "2023-12-31")), "2024-05-01")
    catalog = URIRef(f"{BASE}catalog")
    datasets = set(g.objects(catalog, DCAT.dataset))
    assert datasets == {part_iri(BASE, "knowledge"), part_iri(BASE, "contracts")}
    service = g.value(catalog, DCAT.service)
    assert g.value(service, DCAT.endpointURL) == URIRef(f"{BASE}sparql")
    assert set(g.objects(service, DCAT.servesDataset)) == datasets
    contracts = part_iri(BASE, "contracts")
    assert [g.value(d, DCAT.downloadURL) for d in g.objects(contracts, DCAT.distribution)] == [
        URIRef(f"{BASE}dumps/contracts.nt.gz")]
    period = g.value(contracts, DCTERMS.temporal)
    assert g.value(period, DCAT.startDate) == Literal("2019-04-01", datatype=XSD.date)


def test_every_dataset_has_the_eu_tables_values_portals_score():
    g = catalog_graph(BASE, _parts(), "2024-05-01")
    eu = "http://publications.europa.eu/resource/authority/"
    for ds in g.subjects(RDF.type, DCAT.Dataset):
        assert {str(t) for t in g.objects(ds, DCAT.theme)} <= {
            f"{eu}data-theme/GOVE", f"{eu}data-theme/ECON"}
        assert g.value(ds, DCTERMS.spatial) == URIRef(f"{eu}country/FRA")
        assert g.value(ds, DCTERMS.accessRights) == URIRef(f"{eu}access-right/PUBLIC")
        assert g.value(g.value(ds, DCAT.contactPoint), RDF.type) == VCARD.Kind
        assert g.value(ds, DCTERMS.rights) is not None
        assert g.value(ds, DCTERMS.issued) is not None
    assert (LICENCE, SKOS.exactMatch, URIRef(f"{eu}licence/ETALAB_2_0")) in g


def test_every_node_has_an_identifier_and_no_blank_nodes():
    g = catalog_graph(BASE, _parts(), "2024-05-01")
    for cls in (DCAT.Catalog, DCAT.Dataset, DCAT.DataService, DCAT.Distribution):
        for node in g.subjects(RDF.type, cls):
            assert g.value(node, DCTERMS.identifier) == Literal(str(node))
    for triple in g:
        assert not any(isinstance(t, rdflib.BNode) for t in triple)
        for term in triple:
            if isinstance(term, URIRef) and str(term).startswith("https://example.org/"):
                assert str(term).startswith(BASE)


def test_temporal_coverage_is_left_out_when_unknown():
    g = catalog_graph(BASE, _parts(), "2024-05-01")
    knowledge = part_iri(BASE, "knowledge")
    assert g.value(knowledge, DCTERMS.temporal) is None
    assert g.value(knowledge, DCTERMS.modified) == Literal("2024-05-01", datatype=XSD.date)


def test_void_counts_links_to_the_outside_datasets_per_property():
    a = ox.NamedNode(f"{BASE}id/organisation/a")
    same = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
    see = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
    triples = [
        ox.Triple(a, same, ox.NamedNode("http://www.wikidata.org/entity/Q1")),
        ox.Triple(a, see, ox.NamedNode("https://annuaire-entreprises.data.gouv.fr/entreprise/1")),
        ox.Triple(a, see, ox.NamedNode("https://annuaire-entreprises.data.gouv.fr/entreprise/2")),
        # A term of the ELI ontology is a vocabulary, not a link to legislation.
        ox.Triple(a, see, ox.NamedNode("http://data.europa.eu/eli/ontology#LegalResource")),
        ox.Triple(a, see, ox.NamedNode("http://data.europa.eu/eli/dir/2014/24/oj")),
    ]
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    stats = GraphStats.of(triples, f"{BASE}id/")
    assert stats.links == GraphStats.of_store(store, f"{BASE}id/").links
    g = void_graph(BASE, stats, [], "2024-05-01")
    counts = {(str(g.value(s, VOID.objectsTarget)).rsplit("/", 1)[-1],
               str(g.value(s, VOID.linkPredicate))): g.value(s, VOID.triples).toPython()
              for s in g.objects(dataset_iri(BASE), VOID.subset)}
    assert counts == {("wikidata", same.value): 1, ("business-directory", see.value): 2,
                      ("eli", see.value): 1}
    assert g.value(dataset_iri(BASE), VOID.rootResource) == URIRef(BASE)


def test_the_catalogue_page_lists_every_file_with_its_name_media_type_and_size(tmp_path):
    from helpers import SAMPLE_NT, write_dist

    from graph_builder.output.dumps import canonical_triples, turtle_bytes
    from sparql_endpoint import create_app

    table = FileInfo("contracts.csv.gz", 15_703, "aa" * 32, "text/csv", None, compressed=True)
    void = FileInfo("void.ttl", 2_048, "bb" * 32, "text/turtle", 40)
    catalog = catalog_graph(BASE, [DatasetPart("knowledge", (*FILES, void), None),
                                   DatasetPart("contracts", (CONTRACTS, table), None)],
                            "2026-01-01")
    dist = write_dist(tmp_path / "dist", SAMPLE_NT)
    (dist / "catalog.ttl").write_bytes(turtle_bytes(canonical_triples(catalog)))
    client = create_app({"DIST": dist, "TESTING": True}).test_client()
    for lang, title, size in (("fr", "Les contrats en tableau (CSV compressé)", "15,7\u00a0ko"),
                              ("en", "The contracts as a table (compressed CSV)", "15.7\u00a0kB")):
        html = client.get(f"/catalog?lang={lang}", headers={"Accept": "text/html"}).get_data(
            as_text=True)
        html = html[html.index("<main"):]
        row = html.split("contracts.csv.gz)")[1].split("</tr>")[0]
        assert "text/csv" in row and "(gzip)" in row
        assert f"{title} (contracts.csv.gz)" in html
        assert "void.ttl" in html
        assert size in row or size.replace("\u00a0", " ") in row, row


def test_distinct_counts_kept_up_to_date_are_the_stores():
    """Subjects, entities, objects and triples counted through a removal and an addition
    (with triples already there, and new ones about old subjects) equal the store's."""
    import pyoxigraph as ox

    from graph_builder.output.catalog import Distinct, GraphStats

    space = "https://e.org/id/"

    def t(s: str, p: str, o: str) -> ox.Triple:
        obj = ox.NamedNode(space + o[1:]) if o.startswith("@") else ox.Literal(o)
        return ox.Triple(ox.NamedNode((space if s[0] != "x" else "https://x.org/") + s),
                         ox.NamedNode("https://e.org/" + p), obj)

    before = [t("a", "p", "1"), t("a", "q", "@b"), t("b", "p", "2"), t("x1", "p", "1"),
              t("c", "p", "3")]
    store = ox.Store()
    for triple in before:
        store.add(ox.Quad(*triple))
    counted = GraphStats.of_store(store, space)
    distinct = Distinct(store, space, counted.subjects, counted.entities, counted.objects,
                        len(store))
    gone = [t("c", "p", "3"), t("x1", "p", "1")]
    for triple in gone:
        store.remove(ox.Quad(*triple))
    distinct.removed(gone)
    added = [t("a", "p", "1"), t("a", "r", "4"), t("d", "p", "@a"), t("d", "p", "@a"),
             t("x2", "p", "5")]
    distinct.adding(added)
    for triple in added:
        store.add(ox.Quad(*triple))
    now = GraphStats.of_store(store, space)
    assert (distinct.subjects, distinct.entities, distinct.objects, distinct.triples) == (
        now.subjects, now.entities, now.objects, len(store)) == (4, 3, 6, 6)
