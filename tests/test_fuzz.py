"""Fuzzing the readers: bad input never crashes or hangs the builder (issue 16).

In-process properties (hypothesis, ``ACHAT_FUZZ_EXAMPLES`` examples each, 20 by default):
a mutated wiki page, curated YAML file or DECP file is read, or refused with the readers'
own errors — never another exception.  Through the command, in a child process under an
address-space limit and a generous timeout: the regression cases of the issue and
``ACHAT_FUZZ_CLI`` mutated inputs per reader (1 by default; ``.ci/run`` sets more) exit 0,
or 1/2 naming the file, and never print a traceback.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hostile_inputs import DECP_CASES, GOOD_MARCHE, WIKI_CASES, decp, mutate, wiki_page
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from achat_core.resources import DATA_DIR
from graph_builder.errors import InvalidData
from graph_builder.pipeline.contracts import NotDecpFile, build_contracts
from graph_builder.rdf.reconcile import import_pages
from graph_builder.shacl.gate import EmptyGraph, validate_files
from graph_builder.sources.curated import read_data_dir
from graph_builder.sources.wiki import read_wiki_page

EXAMPLES = int(os.environ.get("ACHAT_FUZZ_EXAMPLES", "20"))
CLI_RUNS = int(os.environ.get("ACHAT_FUZZ_CLI", "1"))
FIXTURES = Path(__file__).parent / "fixtures"
ACHAT = Path(sys.executable).parent / "achat-graph"
CHILD_MEMORY = 3 * 1024 * 1024 * 1024  # bytes of address space for a child command
CHILD_TIMEOUT = 600  # seconds: a hang, not a slow run
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

WIKI_SEEDS = sorted((FIXTURES / "wiki").glob("*.txt"))
DECP_SEEDS = [decp(), (FIXTURES / "decp" / "quirks.json").read_bytes()]
YAML_SEEDS = sorted(DATA_DIR.glob("*.yaml"))


# -- in-process properties -----------------------------------------------------------------
def _read_wiki(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.txt"
        path.write_bytes(data)
        try:
            import_pages([read_wiki_page(path)], [])
        except InvalidData as error:
            assert all(p.file == "page.txt" for p in error.problems)


def _build_decp(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "decp.json"
        path.write_bytes(data)
        try:
            build_contracts([path], Path(folder) / "out" / "contracts.nt", "https://e.org/", {})
        except NotDecpFile as error:
            assert str(path) in str(error)
            return
        for line in (Path(folder) / "out" / "decp-rejected.jsonl").read_text().splitlines():
            assert json.loads(line)["kind"]


@FUZZ
@given(st.sampled_from(WIKI_SEEDS), st.randoms(use_true_random=False))
def test_mutated_wiki_pages_are_read_or_refused(seed, rng):
    _read_wiki(mutate(seed.read_bytes(), rng))


@FUZZ
@given(st.sampled_from(DECP_SEEDS), st.randoms(use_true_random=False))
def test_mutated_decp_files_are_read_or_refused(seed, rng):
    _build_decp(mutate(seed, rng))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.decimals(allow_nan=False, allow_infinity=False).map(float),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)
_DECP_FIELDS = ["id", "acheteur", "codeCPV", "marcheInnovant", "procedure", "dateNotification",
                "montant", "objet", "titulaires", "nature", "techniques", "lieuExecution",
                "considerationsSociales", "considerationsEnvironnementales", "modifications",
                "datePublicationDonnees"]


@FUZZ
@given(st.dictionaries(st.sampled_from(_DECP_FIELDS), _JSON, min_size=1, max_size=4))
def test_decp_fields_of_any_json_type_are_rejected_with_a_reason(fields):
    record = {**GOOD_MARCHE, **fields}
    _build_decp(decp(json.dumps(record, default=str)))


@FUZZ
@given(st.sampled_from(YAML_SEEDS), st.randoms(use_true_random=False))
def test_mutated_curated_files_are_read_or_refused(seed, rng):
    with tempfile.TemporaryDirectory() as folder:
        for path in YAML_SEEDS:
            shutil.copy(path, folder)
        (Path(folder) / seed.name).write_bytes(mutate(seed.read_bytes(), rng))
        try:
            read_data_dir(Path(folder))
        except InvalidData as error:
            assert all(p.file for p in error.problems)


@settings(FUZZ, max_examples=max(1, EXAMPLES // 5))
@given(st.randoms(use_true_random=False))
def test_mutated_rdf_is_validated_or_refused(rng):
    data = mutate((FIXTURES / "pages" / "sample.ttl").read_bytes(), rng)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "graph.ttl"
        path.write_bytes(data)
        try:
            validate_files([path])
        except (SyntaxError, EmptyGraph) as error:
            assert str(path) in str(error)


# -- regression cases of the issue, in process -----------------------------------------------
@pytest.mark.parametrize("name", sorted(DECP_CASES))
def test_decp_regression_case(name):
    _build_decp(DECP_CASES[name]())


@pytest.mark.parametrize("name", sorted(WIKI_CASES))
def test_wiki_regression_case(name):
    _read_wiki(WIKI_CASES[name]())


def test_limits_are_reported_as_bad_values(tmp_path):
    path = tmp_path / "decp.json"
    path.write_bytes(DECP_CASES["deep-nesting"]() + b"")
    result = build_contracts([path], tmp_path / "c.nt", "https://e.org/", {})
    [line] = result.rejected_path.read_text().splitlines()
    rejected = json.loads(line)
    assert (rejected["kind"], rejected["record"]) == ("over-limit", 1)
    assert rejected["field"].startswith("objet.0.0") and "20 levels" in rejected["problem"]
    page = tmp_path / "page.txt"
    page.write_bytes(wiki_page(Tags=", ".join(f"m{n}" for n in range(1001))))
    with pytest.raises(InvalidData) as error:
        read_wiki_page(page)
    assert "1001 names, more than 1000" in str(error.value) and "page.txt:4" in str(error.value)


def test_a_title_in_another_script_gets_a_key(tmp_path):
    path = tmp_path / "page.txt"
    path.write_bytes(WIKI_CASES["cyrillic-title"]())
    page = read_wiki_page(path)
    assert page.title == "Москва" and page.key.startswith("page-")


def test_amounts_with_huge_exponents_are_rejected(tmp_path):
    for value in ("1e-20000000", "1e999999999", "0.0000000000000000000000000000000000000001"):
        path = tmp_path / "decp.json"
        path.write_bytes(decp(json.dumps({**GOOD_MARCHE, "id": "X"}).replace(
            '"montant": 1000', f'"montant": {value}')))
        result = build_contracts([path], tmp_path / "c.nt", "https://e.org/", {})
        assert result.rejected == {"bad-amount": 1}, value
    assert Decimal("1e-20000000")  # read as a Decimal, never expanded


# -- through the command, under limits ------------------------------------------------------
def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run achat-graph in a child process with an address-space limit and a timeout."""
    done = subprocess.run([str(ACHAT), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=CHILD_TIMEOUT, preexec_fn=_limit_memory)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode in (0, 1, 2), (done.returncode, done.stderr[-2000:])
    return done


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    (folder / "themes.yaml").write_text(
        "- key: exemple\n  label: {fr: Exemple, en: Example}\n"
        "  sources: [\"https://example.org/\"]\n", encoding="utf-8")
    return folder


def _build(tmp_path: Path, data: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_cli("build", "--data", str(data), "--out", str(tmp_path / "dist"), "--quiet",
                   "--no-store", *extra, cwd=tmp_path)


def _inputs(seeds: list[bytes], runs: int, salt: int) -> list[bytes]:
    rng = random.Random(salt)
    return [mutate(rng.choice(seeds), rng) for _ in range(runs)]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["huge-integer", "deep-nesting"])
def test_command_on_hostile_decp(tmp_path, name):
    path = tmp_path / f"{name}.json"
    path.write_bytes(DECP_CASES[name]())
    done = _build(tmp_path, DATA_DIR, "--decp", str(path))  # indicators need the instruments
    assert done.returncode == 0 or path.name in done.stderr


@pytest.mark.slow
def test_command_on_mutated_inputs(tmp_path, small_data):
    seeds = [s.read_bytes() for s in WIKI_SEEDS]
    for n, data in enumerate(_inputs(seeds, CLI_RUNS, 1)):
        wiki = tmp_path / f"wiki-{n}"
        wiki.mkdir()
        (wiki / "page.txt").write_bytes(data)
        done = _build(tmp_path, small_data, "--wiki", str(wiki))
        assert done.returncode == 0 or "page.txt" in done.stderr
    for n, data in enumerate(_inputs(DECP_SEEDS, CLI_RUNS, 2)):
        path = tmp_path / f"decp-{n}.json"
        path.write_bytes(data)
        done = _build(tmp_path, DATA_DIR, "--decp", str(path))
        assert done.returncode == 0 or path.name in done.stderr
    for n, data in enumerate(_inputs([s.read_bytes() for s in YAML_SEEDS], CLI_RUNS, 3)):
        folder = tmp_path / f"data-{n}"
        shutil.copytree(DATA_DIR, folder)
        name = YAML_SEEDS[n % len(YAML_SEEDS)].name
        (folder / name).write_bytes(data)
        done = _build(tmp_path, folder)
        assert done.returncode == 0 or ".yaml" in done.stderr


@pytest.mark.slow
def test_validate_refuses_bombs_and_empty_graphs(tmp_path):
    bomb = tmp_path / "bomb.rdf"
    entities = "".join(f'<!ENTITY e{n} "{f"&e{n - 1};" * 20 if n else "x" * 100}">'
                       for n in range(6))
    bomb.write_text(f'<?xml version="1.0"?><!DOCTYPE r [{entities}]><rdf:RDF xmlns:rdf='
                    '"http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
                    'rdf:about="http://e.org/s"><rdf:value>&e5;</rdf:value></rdf:Description>'
                    '</rdf:RDF>', encoding="utf-8")
    done = run_cli("validate", str(bomb), cwd=tmp_path)
    assert done.returncode == 2 and "amplification" in done.stderr and "bomb.rdf" in done.stderr
    empty = tmp_path / "comments.nt"
    empty.write_text("# nothing here\n" * 1000, encoding="utf-8")
    done = run_cli("validate", str(empty), cwd=tmp_path)
    assert done.returncode == 1 and "no triple" in done.stderr and "comments.nt" in done.stderr
    for n, data in enumerate(_inputs([(FIXTURES / "pages" / "sample.ttl").read_bytes()],
                                     CLI_RUNS, 4)):
        path = tmp_path / f"mutated-{n}.ttl"
        path.write_bytes(data)
        done = run_cli("validate", str(path), cwd=tmp_path)
        assert done.returncode in (0, 1) or path.name in done.stderr


def test_a_decp_file_may_start_with_a_byte_order_mark_and_errors_are_text(tmp_path):
    path = tmp_path / "decp.json"
    path.write_bytes(DECP_CASES["byte-order-mark"]())
    assert build_contracts([path], tmp_path / "c.nt", "https://e.org/", {}).contracts_mapped == 1
    path.write_bytes(DECP_CASES["latin-1-byte"]())
    with pytest.raises(NotDecpFile) as error:
        build_contracts([path], tmp_path / "c.nt", "https://e.org/", {})
    assert "lexical error" in str(error.value) and "b'" not in str(error.value)


def test_a_decp_text_over_the_field_limit_quarantines_its_record(tmp_path):
    path = tmp_path / "decp.json"
    path.write_bytes(decp(json.dumps({**GOOD_MARCHE, "id": "X", "objet": "o" * 200_000})))
    result = build_contracts([path], tmp_path / "c.nt", "https://e.org/", {})
    rejected = json.loads(result.rejected_path.read_text())
    assert (rejected["kind"], rejected["field"]) == ("over-limit", "objet")
    assert "100000 characters" in rejected["problem"] and result.contracts_mapped == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("- key: a\n  label: {fr: " + "x" * 100_001 + ", en: b}\n  sources: [\"https://e.org/\"]\n",
     "longer than 100000 characters"),
    ("- key: a\n  label: {fr: a, en: b}\n  sources: [\"https://e.org/\"]\n  description: "
     + "[" * 30 + "]" * 30 + "\n", "nested more than 20 levels deep"),
    ("- &x {key: a, label: {fr: a, en: b}, sources: [\"https://e.org/\"]}\n"
     + "- *x\n" * 1001, "more than 1000 aliases"),
])
def test_curated_yaml_limits(tmp_path, text, expected):
    (tmp_path / "themes.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InvalidData) as error:
        read_data_dir(tmp_path)
    assert expected in str(error.value) and "themes.yaml" in str(error.value)


def test_a_curated_decimal_with_a_huge_exponent_is_refused(tmp_path):
    (tmp_path / "figures.yaml").write_text(
        "- key: f\n  label: {fr: a, en: b}\n  sources: [\"https://e.org/\"]\n"
        "  value: 1.0e-20000000\n  unit: EUR\n  scope: {fr: a, en: b}\n"
        "  observation_date: 2024-01-01\n", encoding="utf-8")
    with pytest.raises(InvalidData) as error:
        read_data_dir(tmp_path)
    assert "at most 40 digits" in str(error.value) and "'value'" in str(error.value)


def test_dates_of_an_unknown_datatype_are_compared_like_pyshacl_without_a_warning(tmp_path):
    path = tmp_path / "graph.ttl"  # a case the fuzz test found: "http" lost its "h"
    path.write_bytes((FIXTURES / "pages" / "sample.ttl").read_bytes().replace(
        b"<http://www.w3.org/2001/XMLSchema#>", b"<ttp://www.w3.org/2001/XMLSchema#>"))
    assert not validate_files([path]).conforms
