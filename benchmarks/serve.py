"""Time this endpoint against rdflib-endpoint and Oxigraph's own server on one dump.

The same padded graph (synthetic contracts, buyers and labels) and the same query
mix (point lookups, listings, label filters, full-scan aggregates, two-hop joins)
go to each server from several concurrent clients, all on 127.0.0.1.  Prints
throughput, p50 and p99 latency per server and per kind of query, and the ratios
against the targets (>= 10x rdflib-endpoint's throughput; heavy queries at most
2x Oxigraph's latency).

    python benchmarks/serve.py          # short run, about 20 k triples
    python benchmarks/serve.py --full   # at least 200 k triples

With a Virtuoso running (``.ci/virtuoso.sh start`` then ``. $ACHAT_VIRTUOSO_DIR/env``:
ACHAT_VIRTUOSO_URL and the publishing account), the graph is also published there and
two more columns are timed in the same run: this endpoint over the remote backend,
and Virtuoso queried directly (scoped to the same graph).

Needs the ``bench`` extras: rdflib-endpoint, oxigraph (the server), uvicorn.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import gzip
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EX = "https://w3id.org/achat-public/id/"
APG = "https://w3id.org/achat-public/ontology#"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PREFIX = f"PREFIX apg: <{APG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
QUERIES = {
    "point": PREFIX + f"SELECT ?p ?o {{ <{EX}contract/c42> ?p ?o }}",
    "listing": PREFIX + "SELECT ?c ?l { ?c a apg:Contract ; rdfs:label ?l } ORDER BY ?c LIMIT 100",
    "label-filter": PREFIX + "SELECT ?b ?l { ?b a apg:Buyer ; rdfs:label ?l "
                             "FILTER(CONTAINS(LCASE(?l), 'ville 1')) } LIMIT 50",
    "aggregate": PREFIX + "SELECT ?cpv (COUNT(*) AS ?n) (SUM(?m) AS ?total) { ?c apg:cpv ?cpv ; "
                          "apg:amount ?m } GROUP BY ?cpv ORDER BY DESC(?n)",
    "two-hop": PREFIX + "SELECT ?l (COUNT(?c) AS ?n) { ?c apg:buyer ?b . ?b rdfs:label ?l "
                        "FILTER(STRSTARTS(?l, 'Ville 2')) } GROUP BY ?l",
}
HEAVY = ("aggregate", "two-hop")


def write_graph(folder: Path, triples_wanted: int) -> tuple[Path, int]:
    """Write a synthetic N-Triples graph of about ``triples_wanted`` triples."""
    lines = []
    buyers = max(10, triples_wanted // 100)
    for b in range(buyers):
        lines.append(f'<{EX}buyer/b{b}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
                     f'<{APG}Buyer> .')
        lines.append(f'<{EX}buyer/b{b}> <{LABEL}> "Ville {b}"@fr .')
    c = 0
    while len(lines) < triples_wanted:
        s = f"<{EX}contract/c{c}>"
        lines += [
            f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{APG}Contract> .",
            f'{s} <{LABEL}> "Marché {c}"@fr .',
            f"{s} <{APG}buyer> <{EX}buyer/b{c % buyers}> .",
            f"{s} <{APG}cpv> <http://data.europa.eu/cpv/cpv/{30000000 + c % 200}> .",
            f'{s} <{APG}amount> "{1000 + c % 9000}"^^<http://www.w3.org/2001/XMLSchema#decimal> .',
        ]
        c += 1
    text = "\n".join(lines) + "\n"
    nt = folder / "graph.nt"
    nt.write_text(text, encoding="utf-8")
    return nt, len(lines)


def write_dist(folder: Path, nt: Path, count: int) -> Path:
    """Publish the graph as a dist folder this endpoint serves."""
    dist = folder / "dist"
    dist.mkdir()
    (dist / "graph.nt.gz").write_bytes(gzip.compress(nt.read_bytes(), mtime=0))
    # A build id of its own per run, so a remote engine takes it as a new version.
    (dist / "build.json").write_text(json.dumps({
        "build_id": f"bench-{time.time_ns()}", "base": "https://w3id.org/achat-public/",
        "created": "2026-01-01", "triples": count, "load": ["graph.nt.gz"], "store": None,
        "files": {}}))
    return dist


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen | None, seconds: float = 120) -> None:
    """Wait until ``url`` answers an ASK query (``process``: the server, None if not ours)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {process.returncode}")
        with contextlib.suppress(OSError):
            ask(url, "ASK {}", 5)
            return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not start")


