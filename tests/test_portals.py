"""What the portals do with us, replayed offline against a real ``achat-graph serve``.

The build's base is the server's own address, so every IRI of the catalogue can be
followed here: data.europa.eu's Metadata Quality Assessment (MQA) is computed on the
served catalogue, data.gouv.fr's DCAT harvester (udata) is replayed step by step, and
every IRI of the catalogue and the ontology must answer.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
import rdflib
from helpers import ROOT, SHARED_DIR, free_port, start_serve, stop_serve
from rdflib import RDF
from rdflib.namespace import DCTERMS, FOAF

from achat_core.resources import DATA_DIR
from graph_builder.namespaces import DCAT, VOID
from graph_builder.sources.decp_generator import write_decp

pytestmark = pytest.mark.slow

COMMAND = [sys.executable, "-c", "from achat_graph.cli import main; main()"]
EU = "http://publications.europa.eu/resource/authority/"
IANA = ("https://www.iana.org/assignments/media-types/",
        "http://www.iana.org/assignments/media-types/")
#: The EU file types MQA counts as machine-readable and as non-proprietary: the open RDF
#: and data formats of the EU file-type table (proprietary ones such as XLS are not here).
MACHINE_READABLE = {f"{EU}file-type/{c}" for c in (
    "RDF_TURTLE", "RDF_N_TRIPLES", "JSON_LD", "RDF_XML", "JSON", "CSV", "XML")}
NON_PROPRIETARY = MACHINE_READABLE
DCAT_AP = SHARED_DIR / "data" / "dcat-ap-3.0.1"
#: udata takes the format of an address without an extension from these Content-Types.
UDATA_RDF_TYPES = ("text/turtle", "application/rdf+xml", "application/ld+json",
                   "application/n-triples", "application/trig", "text/n3")


def _request(url: str, method: str = "GET", headers: dict | None = None):
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Build the curated data and generated contracts with the server's address as base."""
    folder = tmp_path_factory.mktemp("portals")
    contracts = folder / "contracts.json"
    write_decp(contracts, 60, seed=3)
    port = free_port()
    root = f"http://127.0.0.1:{port}/"
    dist = folder / "dist"
    subprocess.run([*COMMAND, "build", "--data", str(DATA_DIR), "--decp", str(contracts),
                    "--base", root, "--out", str(dist), "--quiet"], cwd=ROOT, check=True)
    _, process, _ = start_serve(dist, "--workers", "2", "--store", str(dist / "store"),
                                port=port)
    yield root, dist
    stop_serve(process)


@pytest.fixture(scope="module")
def catalogue(served) -> rdflib.Graph:
    """The catalogue as a harvester gets it: a plain GET with only a User-Agent."""
    root, _ = served
    status, headers, body = _request(root + "catalog", headers={"User-Agent": "harvester"})
    assert status == 200
    return rdflib.Graph().parse(data=body, format=headers.get_content_type())


def _dcat_ap_conforms(graph: rdflib.Graph) -> bool | None:
    if not DCAT_AP.is_dir():
        return None
    import pyshacl

    shapes = rdflib.Graph()
    for name in ("shapes.ttl", "range.ttl"):
        shapes.parse(DCAT_AP / name, format="turtle")
    conforms, _, _ = pyshacl.validate(graph, shacl_graph=shapes, inference="none",
                                      allow_warnings=True)
    return conforms


