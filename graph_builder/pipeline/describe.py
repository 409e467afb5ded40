"""Stage 3: describe a build: its date, the periods its data cover, VoID, the validation
report, the search index, the DCAT-AP catalogue (last, once every file it lists is final),
the readable summary and the manifest the endpoint loads (``build.json``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import pyoxigraph as ox
from rdflib import XSD, URIRef

from achat_core.manifest import FileEntry, Manifest
from achat_core.search_index import write_search_index
from graph_builder.errors import Problem
from graph_builder.namespaces import APG
from graph_builder.output import dumps
from graph_builder.output.catalog import (
    DatasetPart,
    FileInfo,
    GraphStats,
    catalog_graph,
    void_graph,
)
from graph_builder.pipeline import files
from graph_builder.pipeline.contracts import CONTRACTS_DUMP, INDICATORS_DUMP
from graph_builder.pipeline.options import BuildOptions, set_day
from graph_builder.shacl.gate import GateReport, compact

#: In-force dates say when a rule holds, not when the data was stated, checked or read: they
#: never date a build.  ``readOn`` does, so a catalogue is never older than what it read.
UNDATED = {str(APG.inForceFrom), str(APG.inForceUntil)}
PERIOD_STARTS = {str(APG.periodStart), str(APG.observationDate)}
PERIOD_ENDS = {str(APG.periodEnd), str(APG.observationDate)}
_XSD_DATE = ox.NamedNode(str(XSD.date))


def _dates(triples: Iterable[ox.Triple], predicates: set[str] | None = None,
           excluded: set[str] = frozenset()) -> list[str]:
    found = []
    for _, predicate, obj in triples:
        if (isinstance(obj, ox.Literal) and obj.datatype == _XSD_DATE
                and (predicates is None or predicate.value in predicates)
                and predicate.value not in excluded):
            found.append(obj.value)
    return found


def created_date(options: BuildOptions, data: Iterable[ox.Triple]) -> str:
    """Return the build's one date: the option, SOURCE_DATE_EPOCH, or the data's latest date.

    The catalogue's issued and modified, VoID's modified and ``build.json``'s created all
    take it; with a set day the wiki's pages are read on it too (``pipeline.curated``).
    """
    day = set_day(options)
    if day is not None:
        return day.isoformat()
    dates = _dates(data, excluded=UNDATED)
    return max(dates) if dates else "1970-01-01"


def temporal_coverage(data: Iterable[ox.Triple]) -> tuple[str, str] | None:
    """Return the (start, end) dates the data's figures cover, if any."""
    periods = PERIOD_STARTS | PERIOD_ENDS
    dated = [t for t in data if t.predicate.value in periods]
    starts, ends = _dates(dated, PERIOD_STARTS), _dates(dated, PERIOD_ENDS)
    if not starts or not ends:
        return None
    return min(starts), max(ends)


def _span(*periods: tuple[str, str] | None) -> tuple[str, str] | None:
    """Return the period that covers all the given ones (None when none is known)."""
    known = [p for p in periods if p is not None]
    if not known:
        return None
    return min(p[0] for p in known), max(p[1] for p in known)


@dataclass
class BuildFacts:
    """What the description of a build needs from the stages before it."""

    folder: Path
    options: BuildOptions
    created: str
    stats: GraphStats
    report: GateReport
    #: The graph's triples (vocabulary and curated data) and the indicators' triples.
    triples: list[ox.Triple]
    indicators: list[ox.Triple]
    #: The published dumps, in the order they are listed.
    published: list[FileInfo]
    #: The first and last conclusion dates of the contracts, when there are contracts.
    contract_dates: tuple[str, str] | None = None
    #: The names of the contracts' organisations, searchable beside the curated things.
    organisation_names: list[ox.Triple] = field(default_factory=list)
    #: The contracts' other published files: the quarantine report and the table.
    reports: list[FileInfo] = field(default_factory=list)


def write_descriptions(built: BuildFacts) -> list[FileInfo]:
    """Write VoID, the validation report, the search index and the catalogue; list them."""
    folder, options = built.folder, built.options
    infos = []
    described = [
        ("void.ttl", void_graph(options.base, built.stats, [f.name for f in built.published],
                                built.created)),
        ("validation-report.ttl", built.report.graph(options.base)),
    ]
    for name, graph in described:
        infos.append(files.write_checked(dumps.canonical_triples(graph), folder / name))
    write_search_index(chain(built.triples, built.organisation_names),
                       folder / "search-index.json")
    infos.append(files.file_info(folder / "search-index.json", None))
    catalog = catalog_graph(options.base, _catalog_parts(built, infos), built.created)
    infos.append(files.write_checked(dumps.canonical_triples(catalog), folder / "catalog.ttl"))
    return infos


def _catalog_parts(built: BuildFacts, described: list[FileInfo]) -> list[DatasetPart]:
    """Split every published file but the catalogue itself into the catalogue's datasets:
    knowledge (its dumps, VoID, the validation report, the search index), then contracts
    (their dumps, table and quarantine report)."""
    contract_dumps = (CONTRACTS_DUMP, INDICATORS_DUMP)
    knowledge = [f for f in built.published if f.name not in contract_dumps] + described
    contracts = [f for f in built.published if f.name in contract_dumps] + built.reports
    parts = [DatasetPart("knowledge", tuple(knowledge), temporal_coverage(built.triples))]
    if contracts:
        parts.append(DatasetPart("contracts", tuple(contracts),
                                 _span(built.contract_dates, temporal_coverage(built.indicators))))
    return parts


def summary_text(build_id: str, options: BuildOptions, created: str, stats: GraphStats,
                 report: GateReport, import_problems: list[Problem], new_nodes: list[str],
                 files: list[FileInfo], sections: Iterable[str] = ()) -> str:
    """Return the readable summary of a build (``sections``: more text, e.g. the DECP summary)."""
    lines = [f"Build {build_id} — base {options.base} — created {created}",
             f"{stats.triples} triples, {stats.entities} things under {options.base}id/", "",
             "Things per class:"]
    for cls, count in sorted(stats.classes.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"  {count:>7}  {compact(URIRef(cls))}")
    for section in sections:
        lines += ["", section]
    warnings = import_problems + report.warnings
    lines += ["", f"Warnings ({len(warnings)}):"] + [f"  {w}" for w in warnings]
    lines += ["", f"New nodes from the wiki ({len(new_nodes)}):"] + [f"  {n}" for n in new_nodes]
    lines += ["", "Files:"] + [f"  {f.bytes:>10}  {f.name}" for f in files]
    return "\n".join(lines) + "\n"


def write_summary(folder: Path, summary: str) -> None:
    """Write the summary beside the other files.

    It ends with this run's stage timings, so it is not listed in the manifest: the
    manifest, like every dump, is the same for the same inputs.
    """
    (folder / "summary.txt").write_text(summary, encoding="utf-8")


def write_manifest(folder: Path, build_id: str, options: BuildOptions, created: str,
                   triples: int, load: list[str], store: str | None,
                   infos: list[FileInfo]) -> None:
    """Write ``build.json``: what the endpoint loads, in order, and every file's checksum."""
    Manifest(
        build_id=build_id, base=options.base, created=created,
        triples=triples, load=tuple(load), store=store,
        files={f.name: FileEntry(f.bytes, f.sha256, f.media_type, f.triples)
               for f in sorted(infos, key=lambda f: f.name)},
    ).write(folder)
