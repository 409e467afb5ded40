"""Shared fixtures: a small published ``dist/`` built in tmp_path, and the Flask app over it.

``make_dist(tmp_path, data)`` writes a dist from N-Triples text or an rdflib Graph,
so page and dump tests can serve their own data; ``app``, ``client`` and
``runner`` follow Flask's tutorial.  ``make_app(data, **config)`` builds an app
over its own dist.  Both serve from the store named by the ``store_kind`` fixture:
``"memory"`` unless a module parametrises it with ``STORE_KINDS``, whose
``"virtuoso"`` case publishes each dist to the Virtuoso of ``.ci/virtuoso.sh``
(``. $ACHAT_VIRTUOSO_DIR/env``) and serves it through the remote backend.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pyoxigraph as ox
import pytest

from sparql_endpoint import create_app

EX = "https://w3id.org/achat-public/"
APG = "https://w3id.org/achat-public/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
PI = f"{EX}id/instrument/partenariat-innovation"
DC = f"{EX}id/instrument/dialogue-competitif"
UGAP = f"{EX}id/organisation/ugap"
#: Ten triples: two instruments (labels fr/en), an organisation, a threshold amount.
SAMPLE_NT = "".join(f"<{s}> <{p}> {o} .\n" for s, p, o in [
    (PI, RDF_TYPE, f"<{APG}Instrument>"),
    (PI, LABEL, '"Partenariat d\'innovation"@fr'),
    (PI, LABEL, '"Innovation partnership"@en'),
    (DC, RDF_TYPE, f"<{APG}Instrument>"),
    (DC, LABEL, '"Dialogue compétitif"@fr'),
    (DC, LABEL, '"Competitive dialogue"@en'),
    (UGAP, RDF_TYPE, f"<{APG}Organisation>"),
    (UGAP, LABEL, '"UGAP"@fr'),
    (UGAP, f"{APG}siren", '"776056467"'),
    (f"{EX}id/threshold/achat-innovant-1", f"{APG}amount", f'"100000"^^<{DECIMAL}>'),
])


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(url: str, accept: str = "application/json") -> tuple[int, bytes]:
    """GET ``url`` from a real server; return the status and the body, errors included."""
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def write_dist(folder: Path, data, build_id: str = "test-build") -> Path:
    """Write a published dist (build.json + graph.nt.gz) from N-Triples text or an rdflib Graph."""
    text = data if isinstance(data, str) else data.serialize(format="nt")
    triples = list(ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES))
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    folder.mkdir(parents=True, exist_ok=True)
    dump = folder / "graph.nt.gz"
    dump.write_bytes(gzip.compress(body, mtime=0))
    build = {
        "build_id": build_id, "base": EX, "created": "2026-01-01",
        "triples": len(set(triples)), "load": ["graph.nt.gz"], "store": None,
        "files": {"graph.nt.gz": {"bytes": dump.stat().st_size,
                                  "sha256": hashlib.sha256(dump.read_bytes()).hexdigest(),
                                  "media_type": "application/n-triples",
                                  "triples": len(set(triples))}},
    }
    (folder / "build.json").write_text(json.dumps(build, indent=2), encoding="utf-8")
    return folder


#: ``pytest.mark.parametrize("store_kind", STORE_KINDS)`` runs a module over both stores.
STORE_KINDS = ["memory", pytest.param("virtuoso", marks=pytest.mark.conformance)]
VIRTUOSO_VARIABLES = ("ACHAT_VIRTUOSO_URL", "ACHAT_SPARQL_USER", "ACHAT_SPARQL_PASSWORD")


def virtuoso_url() -> str | None:
    """Return the URL of the test Virtuoso when its environment is loaded, else None."""
    if all(os.environ.get(name) for name in VIRTUOSO_VARIABLES):
        return os.environ["ACHAT_VIRTUOSO_URL"]
    return None


def publish_to_virtuoso(dist: Path) -> dict:
    """Publish DIST to the test Virtuoso in a graph of its own; return the app's store config."""
    from graph_builder.remote_publish import publish

    url = virtuoso_url()
    if url is None:
        pytest.skip("no running Virtuoso: run `.ci/virtuoso.sh start` and "
                    "`. $ACHAT_VIRTUOSO_DIR/env`")
    graph = f"https://example.org/test-{uuid.uuid4().hex[:12]}/graph"
    publish(dist, url, graph, retries=1)
    cap = os.environ.get("ACHAT_VIRTUOSO_MAX_ROWS")
    return {"STORE": url, "REMOTE_GRAPH": graph, "REMOTE_ENGINE": "virtuoso",
            "REMOTE_MAX_ROWS": int(cap) if cap else None}


@pytest.fixture
def store_kind() -> str:
    """Where the app's triples live: "memory" here; modules parametrise it with STORE_KINDS."""
    return "memory"


@pytest.fixture
def make_dist(tmp_path):
    """Return a function that writes a dist from N-Triples text or an rdflib Graph."""
    counter = iter(range(1000))

    def make(data=SAMPLE_NT, build_id: str = "test-build") -> Path:
        return write_dist(tmp_path / f"dist{next(counter)}", data, build_id)

    return make


@pytest.fixture
def dist(make_dist) -> Path:
    """A dist holding the sample graph."""
    return make_dist()


def _app_config(dist: Path, store_kind: str) -> dict:
    config = {"DIST": dist, "TESTING": True}
    if store_kind == "virtuoso":
        config.update(publish_to_virtuoso(dist))
    return config


@pytest.fixture
def make_app(make_dist, store_kind):
    """Return a function that builds an app over a new dist of DATA, with extra config."""

    pools = []

    def make(data=SAMPLE_NT, **config):
        application = create_app({**_app_config(make_dist(data), store_kind), **config})
        pools.append(application.extensions["backend"])
        return application

    yield make
    for pool in pools:  # close the pools' sockets now, not whenever GC runs
        pool.stop()


@pytest.fixture
def app(dist, store_kind):
    """The app over the sample dist, with a short query time limit."""
    application = create_app({**_app_config(dist, store_kind), "QUERY_TIMEOUT": 3.0})
    pool = application.extensions["backend"]
    yield application
    pool.stop()


@pytest.fixture
def client(app):
    """A Flask test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A Flask CLI runner."""
    return app.test_cli_runner()


def pytest_terminal_summary(terminalreporter):
    """Print the differential suite's table (tests passed per backend and folder), if it ran."""
    differential = sys.modules.get("differential")
    lines = differential.table_lines() if differential is not None else []
    if lines:
        terminalreporter.section("differential suite: tests passed per backend and folder")
        for line in lines:
            terminalreporter.write_line(line)
