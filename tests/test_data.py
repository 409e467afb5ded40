"""The real curated knowledge base: it reads, maps, passes the shapes, answers the issue's query."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDFS, SH, SKOS

from achat_core.iris import DEFAULT_BASE
from achat_core.resources import DATA_DIR
from graph_builder.errors import InvalidData
from graph_builder.namespaces import APG, SCHEMA
from graph_builder.rdf import vocabulary
from graph_builder.rdf.mapping import WIKIDATA, map_records
from graph_builder.sources.curated import read_data_dir

REQUIRED_INSTRUMENTS = {
    "partenariat-innovation", "achat-innovant", "marche-recherche-developpement",
    "achats-avant-commercialisation", "achat-solutions-innovantes", "sourcage",
    "dialogue-competitif", "concours", "centrale-achat", "procedure-avec-negociation",
    "clauses-sociales-environnementales", "pnad", "pacte-collaboration", "scic",
    "partenariat-public-communs",
}
DECP_PROCEDURES = {"appel-offres-ouvert": "open", "appel-offres-restreint": "restricted"}
EU = "http://publications.europa.eu/resource/authority/"


@pytest.fixture(scope="module")
def records():
    return read_data_dir(DATA_DIR)


@pytest.fixture(scope="module")
def mapped(records):
    return map_records(records, DEFAULT_BASE)


@pytest.fixture(scope="module")
def full_graph(mapped):
    return mapped.graph + vocabulary.load_vocabulary()


def thing(kind: str, key: str) -> URIRef:
    return URIRef(f"{DEFAULT_BASE}id/{kind}/{key}")


def test_the_data_reads_without_problems(records):
    kinds = {r.kind for r in records}
    assert kinds == {"instrument", "organisation", "resource", "legal-text", "legal-provision",
                     "challenge", "community", "project", "figure", "theme", "tag"}
    assert all(r.fields.get("sources") for r in records)


def test_the_keys_other_parts_link_to_exist(records):
    refs = {r.ref for r in records}
    assert {f"instrument/{key}" for key in REQUIRED_INSTRUMENTS} <= refs
    assert {"instrument/procedure-adaptee", "organisation/la-27e-region", "organisation/ugap",
            "organisation/fabrique-des-mobilites", "resource/repenser-l-achat-public",
            "challenge/accompagner-collectivite-ouvrir-ressources",
            "community/communaute-territoires-collectivites", "theme/urbanisme-et-ville",
            "theme/collectivite", "theme/donnees-ouvertes", "theme/logiciel-libre",
            "tag/achat-public", "tag/ugap", "tag/marche"} <= refs
    assert {f"instrument/{key}" for key in DECP_PROCEDURES} <= refs
    assert sum(r.kind == "resource" for r in records) >= 9
    by_ref = {r.ref: r for r in records}
    assert {"27ème région", "27e Région", "La 27ème Région"} <= set(
        by_ref["organisation/la-27e-region"].fields["aliases"])
    ugap = by_ref["organisation/ugap"].fields
    assert (ugap["siren"], ugap["siret"]) == ("776056467", "77605646700587")
    seed = by_ref["resource/repenser-l-achat-public"].fields
    assert seed["wiki_page"] == "http://wiki.lafabriquedesmobilites.fr/wiki/Repenser_l%27achat_public"
    assert seed["involves"] == ["la-27e-region"]
    assert seed["themes"] == ["urbanisme-et-ville", "collectivite"]
    assert seed["tags"] == ["achat-public", "ugap", "marche"]


def test_links_out_come_only_from_the_facts(mapped):
    graph = mapped.graph
    wikidata = {(s, o) for s, o in graph.subject_objects(SKOS.closeMatch)
                if "wikidata" in str(o)}
    assert not [o for o in graph.objects(None, OWL.sameAs) if "wikidata" in str(o)]
    assert wikidata == {
        (thing("organisation", "gand"), URIRef("http://www.wikidata.org/entity/Q1296")),
        (thing("organisation", "barcelone"), URIRef("http://www.wikidata.org/entity/Q1492"))}
    directive = thing("legal-text", "directive-2014-24-ue")
    assert (directive, OWL.sameAs, URIRef("http://data.europa.eu/eli/dir/2014/24/oj")) in graph
    assert (directive, SKOS.exactMatch, URIRef(EU + "legal-basis/32014L0024")) in graph
    for key, code in DECP_PROCEDURES.items():
        assert (thing("instrument", key), SKOS.exactMatch,
                URIRef(f"{EU}procurement-procedure-type/{code}")) in graph
    assert not list(graph.objects(thing("instrument", "procedure-adaptee"), SKOS.exactMatch))
    without_call = thing("instrument", "marche-sans-publicite")  # our own mapping: a close one
    assert list(graph.objects(without_call, SKOS.closeMatch)) == [
        URIRef(f"{EU}procurement-procedure-type/neg-wo-call")]
    assert not list(graph.objects(without_call, SKOS.exactMatch))
    identifiers = [o for o in graph.objects(None, DCTERMS.identifier) if "LEGIARTI" in o]
    assert [str(i) for i in identifiers] == ["LEGIARTI000044490444"]


def test_every_code_used_is_in_its_concept_scheme(full_graph, mapped):
    for prop, scheme in ((APG.instrumentKind, APG.InstrumentKindScheme),
                         (APG.objective, APG.ObjectiveScheme), (APG.role, APG.ActorRoleScheme),
                         (APG.buyerKind, APG.BuyerKindScheme)):
        used = set(full_graph.objects(None, prop))
        assert used
        missing = {c for c in used if (c, SKOS.inScheme, scheme) not in full_graph}
        assert not missing, missing
    for prop in (SKOS.exactMatch, SKOS.closeMatch, SKOS.relatedMatch):
        for thing_iri, concept in full_graph.subject_objects(prop):
            if thing_iri not in mapped.origins or str(concept).startswith(WIKIDATA):
                continue  # the vocabulary's own alignments; a city's Wikidata item
            assert str(full_graph.value(concept, SKOS.inScheme)).startswith(EU), concept


def test_the_mapped_data_conforms_to_the_blocking_shapes(full_graph):
    violations, _ = vocabulary.load_shapes()
    conforms, _, text = pyshacl.validate(full_graph, shacl_graph=violations, inference="none",
                                         advanced=True)
    assert conforms, text


def test_a_query_lists_the_instruments_with_labels_legal_basis_and_source(full_graph):
    store = ox.Store()
    store.load(full_graph.serialize(format="nt", encoding="utf-8"),
               format=ox.RdfFormat.N_TRIPLES)
    rows = store.query("""
        PREFIX apg: <https://w3id.org/achat-public/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?instrument (SAMPLE(?fr) AS ?label_fr) (SAMPLE(?en) AS ?label_en)
               (COUNT(DISTINCT ?basis) AS ?bases) (SAMPLE(?note) AS ?basis_note)
               (SAMPLE(?source) AS ?a_source)
        WHERE {
          ?instrument a apg:Instrument ;
                      rdfs:label ?fr , ?en ;
                      dcterms:source ?source .
          FILTER(LANG(?fr) = "fr" && LANG(?en) = "en")
          OPTIONAL { ?instrument apg:legalBasis ?basis }
          OPTIONAL { ?instrument apg:legalBasisNote ?note }
          FILTER(BOUND(?basis) || BOUND(?note))
        }
        GROUP BY ?instrument
    """)
    found = {row["instrument"].value: row for row in rows}
    assert len(found) >= 15
    assert {str(thing("instrument", key)) for key in REQUIRED_INSTRUMENTS} <= set(found)
    for row in found.values():
        assert row["a_source"].value.startswith(("http://", "https://"))
        assert int(row["bases"].value) > 0 or row["basis_note"] is not None
    note = found[str(thing("instrument", "partenariat-public-communs"))]
    assert int(note["bases"].value) == 0 and note["basis_note"] is not None


DEFECTS = {
    # name: (record ref, change to its fields, property the shapes must name)
    "missing label": ("organisation/ugap", lambda f: f.pop("label"), RDFS.label),
    "invalid URL": ("resource/eclaireurs-5-achat-public-strategique",
                    lambda f: f.__setitem__("url", "www.la27eregion.fr sans schéma"), SCHEMA.url),
    "unknown code": ("instrument/concours",
                     lambda f: f.__setitem__("instrument_kind", "tirage-au-sort"),
                     APG.instrumentKind),
    "missing actor": ("resource/horizons-publics-achats-innovants",
                      lambda f: f.__setitem__("involves", ["organisation-absente"]),
                      APG.involvesOrganisation),
}


@pytest.fixture(scope="module")
def defective_report(records):
    damaged = copy.deepcopy(records)
    by_ref = {r.ref: r for r in damaged}
    for ref, change, _ in DEFECTS.values():
        change(by_ref[ref].fields)
    graph = map_records(damaged, DEFAULT_BASE).graph + vocabulary.load_vocabulary()
    violations, _ = vocabulary.load_shapes()
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=violations, inference="none",
                                           advanced=True)
    return conforms, report


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_a_defective_record_fails_the_shapes_naming_record_and_field(defective_report, defect):
    conforms, report = defective_report
    assert not conforms
    ref, _, prop = DEFECTS[defect]
    kind, key = ref.split("/")
    results = [r for r in report.subjects(SH.focusNode, thing(kind, key))
               if report.value(r, SH.resultPath) == prop]
    assert results, f"no result on {ref} {prop}"
    messages = {m.language for r in results for m in report.objects(r, SH.resultMessage)}
    assert {"fr", "en"} <= messages
    assert all(report.value(r, SH.resultSeverity) == SH.Violation for r in results)


def copy_data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder, ignore=shutil.ignore_patterns("wiki"))
    return folder


@pytest.mark.parametrize(("file", "old", "new", "record", "field"), [
    ("organisations.yaml",
     '  label: {fr: "UGAP (Union des groupements d\'achats publics)", en: "UGAP (Union of public '
     'purchasing groups)"}\n', "", "ugap", "label"),
    ("resources.yaml", "  involves: [la-27e-region]\n", "  involves: [la-27-region]\n",
     "repenser-l-achat-public", "involves[1]"),
    ("instruments.yaml", "  instrument_kind: legal-form\n", "  instrument_kind: Forme juridique\n",
     "scic", "instrument_kind"),
])
def test_a_defective_yaml_record_is_named_by_the_reader(tmp_path, file, old, new, record, field):
    folder = copy_data(tmp_path)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InvalidData) as caught:
        read_data_dir(folder)
    problems = [p for p in caught.value.problems if p.record == record and p.field == field]
    assert problems, [str(p) for p in caught.value.problems]
    assert problems[0].file == str(path) and problems[0].line
    assert problems[0].message and problems[0].message_fr


def test_every_data_file_explains_how_to_add_a_record():
    for path in sorted(DATA_DIR.glob("*.yaml")):
        head = path.read_text(encoding="utf-8").splitlines()[:12]
        assert head[0].startswith("#"), path.name
        assert any("To add" in line for line in head), path.name


def test_graph_serialises_and_reparses_strictly(mapped):
    data = mapped.graph.serialize(format="nt", encoding="utf-8")
    strict = set(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    assert len(strict) == len(mapped.graph) > 0
    reread = Graph().parse(data=data, format="nt")
    assert len(reread) == len(strict)
    assert set(reread) == set(mapped.graph)
