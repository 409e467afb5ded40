"""Time the search (``/search``, the list filters) over the curated data plus N organisation
names, the size a build with the contracts' organisations reaches.

Builds the curated graph (``achat-graph build``, no contracts), adds N synthetic
organisation entries to its ``search-index.json``, then times, in the same run:

- opening the index (read, words, postings) beside its floor, ``json.loads`` of the file;
- each query through the postings, every match ranked, beside a scan of every entry
  with the same matching (the peer), and beside the 0.5 s a page has (issue 24);
- what ``/search`` does: the best 50 of the same matches, ties broken by the
  alphabetical order kept per language (computed once, timed with the opening);
- the same queries as ``/instruments?q=`` asks them: among the instruments only.

    python benchmarks/search.py --names 200000
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from achat_core.resources import DATA_DIR  # noqa: E402
from achat_core.search_index import INDEX_VERSION, entry, terms  # noqa: E402
from achat_graph.cli import main  # noqa: E402
from sparql_endpoint.pages.matching import Index, match, prepare, rank  # noqa: E402

PAGE_LIMIT = 0.5
QUERIES = ("gré à gré", "partenariat innovation", "acheter sans mise en concurrence",
           "research", "commune", "commune de saint", "metropole eau", "zzzz")
#: Words of synthetic organisation names (the commonest words of buyers' names).
NAME_WORDS = ("commune", "ville", "metropole", "departement", "region", "syndicat",
              "intercommunal", "eau", "assainissement", "hopital", "centre", "lycee",
              "college", "universite", "office", "habitat", "public", "agence", "de",
              "saint", "services", "conseil", "communaute", "agglomeration")


def write_index(folder: Path, names: int) -> Path:
    """Build the curated data and add NAMES organisation entries to its search index."""
    out = folder / "dist"
    result = CliRunner().invoke(main, ["build", "--data", str(DATA_DIR), "--out", str(out),
                                       "--quiet"])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    path = out / "search-index.json"
    document = json.loads(path.read_text("utf-8"))
    rng = random.Random(24)
    for n in range(names):
        name = " ".join(rng.choice(NAME_WORDS) for _ in range(rng.randint(2, 5)))
        document["entries"].append(entry(
            f"https://w3id.org/achat-public/id/organisation/siret-{n:014d}",
            {"": [name.upper()]}, {}, [], {}))
    path.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    return path


def timed(work, runs: int = 3) -> tuple[float, object]:
    """Return the median time of RUNS calls of WORK, and its last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def open_index(path: Path) -> Index:
    """Open the index as ``search.index()`` does."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        document = json.loads(path.read_text("utf-8"))
        current = document["version"] == INDEX_VERSION
        return Index([prepare(item, current) for item in document["entries"]])
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def scan(index: Index, query: str) -> int:
    """The peer: the same matching over every entry, no postings."""
    read = index.read(terms(query))
    return sum(1 for e in index.entries if match(e, read))


def label(entry) -> str:
    """The label a French reader sees, as ``search._label`` picks it."""
    return entry.labels.get("fr") or next(iter(entry.labels.values()), entry.iri)


def main_(names: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_index(Path(folder), names)
        size = path.stat().st_size
        floor, _ = timed(lambda: json.loads(path.read_text("utf-8")))
        opening, index = timed(lambda: open_index(path))
    print(f"index: {len(index.entries)} entries, {size / 1e6:.1f} MB")
    ordering, _ = timed(lambda: index.places("fr", label), runs=1)
    print(f"open: {opening:.2f} s; json.loads alone {floor:.2f} s; "
          f"ratio {opening / floor:.2f}; the alphabetical order kept: {ordering:.2f} s")
    print(f"{'query':36} {'hits':>7} {'ours s':>8} {'scan s':>8} {'scan/ours':>9} "
          f"{'best 50 s':>9} {'best 50/limit':>13}")
    for query in QUERIES:
        ours, hits = timed(lambda q=query: rank(index, q, label))
        peer, count = timed(lambda q=query: scan(index, q))
        best, top = timed(lambda q=query: rank(index, q, label, limit=50, order="fr"))
        assert count == len(hits), (query, count, len(hits))
        assert [e.iri for e, _ in top] == [e.iri for e, _ in hits[:50]], query
        print(f"{query:36} {len(hits):>7} {ours:>8.3f} {peer:>8.3f} {peer / ours:>9.1f} "
              f"{best:>9.3f} {best / PAGE_LIMIT:>13.2f}")
    instruments = {e.iri for e in index.entries if e.kind == "instrument"}
    print(f"\nthe instruments list's filter ({len(instruments)} instruments):")
    for query in QUERIES:
        ours, hits = timed(lambda q=query: rank(index, q, label, instruments))
        print(f"{query:36} {len(hits):>7} {ours:>8.3f} s  ours/limit {ours / PAGE_LIMIT:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=200_000,
                        help="organisation names added to the curated entries")
    main_(parser.parse_args().names)
