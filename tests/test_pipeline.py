"""End to end: ``achat-graph build`` on small data folders, through the CLI."""

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from helpers import SHARED_DIR

from achat_graph.cli import main
from graph_builder.pipeline.options import BuildOptions, build_id_of

SOURCE = "http://wiki.lafabriquedesmobilites.fr/wiki/Vers_un_territoire_Open_Source"
THEMES = f"""\
- key: donnees-ouvertes
  label: {{fr: "Données ouvertes", en: "Open data"}}
  sources: [{SOURCE}]
"""
CHALLENGES = f"""\
- key: kit-innovation
  label: {{fr: "Construire un kit d'aide à l'innovation", en: "Build an innovation toolkit"}}
  description: {{fr: "Accompagner une collectivité.", en: "Support a local authority."}}
  url: https://example.org/kit
  sources: [{SOURCE}]
"""
COMMUNITY = f"""\
- key: territoires
  label: {{fr: "Communauté des Territoires et Collectivités", en: "Territories community"}}
  part_of: [PART]
  sources: [{SOURCE}]
"""


def _data(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    contents = {"themes.yaml": THEMES, "challenges.yaml": CHALLENGES,
                "communities.yaml": COMMUNITY.replace("PART", "territoires-parent")}
    contents["communities.yaml"] = COMMUNITY.replace("  part_of: [PART]\n", "")
    contents.update({name.replace("_", "-") + ".yaml": text for name, text in files.items()})
    for name, text in contents.items():
        if isinstance(text, bytes):
            (folder / name).write_bytes(text)
        else:
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def _build(data: Path, out: Path, *extra: str):
    return CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(out), "--quiet",
                                     *extra])


def _snapshot(out: Path) -> dict:
    files = {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(out.rglob("*")) if p.is_file()}
    return {"target": os.readlink(out), "files": files}


@pytest.fixture()
def published(tmp_path: Path) -> Path:
    out = tmp_path / "dist"
    result = _build(_data(tmp_path / "data"), out)
    assert result.exit_code == 0, result.output
    return out


def test_build_publishes_every_file_of_the_contract(published: Path):
    names = {p.name for p in published.iterdir()}
    assert {"graph.ttl", "graph.nt.gz", "graph.jsonld", "void.ttl", "catalog.ttl",
            "validation-report.ttl", "summary.txt", "search-index.json", "build.json"} <= names
    manifest = json.loads((published / "build.json").read_text())
    assert manifest["load"] == ["graph.nt.gz"]
    assert manifest["store"] is None
    assert published.resolve().name == manifest["build_id"]
    for name in ("graph.ttl", "graph.nt.gz", "graph.jsonld"):
        info = manifest["files"][name]
        data = (published / name).read_bytes()
        assert info["bytes"] == len(data)
        assert info["sha256"] == hashlib.sha256(data).hexdigest()
        assert info["triples"] == manifest["triples"]
    triples = list(ox.parse(path=str(published / "graph.ttl")))
    assert len(triples) == manifest["triples"]
    assert any("id/challenge/kit-innovation" in str(t) for t in triples)
    assert manifest["build_id"] in (published / "summary.txt").read_text()


def test_two_builds_give_identical_bytes(tmp_path: Path, published: Path):
    other = tmp_path / "elsewhere" / "dist"
    assert _build(tmp_path / "data", other).exit_code == 0
    made, again = _snapshot(other)["files"], _snapshot(published)["files"]
    del made["summary.txt"], again["summary.txt"]  # each ends with its own stage timings
    assert made == again
    before = _snapshot(published)
    assert _build(tmp_path / "data", published).exit_code == 0  # released again, not made
    assert _snapshot(published) == before


def test_the_base_is_recorded_as_the_uri_space(tmp_path: Path):
    out = tmp_path / "dist"
    result = _build(_data(tmp_path / "data"), out, "--base", "https://example.org/kg/")
    assert result.exit_code == 0, result.output
    assert '"https://example.org/kg/id/"' in (out / "void.ttl").read_text()
    assert "https://example.org/kg/id/theme/donnees-ouvertes" in (out / "graph.ttl").read_text()


