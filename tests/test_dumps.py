"""Deterministic dumps and the strict re-parse."""

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from helpers import ROOT
from rdflib import XSD, Literal, URIRef

from graph_builder.output import dumps

EX = "http://example.org/"
DATA = f"""
@prefix ex: <{EX}> .
ex:a ex:p [ ex:q 1 ; ex:r [ ex:s "deep" ] ], "x"@fr, "y"@en, 1.50, true,
    "2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date>, "line\\nbreak", ex:b .
ex:b ex:p ex:c ; ex:t "é ü ‘quotes’" .
"""

TRIPLE = b"<http://e.org/a> <http://e.org/p> <http://e.org/o> ."
SCRIPT = f"""
import sys, rdflib
from graph_builder.output import dumps
g = rdflib.Graph().parse(data={DATA!r}, format="turtle")
sys.stdout.buffer.write(dumps.turtle_bytes(dumps.canonical_triples(g)))
"""


def _graph() -> rdflib.Graph:
    return rdflib.Graph().parse(data=DATA, format="turtle")


def test_turtle_is_identical_across_hash_seeds_and_blank_node_labels():
    outputs = set()
    for seed in ("1", "2", "345"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT))
        done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                              check=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert b"_:" in outputs.pop()  # blank nodes kept, with content-derived labels


def test_prefixes_are_declared_in_sorted_order():
    text = dumps.turtle_bytes(dumps.canonical_triples(_graph())).decode()
    declared = [line.split()[1] for line in text.splitlines() if line.startswith("@prefix")]
    assert declared == sorted(declared)
    assert len(declared) == len(set(declared))


def test_triples_are_sorted_and_distinct():
    triples = dumps.canonical_triples(_graph())
    assert [str(t) for t in triples] == sorted(str(t) for t in triples)
    assert len(triples) == len(_graph())


def test_gzip_stores_no_time_and_no_name():
    data = dumps.gzip_bytes(b"hello")
    assert data == dumps.gzip_bytes(b"hello")
    assert data[4:8] == b"\0\0\0\0"  # MTIME
    assert not data[3] & 0x08  # FNAME flag
    assert gzip.decompress(data) == b"hello"


@pytest.mark.parametrize("name", ["graph.ttl", "graph.nt", "graph.nt.gz", "graph.jsonld"])
def test_every_dump_reads_back_with_the_same_triples(tmp_path: Path, name: str):
    triples = dumps.canonical_triples(_graph())
    path = tmp_path / name
    dumps.write_dump(triples, path)
    assert dumps.strict_count(path) == len(triples)
    dumps.check_dump(path, len(triples))
    first = path.read_bytes()
    dumps.write_dump(triples, path)
    assert path.read_bytes() == first


def test_an_invalid_iri_never_reaches_a_dump():
    g = rdflib.Graph()
    g.add((URIRef(EX + "a"), URIRef(EX + "p"), URIRef("http://example.org/has space")))
    with pytest.raises(dumps.DumpError, match="has space"):
        dumps.canonical_triples(g)


def test_literal_datatypes_survive(tmp_path: Path):
    g = rdflib.Graph()
    g.add((URIRef(EX + "a"), URIRef(EX + "size"), Literal("12", datatype=XSD.nonNegativeInteger)))
    path = tmp_path / "g.ttl"
    dumps.write_dump(dumps.canonical_triples(g), path)
    assert "nonNegativeInteger" in path.read_text()


@pytest.mark.parametrize("name,content", [
    ("bad.ttl", b"<http://e.org/a> <http://e.org/p> \"open ."),
    ("relative.ttl", b"<a> <b> <c> ."),
    ("bad.nt.gz", gzip.compress(b"<http://e.org/a> <http://e.org/p> .\n", mtime=0)),
    ("truncated.nt.gz", gzip.compress(TRIPLE, mtime=0)[:-6]),
    ("bad.jsonld", b"[{\"@id\": 12}]"),
])
def test_strict_reparse_rejects_broken_dumps(tmp_path: Path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(dumps.DumpError, match=name.replace(".", r"\.")):
        dumps.strict_count(path)


def test_count_mismatch_is_refused(tmp_path: Path):
    triples = dumps.canonical_triples(_graph())
    path = tmp_path / "g.ttl"
    dumps.write_dump(triples, path)
    with pytest.raises(dumps.DumpError, match="expected"):
        dumps.check_dump(path, len(triples) + 1)


def test_unknown_suffix_is_refused(tmp_path: Path):
    with pytest.raises(dumps.DumpError, match="suffix"):
        dumps.write_dump([], tmp_path / "graph.csv")


def test_several_graphs_give_the_triples_of_their_union_once():
    whole = _graph()
    first, second = rdflib.Graph(), rdflib.Graph()
    for i, triple in enumerate(sorted(whole, key=str)):
        (first if i % 2 else second).add(triple)
    shared = (URIRef(EX + "b"), URIRef(EX + "p"), URIRef(EX + "c"))
    first.add(shared)
    second.add(shared)
    assert dumps.canonical_triples(first, second) == dumps.canonical_triples(whole)
    plain = rdflib.Graph().parse(data=TRIPLE.decode(), format="nt")
    assert dumps.canonical_triples(plain, plain) == dumps.oxigraph_triples(plain)
    assert not dumps.has_blank_nodes(dumps.oxigraph_triples(plain))


def test_a_dump_that_repeats_a_triple_is_refused(tmp_path: Path):
    path = tmp_path / "g.nt"
    path.write_bytes(TRIPLE + b"\n" + TRIPLE + b"\n")
    assert dumps.strict_count(path) == 1
    with pytest.raises(dumps.DumpError, match="re-parsed 2 triples, expected 1"):
        dumps.check_dump(path, 1)


def test_the_dump_check_rejects_broken_files_naming_them(tmp_path: Path):
    path = tmp_path / "truncated.nt.gz"
    path.write_bytes(gzip.compress(TRIPLE)[:-6])
    with pytest.raises(dumps.DumpError, match=r"truncated\.nt\.gz"):
        dumps.check_dump(path, 1)
