"""Time this endpoint against rdflib-endpoint and Oxigraph's own server on one dump.

The same padded graph (synthetic contracts, buyers and labels) and the same query
mix (point lookups, listings, label filters, full-scan aggregates, two-hop joins)
go to each server from several concurrent clients, all on 127.0.0.1.  Prints
throughput, p50 and p99 latency per server and per kind of query, and the ratios
against the targets: throughput >= 0.5x Oxigraph's server and >= 10x
rdflib-endpoint's, p50 <= 2x Oxigraph's, a full-scan COUNT <= 1.2x Oxigraph's.

    python benchmarks/serve.py          # short run, about 20 k triples
    python benchmarks/serve.py --full   # at least 200 k triples
    python benchmarks/serve.py --soak 600 --triples 1000000   # 50 clients for 10 min, ours only

Our server's answers to repeated queries are kept (``--result-cache-mb``); the speed
runs turn that off, so both servers compute every answer (``--cache`` keeps it on).
Beside each run: the load average, and the CPU time our server and Oxigraph's spend
per query (every process of each), which a loaded machine disturbs less than q/s.

The soak's clients think 0.5-2 s between requests; a monitor asks ``/health`` each
second. It mixes queries, pages, search and dump downloads with 1 % runaway queries,
counts every error other than the runaways' 503s, and samples the resident memory
(PSS) of all our processes (server, workers, zygotes, query processes): the lowest
sample of the last third of the run should be within 10 % of the first third's (each
runaway in flight holds up to its memory limit, so a sample at a random moment counts
runaways; the lowest of a third is what the server holds at rest, and a leak raises
it; the medians are printed too).  Targets:
no error but the runaways' 503s, p99 of the other requests under 2 s, ``/health``
p99 under 1 s.  Each runaway holds a query process for the whole time limit.

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
import hashlib
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
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
    "count": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
}
HEAVY = ("aggregate", "two-hop")
#: Short queries, what most clients send: where the per-query overhead of the front, the
#: pool hop and the serialisation shows (issue 22's targets are on this mix).
SHORT = {
    "point": QUERIES["point"],
    "point-2": PREFIX + f"SELECT ?p ?o {{ <{EX}contract/c7> ?p ?o }}",
    "ask": f"ASK {{ <{EX}contract/c42> ?p ?o }}",
    "listing-20": PREFIX + "SELECT ?c ?l { ?c a apg:Contract ; rdfs:label ?l } LIMIT 20",
    "label-filter": QUERIES["label-filter"],
    "type-count": PREFIX + "SELECT (COUNT(*) AS ?n) { ?b a apg:Buyer }",
    "two-hop-20": PREFIX + "SELECT ?c ?l { ?c apg:buyer ?b . ?b rdfs:label ?l } LIMIT 20",
}
#: The short queries of the full mix, timed over a remote engine and on it directly.
REMOTE_SHORT = ("point", "listing", "label-filter")
RUNAWAY = "SELECT (COUNT(*) AS ?n) { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(6)) + " }"
#: What the soak's clients ask our server for, besides the query mix.
SOAK_PATHS = ("/", "/health", "/search?q=ville", "/search.json?q=march",
              "/doc/contract/c42", "/dumps/graph.nt.gz", "/query?query="
              + urllib.parse.quote(f"SELECT ?c ?l {{ ?c <{LABEL}> ?l }} LIMIT 20"))


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
    dump = dist / "graph.nt.gz"
    dump.write_bytes(gzip.compress(nt.read_bytes(), mtime=0))
    files = {"graph.nt.gz": {"bytes": dump.stat().st_size, "triples": count,
                             "sha256": hashlib.sha256(dump.read_bytes()).hexdigest(),
                             "media_type": "application/n-triples"}}
    # A build id of its own per run, so a remote engine takes it as a new version.
    (dist / "build.json").write_text(json.dumps({
        "build_id": f"bench-{time.time_ns()}", "base": "https://w3id.org/achat-public/",
        "created": "2026-01-01", "triples": count, "load": ["graph.nt.gz"], "store": None,
        "files": files}))
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


def measure(url: str, clients: int, rounds: int, mix: dict | None = None,
            process: subprocess.Popen | None = None) -> dict:
    """Run the query mix ``rounds`` times from ``clients`` threads; return timings.

    With ``process`` (the server), also the CPU seconds its processes spent per query.
    """
    mix = mix or QUERIES
    latencies: dict[str, list[float]] = {name: [] for name in mix}
    jobs = [(name, query) for _ in range(rounds) for name, query in mix.items()]
    cpu_before = cpu_of_tree(process.pid) if process is not None else {}
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        futures = {pool.submit(ask, url, query, 120): name for name, query in jobs}
        for future in concurrent.futures.as_completed(futures):
            latencies[futures[future]].append(future.result())
    elapsed = time.perf_counter() - started
    every = sorted(x for values in latencies.values() for x in values)
    cpu = None
    if process is not None:
        after = cpu_of_tree(process.pid)
        cpu = sum(seconds - cpu_before.get(pid, 0.0) for pid, seconds in after.items()) \
            / len(every)
    return {"throughput": len(every) / elapsed, "p50": _pct(every, 50), "p99": _pct(every, 99),
            "per_query": {n: statistics.median(v) for n, v in latencies.items()}, "cpu": cpu}


def _tree_of(pid: int) -> set[int]:
    """Return PID and every process below it."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = {pid}, [pid]
    while frontier:
        frontier = [p for p, parent in parents.items() if parent in frontier]
        tree.update(frontier)
    return tree


