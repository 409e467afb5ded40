"""The entry of a build: the stages in order, in a fresh folder released atomically.

``build_and_release`` runs :mod:`~graph_builder.pipeline.curated` (read, map, gate), writes
the graph's dumps, runs :mod:`~graph_builder.pipeline.contracts` when there are DECP files,
loads everything into the store (the strict re-parse of each dump), then
:mod:`~graph_builder.pipeline.describe`, and switches ``out`` to the new folder
(:mod:`graph_builder.output.release`).  A failure at any step leaves ``out`` as it was.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from tqdm import tqdm

from graph_builder.errors import InvalidData, Problem
from graph_builder.output import dumps, release
from graph_builder.output.catalog import FileInfo, GraphStats
from graph_builder.pipeline import contracts, describe, files
from graph_builder.pipeline.contracts import CONTRACTS_DUMP, INDICATORS_DUMP, DecpResult
from graph_builder.pipeline.curated import CuratedGraph, curated_graph
from graph_builder.pipeline.options import BuildOptions, build_id_of, check_inputs, with_store

#: The published dumps of the whole graph, in the order the endpoint loads them.
GRAPH_DUMPS = ("graph.nt.gz", "graph.ttl", "graph.jsonld")


def build_and_release(options: BuildOptions) -> str:
    """Build, validate and release the graph to ``options.out_dir``; return the summary."""
    check_inputs(options)
    out = Path(options.out_dir)
    release.check_target(out)
    total = 9 if options.decp_files else 7
    steps = tqdm(total=total, desc="build", unit="step", disable=options.quiet, file=sys.stderr)
    with steps:
        curated = curated_graph(options, steps)
        build_id = build_id_of(options)
        folder = release.start(out, build_id)
        try:
            summary = _Build(folder, options, build_id, curated, steps).write()
            steps.set_postfix_str("releasing")
            release.finish(out, folder, build_id)
            steps.update()
        except BaseException:
            release.discard(folder)
            raise
    return summary


@dataclass
class _Build:
    """One build folder being written: dumps, contracts, store, descriptions, manifest."""

    folder: Path
    options: BuildOptions
    build_id: str
    curated: CuratedGraph
    steps: tqdm
    #: The published dumps, in the order they are listed.
    published: list[FileInfo] = field(default_factory=list)
    #: Reports beside the dumps (quarantine, contract table), described but not RDF.
    reports: list[FileInfo] = field(default_factory=list)
    #: More text for the summary (the DECP figures).
    sections: list[str] = field(default_factory=list)
    #: The names of the contracts' organisations (read from the store), for search.
    organisation_names: list[ox.Triple] = field(default_factory=list)

    def step(self, name: str | None = None) -> None:
        """Close the current step and name the next one."""
        self.steps.update()
        if name:
            self.steps.set_postfix_str(name)

    def write(self) -> str:
        """Write every file of the build and return its summary."""
        options = self.options
        parts = self.write_graph()
        decp = self.write_contracts() if options.decp_files else None
        load = [GRAPH_DUMPS[0]] + ([CONTRACTS_DUMP] if decp else []) + [p.name for p in parts]
        stats, indicators, contract_dates = self.write_store(load, decp)
        self.published += parts

        infos = list(self.published) + describe.write_descriptions(describe.BuildFacts(
            self.folder, options, self.curated.created, stats, self.curated.report,
            self.curated.triples, indicators, self.published, contract_dates,
            self.organisation_names))
        infos += self.reports
        self.step()

        summary = describe.summary_text(self.build_id, options, self.curated.created, stats,
                                        self.curated.report, self.curated.import_problems,
                                        self.curated.new_nodes, infos, self.sections)
        infos = describe.write_summary(self.folder, summary, infos)
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
        decp = contracts.build_contracts(
            list(options.decp_files), self.folder / CONTRACTS_DUMP, options.base,
            contracts.organisation_lookup(self.curated.mapped.graph), strict=options.strict,
            sample_rate=options.sample_rate, progress=not options.quiet,
            sirene_files=tuple(options.sirene_files))
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
        store = ox.Store(str(self.folder / "store")) if stored else ox.Store()
        stats, indicators, contract_dates = self.fill(store, load, decp)
        if stored:
            store.flush()
            store.optimize()
        del store
        return stats, indicators, contract_dates

    def fill(self, store: ox.Store, load: list[str], decp: DecpResult | None
             ) -> tuple[GraphStats, list[ox.Triple], tuple[str, str] | None]:
        """Load the dumps into ``store``; with contracts, add checked indicators to both.

        Loading ``graph.nt.gz`` is its strict re-parse: the store must then hold exactly
        the graph's triples.  With contracts, their dump goes first, so its re-parse can be
        counted on its own, and the graph dump is re-parsed apart.  Return the statistics
        of the whole store, the indicator triples and the contracts' first and last dates.
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
        indicators: list[ox.Triple] = []
        contract_dates = None
        if decp:
            contract_dates = contracts.contract_dates(store)
            self.organisation_names = contracts.organisation_names(store)
            for warning in contracts.predating(store):
                self.sections.append(warning)
                print(warning, file=sys.stderr)
            curated = self.curated
            indicators, info = contracts.add_indicators(
                store, self.folder, self.options.base, decp, curated.mapped,
                curated.vocabulary, curated.shapes)
            load.insert(load.index(CONTRACTS_DUMP) + 1, INDICATORS_DUMP)
            self.published.append(info)
            self.sections.append(f"DECP: {len(decp.sample)} sampled triples and "
                                 f"{len(indicators)} indicator triples checked with the shapes: "
                                 f"no violation (indicators -> {INDICATORS_DUMP})")
            self.step("describing")
        return GraphStats.of_store(store, f"{self.options.base}id/"), indicators, contract_dates
