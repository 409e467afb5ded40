"""The generic remote path over a real second engine: Oxigraph's server (`.ci/oxigraph.sh`).

``achat-graph publish --engine generic`` writes through the Graph Store Protocol, switches
the version pointer and keeps ``--keep`` versions; ``achat-graph serve --engine generic``
answers from the build's version.  Runs when ``. $ACHAT_OXIGRAPH_DIR/env`` has been
sourced (``.ci/run`` does); the differential suite runs over the same server
(tests/conformance/test_differential.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
import uuid

import pytest
from helpers import ROOT, SAMPLE_NT, UGAP, oxigraph_env, serving, write_dist

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.skipif(oxigraph_env() is None, reason="no running Oxigraph server: run "
                       "`.ci/oxigraph.sh start` and `. $ACHAT_OXIGRAPH_DIR/env`"),
]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _publish(dist, graph: str, keep: int) -> str:
    """Run `achat-graph publish --engine generic` as an operator would; return its output."""
    env = {**os.environ, **oxigraph_env()}
    done = subprocess.run(
        [sys.executable, "-c", "from achat_graph.cli import main; main()", "publish",
         "--dist", str(dist), "--to", os.environ["ACHAT_OXIGRAPH_URL"], "--graph", graph,
         "--engine", "generic", "--keep", str(keep)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _ask_engine(query: str) -> dict:
    url = os.environ["ACHAT_OXIGRAPH_URL"] + "?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _sparql(root: str, query: str) -> tuple[int, str, dict]:
    url = f"{root}/sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "text/csv"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def test_publish_keeps_versions_and_serve_answers_from_its_build(tmp_path):
    graph = f"https://example.org/oxigraph-{uuid.uuid4().hex[:12]}/graph"
    builds = [write_dist(tmp_path / name, SAMPLE_NT + "".join(
        f"<{UGAP}> <urn:extra> \"{i}\" .\n" for i in range(extra)), build_id=name)
        for extra, name in enumerate(("build-a", "build-b", "build-c"))]
    for dist in builds:
        assert f"{graph}/{dist.name}" in _publish(dist, graph, keep=2)
    versions = {row["v"]["value"] for row in _ask_engine(
        f"SELECT ?v WHERE {{ GRAPH <{graph}/meta> {{ <{graph}> "
        f"<http://www.w3.org/ns/dcat#hasVersion> ?v }} }}")["results"]["bindings"]}
    assert versions == {f"{graph}/build-b", f"{graph}/build-c"}  # --keep 2 dropped build-a

    with serving(builds[1], "--store", os.environ["ACHAT_OXIGRAPH_URL"], "--engine",
                 "generic", "--remote-graph", graph) as root:
        status, body, headers = _sparql(root, COUNT)
        assert (status, body.split()) == (200, ["n", "11"])  # build-b's own version
        assert "X-Engine-Semantics" not in headers
        status, body, _ = _sparql(root, "SELECT * { GRAPH ?g { ?s ?p ?o } }")
        assert status == 400 and "GRAPH" in body


def test_a_lenient_server_says_so_on_every_answer(tmp_path):
    graph = f"https://example.org/oxigraph-{uuid.uuid4().hex[:12]}/graph"
    dist = write_dist(tmp_path / "dist", SAMPLE_NT)
    _publish(dist, graph, keep=1)
    with serving(dist, "--store", os.environ["ACHAT_OXIGRAPH_URL"], "--engine", "generic",
                 "--remote-graph", graph, "--engine-lenient") as root:
        status, body, headers = _sparql(root, COUNT)
        assert (status, body.split()) == (200, ["n", "10"])
        assert headers["X-Engine-Semantics"] == "lenient; engine=generic"
        with urllib.request.urlopen(root + "/health", timeout=30) as response:
            assert response.headers["X-Engine-Semantics"] == "lenient; engine=generic"
