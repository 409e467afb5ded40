"""``build --update``: a new month added to the released build is the full rebuild's build."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from achat_graph.cli import main
from graph_builder.sources.decp_generator import write_decp

pytestmark = pytest.mark.slow


def _build(out: Path, *options: str):
    return CliRunner().invoke(main, ["build", "--out", str(out), "--created", "2025-01-01",
                                     "--quiet", *options])


def _files(out: Path) -> dict[str, str]:
    """Every file of a build but its store and its summary (its own stage timings)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())
            if p.is_file() and p.name != "summary.txt"}


def _triples(out: Path) -> set:
    return {quad.triple for quad in ox.Store.read_only(str(out / "store"))}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("months")
    files = {"first": folder / "decp-1.json", "second": folder / "decp-2.json",
             "month": folder / "decp-3.json", "sirene": folder / "StockUniteLegale.csv"}
    write_decp(files["first"], 300, seed=21, sirene=files["sirene"])
    write_decp(files["second"], 60, seed=22, first_id=300)
    write_decp(files["month"], 40, seed=23, first_id=360)
    return files


def test_an_update_gives_the_full_rebuilds_dumps_byte_for_byte(tmp_path, inputs):
    out, full = tmp_path / "dist", tmp_path / "full" / "dist"
    earlier = ["--decp", str(inputs["first"]), "--decp", str(inputs["second"]),
               "--sirene", str(inputs["sirene"])]
    assert _build(out, *earlier).exit_code == 0
    released = out.resolve()
    updated = _build(out, *earlier, "--update", str(inputs["month"]))
    assert updated.exit_code == 0, updated.output
    rebuilt = _build(full, *earlier, "--decp", str(inputs["month"]))
    assert rebuilt.exit_code == 0, rebuilt.output
    assert out.resolve().name == full.resolve().name != released.name  # the same build id
    assert _files(out) == _files(full)
    # The table's earlier parts are the released table, copied, not named again.
    assert (out / "contracts.csv.gz").read_bytes().startswith(
        (released / "contracts.csv.gz").read_bytes())
    assert _triples(out) == _triples(full)
    summary = (out / "summary.txt").read_text()
    assert "contracts to N-Triples (the new month)" in summary
    assert "unchanged since the released build, checked then" in summary
    timings = (full / "summary.txt").read_text().split("Stage timings (wall clock, CPU, peak "
                                                       "memory of the process tree):\n")[1]
    assert re.search(r"^ +[0-9.]+ s +[0-9.]+ s +[1-9][0-9]* MB  store \(load, check\)$",
                     timings, re.MULTILINE), timings


def test_an_update_over_other_files_is_refused_and_a_failed_one_changes_nothing(
        tmp_path, inputs):
    out = tmp_path / "dist"
    first = ["--decp", str(inputs["first"]), "--sirene", str(inputs["sirene"])]
    assert _build(out, *first).exit_code == 0
    before = os.readlink(out), _files(out)
    refused = _build(out, "--decp", str(inputs["second"]), "--sirene", str(inputs["sirene"]),
                     "--update", str(inputs["month"]))
    assert refused.exit_code == 2 and "made from decp-1.json" in refused.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"marches": [oops', encoding="utf-8")
    failed = _build(out, *first, "--update", str(broken))
    assert failed.exit_code == 2, failed.output
    assert (os.readlink(out), _files(out)) == before
    assert not [p for p in (tmp_path / "dist.builds").iterdir() if p.name.startswith(".partial")]