def test_quiet_prints_nothing_and_the_default_prints_the_summary(tmp_path: Path):
    data = _data(tmp_path / "data")
    quiet = CliRunner().invoke(main, ["build", "--data", str(data), "--out",
                                      str(tmp_path / "a"), "--quiet"])
    assert quiet.exit_code == 0 and quiet.output == ""
    loud = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(tmp_path / "b")])
    assert loud.exit_code == 0
    assert "Files:" in loud.output and "graph.ttl" in loud.output


def test_a_missing_data_folder_is_a_usage_error(tmp_path: Path):
    result = _build(tmp_path / "nowhere", tmp_path / "dist")
    assert result.exit_code == 2
    assert "nowhere" in result.output


def test_a_plain_output_folder_is_refused(tmp_path: Path):
    out = tmp_path / "dist"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    result = _build(_data(tmp_path / "data"), out)
    assert result.exit_code == 2
    assert "refusing" in result.output
    assert (out / "mine.txt").read_text() == "keep"


BAD_INPUTS = {
    "malformed-yaml": ("themes", "- key: broken\n  label: {fr: [unclosed\n", "themes.yaml", None),
    "missing-required-field": ("themes", "- key: sans-source\n  label: {fr: Sans source}\n",
                               "themes.yaml", "sources"),
    "invalid-url": ("challenges", CHALLENGES.replace(f"[{SOURCE}]", "[not a url]"),
                    "challenges.yaml", "dcterms:source"),
    "duplicate-key": ("themes", THEMES + THEMES, "themes.yaml", "key"),
    "missing-reference": ("communities", COMMUNITY.replace("PART", "nulle-part"),
                          "communities.yaml", "part_of"),
    "not-utf8": ("themes", THEMES.replace("Données", "Donn\xe9es").encode("latin-1"),
                 "themes.yaml", None),
    "empty-file": ("themes", "", "themes.yaml", None),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_1_names_the_place_and_leaves_the_output(tmp_path: Path,
                                                                published: Path, case: str):
    kind, text, file, field = BAD_INPUTS[case]
    before = _snapshot(published)
    bad = _data(tmp_path / f"bad-{case}", **{kind: text})
    result = _build(bad, published)
    assert result.exit_code == 1, result.output
    assert file in result.output
    if field:
        assert field in result.output
    assert "Traceback" not in result.output
    assert _snapshot(published) == before
    assert not [p for p in (published.parent / "dist.builds").iterdir()
                if p.name.startswith(".partial")]


def test_raptor_parses_the_turtle_dump_with_the_same_triple_count(published: Path):
    rapper = shutil.which("rapper")
    if rapper is None:
        pytest.skip("rapper (Debian raptor2-utils) is not installed; .ci/run installs it")
    dump = published / "graph.ttl"
    result = subprocess.run([rapper, "-i", "turtle", "-c", str(dump)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    counted = int(re.search(r"returned (\d+) triples", result.stderr).group(1))
    assert counted == len(list(ox.parse(path=str(dump), format=ox.RdfFormat.TURTLE)))


@pytest.mark.parametrize("name", ["graph.nt.gz", "graph.ttl", "graph.jsonld"])
def test_a_dump_that_loses_a_triple_is_refused_and_nothing_is_published(
        tmp_path: Path, published: Path, monkeypatch, name: str):
    from graph_builder.output import dumps

    write = dumps.write_dump

    def lossy(triples, path):
        write(triples[1:] if path.name == name else triples, path)

    monkeypatch.setattr(dumps, "write_dump", lossy)
    before = _snapshot(published)
    result = _build(tmp_path / "data", published, "--created", "2024-06-01")  # a new build
    assert result.exit_code == 1, result.output
    assert name in result.output and "expected" in result.output
    assert _snapshot(published) == before


def test_statistics_and_search_index_describe_the_published_graph(published: Path):
    manifest = json.loads((published / "build.json").read_text())
    store = ox.Store()
    store.load(path=str(published / "graph.ttl"), format=ox.RdfFormat.TURTLE)
    void = (published / "void.ttl").read_text()
    assert f"void:triples {len(store)} " in void
    assert manifest["triples"] == len(store)
    labelled = {s.value for s, _, _, _ in store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None)
        if isinstance(s, ox.NamedNode)}
    index = json.loads((published / "search-index.json").read_text("utf-8"))
    assert labelled <= {e["iri"] for e in index["entries"]}


@pytest.mark.parametrize("base", ["https://example.org/data#", "example.org/data/"])
def test_a_base_that_is_not_a_slash_iri_is_a_usage_error(tmp_path: Path, base: str):
    result = _build(_data(tmp_path / "data"), tmp_path / "dist", "--base", base)
    assert result.exit_code == 2
    assert "ending with '/'" in result.output
    assert not (tmp_path / "dist").exists()


def test_a_base_that_is_not_a_valid_iri_is_a_usage_error(tmp_path: Path):
    result = _build(_data(tmp_path / "data"), tmp_path / "dist", "--base", "http://x/ y/")
    assert result.exit_code == 2
    assert "not a valid IRI" in result.output and "Violation" not in result.output
    assert not (tmp_path / "dist").exists()


def test_a_truncated_gzip_decp_file_is_a_usage_error_naming_it(tmp_path: Path):
    record = {"id": "1", "acheteur": {"id": "77605646700587"}, "montant": 1}
    packed = gzip.compress(json.dumps({"marches": {"marche": [record] * 2000}}).encode())
    broken = tmp_path / "trunc.json.gz"
    broken.write_bytes(packed[:20])
    result = _build(_data(tmp_path / "data"), tmp_path / "dist", "--decp", str(broken))
    assert result.exit_code == 2, result.output
    assert "trunc.json.gz" in result.output and "Aborted" not in result.output


@pytest.mark.parametrize("change", [
    {"created": "2024-01-02"}, {"sample_rate": 0.5}, {"strict": True}, {"with_store": True},
    {"base": "https://example.org/other/"}])
def test_the_build_id_changes_with_each_setting_that_changes_the_output(tmp_path: Path, change):
    options = BuildOptions(data_dir=_data(tmp_path / "data"))
    same = BuildOptions(data_dir=tmp_path / "data")
    assert build_id_of(options) == build_id_of(same)
    assert build_id_of(options) != build_id_of(replace(options, **change))


def test_the_build_id_changes_with_source_date_epoch(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    options = BuildOptions(data_dir=_data(tmp_path / "data"))
    before = build_id_of(options)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build_id_of(options) != before


def test_a_malformed_source_date_epoch_is_a_usage_error(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    result = _build(_data(tmp_path / "data"), tmp_path / "dist")
    assert result.exit_code == 2
    assert "SOURCE_DATE_EPOCH" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("created", [None, "2026-12-10"])
def test_one_date_for_a_build_no_read_on_after_modified(tmp_path: Path, monkeypatch, created):
    """Issued, modified, created and every readOn come from one date (issue 26, item 6)."""
    seeds = SHARED_DIR / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"the seed pages are not there: {seeds} is missing (../shared absent)")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = tmp_path / "dist"
    result = _build(_data(tmp_path / "data"), out, "--wiki", str(seeds),
                    *(["--created", created] if created else []))
    assert result.exit_code == 0, result.output
    graph, described = ox.Store(), ox.Store()
    graph.load(path=str(out / "graph.ttl"))
    for name in ("catalog.ttl", "void.ttl"):
        described.load(path=str(out / name))

    def dates(store: ox.Store, prop: str) -> set[str]:
        return {row["d"].value for row in store.query(
            f"SELECT DISTINCT ?d WHERE {{ ?s <{prop}> ?d }}")}

    read_on = dates(graph, "https://w3id.org/achat-public/ontology#readOn")
    stamps = (dates(described, "http://purl.org/dc/terms/modified")
              | dates(described, "http://purl.org/dc/terms/issued"))
    build_date = json.loads((out / "build.json").read_text(encoding="utf-8"))["created"]
    assert read_on and stamps == {build_date}
    assert max(read_on) <= build_date  # no "read on" after "modified"
    if created:
        assert read_on == {created} and build_date == created
