"""The gate's strict re-parse rejects the W3C Turtle negative tests and accepts the positive.

Each test is read with its base IRI, as the suite intends, so a negative test is
rejected for its own syntax error and not merely for holding relative IRIs.
"""

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import SHARED_DIR

from graph_builder.output.dumps import DumpError, strict_count

pytestmark = pytest.mark.conformance
SUITE = SHARED_DIR / "data" / "w3c-turtle"
RDFT = "http://www.w3.org/ns/rdftest#"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
BASE = "http://www.w3.org/2013/TurtleTests/"


def _tests(kind: str) -> list[str]:
    manifest = SUITE / "manifest.ttl"
    if not manifest.is_file():
        return []
    store = ox.Store()
    store.load(path=str(manifest), format=ox.RdfFormat.TURTLE, base_iri=BASE)
    query = (f"SELECT ?action WHERE {{ ?t a <{RDFT}{kind}> ; <{MF}action> ?action }} "
             "ORDER BY ?action")
    return [row["action"].value.rsplit("/", 1)[-1] for row in store.query(query)]


def _copy(name: str, tmp_path: Path) -> Path:
    if not SUITE.is_dir():
        pytest.skip(f"{SUITE} is absent: the W3C Turtle tests cannot be read")
    target = tmp_path / name
    shutil.copyfile(SUITE / name, target)
    return target


def test_the_manifest_lists_negative_and_positive_tests():
    if not SUITE.is_dir():
        pytest.skip(f"{SUITE} is absent: the W3C Turtle tests cannot be read")
    assert len(_tests("TestTurtleNegativeSyntax")) > 50
    assert len(_tests("TestTurtlePositiveSyntax")) > 50


@pytest.mark.parametrize("name", _tests("TestTurtleNegativeSyntax"))
def test_negative_syntax_is_rejected(tmp_path: Path, name: str):
    with pytest.raises(DumpError, match=name.replace(".", r"\.")):
        strict_count(_copy(name, tmp_path), base_iri=BASE + name)


@pytest.mark.parametrize("name", _tests("TestTurtlePositiveSyntax"))
def test_positive_syntax_is_accepted(tmp_path: Path, name: str):
    assert strict_count(_copy(name, tmp_path), base_iri=BASE + name) >= 0
