"""Benchmark the DECP build against the limit measured in the same run.

For each size: generate synthetic DECP v2 contracts, build the N-Triples
(``build_contracts``: contracts per second, peak memory), then the limit — pyoxigraph
parsing and serialising the produced N-Triples — and the ratio; load an on-disk
pyoxigraph store, compute the indicators, and time the query an instrument page runs to
show its indicators (median of 50).

    python benchmarks/decp.py            # 20 000 contracts
    python benchmarks/decp.py --full     # 100 000 and 1 000 000 contracts
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph_builder.pipeline.contracts import build_contracts  # noqa: E402
from graph_builder.rdf.indicators import compute_indicators  # noqa: E402
from graph_builder.sources.decp_generator import write_decp  # noqa: E402

BASE = "https://w3id.org/achat-public/"
PAGE_QUERY = """PREFIX apg: <https://w3id.org/achat-public/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?indicator ?label ?value ?unit ?start ?end ?proxy WHERE {
  ?indicator apg:aboutInstrument <%s> ; apg:value ?value ; apg:unit ?unit ;
             apg:periodStart ?start ; apg:periodEnd ?end ; rdfs:label ?label .
  FILTER(LANG(?label) = "fr")
  OPTIONAL { ?indicator apg:isProxy ?proxy }
} ORDER BY ?indicator"""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(size: int, folder: Path) -> None:
    """Run the benchmark for one size and print its figures."""
    source = folder / f"decp-{size}.json"
    t = time.perf_counter()
    write_decp(source, size, seed=1)
    print(f"[{size}] generated {source.stat().st_size / 1e6:.0f} MB in "
          f"{time.perf_counter() - t:.1f} s")

    out = folder / f"contracts-{size}.nt"
    t = time.perf_counter()
    result = build_contracts([source], out, BASE, {}, sample_rate=0.01)
    build = time.perf_counter() - t
    print(f"[{size}] build: {build:.1f} s, {result.contracts_mapped / build:,.0f} contracts/s, "
          f"{result.triples:,} triples, peak memory so far {_peak_mb():,.0f} MB")

    t = time.perf_counter()
    with open(out, "rb") as stream:
        triples = ox.parse(stream, format=ox.RdfFormat.N_TRIPLES)
        with open(folder / "limit.nt", "wb") as sink:
            ox.serialize(triples, sink, format=ox.RdfFormat.N_TRIPLES)
    limit = time.perf_counter() - t
    print(f"[{size}] limit (pyoxigraph parse + serialise): {limit:.1f} s; "
          f"build / limit = {build / limit:.2f} (target <= 3)")

    t = time.perf_counter()
    store = ox.Store(str(folder / f"store-{size}"))
    store.bulk_load(path=str(out), format=ox.RdfFormat.N_TRIPLES)
    print(f"[{size}] on-disk store load: {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    indicators = compute_indicators(store, BASE)
    store.extend(ox.Quad(i.subject, i.predicate, i.object) for i in indicators)
    store.flush()
    print(f"[{size}] indicators: {len(indicators):,} triples in {time.perf_counter() - t:.1f} s")

    query = PAGE_QUERY % f"{BASE}id/instrument/achat-innovant"
    times = []
    for _ in range(50):
        t = time.perf_counter()
        rows = list(store.query(query))
        times.append((time.perf_counter() - t) * 1000)
    print(f"[{size}] instrument page indicators: {len(rows)} rows, median "
          f"{statistics.median(times):.2f} ms (target < 100 ms); peak memory "
          f"{_peak_mb():,.0f} MB (target < 4096 MB)")
    del store


def main() -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="100 000 and 1 000 000 contracts")
    parser.add_argument("--size", type=int, action="append", help="a size to run (repeatable)")
    args = parser.parse_args()
    sizes = args.size or ([100_000, 1_000_000] if args.full else [20_000])
    with tempfile.TemporaryDirectory(prefix="decp-bench-") as tmp:
        for size in sizes:
            run(size, Path(tmp))


if __name__ == "__main__":
    main()
