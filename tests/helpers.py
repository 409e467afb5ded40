"""Helpers the tests import: the checkout's folders, a free port, a GET on a real server,
a published ``dist/`` written from N-Triples, a real ``serve`` started and stopped, the
test Virtuoso's settings, and the term names no people page may show.

Fixtures stay in ``conftest.py``; what a test module imports by name lives here.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import re
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from subprocess import STDOUT, Popen, TimeoutExpired

import pyoxigraph as ox
import pytest

from achat_core.manifest import FileEntry, Manifest
from achat_core.resources import ONTOLOGY_DIR

#: The checkout, and the shared test material beside it.
ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = ROOT.parent / "shared"

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
    count = len(set(triples))
    entry = FileEntry(dump.stat().st_size, hashlib.sha256(dump.read_bytes()).hexdigest(),
                      "application/n-triples", count)
    Manifest(build_id, EX, "2026-01-01", count, ("graph.nt.gz",), None,
             {"graph.nt.gz": entry}).write(folder)
    return folder


#: ``pytest.mark.parametrize("store_kind", STORE_KINDS)`` runs a module over both stores.
STORE_KINDS = ["memory", pytest.param("virtuoso", marks=pytest.mark.conformance)]
VIRTUOSO_VARIABLES = ("ACHAT_VIRTUOSO_URL", "ACHAT_SPARQL_USER", "ACHAT_SPARQL_PASSWORD")


def virtuoso_url() -> str | None:
    """Return the URL of the test Virtuoso when its environment is loaded, else None."""
    if all(os.environ.get(name) for name in VIRTUOSO_VARIABLES):
        return os.environ["ACHAT_VIRTUOSO_URL"]
    return None


def oxigraph_env() -> dict[str, str] | None:
    """Return the publishing environment of the test Oxigraph server (`.ci/oxigraph.sh`),
    or None when it is not started."""
    names = ("ACHAT_OXIGRAPH_URL", "ACHAT_OXIGRAPH_STORE_URL", "ACHAT_OXIGRAPH_UPDATE_URL")
    if not all(os.environ.get(name) for name in names):
        return None
    # Oxigraph's server has no accounts: the Basic credentials are sent and ignored.
    return {"ACHAT_SPARQL_STORE_URL": os.environ["ACHAT_OXIGRAPH_STORE_URL"],
            "ACHAT_SPARQL_UPDATE_URL": os.environ["ACHAT_OXIGRAPH_UPDATE_URL"],
            "ACHAT_SPARQL_USER": "achat", "ACHAT_SPARQL_PASSWORD": "unused"}


def publish_to_virtuoso(dist: Path) -> dict:
    """Publish DIST to the test Virtuoso in a graph of its own; return the app's store config."""
    from graph_builder.output.remote_load import publish

    url = virtuoso_url()
    if url is None:
        pytest.skip("no running Virtuoso: run `.ci/virtuoso.sh start` and "
                    "`. $ACHAT_VIRTUOSO_DIR/env`")
    graph = f"https://example.org/test-{uuid.uuid4().hex[:12]}/graph"
    publish(dist, url, graph, retries=1)
    cap = os.environ.get("ACHAT_VIRTUOSO_MAX_ROWS")
    return {"STORE": url, "REMOTE_GRAPH": graph, "REMOTE_ENGINE": "virtuoso",
            "REMOTE_MAX_ROWS": int(cap) if cap else None}


#: ``achat-graph serve``, run from the checkout as the installed command would be.
SERVE = [sys.executable, "-c", "from achat_graph.cli import main; main()", "serve"]


def start_serve(dist: Path, *options: str, port: int | None = None) -> tuple[str, Popen, Path]:
    """Start ``serve`` over DIST; return its root URL (no final slash), process and log.

    Waits until ``/health`` answers; a server that exits or never answers fails the test
    with its log.
    """
    port = port or free_port()
    log_path = dist.parent / f"serve-{port}.log"
    with open(log_path, "w") as log:
        process = Popen([*SERVE, "--dist", str(dist), "--port", str(port), *options],
                        cwd=ROOT, stdout=log, stderr=STDOUT)
    root = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(root + "/health", timeout=2).read()
            return root, process, log_path
        except OSError:
            if process.poll() is not None:
                pytest.fail("the server exited: " + log_path.read_text())
            time.sleep(0.1)
    process.kill()
    pytest.fail("the server did not start: " + log_path.read_text())


def stop_serve(process: Popen) -> int:
    """Stop a server as a service manager does (SIGTERM); return its exit code."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except TimeoutExpired:
        process.kill()
        process.wait()
        return -9


@contextlib.contextmanager
def serving(dist: Path, *options: str):
    """Run ``serve`` over DIST for the ``with`` block; yield its root URL."""
    root, process, _ = start_serve(dist, *options)
    try:
        yield root
    finally:
        stop_serve(process)


def technical_names(lang: str) -> set[str]:
    """The local names of the ePO terms and of our properties that no page may show: those
    that are no word of the language (``bindsBuyer``, ``playedBy``; "Contract" is English)."""
    text = (ONTOLOGY_DIR / "epo-labels.ttl").read_text(encoding="utf-8")
    names = set(re.findall(r"^epo:(\w+) ", text, flags=re.M))
    ontology = (ONTOLOGY_DIR / "achat-public.ttl").read_text(encoding="utf-8")
    names |= set(re.findall(r"^apg:(\w+) a owl:\w+Property", ontology, flags=re.M))
    names = {n for n in names if re.search(r".[A-Z]", n)}
    names |= {"prefLabel", "altLabel", "inScheme", "seeAlso"}
    return names | ({"Organization", "Contract", "Buyer"} if lang == "fr" else set())
