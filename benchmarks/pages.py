"""Time the pages a procurement officer reads, at a given number of generated contracts.

Builds the curated graph once (``achat-graph build``, no contracts), generates DECP
contracts, maps them (``build_contracts``), loads both into an on-disk pyoxigraph store,
adds the indicators the builder computes, then serves the app over that store and times,
through the Flask test client (the real page code, queries in the endpoint's time-limited
query processes): the instrument pages, the busiest buyer's page, a contract page, the
lists and every home-page question. Each time is compared with the 1 s limit of the issue
in the same run (ratio = time / limit; under 1 is within it).

    python benchmarks/pages.py --contracts 100000
    python benchmarks/pages.py --contracts 1000000 --keep /tmp/pages-1m
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from achat_core.resources import DATA_DIR  # noqa: E402
from achat_graph.cli import main  # noqa: E402
from graph_builder.pipeline.contracts import DECP_SOURCE, build_contracts  # noqa: E402
from graph_builder.rdf.indicators import compute_indicators  # noqa: E402
from graph_builder.sources.decp_generator import write_decp  # noqa: E402
from sparql_endpoint import create_app  # noqa: E402
from sparql_endpoint.backends.store import OxigraphBackend  # noqa: E402
from sparql_endpoint.execution.pool import PoolBackend, PoolSettings  # noqa: E402
from sparql_endpoint.protocol import examples  # noqa: E402

BASE = "https://w3id.org/achat-public/"
LIMIT = 1.0
RUNS = 3


def prepare(folder: Path, size: int) -> Path:
    """Build (or reuse) a store holding the curated graph, the contracts and the indicators."""
    store_dir = folder / "store"
    if (store_dir / "CURRENT").is_file():
        print(f"reusing {store_dir}")
        return store_dir
    dist = folder / "curated"
    result = CliRunner().invoke(main, ["build", "--data", str(DATA_DIR), "--out", str(dist),
                                       "--quiet", "--no-store"])
    assert result.exit_code == 0, result.output
    source = folder / "decp.json"
    t = time.perf_counter()
    write_decp(source, size, seed=1)
    print(f"generated {size:,} contracts in {time.perf_counter() - t:.0f} s")
    t = time.perf_counter()
    mapped = build_contracts([source], folder / "contracts.nt", BASE, {}, sample_rate=0.0)
    print(f"mapped {mapped.contracts_mapped:,} contracts ({mapped.triples:,} triples) in "
          f"{time.perf_counter() - t:.0f} s")
    source.unlink()
    store = ox.Store(str(store_dir))
    t = time.perf_counter()
    with gzip.open(dist / "graph.nt.gz", "rb") as graph:
        store.bulk_load(input=graph, format=ox.RdfFormat.N_TRIPLES)
    store.bulk_load(path=str(folder / "contracts.nt"), format=ox.RdfFormat.N_TRIPLES)
    print(f"loaded {len(store):,} triples in {time.perf_counter() - t:.0f} s")
    t = time.perf_counter()
    indicators = compute_indicators(store, BASE, source=DECP_SOURCE)
    store.extend(ox.Quad(i.subject, i.predicate, i.object) for i in indicators)
    print(f"computed {len(indicators):,} indicator triples in {time.perf_counter() - t:.0f} s")
    store.flush()
    store.optimize()
    del store
    return store_dir


def busiest_buyer(store: ox.Store) -> str:
    rows = store.query(
        "SELECT ?org (COUNT(?c) AS ?n) WHERE { ?c <http://data.europa.eu/a4g/ontology#bindsBuyer>"
        " ?b . ?b <http://data.europa.eu/a4g/ontology#playedBy> ?org } GROUP BY ?org "
        "ORDER BY DESC(?n) LIMIT 1")
    row = next(iter(rows))
    print(f"busiest buyer: {row['org'].value} ({row['n'].value} contracts)")
    return row["org"].value


def time_page(client, path: str) -> tuple[float, int]:
    """Return the median time of RUNS loads of a page (after one warm-up) and its status."""
    client.get(path, headers={"Accept": "text/html"})
    times, status = [], 0
    for _ in range(RUNS):
        t = time.perf_counter()
        response = client.get(path, headers={"Accept": "text/html"})
        times.append(time.perf_counter() - t)
        status = response.status_code
    return statistics.median(times), status


def main_(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, default=None,
                        help="Folder to build in and reuse (default: a temporary one).")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        store_dir = prepare(folder, args.contracts)
        store = ox.Store.read_only(str(store_dir))
        buyer = busiest_buyer(store).removeprefix(BASE + "id/")
        contract = next(iter(store.query(
            "SELECT ?c WHERE { ?c a <http://data.europa.eu/a4g/ontology#Contract> } LIMIT 1"
        )))["c"].value.removeprefix(BASE + "id/")
        total = len(store)
        del store
        # As the server runs: every store call in the pool of query processes, each opening
        # the on-disk store read-only; a long time limit, as the app counts the store once
        # at start (over ten seconds at 55 M triples on disk).
        backend = PoolBackend(lambda: OxigraphBackend.read_only(store_dir),
                              PoolSettings(size=2, queue=8), 120.0)
        app = create_app({"BACKEND": backend, "BUILD": {"base": BASE}})
        client = app.test_client()
        pages = [("instrument: achat-innovant", "/doc/instrument/achat-innovant"),
                 ("instrument: procedure-adaptee", "/doc/instrument/procedure-adaptee"),
                 ("buyer (busiest)", f"/doc/{buyer}"),
                 ("contract", f"/doc/{contract}"),
                 ("home", "/"),
                 ("list: instruments", "/instruments"),
                 ("list: buyers", "/organisations?source=buyers"),
                 ("list: regions", "/regions")]
        pages += [(f"question: {e.name}", "/query?query=" + quote(e.query, safe=""))
                  for e in examples.load_examples()]
        print(f"\n{args.contracts:,} contracts, {total:,} triples; limit {LIMIT:.1f} s, "
              f"median of {RUNS}")
        print(f"{'page':52} {'status':>6} {'seconds':>8} {'ratio':>6}")
        worst = 0.0
        for name, path in pages:
            seconds, status = time_page(client, path)
            worst = max(worst, seconds / LIMIT)
            print(f"{name:52} {status:>6} {seconds:>8.3f} {seconds / LIMIT:>6.2f}")
        print(f"worst ratio to the limit: {worst:.2f}")
        backend.stop()


if __name__ == "__main__":
    main_()