def cpu_of_tree(pid: int) -> dict[int, float]:
    """Return {pid: CPU seconds so far} for PID and every process below it.

    A process's count includes its children that ended and were reaped: query
    processes are retired as they grow, and their CPU must not vanish with them.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    spent = {}
    for member in _tree_of(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            spent[member] = sum(int(fields[i]) for i in (11, 12, 13, 14)) / ticks
    return spent


def _pct(values: list[float], p: int) -> float:
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def rss_of_tree(pid: int) -> int:
    """Return the resident memory, in bytes, of PID and every process below it.

    Counted as PSS (each shared page split among the processes sharing it): the query
    processes share the memory store with their parents, and RSS would count it once
    per process.
    """
    total = 0
    for member in _tree_of(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
    return total


def soak(url: str, process: subprocess.Popen, seconds: float, clients: int) -> bool:
    """Hit our server from CLIENTS threads for SECONDS; print errors, latency and memory; say
    whether every target held."""
    root = url.rsplit("/sparql", 1)[0]
    queries = list(QUERIES.values())
    counts = {"ok": 0, "runaway 503": 0, "errors": 0}
    latencies: list[float] = []   # every answered request but the runaways and /health
    by_kind: dict[str, list[float]] = {}  # the same, per path (queries as "/sparql")
    slowest: list[tuple[float, float, str]] = []  # (latency, when it started, what)
    runaways: list[float] = []  # when each runaway was sent
    failed_at: list[str] = []  # when each request answered with an error status was sent
    health: list[float] = []      # /health, asked once a second by a monitor of its own
    samples: list[tuple[float, int]] = []
    errors: list[str] = []
    stop = time.monotonic() + seconds
    begun, begun_perf = time.monotonic(), time.perf_counter()

    def monitor() -> None:
        while time.monotonic() < stop:
            started = time.perf_counter()
            with contextlib.suppress(urllib.error.HTTPError, OSError):
                urllib.request.urlopen(root + "/health", timeout=30).read()
            health.append(time.perf_counter() - started)
            time.sleep(1)

    def client(number: int) -> None:
        i = number
        think = random.Random(number)
        while time.monotonic() < stop:
            time.sleep(think.uniform(0.5, 2.0))  # a reader between two requests
            i += 1
            runaway = i % 100 == 0
            if runaway:
                target = url + "?" + urllib.parse.urlencode({"query": RUNAWAY})
            elif i % 3 == 0:
                target = root + SOAK_PATHS[i % len(SOAK_PATHS)]
            else:
                target = url + "?" + urllib.parse.urlencode({"query": queries[i % len(queries)]})
            request = urllib.request.Request(target, headers={"Accept": "application/json"})
            if runaway:
                runaways.append(time.monotonic() - begun)
            try:
                started = time.perf_counter()
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                counts["ok"] += 1
                if not runaway:
                    latencies.append(time.perf_counter() - started)
                    kind = target[len(root):].split("?")[0]
                    by_kind.setdefault(kind, []).append(latencies[-1])
                    if latencies[-1] > 1.0:
                        slowest.append((latencies[-1], started - begun_perf, kind))
            except urllib.error.HTTPError as error:
                if runaway and error.code == 503:
                    counts["runaway 503"] += 1
                else:
                    counts["errors"] += 1
                    errors.append(f"{error.code} {target[:100]}")
                    failed_at.append(f"{started - begun_perf:.0f}")
            except (OSError, http.client.HTTPException) as error:
                counts["errors"] += 1
                errors.append(f"{type(error).__name__} {target[:100]}")

    with concurrent.futures.ThreadPoolExecutor(clients + 1) as pool:
        futures = [pool.submit(client, n) for n in range(clients)] + [pool.submit(monitor)]
        started = time.monotonic()
        while time.monotonic() < stop:
            samples.append((time.monotonic() - started, rss_of_tree(process.pid)))
            time.sleep(min(10.0, max(1.0, seconds / 60)))
        for future in futures:
            future.result()
    samples.append((time.monotonic() - started, rss_of_tree(process.pid)))
    warm = [rss for at, rss in samples if at >= min(60.0, seconds / 5)] or [samples[-1][1]]
    low, high = min(warm), max(warm)
    third = max(1, len(warm) // 3)
    early, late = statistics.median(warm[:third]), statistics.median(warm[-third:])
    floor_early, floor_late = min(warm[:third]), min(warm[-third:])
    print(f"soak: {seconds:g} s, {clients} clients: {counts['ok']} answered, "
          f"{counts['runaway 503']} runaways stopped (503), {counts['errors']} other errors")
    fast = bool(latencies and health)
    if fast:
        p99, health_p99 = _pct(sorted(latencies), 99), _pct(sorted(health), 99)
        fast = p99 < 2.0 and health_p99 < 1.0
        print(f"latency of the other requests: p50 {_pct(sorted(latencies), 50) * 1000:.0f} ms, "
              f"p99 {p99 * 1000:.0f} ms (target < 2000 ms); /health "
              f"p99 {health_p99 * 1000:.0f} ms (target < 1000 ms)")
    slowest.sort(reverse=True)
    print(f"{len(slowest)} requests over 1 s; the slowest, as (s, started at s, path): "
          + ", ".join(f"({t:.1f}, {at:.0f}, {k})" for t, at, k in slowest[:12]))
    print("runaways sent at s: " + " ".join(f"{at:.0f}" for at in sorted(runaways)))
    if failed_at:
        print("requests answered with an error, sent at s: " + " ".join(failed_at))
    for kind, values in sorted(by_kind.items()):
        values.sort()
        print(f"  {kind:14} {len(values):6} answered, p50 {_pct(values, 50) * 1000:7.0f} ms, "
              f"p99 {_pct(values, 99) * 1000:7.0f} ms")
    kinds: dict[str, int] = {}
    for line in errors:
        kind = line.split("?")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    for kind, n in sorted(kinds.items(), key=lambda item: -item[1])[:10]:
        print(f"  {n} x {kind}")
    print("memory (PSS) samples, s: MB  " + "  ".join(
        f"{at:.0f}: {rss / 2**20:.0f}" for at, rss in samples[::max(1, len(samples) // 20)]))
    # In-flight queries make memory swing sample to sample; a leak shows as a trend.
    flat = abs(floor_late - floor_early) <= floor_early * 0.10
    print(f"resident memory (PSS) of all our processes after warm-up: {low / 2**20:.0f} to "
          f"{high / 2**20:.0f} MB while queries run; lowest of the first third "
          f"{floor_early / 2**20:.0f} MB, of the last third {floor_late / 2**20:.0f} MB "
          f"({(floor_late - floor_early) / floor_early * 100:+.1f} %, target within 10 %); "
          f"medians {early / 2**20:.0f} and {late / 2**20:.0f} MB "
          f"({(late - early) / early * 100:+.1f} %); at start {samples[0][1] / 2**20:.0f} MB")
    return counts["errors"] == 0 and fast and flat


#: More ``serve`` options for our server (``--serve-arg``), e.g. ``--query-processes 4``.
EXTRA_SERVE_ARGS: list[str] = []


def start_ours(dist: Path, worker_args: list[str]) -> tuple[str, subprocess.Popen]:
    """Start this endpoint on a free port (its log: ``serve.log`` beside DIST)."""
    port = free_port()
    with open(dist.parent / "serve.log", "w") as log:
        return (f"http://127.0.0.1:{port}/sparql", subprocess.Popen(
            [sys.executable, "-c", "from achat_graph.cli import main; main()", "serve",
             "--dist", str(dist), "--port", str(port), *worker_args],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log))


def start_servers(folder: Path, nt: Path, dist: Path, workers: int | None) -> dict:
    """Start the three servers; return {name: (url, process)}."""
    servers = {}
    worker_args = ["--workers", str(workers)] if workers else []  # else the CLI's default
    worker_args += EXTRA_SERVE_ARGS
    servers["this endpoint"] = start_ours(dist, worker_args)
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
        from graph_builder.output.remote_load import publish
        from sparql_endpoint.backends.remote import NO_GRAPH

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
    parser.add_argument("--triples", type=int, default=None,
                        help="pad the graph to this many triples instead")
    parser.add_argument("--cache", action="store_true",
                        help="keep our server's answers to repeated queries in the speed runs")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=None, help="query mix repetitions")
    parser.add_argument("--workers", type=int, default=None,
                        help="our endpoint's workers (default: the serve command's)")
    parser.add_argument("--soak", type=float, default=None, metavar="SECONDS",
                        help="instead: soak our server with 50 clients for SECONDS")
    parser.add_argument("--serve-arg", action="append", default=[],
                        help="an extra option for our serve command (repeatable)")
    args = parser.parse_args()
    EXTRA_SERVE_ARGS.extend(args.serve_arg)
    size = args.triples or (200_000 if args.full else 20_000)
    rounds = args.rounds or (10 if args.full else 6)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        nt, count = write_graph(folder, size)
        dist = write_dist(folder, nt, count)
        if args.soak:
            url, process = start_ours(dist, (["--workers", str(args.workers)]
                                       if args.workers else []) + EXTRA_SERVE_ARGS)
            try:
                wait_ready(url, process)
                held = soak(url, process, args.soak, 50)
            finally:
                process.terminate()
                process.wait(30)
            log = (folder / "serve.log").read_text()
            print(f"server log: {log.count('Traceback')} tracebacks, "
                  f"{log.count('outcome=cut')} responses cut while streaming, "
                  f"{log.count('outcome=timeout')} queries stopped at the time limit")
            outcomes: dict[str, int] = {}
            for line in log.splitlines():
                if " outcome=" in line:
                    status = line.split(" status=", 1)[1].split()[0]
                    outcome = line.split(" outcome=", 1)[1].split()[0]
                    outcomes[f"{status} {outcome}"] = outcomes.get(f"{status} {outcome}", 0) + 1
            print("queries by status and outcome: " + ", ".join(
                f"{name}: {n}" for name, n in sorted(outcomes.items())))
            print("soak:", "held" if held else "FAILED", f"(exit code {process.returncode})")
            sys.exit(0 if held and process.returncode == 0 else 1)
        print(f"graph: {count} triples; {args.clients} clients; {rounds} rounds of "
              f"{len(QUERIES)} queries; our answers to repeated queries "
              + ("kept" if args.cache else "not kept (--result-cache-mb 0)"))
        print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        if not args.cache:
            EXTRA_SERVE_ARGS.append("--result-cache-mb=0")
        servers = start_servers(folder, nt, dist, args.workers)
        results, short, alone = {}, {}, {}
        try:
            for name, (url, process) in servers.items():
                wait_ready(url, process)
                # rdflib is slow: fewer rounds keep the run bounded.
                n = max(1, rounds // 3) if name == "rdflib-endpoint" else rounds
                ask(url, QUERIES["aggregate"], 120)  # warm up
                for query in SHORT.values():
                    ask(url, query, 120)
                results[name] = measure(url, args.clients, n)
                if name != "rdflib-endpoint":
                    # Long enough (2 000 queries and more) that start-up and a retired
                    # query process are noise, not the figure.
                    short[name] = measure(url, args.clients, 50 * n, SHORT, process)
                    # Alone, not beside the mix's aggregates: the engine's scan, not a queue.
                    alone[name] = statistics.median(ask(url, QUERIES["count"], 120)
                                                    for _ in range(5))
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
            peer = results["oxigraph server"]
            print(f"throughput vs oxigraph server: "
                  f"{ours['throughput'] / peer['throughput']:.2f}x (target >= 0.5x)")
            print(f"p50 vs oxigraph server: {ours['p50'] / peer['p50']:.2f}x (target <= 2x)")
            print(f"full-scan COUNT vs oxigraph server: "
                  f"{ours['per_query']['count'] / peer['per_query']['count']:.2f}x "
                  "(target <= 1.2x)")
            for name in HEAVY:
                ratio = ours["per_query"][name] / peer["per_query"][name]
                print(f"{name} latency vs oxigraph server: {ratio:.2f}x (target <= 2x)")
        if short:
            print(f"\nshort queries ({len(SHORT)} kinds):")
            print(f"{'server':18} {'q/s':>8} {'p50 ms':>8} {'p99 ms':>8}  "
                  + " ".join(f"{n:>12}" for n in SHORT))
            for name, r in short.items():
                head = (f"{name:18} {r['throughput']:8.1f} {r['p50'] * 1000:8.1f} "
                        f"{r['p99'] * 1000:8.1f}")
                print(head + "  " + " ".join(f"{r['per_query'][n] * 1000:10.1f}ms"
                                             for n in SHORT))
        for name, r in short.items():
            if r["cpu"] is not None:
                print(f"{name}: {r['cpu'] * 1000:.2f} ms of CPU per short query "
                      "(all its processes)")
        print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        if "oxigraph server" in short:
            ours_short, peer = short["this endpoint"], short["oxigraph server"]
            print(f"short queries, throughput vs oxigraph server: "
                  f"{ours_short['throughput'] / peer['throughput']:.2f}x (target >= 0.8x)")
            print(f"short queries, p50 vs oxigraph server: "
                  f"{ours_short['p50'] / peer['p50']:.2f}x (target <= 1.5x)")
            count = alone["this endpoint"] / alone["oxigraph server"]
            print(f"full-scan COUNT alone (median of 5: {alone['this endpoint'] * 1000:.1f} "
                  f"against {alone['oxigraph server'] * 1000:.1f} ms) vs oxigraph server: "
                  f"{count:.2f}x (target <= 1.1x)")
        if "virtuoso direct" in results and "this over virtuoso" in results:
            remote, direct = results["this over virtuoso"], results["virtuoso direct"]
            print(f"this endpoint over virtuoso vs virtuoso direct: throughput "
                  f"{remote['throughput'] / direct['throughput']:.2f}x, p50 "
                  f"{remote['p50'] / direct['p50']:.2f}x (the cost of our checks, the child "
                  "process and re-serialising)")
            short = sum(remote["per_query"][n] for n in REMOTE_SHORT) / \
                sum(direct["per_query"][n] for n in REMOTE_SHORT)
            print(f"short queries ({', '.join(REMOTE_SHORT)}) over virtuoso vs virtuoso direct: "
                  f"{short:.2f}x the latency (target <= 2x)")


if __name__ == "__main__":
    main()