def ask(url: str, query: str, timeout: float) -> float:
    """Send one query by GET; return its latency in seconds."""
    separator = "&" if "?" in url else "?"
    request = urllib.request.Request(url + separator + urllib.parse.urlencode({"query": query}),
                                     headers={"Accept": "application/sparql-results+json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()
    return time.perf_counter() - started


def measure(url: str, clients: int, rounds: int) -> dict:
    """Run the query mix ``rounds`` times from ``clients`` threads; return timings."""
    latencies: dict[str, list[float]] = {name: [] for name in QUERIES}
    jobs = [(name, query) for _ in range(rounds) for name, query in QUERIES.items()]
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        futures = {pool.submit(ask, url, query, 120): name for name, query in jobs}
        for future in concurrent.futures.as_completed(futures):
            latencies[futures[future]].append(future.result())
    elapsed = time.perf_counter() - started
    every = sorted(x for values in latencies.values() for x in values)
    return {"throughput": len(every) / elapsed, "p50": _pct(every, 50), "p99": _pct(every, 99),
            "per_query": {n: statistics.median(v) for n, v in latencies.items()}}


def _pct(values: list[float], p: int) -> float:
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def start_servers(folder: Path, nt: Path, dist: Path, workers: int | None) -> dict:
    """Start the three servers; return {name: (url, process)}."""
    servers = {}
    worker_args = ["--workers", str(workers)] if workers else []  # else the CLI's default
    port = free_port()
    servers["this endpoint"] = (f"http://127.0.0.1:{port}/sparql", subprocess.Popen(
        [sys.executable, "-c", "from achat_graph.cli import main; main()", "serve",
         "--dist", str(dist), "--port", str(port), *worker_args],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    oxigraph = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    if oxigraph:
        location = folder / "oxigraph"
        subprocess.run([oxigraph, "load", "--location", str(location), "--file", str(nt)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = free_port()
        servers["oxigraph server"] = (f"http://127.0.0.1:{port}/query", subprocess.Popen(
            [oxigraph, "serve-read-only", "--location", str(location),
             "--bind", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    virtuoso = os.environ.get("ACHAT_VIRTUOSO_URL")
    if virtuoso:
        from graph_builder.remote_publish import publish
        from sparql_endpoint.remote import NO_GRAPH

        result = publish(dist, virtuoso)
        port = free_port()
        servers["this over virtuoso"] = (f"http://127.0.0.1:{port}/sparql", subprocess.Popen(
            [sys.executable, "-c", "from achat_graph.cli import main; main()", "serve",
             "--dist", str(dist), "--port", str(port), *worker_args, "--store", virtuoso],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        # Virtuoso itself, given the same scope as the remote backend gives it.
        scope = urllib.parse.urlencode({"default-graph-uri": result.version,
                                        "named-graph-uri": NO_GRAPH})
        servers["virtuoso direct"] = (f"{virtuoso}?{scope}", None)
    rdflib_endpoint = shutil.which("rdflib-endpoint", path=str(BIN))
    if rdflib_endpoint:
        port = free_port()
        servers["rdflib-endpoint"] = (f"http://127.0.0.1:{port}/", subprocess.Popen(
            [rdflib_endpoint, "serve", str(nt), "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return servers


def main() -> None:
    """Run the benchmark and print the table and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="pad the graph to 200 k triples")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=None, help="query mix repetitions")
    parser.add_argument("--workers", type=int, default=None,
                        help="our endpoint's workers (default: the serve command's)")
    args = parser.parse_args()
    size = 200_000 if args.full else 20_000
    rounds = args.rounds or (10 if args.full else 6)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        nt, count = write_graph(folder, size)
        dist = write_dist(folder, nt, count)
        print(f"graph: {count} triples; {args.clients} clients; {rounds} rounds of "
              f"{len(QUERIES)} queries")
        servers = start_servers(folder, nt, dist, args.workers)
        results = {}
        try:
            for name, (url, process) in servers.items():
                wait_ready(url, process)
                # rdflib is slow: fewer rounds keep the run bounded.
                n = max(1, rounds // 3) if name == "rdflib-endpoint" else rounds
                ask(url, QUERIES["aggregate"], 120)  # warm up
                results[name] = measure(url, args.clients, n)
        finally:
            for _, process in servers.values():
                if process is None:
                    continue
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(10)
                if process.poll() is None:
                    process.kill()
        print(f"{'server':18} {'q/s':>8} {'p50 ms':>8} {'p99 ms':>8}  "
              + " ".join(f"{n:>12}" for n in QUERIES))
        for name, r in results.items():
            head = f"{name:18} {r['throughput']:8.1f} {r['p50'] * 1000:8.1f} {r['p99'] * 1000:8.1f}"
            print(head + "  " + " ".join(f"{r['per_query'][n] * 1000:10.1f}ms" for n in QUERIES))
        ours = results["this endpoint"]
        if "rdflib-endpoint" in results:
            ratio = ours["throughput"] / results["rdflib-endpoint"]["throughput"]
            print(f"throughput vs rdflib-endpoint: {ratio:.1f}x (target >= 10x)")
        if "oxigraph server" in results:
            for name in HEAVY:
                ratio = ours["per_query"][name] / results["oxigraph server"]["per_query"][name]
                print(f"{name} latency vs oxigraph server: {ratio:.2f}x (target <= 2x)")
        if "virtuoso direct" in results and "this over virtuoso" in results:
            remote, direct = results["this over virtuoso"], results["virtuoso direct"]
            print(f"this endpoint over virtuoso vs virtuoso direct: throughput "
                  f"{remote['throughput'] / direct['throughput']:.2f}x, p50 "
                  f"{remote['p50'] / direct['p50']:.2f}x (the cost of our checks, the child "
                  "process and re-serialising)")


if __name__ == "__main__":
    main()
