"""The entry of a build: the stages in order, in a fresh folder released atomically.

``build_and_release`` runs :mod:`~graph_builder.pipeline.curated` (read, map, gate), writes
the graph's dumps, runs :mod:`~graph_builder.pipeline.contracts` when there are DECP files,
loads everything into the store (the strict re-parse of each dump), then
:mod:`~graph_builder.pipeline.describe`, and switches ``out`` to the new folder
(:mod:`graph_builder.output.release`).  A failure at any step leaves ``out`` as it was.
Each stage is timed; the timings end ``summary.txt``.

A build whose inputs were built before (the same build id, its folder complete) is not
made again: that folder is released again.  With ``update``, the last DECP file is added
to the released build: the earlier files' parts of the contract dump are copied from it,
its store is copied and changed by the difference (the new contracts, the Sirene part and
the indicators again), and the result is the build a full rebuild would make.
"""

from __future__ import annotations

import gzip
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from tqdm import tqdm

from graph_builder.errors import InvalidData, Problem
from graph_builder.output import dumps, release
from graph_builder.output.catalog import Distinct, FileInfo, GraphStats
from graph_builder.pipeline import contracts, describe, files
from graph_builder.pipeline.contracts import (
    CONTRACTS_DUMP,
    INDICATORS_DUMP,
    NAMES_NAME,
    STATE_NAME,
    DecpResult,
    State,
)
from graph_builder.pipeline.curated import CuratedGraph, curated_graph
from graph_builder.pipeline.memory import PeakWatch, give_back
from graph_builder.pipeline.options import (
    BuildOptions,
    build_id_of,
    check_inputs,
    context_of,
    sha256_of,
    with_store,
)

#: The published dumps of the whole graph, in the order the endpoint loads them.
GRAPH_DUMPS = ("graph.nt.gz", "graph.ttl", "graph.jsonld")


class UpdateRefused(OSError):
    """``--update`` over a released build it cannot extend; the message says why."""


def build_and_release(options: BuildOptions) -> str:
    """Build, validate and release the graph to ``options.out_dir``; return the summary."""
    check_inputs(options)
    out = Path(options.out_dir)
    release.check_target(out)
    build_id = build_id_of(options)
    reused = release.reuse(out, build_id)
    if reused is not None:
        return (reused / "summary.txt").read_text(encoding="utf-8")
    previous = previous_run(out, options) if options.update else None
    timings = Timings()
    total = 9 if options.decp_files else 7
    steps = tqdm(total=total, desc="build", unit="step", disable=options.quiet, file=sys.stderr)
    with steps:
        with timings.stage("curated graph (read, map, gate)"):
            curated = curated_graph(options, steps)
        folder = release.start(out, build_id)
        try:
            summary = _Build(folder, options, build_id, curated, steps, timings,
                             previous).write()
            steps.set_postfix_str("releasing")
            release.finish(out, folder, build_id)
            steps.update()
        except BaseException:
            release.discard(folder)
            raise
    return summary


def previous_run(out: Path, options: BuildOptions) -> tuple[State, Path]:
    """Return the state of the released build an update extends, and its folder.

    It must have been made from the same inputs and the same DECP files but the last.
    """
    folder = out.resolve()
    if not out.is_symlink() or not release.complete(folder):
        raise UpdateRefused(f"--update: no complete released build at {out}; run a full build")
    try:
        state = State.read(folder / STATE_NAME)
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise UpdateRefused(f"--update: {folder / STATE_NAME} cannot be read ({error}); run a "
                            "full build") from None
    if state.context != context_of(options):
        raise UpdateRefused(f"--update: the build released at {out} was made from other "
                            "curated data, Sirene files, options or code; run a full build")
    earlier = [(Path(p).name, sha256_of(p).hex()) for p in options.decp_files[:-1]]
    if state.files != earlier:
        made = ", ".join(name for name, _ in state.files) or "no DECP file"
        raise UpdateRefused(f"--update: the build released at {out} was made from {made}; "
                            "give those same --decp files (unchanged), then the new one")
    if with_store(options) and not (folder / "store").is_dir():
        raise UpdateRefused(f"--update: the build released at {out} has no store")
    return state, folder


