"""Shared fixtures: a small published ``dist/`` built in tmp_path, and the Flask app over it.

``make_dist(tmp_path, data)`` writes a dist from N-Triples text or an rdflib Graph,
so page and dump tests can serve their own data; ``app``, ``client`` and
``runner`` follow Flask's tutorial.
"""

from __future__ import annotations

import gzip
import hashlib
import json
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


@pytest.fixture
def app(dist):
    """The app over the sample dist, with a short query time limit."""
    return create_app({"DIST": dist, "QUERY_TIMEOUT": 3.0, "TESTING": True})


@pytest.fixture
def client(app):
    """A Flask test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A Flask CLI runner."""
    return app.test_cli_runner()