def mqa_score(g: rdflib.Graph, answers) -> tuple[float, int, list[str]]:
    """Score a catalogue as MQA does; return the points, the maximum and what was missed.

    Each criterion's points are scaled by the share of datasets (or distributions)
    that meet it; ``answers(url)`` returns an HTTP status.
    """
    datasets = sorted(g.subjects(RDF.type, DCAT.Dataset))
    dists = sorted({d for ds in datasets for d in g.objects(ds, DCAT.distribution)})

    def has(node, prop):
        return g.value(node, prop) is not None

    def in_vocab(node, prop, prefix):
        return any(str(v).startswith(prefix) for v in g.objects(node, prop))

    def format_known(d):
        return (in_vocab(d, DCTERMS["format"], f"{EU}file-type/")
                and any(str(v).startswith(IANA) for v in g.objects(d, DCAT.mediaType)))

    def answers_200(d, prop):
        urls = list(g.objects(d, prop))
        return bool(urls) and all(200 <= answers(str(u)) < 300 for u in urls)

    conforms = _dcat_ap_conforms(g)
    criteria = [
        ("dcat:keyword", 30, datasets, lambda d: has(d, DCAT.keyword)),
        ("dcat:theme", 30, datasets, lambda d: has(d, DCAT.theme)),
        ("dct:spatial", 20, datasets, lambda d: has(d, DCTERMS.spatial)),
        ("dct:temporal", 20, datasets, lambda d: has(d, DCTERMS.temporal)),
        ("accessURL answers", 50, dists, lambda d: answers_200(d, DCAT.accessURL)),
        ("downloadURL given", 20, dists, lambda d: has(d, DCAT.downloadURL)),
        ("downloadURL answers", 30, dists, lambda d: answers_200(d, DCAT.downloadURL)),
        ("dct:format", 20, dists, lambda d: has(d, DCTERMS["format"])),
        ("dcat:mediaType", 10, dists, lambda d: has(d, DCAT.mediaType)),
        ("format and media type from vocabularies", 10, dists, format_known),
        ("non-proprietary format", 20, dists,
         lambda d: any(str(f) in NON_PROPRIETARY for f in g.objects(d, DCTERMS["format"]))),
        ("machine-readable format", 20, dists,
         lambda d: any(str(f) in MACHINE_READABLE for f in g.objects(d, DCTERMS["format"]))),
        ("DCAT-AP compliance" + (" (shapes absent: not checked)" if conforms is None else ""),
         30, [g], lambda _: bool(conforms)),
        ("dct:license", 20, dists, lambda d: has(d, DCTERMS.license)),
        ("licence from the EU table", 10, dists,
         lambda d: in_vocab(d, DCTERMS.license, f"{EU}licence/")),
        ("dct:accessRights", 10, datasets, lambda d: has(d, DCTERMS.accessRights)),
        ("access rights from the EU table", 5, datasets,
         lambda d: in_vocab(d, DCTERMS.accessRights, f"{EU}access-right/")),
        ("dcat:contactPoint", 20, datasets, lambda d: has(d, DCAT.contactPoint)),
        ("dct:publisher", 10, datasets, lambda d: has(d, DCTERMS.publisher)),
        ("dct:rights", 5, dists, lambda d: has(d, DCTERMS.rights)),
        ("dcat:byteSize", 5, dists, lambda d: has(d, DCAT.byteSize)),
        ("dct:issued", 5, datasets, lambda d: has(d, DCTERMS.issued)),
        ("dct:modified", 5, datasets, lambda d: has(d, DCTERMS.modified)),
    ]
    total, maximum, missed = 0.0, 0, []
    for name, points, items, check in criteria:
        maximum += points
        met = sum(1 for item in items if check(item))
        got = points * met / len(items) if items else 0
        total += got
        if got < points:
            missed.append(f"{name}: {points - got:g} of {points} points missed "
                          f"({met}/{len(items)})")
    return total, maximum, missed


def test_the_mqa_score_is_excellent(served, catalogue):
    root, _ = served
    statuses: dict[str, int] = {}

    def answers(url: str) -> int:
        if url not in statuses:
            statuses[url] = _request(url, headers={"User-Agent": "mqa"})[0]
        return statuses[url]

    score, maximum, missed = mqa_score(catalogue, answers)
    assert maximum == 405  # MQA's five dimensions: 100 + 100 + 110 + 75 + 20
    print(f"\nMQA score {score:.0f}/{maximum}; missed: " + ("; ".join(missed) or "nothing"))
    assert len(statuses) >= 2 and all(url.startswith(root) for url in statuses)
    assert score >= 351, missed


