"""Time the builder against the limit set by pyoxigraph on the same graph, in one run.

For each size, synthetic curated-style records (resources mostly, linked to
organisations, themes and challenges) are written to a temporary folder; then, each in
its own subprocess: the builder (read → map → validate → dump → publish) and the limit
(pyoxigraph parsing the produced N-Triples and serialising Turtle).  Peak memory is the
subprocess's own ``ru_maxrss``.  With ``--stages``, a third subprocess times the
builder's steps one by one (read YAML, map to RDF, SHACL gate, conversion to
pyoxigraph, writing and re-parsing each dump, VoID statistics, search index), to show
where the time goes.

With ``--contracts N``, the national case instead: N generated DECP contracts and their
Sirene sample (``decp_generator --sirene``) built by ``achat-graph build`` (on-disk store,
indicators included), its stage timings and each stage's peak memory from ``summary.txt``
(wall clock, CPU, MB), and the limit in the same
run: pyoxigraph bulk-loading the build's N-Triples dumps into a fresh on-disk store and
serialising them as N-Triples.  Peak memory is the whole process tree's (its resident
sizes summed, sampled every 0.2 s).  With ``--update``, a month of contracts (2 % of N,
about 30 000 at national size) is then added with ``build --update``.  Run by hand
(``make bench``), never in CI.

    python benchmarks/build.py --contracts 200000 --update
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "https://example.org/benchmark-source"

BUILDER = """
import json, resource, sys, time
from pathlib import Path
from graph_builder.pipeline.build import build_and_release
from graph_builder.pipeline.options import BuildOptions
start = time.perf_counter()
build_and_release(BuildOptions(data_dir=Path(sys.argv[1]), out_dir=Path(sys.argv[2]),
                               quiet=True, created="2025-01-01"))
