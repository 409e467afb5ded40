"""End to end with DECP contracts: ``achat-graph build --decp`` on the curated data, then serve."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib.namespace import SKOS

from achat_core.resources import DATA_DIR
from achat_graph.cli import main
from graph_builder.output.catalog import GraphStats
from graph_builder.pipeline.contracts import DECP_SOURCE
from graph_builder.rdf.indicators import compute_indicators
from graph_builder.rdf.vocabulary import load_vocabulary
from graph_builder.sources.decp_generator import write_decp
from sparql_endpoint import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "decp"
BASE = "https://w3id.org/achat-public/"
ID = f"{BASE}id/"
APG = "https://w3id.org/achat-public/ontology#"
EPO = "http://data.europa.eu/a4g/ontology#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
UGAP = f"{ID}organisation/ugap"
#: Another establishment of UGAP (same SIREN as the curated record): fictional, for the test.
UGAP_OTHER_SIRET = "77605646700012"
INNOVATIVE_PURCHASE = f"{ID}instrument/achat-innovant"
PARTNERSHIP = f"{ID}instrument/partenariat-innovation"
PREFIXES = f"PREFIX epo: <{EPO}> PREFIX apg: <{APG}> PREFIX dct: <{DCT}> "


def _marche(record_id: str, buyer: str, holder: str, **fields) -> dict:
    record = {
        "id": record_id, "acheteur": {"id": buyer}, "codeCPV": "72000000-5",
        "marcheInnovant": False, "procedure": "Procédure adaptée",
        "dateNotification": "2024-05-02", "montant": 25000,
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": holder}}],
        "lieuExecution": {"code": "35", "typeCode": "Code département"},
    }
    record.update(fields)
    return record


def _write(path: Path, *records) -> Path:
    path.write_text(json.dumps({"marches": {"marche": list(records)}}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def _build(out: Path, *decp: Path, extra: tuple[str, ...] = ()):
    args = ["build", "--data", str(DATA_DIR), "--out", str(out), "--quiet"]
    for path in decp:
        args += ["--decp", str(path)]
    return CliRunner().invoke(main, args + list(extra))


def _snapshot(out: Path) -> dict:
    files = {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(out.rglob("*")) if p.is_file()}
    return {"target": os.readlink(out), "files": files}


def _records(path: Path) -> list[dict]:
    raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    data = json.loads(raw.decode("utf-8"))["marches"]
    return data.get("marche", []) + data.get("contrat-concession", [])


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("decp-inputs")
    generated = folder / "generated.json.gz"
    write_decp(generated, 150, seed=11)
    own = _write(folder / "own.json",
                 _marche("UGAP-WIN-1", "21350238800019", UGAP_OTHER_SIRET,
                         marcheInnovant=True, montant=64000.5,
                         procedure="Marché passé sans publicité ni mise en concurrence "
                                   "préalable"),
                 _marche("OWN-2", "21350238800019", "44306184100047",
                         marcheInnovant=True, procedure="Dialogue compétitif", montant=450000))
    return {"generated": generated, "own": own, "quirks": FIXTURES / "quirks.json",
            "bad": FIXTURES / "bad.json"}


@pytest.fixture(scope="module")
def built(tmp_path_factory, inputs) -> Path:
    out = tmp_path_factory.mktemp("decp-build") / "dist"
    result = _build(out, *inputs.values())
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def manifest(built: Path) -> dict:
    return json.loads((built / "build.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def store(built: Path) -> ox.Store:
    return ox.Store.read_only(str(built / "store"))


def _nt(path: Path) -> list[ox.Triple]:
    with gzip.open(path, "rb") as stream:
        return [q.triple for q in ox.parse(stream, format=ox.RdfFormat.N_TRIPLES)]


def _ask(store: ox.Store, pattern: str) -> bool:
    return bool(store.query(f"{PREFIXES} ASK {{ {pattern} }}"))


def _indicators(store: ox.Store, instrument: str) -> dict[str, dict]:
    rows = store.query(f"{PREFIXES} SELECT ?i ?measure ?value ?proxy ?label WHERE {{ "
                       f"?i a apg:Indicator ; apg:aboutInstrument <{instrument}> ; "
                       f"apg:measure ?measure ; apg:value ?value ; "
                       f"<http://www.w3.org/2000/01/rdf-schema#label> ?label "
                       f"FILTER(LANG(?label) = 'en') OPTIONAL {{ ?i apg:isProxy ?proxy }} }}")
    return {r["i"].value: {"measure": r["measure"].value, "value": Decimal(r["value"].value),
                           "proxy": r["proxy"].value if r["proxy"] else None,
                           "label": r["label"].value} for r in rows}


def test_build_publishes_contracts_indicators_and_the_rejected_report(built, manifest):
    assert manifest["load"] == ["graph.nt.gz", "contracts.nt.gz", "indicators.nt.gz"]
    assert manifest["store"] == "store"
    for name in ("contracts.nt.gz", "indicators.nt.gz", "decp-rejected.jsonl"):
        info = manifest["files"][name]
        data = (built / name).read_bytes()
        assert info["bytes"] == len(data)
        assert info["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["files"]["contracts.nt.gz"]["triples"] == len(_nt(built / "contracts.nt.gz"))
    assert manifest["files"]["decp-rejected.jsonl"]["triples"] is None
    catalog = ox.Store()
    catalog.load(path=str(built / "catalog.ttl"), format=ox.RdfFormat.TURTLE)
    urls = {r["u"].value for r in catalog.query(
        "SELECT ?u WHERE { ?d <http://www.w3.org/ns/dcat#downloadURL> ?u }")}
    assert f"{BASE}dumps/contracts.nt.gz" in urls
    assert f"{BASE}dumps/indicators.nt.gz" in urls
    # every published file is in the catalogue, the reports and the table included
    assert {f"{BASE}dumps/{name}" for name in ("decp-rejected.jsonl", "contracts.csv.gz",
                                                "void.ttl")} <= urls


def test_build_json_counts_what_the_store_and_an_in_memory_load_hold(built, manifest, store):
    memory = ox.Store()
    for name in manifest["load"]:
        with gzip.open(built / name, "rb") as stream:
            memory.bulk_load(input=stream, format=ox.RdfFormat.N_TRIPLES)
    assert len(store) == len(memory) == manifest["triples"]
    void = ox.Store()
    void.load(path=str(built / "void.ttl"), format=ox.RdfFormat.TURTLE)
    count = next(iter(void.query("SELECT ?n WHERE { ?d <http://rdfs.org/ns/void#triples> ?n "
                                 f"FILTER(?d = <{BASE}dataset>) }}")))["n"].value
    assert int(count) == manifest["triples"]


def test_statistics_counted_in_the_store_equal_those_counted_in_python(store):
    triples = [q.triple for q in store.quads_for_pattern(None, None, None)]
    assert GraphStats.of_store(store, ID) == GraphStats.of(triples, ID)
    empty = GraphStats.of_store(ox.Store(), ID)
    assert (empty.triples, empty.entities, empty.subjects, empty.classes) == (0, 0, 0, {})


def test_every_valid_contract_buyer_and_winner_is_published_in_epo(inputs, store):
    checked = 0
    for name in ("generated", "own"):
        for record in _records(inputs[name]):
            concession = "autoriteConcedante" in record
            buyer = record["autoriteConcedante" if concession else "acheteur"]["id"]
            kind = "epo:ConcessionContract" if concession else "epo:Contract"
            assert _ask(store, f'?c a {kind} ; dct:identifier "{record["id"]}" ; '
                               f"epo:bindsBuyer ?b ; epo:hasContractValue/epo:hasAmountValue ?v . "
                               f"?b a epo:Buyer ; epo:playedBy ?o . ?o apg:siret \"{buyer}\""), \
                record["id"]
            holders = record["concessionnaires" if concession else "titulaires"]
            for holder in holders:
                number = next(iter(holder.values()))["id"]
                assert _ask(store, f'?c dct:identifier "{record["id"]}" ; '
                                   f"epo:bindsContractor ?w . ?w a epo:Winner ; "
                                   f"epo:playedBy/<http://www.w3.org/ns/adms#identifier>/"
                                   f'<http://www.w3.org/2004/02/skos/core#notation> "{number}"'), \
                    (record["id"], number)
            checked += 1
    assert checked == 152


def test_every_eu_code_the_contracts_use_is_described_or_a_known_iri_only(built):
    eu = "http://publications.europa.eu/resource/authority/"
    used = {t.object.value for t in _nt(built / "contracts.nt.gz")
            if isinstance(t.object, ox.NamedNode) and t.object.value.startswith(eu)}
    vocabulary = load_vocabulary()
    described = {str(c) for c in vocabulary.subjects(SKOS.inScheme, None)
                 if str(c).startswith(eu)}
    # No shared code list gives labels for these tables: used as IRIs only (docs/model.md).
    iri_only = {f"{eu}language/FRA", f"{eu}currency/EUR", f"{eu}country/FRA"}
    assert f"{eu}procurement-procedure-type/oth-single" in used
    assert used - iri_only <= described, sorted(used - iri_only - described)


def test_a_curated_organisation_matched_by_siren_is_one_node(store):
    assert _ask(store, f'?c dct:identifier "UGAP-WIN-1" ; epo:bindsContractor ?w . '
                       f"?w epo:playedBy <{UGAP}>")
    assert _ask(store, f"<{UGAP}> a apg:Organisation ; apg:siret \"{UGAP_OTHER_SIRET}\" ; "
                       f"apg:siret \"77605646700587\"")
    assert not _ask(store, f"?o apg:siret \"{UGAP_OTHER_SIRET}\" FILTER(?o != <{UGAP}>)")
    assert not _ask(store, f"<{ID}organisation/siret-{UGAP_OTHER_SIRET}> ?p ?o")
    # The buyer of the quirks fixture is UGAP's curated SIRET: the same node again.
    assert _ask(store, f"?b a epo:Buyer ; epo:playedBy <{UGAP}>")


def test_rejected_records_are_reported_counted_and_left_out(built, inputs, store):
    lines = [json.loads(line) for line in
             (built / "decp-rejected.jsonl").read_text(encoding="utf-8").splitlines()]
    summary = (built / "summary.txt").read_text(encoding="utf-8")
    counted = re.search(r"DECP: (\d+) records rejected", summary)
    assert counted and int(counted.group(1)) == len(lines)
    read = re.search(r"DECP: (\d+) records read, (\d+) contracts mapped", summary)
    assert int(read.group(1)) - int(read.group(2)) == len(lines)
    bad = [line for line in lines if line["file"] == str(inputs["bad"])]
    assert len(bad) == len(_records(inputs["bad"])) - 1  # every record but OK1
    for line in bad:
        assert line["kind"] and line["problem"]
        if line["id"]:
            assert not _ask(store, f'?c dct:identifier "{line["id"]}"'), line
    assert _ask(store, '?c a epo:Contract ; dct:identifier "OK1"')
    assert "contracts.nt.gz" in summary and ".partial" not in summary


def test_indicators_on_the_innovative_purchase_count_the_inferred_contracts(built, store):
    contracts = _nt(built / "contracts.nt.gz")
    inferred = {t.subject for t in contracts if t.predicate.value == f"{APG}inferredInstrument"
                and t.object.value == INNOVATIVE_PURCHASE}
    value_node = {t.subject: t.object for t in contracts
                  if t.predicate.value == f"{EPO}hasContractValue"}
    amount = {t.subject: Decimal(t.object.value) for t in contracts
              if t.predicate.value == f"{EPO}hasAmountValue"}
    assert len(inferred) >= 2
    indicators = {i["measure"]: i for i in _indicators(store, INNOVATIVE_PURCHASE).values()}
    assert indicators["contracts-inferred"]["value"] == len(inferred)
    total = sum(amount[value_node[c]] for c in inferred)
    assert indicators["amount-inferred"]["value"] == total.quantize(Decimal("0.01"))
    assert _ask(store, f"?i a apg:Indicator ; apg:aboutInstrument <{INNOVATIVE_PURCHASE}> ; "
                       f"dct:source <{DECP_SOURCE}> ; apg:computedByQuery ?q")


def test_the_innovation_partnership_gets_a_labelled_proxy(built, store):
    contracts = _nt(built / "contracts.nt.gz")
    innovative = {t.subject for t in contracts if t.object.value == f"{EPO}InnovativeProcurement"}
    proxies = [i for i in _indicators(store, PARTNERSHIP).values() if i["proxy"] == "true"]
    assert proxies and all("proxy" in i["label"] for i in proxies)
    assert sum(i["value"] for i in proxies) == len(innovative)


def test_the_served_pages_show_usage_figures_and_the_proxy_beside_the_eu_figure(built, manifest):
    for config in ({"DIST": built}, {"DIST": built, "STORE": str(built / "store")}):
        client = create_app(config).test_client()
        page = client.get("/doc/instrument/achat-innovant",
                          headers={"Accept": "text/html", "Accept-Language": "en"})
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        figures = html[html.index('id="fig-h"'):]
        # indicators are named by the instrument's name, not its key
        assert "Contracts, inferred (Innovative-purchase exemption)" in figures
        assert "/doc/indicator/achat-innovant-inferred-contracts" in figures
        page = client.get("/doc/instrument/partenariat-innovation",
                          headers={"Accept": "text/html", "Accept-Language": "en"})
        figures = page.get_data(as_text=True)
        figures = figures[figures.index('id="fig-h"'):figures.index("</table>",
                                                                   figures.index('id="fig-h"'))]
        assert "Innovation partnerships awarded in the EU" in figures and ">173<" in figures
        # ... and by the procedure type's label, not its EU code
        assert re.search(r"Innovative contracts by procedure \([A-Z][\w ,-]+\) — proxy",
                         figures)
        assert not re.search(r"by procedure \([a-z-]+\)", figures)
        with client.get("/dumps/decp-rejected.jsonl") as report:
            assert report.status_code == 200
            assert report.get_data() == (built / "decp-rejected.jsonl").read_bytes()


def test_strict_stops_at_the_first_bad_record_and_leaves_the_output(built, tmp_path, inputs):
    before = _snapshot(built)
    bad = _write(tmp_path / "one-bad.json",
                 _marche("GOOD-1", "21350238800019", "44306184100047"),
                 _marche("BAD-42", "21350238800019", "44306184100047", montant="douze"))
    result = _build(built, inputs["own"], bad, extra=("--strict",))
    assert result.exit_code == 1, result.output
    assert "one-bad.json" in result.output and "BAD-42" in result.output
    assert "montant" in result.output and "Traceback" not in result.output
    assert _snapshot(built) == before
    assert not [p for p in (built.parent / "dist.builds").iterdir()
                if p.name.startswith(".partial")]


def test_a_builder_bug_caught_by_the_shapes_stops_the_build(built, inputs, monkeypatch):
    before = _snapshot(built)
    real = compute_indicators

    def without_units(store, base, source=None, totals=None):
        return [t for t in real(store, base, source, totals)
                if t.predicate.value != f"{APG}unit"]

    monkeypatch.setattr("graph_builder.pipeline.contracts.compute_indicators", without_units)
    result = _build(built, inputs["own"])
    assert result.exit_code == 1, result.output
    assert "bug of the builder" in result.output and "apg:unit" in result.output
    assert "indicator/" in result.output and "indicators.nt.gz" in result.output
    assert _snapshot(built) == before


@pytest.mark.slow
def test_without_a_store_the_dumps_alone_serve_the_same_graph(tmp_path, inputs, manifest):
    out, again = tmp_path / "dist", tmp_path / "again" / "dist"
    for folder in (out, again):
        result = _build(folder, inputs["own"], inputs["quirks"], extra=("--no-store",))
        assert result.exit_code == 0, result.output
    made, remade = (_snapshot(folder)["files"] for folder in (out, again))
    del made["summary.txt"], remade["summary.txt"]  # each ends with its own stage timings
    assert made == remade  # byte for byte
    small = json.loads((out / "build.json").read_text(encoding="utf-8"))
    assert small["store"] is None and not (out / "store").exists()
    assert "indicators.nt.gz" in small["load"]
    assert small["triples"] < manifest["triples"]
    client = create_app({"DIST": out}).test_client()
    html = client.get("/doc/instrument/achat-innovant",
                      headers={"Accept": "text/html", "Accept-Language": "en"}).get_data(
        as_text=True)
    assert "Contracts, inferred (Innovative-purchase exemption)" in html


def test_a_missing_decp_file_is_a_usage_error(tmp_path):
    result = _build(tmp_path / "dist", tmp_path / "absent.json")
    assert result.exit_code == 2
    assert "absent.json" in result.output and "Traceback" not in result.output


def test_a_file_that_is_not_decp_json_is_a_usage_error(built, tmp_path, inputs):
    before = _snapshot(built)
    wrong = tmp_path / "notes.json"
    wrong.write_text("# not JSON at all\n", encoding="utf-8")
    result = _build(built, inputs["own"], wrong)
    assert result.exit_code == 2, result.output
    assert "notes.json" in result.output and "not a DECP v2 JSON file" in result.output
    assert _snapshot(built) == before


def test_names_changed_by_a_difference_are_the_stores_names(tmp_path):
    """An update's organisation names, changed by the triples it removed and added, are what
    the store's query gives after the change: names of organisations typed or untyped by
    the difference, and legal names of anything."""
    from graph_builder.pipeline.contracts import (
        changed_names,
        organisation_names,
        read_names,
        write_names,
    )

    def line(s: str, p: str, o: str) -> str:
        return f"<https://e.org/id/{s}> <{p}> {o} .\n"

    org = "<http://www.w3.org/ns/org#Organization>"
    a = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    pref = "http://www.w3.org/2004/02/skos/core#prefLabel"
    legal = "https://w3id.org/achat-public/ontology#legalName"
    before = [line("o1", a, org), line("o1", label, '"One"'), line("o2", a, org),
              line("o2", pref, '"Two"@fr'), line("o3", legal, '"Three SA"'),
              line("p1", label, '"A place"'), line("o4", a, org), line("o4", label, '"Four"')]
    removed_lines = [line("o2", a, org), line("o3", legal, '"Three SA"'),
                     line("o4", label, '"Four"')]
    added_lines = [line("o1", pref, '"Un"@fr'), line("o5", a, org), line("o5", label, '"Five"'),
                   line("p1", a, org), line("p2", label, '"Not an organisation"'),
                   line("o6", legal, '"Six SARL"')]
    store = ox.Store()
    store.load("".join(before).encode(), format=ox.RdfFormat.N_TRIPLES)
    kept = tmp_path / "names.nt.gz"
    write_names(organisation_names(store), kept)

    def triples(lines: list[str]) -> list[ox.Triple]:
        return [q.triple for q in ox.parse("".join(lines).encode(),
                                           format=ox.RdfFormat.N_TRIPLES)]

    for t in triples(removed_lines):
        store.remove(ox.Quad(*t))
    store.load("".join(added_lines).encode(), format=ox.RdfFormat.N_TRIPLES)
    changed = changed_names(store, read_names(kept), triples(removed_lines), triples(added_lines))
    assert set(changed) == set(organisation_names(store))
    assert {t.object.value for t in changed} == {"One", "Un", "Five", "A place", "Six SARL"}


def test_an_update_checks_again_only_the_indicators_that_changed(tmp_path):
    """An indicator whose triples are all in the released dump is not checked again; one
    with a triple changed, added or gone is checked whole."""
    from graph_builder.pipeline.contracts import _changed

    def t(s: str, p: str, o: str) -> ox.Triple:
        return ox.Triple(ox.NamedNode(f"https://e.org/id/indicator/{s}"),
                         ox.NamedNode(f"https://e.org/{p}"), ox.Literal(o))

    released = [t("same", "value", "1"), t("same", "label", "Same"), t("more", "value", "2"),
                t("more", "label", "More"), t("less", "value", "3"), t("less", "note", "x")]
    dump = tmp_path / "indicators.nt.gz"
    dump.write_bytes(gzip.compress(ox.serialize(released, format=ox.RdfFormat.N_TRIPLES)))
    now = [t("same", "value", "1"), t("same", "label", "Same"), t("more", "value", "4"),
           t("more", "label", "More"), t("less", "value", "3"), t("new", "value", "5")]
    assert _changed(now, dump) == [t("more", "value", "4"), t("more", "label", "More"),
                                   t("less", "value", "3"), t("new", "value", "5")]
    assert _changed(now, None) == now