def test_udata_harvests_every_dataset_distribution_and_the_service(served):
    root, dist = served
    # 1. An address without an extension: udata takes the format from a HEAD's Content-Type.
    status, headers, _ = _request(root + "catalog", "HEAD", {"User-Agent": "udata-harvester"})
    assert status == 200
    assert headers.get_content_type() in UDATA_RDF_TYPES
    # 2. It GETs the catalogue and parses it in that format.
    _, _, body = _request(root + "catalog", headers={"User-Agent": "udata-harvester"})
    g = rdflib.Graph().parse(data=body, format=headers.get_content_type())
    # 3. Every dataset and data service needs an identifier and a title, or it is skipped.
    nodes = list(g.subjects(RDF.type, DCAT.Dataset)) + list(g.subjects(RDF.type,
                                                                       DCAT.DataService))
    assert len(nodes) == 3  # knowledge, contracts, the SPARQL service
    for node in nodes:
        assert g.value(node, DCTERMS.identifier) is not None, node
        assert g.value(node, DCTERMS.title) is not None, node
    # 4. Nothing dropped: every published file but the catalogue itself is a distribution of
    #    a dataset, with its media type and its size in bytes.
    files = json.loads((dist / "build.json").read_text())["files"]
    published = set(files) - {"catalog.ttl"}
    distributions = [d for ds in g.subjects(RDF.type, DCAT.Dataset)
                     for d in g.objects(ds, DCAT.distribution)]
    urls = {str(u) for d in distributions for u in g.objects(d, DCAT.downloadURL)}
    assert urls == {f"{root}dumps/{name}" for name in published}
    assert {"contracts.nt.gz", "contracts.csv.gz", "void.ttl", "graph.ttl"} <= published
    for d in distributions:
        name = str(g.value(d, DCAT.downloadURL)).rsplit("/", 1)[-1]
        assert int(g.value(d, DCAT.byteSize)) == files[name]["bytes"], name
        assert str(g.value(d, DCAT.mediaType)).endswith("/" + files[name]["media_type"]), name
        assert name in str(g.value(d, DCTERMS.title))


def _iris(g: rdflib.Graph, root: str) -> set[str]:
    return {str(t) for triple in g for t in triple
            if isinstance(t, rdflib.URIRef) and str(t).startswith(root)}


def test_every_iri_of_the_catalogue_void_and_the_ontology_answers(served, catalogue):
    root, _ = served
    ontology = rdflib.Graph().parse(data=_request(root + "ontology")[2], format="turtle")
    onto = "https://w3id.org/achat-public/ontology"
    version = str(ontology.value(rdflib.URIRef(onto), rdflib.OWL.versionIRI))
    assert version.startswith(onto + "/")
    void = rdflib.Graph().parse(data=_request(root + ".well-known/void")[2], format="turtle")
    root_resource = void.value(rdflib.URIRef(root + "dataset"), VOID.rootResource)
    assert str(root_resource) == root
    assert len(set(void.subjects(RDF.type, VOID.Linkset))) >= 3
    iris = _iris(catalogue, root) | _iris(void, root) | {
        root + "ontology", root + version[len(onto) - 8:]}
    assert len(iris) > 20
    for iri in sorted(iris):
        for accept in ("*/*", "text/html", "text/turtle"):
            status, headers, _ = _request(iri, "HEAD", {"Accept": accept})
            assert status == 200, (iri, accept, status)
        # The landing page is a page; a dump is a file; every other node is RDF.
        if iri != root and "/dumps/" not in iri:
            assert headers.get_content_type() == "text/turtle", iri


def test_the_catalogue_page_reads_like_a_portal_dataset_page(served):
    root, _ = served
    status, _, body = _request(root + "catalog?lang=en", headers={"Accept": "text/html"})
    page = body.decode()
    assert status == 200
    for words in ("Public procurement contracts (DECP) and indicators",
                  "Download The graph, in Turtle (graph.ttl)",
                  "Economy and finance", "Period covered", "Harvest this catalogue"):
        assert words in page
    assert 'href="/dumps/contracts.nt.gz"' in page


def test_publisher_and_contact_point_are_described(catalogue):
    publisher = next(catalogue.objects(None, DCTERMS.publisher))
    assert catalogue.value(publisher, FOAF.name) is not None
    contact = next(catalogue.objects(None, DCAT.contactPoint))
    assert catalogue.value(contact, rdflib.URIRef("http://www.w3.org/2006/vcard/ns#fn"))