print(json.dumps({"seconds": time.perf_counter() - start,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
LIMIT = """
import gzip, json, resource, sys, time
import pyoxigraph as ox
start = time.perf_counter()
with gzip.open(sys.argv[1], "rb") as stream:
    triples = [q.triple for q in ox.parse(stream, format=ox.RdfFormat.N_TRIPLES)]
ox.serialize(triples, format=ox.RdfFormat.TURTLE)
print(json.dumps({"seconds": time.perf_counter() - start, "triples": len(triples),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
STAGES = """
import gzip, json, resource, sys, tempfile, time
from pathlib import Path
import pyoxigraph as ox
from graph_builder.output import dumps
from graph_builder.output.catalog import GraphStats
from graph_builder.sources.curated import read_data_dir
from graph_builder.shacl.gate import validate_graph
from graph_builder.rdf.mapping import map_records
from graph_builder.pipeline.build import GRAPH_DUMPS
from achat_core.search_index import write_search_index
from graph_builder.rdf.vocabulary import load_shapes, load_vocabulary
seconds = {}
def lap(name, start):
    seconds[name] = time.perf_counter() - start
    return time.perf_counter()
start = time.perf_counter()
records = read_data_dir(Path(sys.argv[1]))
start = lap("read", start)
mapped = map_records(records, "https://w3id.org/achat-public/")
start = lap("map", start)
shapes, vocabulary = load_shapes(), load_vocabulary()
start = time.perf_counter()
validate_graph(mapped.graph, shapes, vocabulary, mapped.origins)
start = lap("validate", start)
triples = dumps.canonical_triples(vocabulary, mapped.graph)
start = lap("convert", start)
with tempfile.TemporaryDirectory() as folder:
    for name in GRAPH_DUMPS:
        dumps.write_dump(triples, Path(folder) / name)
        start = lap("write " + name, start)
    for name in GRAPH_DUMPS[1:]:
        dumps.check_dump(Path(folder) / name, len(triples))
        start = lap("check " + name, start)
    store = ox.Store()
    with gzip.open(Path(folder) / GRAPH_DUMPS[0], "rb") as stream:
        store.bulk_load(input=stream, format=ox.RdfFormat.N_TRIPLES)
    start = lap("load+check " + GRAPH_DUMPS[0], start)
    GraphStats.of_store(store, "https://w3id.org/achat-public/id/")
    start = lap("VoID stats", start)
    write_search_index(triples, Path(folder) / "search-index.json")
    start = lap("search index", start)
seconds["peak MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(seconds))
"""


CONTRACT_LIMIT = """
import gzip, json, sys, time
from pathlib import Path
import pyoxigraph as ox
dist, store_dir = Path(sys.argv[1]), sys.argv[2]
build = json.loads((dist / "build.json").read_text())
start = time.perf_counter()
store = ox.Store(store_dir)
for name in build["load"]:
    with gzip.open(dist / name, "rb") as stream:
        store.bulk_load(input=stream, format=ox.RdfFormat.N_TRIPLES)
with open(Path(store_dir) / "dump.nt", "wb") as out:
    store.dump(out, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
print(json.dumps({"seconds": time.perf_counter() - start, "triples": len(store)}))
"""
CLI = [sys.executable, "-c", "from achat_graph.cli import main; main()"]


def _tree_rss(root: int) -> int:
    """Return the resident size of ``root`` and its descendants, in bytes."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as stream:
                total += int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as stream:
                    todo += [int(child) for child in stream.read().split()]
        except (OSError, ValueError):
            continue
    return total


def timed(command: list[str]) -> dict:
    """Run ``command``; return its seconds and the peak memory of its process tree (MB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_rss(process.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out, err = process.communicate()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(command)}\n{err[-3000:]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"seconds": time.perf_counter() - start, "cpu": cpu, "peak_mb": peak[0] / 2**20,
            "out": out}


def _stage_lines(dist: Path) -> list[str]:
    lines = (dist / "summary.txt").read_text(encoding="utf-8").splitlines()
    heads = [n for n, line in enumerate(lines) if line.startswith("Stage timings")]
    if not heads:
        return []
    stages = []
    for line in lines[heads[0] + 1:]:
        if not line.startswith("  "):
            break
        stages.append(line)
    return stages


def _load() -> str:
    """Return the load average, printed beside each figure: the machine may be shared."""
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def run_contracts(n: int, tmp: Path, update: bool) -> None:
    """Build N generated contracts with their Sirene sample; time it beside the limit.

    On a shared machine wall clock times swing with the other work, so CPU seconds (the
    process tree's) are printed beside them, and the ratio of both.
    """
    from graph_builder.sources.decp_generator import write_decp

    decp, sirene, out = tmp / "decp.json", tmp / "StockUniteLegale.csv", tmp / "dist"
    start = time.perf_counter()
    write_decp(decp, n, seed=1, sirene=sirene, skewed=True)
    print(f"[{n}] generated DECP and Sirene in {time.perf_counter() - start:.0f} s", flush=True)
    build = timed([*CLI, "build", "--decp", str(decp), "--sirene", str(sirene), "--out",
                   str(out), "--created", "2025-01-01", "--quiet"])
    triples = json.loads((out / "build.json").read_text())["triples"]
    print(f"[{n}] build: {build['seconds']:.1f} s ({build['cpu']:.1f} s of CPU), {triples:,} "
          f"triples, peak memory {build['peak_mb']:,.0f} MB (process tree; target <= 4096); "
          f"{_load()}", flush=True)
    for line in _stage_lines(out):
        print(f"[{n}]   {line.strip()}")
    limit = timed([sys.executable, "-c", CONTRACT_LIMIT, str(out), str(tmp / "limit-store")])
    print(f"[{n}] limit (bulk-load the N-Triples dumps into a fresh on-disk store, serialise "
          f"them): {limit['seconds']:.1f} s ({limit['cpu']:.1f} s of CPU), peak "
          f"{limit['peak_mb']:,.0f} MB; build / limit = {build['seconds'] / limit['seconds']:.2f}"
          f" (CPU: {build['cpu'] / limit['cpu']:.2f}; target <= 2); {_load()}", flush=True)
    if update:
        month = tmp / "decp-month.json"
        write_decp(month, max(1, n // 50), seed=2, first_id=n, skewed=True)
        updated = timed([*CLI, "build", "--decp", str(decp), "--sirene", str(sirene),
                         "--update", str(month), "--out", str(out), "--created", "2025-01-01",
                         "--quiet"])
        print(f"[{n}] update with {max(1, n // 50):,} contracts: {updated['seconds']:.1f} s "
              f"({updated['cpu']:.1f} s of CPU; {updated['seconds'] / build['seconds']:.0%} of "
              f"the build; CPU: {updated['cpu'] / build['cpu']:.0%}; target <= 10 %), peak "
              f"{updated['peak_mb']:,.0f} MB; {_load()}", flush=True)
        for line in _stage_lines(out):
            print(f"[{n}]   {line.strip()}")


def write_records(folder: Path, n: int) -> None:
    """Write about ``n`` curated records: 5 % organisations, 1 % themes and challenges."""
    folder.mkdir(parents=True)
    orgs, themes = max(1, n // 20), max(1, n // 100)

    def common(key: str, fr: str, en: str) -> str:
        return (f"- key: {key}\n  label: {{fr: \"{fr}\", en: \"{en}\"}}\n"
                f"  sources: [{SOURCE}/{key}]\n")

    (folder / "organisations.yaml").write_text("".join(
        common(f"org-{i}", f"Organisation {i}", f"Organisation {i}") + "  roles: [buyer]\n"
        for i in range(orgs)), encoding="utf-8")
    (folder / "themes.yaml").write_text("".join(
        common(f"theme-{i}", f"Thème {i}", f"Theme {i}") for i in range(themes)),
        encoding="utf-8")
    (folder / "challenges.yaml").write_text("".join(
        common(f"challenge-{i}", f"Défi {i}", f"Challenge {i}") for i in range(themes)),
        encoding="utf-8")
    resources = n - orgs - 2 * themes
    (folder / "resources.yaml").write_text("".join(
        common(f"res-{i}", f"Ressource {i}", f"Resource {i}")
        + f"  title: {{fr: \"Ressource {i}\", en: \"Resource {i}\"}}\n  type: guide\n"
        + f"  url: https://example.org/r/{i}\n  publisher: [org-{i % orgs}]\n"
        + f"  themes: [theme-{i % themes}]\n  challenges: [challenge-{i % themes}]\n"
        + (f"  related: [res-{i - 1}]\n" if i else "")
        for i in range(resources)), encoding="utf-8")


def run(script: str, *args: str) -> dict:
    """Run a measuring script in a fresh interpreter and return what it printed."""
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True,
                          text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Parse options, run every size and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000",
                        help="comma-separated record counts (default: 1000,10000)")
    parser.add_argument("--full", action="store_true", help="also run 100 000 records")
    parser.add_argument("--stages", action="store_true",
                        help="also time reading, mapping and validation on their own")
    parser.add_argument("--contracts", type=int, metavar="N",
                        help="the national case instead: N generated DECP contracts")
    parser.add_argument("--update", action="store_true",
                        help="with --contracts: then add a month with build --update")
    options = parser.parse_args()
    if options.contracts:
        with tempfile.TemporaryDirectory(prefix="build-bench-") as tmp:
            run_contracts(options.contracts, Path(tmp), options.update)
        return
    sizes = [int(s) for s in options.sizes.split(",") if s]
    if options.full and 100_000 not in sizes:
        sizes.append(100_000)
    print(f"{'records':>8} {'triples':>9} {'build s':>8} {'build MB':>9} "
          f"{'limit s':>8} {'limit MB':>9} {'ratio':>7}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            data, out = Path(tmp) / "data", Path(tmp) / "dist"
            write_records(data, n)
            build = run(BUILDER, str(data), str(out))
            limit = run(LIMIT, str(out / "graph.nt.gz"))
            stages = run(STAGES, str(data)) if options.stages else None
        print(f"{n:>8} {limit['triples']:>9} {build['seconds']:>8.2f} {build['rss_mb']:>9.0f} "
              f"{limit['seconds']:>8.2f} {limit['rss_mb']:>9.0f} "
              f"{build['seconds'] / limit['seconds']:>7.0f}", flush=True)
        if stages:
            peak = stages.pop("peak MB")
            print(" " * 9 + "stages: " + ", ".join(f"{name} {value:.2f} s"
                                                   for name, value in stages.items())
                  + f" (peak {peak:.0f} MB)", flush=True)


if __name__ == "__main__":
    main()
