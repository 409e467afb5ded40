"""Benchmark the Sirene join against a plain read of the same file, measured in the same run.

Generate 200 000 DECP contracts and a ``StockUniteLegale`` of 5 million rows in INSEE's
layout holding their SIRENs (cached in the work folder), then time in fresh processes:

- the limit: a plain read of every row of the same CSV file, by Python's ``csv`` module and
  by pyarrow's streaming CSV reader (C++, two threads); the faster one is the limit;
- the join: ``read_sirene`` keeping the legal units of the contracts' SIRENs.

Each figure is wall time and the process's peak resident memory, the best time of
``--repeat`` runs (the tasks take turns, so a busy machine slows them alike); the ratio is the
join's time over the limit's.  Target: at most 1.5 times the limit, under 500 MB.

    python benchmarks/sirene.py                         # 5 000 000 rows, 200 000 contracts
    python benchmarks/sirene.py --rows 500000 --contracts 20000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph_builder.sources.decp import read_records  # noqa: E402
from graph_builder.sources.decp_generator import write_decp  # noqa: E402
from graph_builder.sources.sirene_generator import write_stock_unite_legale  # noqa: E402


def contract_sirens(path: Path) -> set[str]:
    """Return the SIRENs of the buyers and SIRET holders of a DECP file."""
    sirens = set()
    for record in read_records(path):
        data = getattr(record, "data", None)
        if not isinstance(data, dict):
            continue
        buyer = data.get("acheteur") or data.get("autoriteConcedante") or {}
        if isinstance(buyer.get("id"), str):
            sirens.add(buyer["id"][:9])
        for item in data.get("titulaires") or data.get("concessionnaires") or []:
            holder = next(iter(item.values()), {}) if isinstance(item, dict) else {}
            if holder.get("typeIdentifiant") == "SIRET":
                sirens.add(holder["id"][:9])
    return sirens


# -- what runs in each measured process -------------------------------------------------------
def _csv_module(path: str, _sirens: str) -> int:
    import csv

    rows = 0
    with open(path, encoding="utf-8", newline="") as stream:
        for _ in csv.reader(stream):
            rows += 1
    return rows - 1


def _pyarrow(path: str, _sirens: str) -> int:
    import pyarrow as pa
    import pyarrow.csv as pv

    with open(path, encoding="utf-8") as stream:
        names = stream.readline().rstrip("\n").split(",")
    rows = 0
    reader = pv.open_csv(path, convert_options=pv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string())),  # no type inference: plain text
        read_options=pv.ReadOptions(block_size=8 << 20))
    for batch in reader:
        rows += batch.num_rows
    return rows


def _join(path: str, sirens_file: str) -> int:
    from graph_builder.sources.sirene import LegalUnit, read_sirene

    sirens = set(json.loads(Path(sirens_file).read_text()))
    return sum(1 for item in read_sirene(Path(path), sirens=sirens)
               if isinstance(item, LegalUnit))


TASKS = {"csv module (every row)": _csv_module, "pyarrow CSV (every row)": _pyarrow,
         "read_sirene join": _join}


def child(task: str, path: str, sirens_file: str) -> None:
    """Run one task and print its figures as JSON (in a fresh process)."""
    start = time.perf_counter()
    rows = TASKS[task](path, sirens_file)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak}))


def measure(task: str, path: Path, sirens_file: Path) -> dict:
    """Run ``task`` in a fresh process and return its figures."""
    out = subprocess.run([sys.executable, __file__, "--child", task, str(path),
                          str(sirens_file)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Generate (or reuse) the inputs, measure, print the figures and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--contracts", type=int, default=200_000)
    parser.add_argument("--folder", type=Path,
                        default=Path(tempfile.gettempdir()) / "achat-sirene-bench")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each task")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return
    args.folder.mkdir(parents=True, exist_ok=True)
    decp = args.folder / f"decp-{args.contracts}.json"
    sirens_file = args.folder / f"sirens-{args.contracts}.json"
    stock = args.folder / f"StockUniteLegale-{args.rows}-{args.contracts}.csv"
    if not sirens_file.exists():
        t = time.perf_counter()
        write_decp(decp, args.contracts, seed=1)
        sirens_file.write_text(json.dumps(sorted(contract_sirens(decp))))
        print(f"generated {args.contracts:,} contracts in {time.perf_counter() - t:.0f} s")
    sirens = json.loads(sirens_file.read_text())
    if not stock.exists():
        t = time.perf_counter()
        write_stock_unite_legale(stock.with_suffix(".part"), args.rows, seed=1, sirens=sirens)
        stock.with_suffix(".part").rename(stock)
        print(f"generated {args.rows:,} units in {time.perf_counter() - t:.0f} s")
    print(f"{stock.name}: {stock.stat().st_size / 1e6:,.0f} MB, {args.rows:,} rows; "
          f"{len(sirens):,} SIRENs of {args.contracts:,} contracts")
    runs = [{task: measure(task, stock, sirens_file) for task in TASKS}
            for _ in range(max(1, args.repeat))]
    figures = {task: {"seconds": min(r[task]["seconds"] for r in runs),
                      "peak_mb": max(r[task]["peak_mb"] for r in runs),
                      "rows": runs[0][task]["rows"]} for task in TASKS}
    for task, f in figures.items():
        print(f"  {task:<26} {f['seconds']:7.1f} s  {f['peak_mb']:7.0f} MB peak  "
              f"{f['rows']:>10,} rows")
    limit_task = min((t for t in TASKS if t != "read_sirene join"),
                     key=lambda t: figures[t]["seconds"])
    join, limit = figures["read_sirene join"], figures[limit_task]
    ratio = join["seconds"] / limit["seconds"]
    print(f"limit: {limit_task}; join/limit = {ratio:.2f}x (target <= 1.5x); "
          f"join peak {join['peak_mb']:.0f} MB (target < 500 MB)")


if __name__ == "__main__":
    main()