class Timings:
    """How long each stage of a build took, in the order they ran: wall clock, CPU, and the
    peak resident memory of the process tree during it (:mod:`~graph_builder.pipeline.memory`).
    """

    def __init__(self) -> None:
        self.seconds: dict[str, tuple[float, float]] = {}
        #: Stage -> the peak resident size of the process tree during it, in bytes.
        self.peaks: dict[str, int] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the ``with`` block as the stage ``name`` and watch its peak memory."""
        wall, cpu = time.perf_counter(), time.process_time()
        watch = PeakWatch().start()
        try:
            yield
        finally:
            give_back()
            peak = watch.stop()
            before = self.seconds.get(name, (0.0, 0.0))
            self.seconds[name] = (before[0] + time.perf_counter() - wall,
                                  before[1] + time.process_time() - cpu)
            self.peaks[name] = max(self.peaks.get(name, 0), peak)

    def text(self) -> str:
        """Return the timings as a section of the summary (CPU: every thread of the build)."""
        lines = ["Stage timings (wall clock, CPU, peak memory of the process tree):"]
        lines += [f"  {wall:>9.1f} s {cpu:>9.1f} s {self.peaks.get(name, 0) / 2**20:>8.0f} MB"
                  f"  {name}" for name, (wall, cpu) in self.seconds.items()]
        lines.append(f"  {sum(w for w, _ in self.seconds.values()):>9.1f} s "
                     f"{sum(c for _, c in self.seconds.values()):>9.1f} s "
                     f"{max(self.peaks.values(), default=0) / 2**20:>8.0f} MB  in all, before "
                     "the release")
        return "\n".join(lines)


@dataclass
class _Build:
    """One build folder being written: dumps, contracts, store, descriptions, manifest."""

    folder: Path
    options: BuildOptions
    build_id: str
    curated: CuratedGraph
    steps: tqdm
    timings: Timings
    #: With ``update``: the state of the released build's DECP run, and its folder.
    previous: tuple[State, Path] | None = None
    #: The published dumps, in the order they are listed.
    published: list[FileInfo] = field(default_factory=list)
    #: Reports beside the dumps (quarantine, contract table), described but not RDF.
    reports: list[FileInfo] = field(default_factory=list)
    #: More text for the summary (the DECP figures).
    sections: list[str] = field(default_factory=list)
    #: The names of the contracts' organisations (read from the store, or changed by an
    #: update's difference), for search; None until known.
    organisation_names: list[ox.Triple] | None = None
    #: With ``update``: the store's distinct subjects and objects, kept up to date.
    distinct: Distinct | None = None

    def step(self, name: str | None = None) -> None:
        """Close the current step and name the next one."""
        self.steps.update()
        if name:
            self.steps.set_postfix_str(name)

    def write(self) -> str:
        """Write every file of the build and return its summary."""
        options, stage = self.options, self.timings.stage
        with stage("graph dumps"):
            parts = self.write_graph()
        decp = None
        if options.decp_files:
            with stage("contracts to N-Triples" + (" (the new month)" if self.previous else "")):
                decp = self.write_contracts()
        load = [GRAPH_DUMPS[0]] + ([CONTRACTS_DUMP] if decp else []) + [p.name for p in parts]
        stats, indicators, contract_dates = self.write_store(load, decp)
        self.published += parts

        with stage("describing (VoID, report, search index, catalogue)"):
            infos = list(self.published) + describe.write_descriptions(describe.BuildFacts(
                self.folder, options, self.curated.created, stats, self.curated.report,
                self.curated.triples, indicators, self.published, contract_dates,
                self.organisation_names or [], self.reports))
        infos += self.reports
        self.step()

        summary = describe.summary_text(self.build_id, options, self.curated.created, stats,
                                        self.curated.report, self.curated.import_problems,
                                        self.curated.new_nodes, infos,
                                        [*self.sections, self.timings.text()])
        describe.write_summary(self.folder, summary)
        describe.write_manifest(self.folder, self.build_id, options, self.curated.created,
                                stats.triples, load, "store" if with_store(options) else None,
                                infos)
        self.step()
        return summary

    def write_graph(self) -> list[FileInfo]:
        """Write the graph's dumps and copy the extra parts; return the parts."""
        self.steps.set_postfix_str("writing dumps")
        triples = self.curated.triples
        graph_dump = self.folder / GRAPH_DUMPS[0]
        dumps.write_dump(triples, graph_dump)  # re-parsed when loaded into the store
        self.published.append(files.file_info(graph_dump, len(triples)))
        self.published += [files.write_checked(triples, self.folder / name)
                           for name in GRAPH_DUMPS[1:]]
        parts = [files.copy_part(Path(p), self.folder) for p in self.options.extra_parts]
        self.step("contracts" if self.options.decp_files else "describing")
        return parts

    def write_contracts(self) -> DecpResult:
        """Map the DECP files to the contract dump, its quarantine report and its table."""
        options = self.options
        new = options.decp_files[-1:] if self.previous else options.decp_files
        decp = contracts.build_contracts(
            list(new), self.folder / CONTRACTS_DUMP, options.base,
            contracts.organisation_lookup(self.curated.mapped.graph), strict=options.strict,
            sample_rate=options.sample_rate, progress=not options.quiet,
            sirene_files=tuple(options.sirene_files), context=context_of(options),
            previous=self.previous)
        self.published.append(files.file_info(decp.out_path, decp.triples))
        self.reports.append(files.file_info(decp.rejected_path, None))
        self.reports.append(files.file_info(decp.table_path, None))
        self.sections.append(decp.summary().replace(f"{self.folder}/", ""))  # names only
        self.step("indicators")
        return decp

    def write_store(self, load: list[str], decp: DecpResult | None
                    ) -> tuple[GraphStats, list[ox.Triple], tuple[str, str] | None]:
        """Fill the store (on disk or in memory) and return what describing needs of it."""
        stored = with_store(self.options)
        path = self.folder / "store"
        with self.timings.stage("store (load, check)"):
            if self.previous and stored and decp:
                store = self.updated_store(path, decp)
            else:
                store = ox.Store(str(path)) if stored else ox.Store()
                self.load_dumps(store, load, decp)
        stats, indicators, contract_dates = self.fill(store, load, decp)
        if stored:
            with self.timings.stage("store (optimise)"):
                store.flush()
                if not self.previous:  # an update's store is read as well without it
                    store.optimize()
        del store
        return stats, indicators, contract_dates

    def load_dumps(self, store: ox.Store, load: list[str], decp: DecpResult | None) -> None:
        """Load the dumps into an empty ``store``: each one's strict re-parse, counted.

        Loading ``graph.nt.gz`` is its strict re-parse: the store must then hold exactly
        the graph's triples.  With contracts, their dump goes first, so its re-parse can be
        counted on its own, and the graph dump is re-parsed apart.
        """
        graph_triples = len(self.curated.triples)
        if decp:
            contracts.load_contracts(store, decp)
            files.check(self.folder / GRAPH_DUMPS[0], graph_triples)
        for name in load:
            if name == CONTRACTS_DUMP:
                continue
            files.load(store, self.folder / name)
            if name == GRAPH_DUMPS[0] and not decp and len(store) != graph_triples:
                raise InvalidData([Problem(
                    f"re-parsed {len(store)} distinct triples, expected {graph_triples}",
                    f"{len(store)} triplets distincts relus, {graph_triples} attendus",
                    file=name)])

    def updated_store(self, path: Path, decp: DecpResult) -> ox.Store:
        """Copy the released build's store and change it into this build's, without indicators.

        The released store holds its graph, its contracts (DECP part, then Sirene part) and
        its indicators.  Its indicators and the lines of its Sirene part that this build no
        longer writes (nor the graph, nor the new month) go; the new month's part and the
        lines of the new Sirene part it did not have come in, re-parsed strictly on the way.
        """
        state, previous = self.previous
        ox.Store.read_only(str(previous / "store")).backup(str(path))
        store = ox.Store(str(path))
        self.distinct = distinct = Distinct.of_void(store, previous / "void.ttl",
                                                    self.options.base)
        files.check(self.folder / GRAPH_DUMPS[0], len(self.curated.triples))
        new_month = _part_lines(self.folder / CONTRACTS_DUMP, state.graph_end, decp.graph_end)
        new_sirene = _part_lines(self.folder / CONTRACTS_DUMP, decp.graph_end)
        kept = _part_lines(self.folder / GRAPH_DUMPS[0], 0) | new_month | new_sirene
        old_sirene = _part_lines(previous / CONTRACTS_DUMP, state.graph_end)
        gone = (old_sirene | _part_lines(previous / INDICATORS_DUMP, 0)) - kept
        removed = [quad.triple for quad in ox.parse("".join(sorted(gone)).encode("utf-8"),
                                                     format=ox.RdfFormat.N_TRIPLES)
                   if quad in store]
        for triple in removed:
            store.remove(ox.Quad(*triple))
        distinct.removed(removed)
        # The lines of the released Sirene part that this one keeps are in the store still.
        added = "".join(sorted((new_month | new_sirene) - old_sirene)).encode("utf-8")
        try:
            triples = [q.triple for q in ox.parse(added, format=ox.RdfFormat.N_TRIPLES)]
            distinct.adding(triples)
            store.bulk_load(added, format=ox.RdfFormat.N_TRIPLES)
        except SyntaxError as error:
            raise InvalidData([Problem(f"not valid RDF: {error}", f"RDF invalide : {error}",
                                       file=CONTRACTS_DUMP)]) from error
        self.organisation_names = contracts.changed_names(
            store, contracts.read_names(previous / NAMES_NAME), removed, triples)
        return store

    def fill(self, store: ox.Store, load: list[str], decp: DecpResult | None
             ) -> tuple[GraphStats, list[ox.Triple], tuple[str, str] | None]:
        """With contracts, add checked indicators to ``store`` and to the dumps.

        Return the statistics of the whole store, the indicator triples and the contracts'
        first and last dates.
        """
        indicators: list[ox.Triple] = []
        contract_dates = None
        if decp:
            with self.timings.stage("indicators (compute, check, load)"):
                indicators, info, checked = self._indicators(store, decp)
            with self.timings.stage("contracts' dates, names and warnings"):
                contract_dates = (contracts.contract_dates(store) if self.options.extra_parts
                                  else contracts.contract_dates(store, decp.totals, [
                                      *self.curated.triples, *indicators]))
                if self.organisation_names is None:
                    self.organisation_names = contracts.organisation_names(store)
                contracts.write_names(self.organisation_names, self.folder / NAMES_NAME)
                for warning in contracts.predating(store, decp.totals):
                    self.sections.append(warning)
                    print(warning, file=sys.stderr)
            load.insert(load.index(CONTRACTS_DUMP) + 1, INDICATORS_DUMP)
            self.published.append(info)
            self.sections.append(f"DECP: {decp.sample_triples} sampled triples and "
                                 f"{checked} indicator triples checked with the shapes: "
                                 f"no violation (indicators -> {INDICATORS_DUMP}"
                                 + (f"; {len(indicators) - checked} unchanged since the released "
                                    "build, checked then)" if checked < len(indicators) else ")"))
            self.step("describing")
        with self.timings.stage("store statistics"):
            space = f"{self.options.base}id/"
            stats = None
            if decp and not self.options.extra_parts:
                stats = GraphStats.of_parts(store, space, [
                    GraphStats.of(self.curated.triples, space), decp.counts,
                    GraphStats.of(indicators, space)], self.distinct)
            if stats is None:
                stats = GraphStats.of_store(store, space)
        return stats, indicators, contract_dates

    def _indicators(self, store: ox.Store, decp: DecpResult
                    ) -> tuple[list[ox.Triple], FileInfo, int]:
        curated = self.curated
        return contracts.add_indicators(store, self.folder, self.options.base, decp,
                                        curated.mapped, curated.vocabulary, curated.shapes,
                                        self.distinct,
                                        self.previous[1] / INDICATORS_DUMP if self.previous
                                        else None)


def _part_lines(path: Path, start: int, end: int | None = None) -> set[str]:
    """Return the N-Triples lines of the parts of a dump between two byte offsets."""
    with open(path, "rb") as raw:
        raw.seek(start)
        data = raw.read() if end is None else raw.read(end - start)
    if path.name.endswith(".gz"):
        data = gzip.decompress(data) if data else b""
    return set(data.decode("utf-8").splitlines(keepends=True))
