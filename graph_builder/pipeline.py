"""The build: read → reconcile → map → validate → dump → describe → publish atomically.

Curated data and wiki pages are all-or-nothing: one SHACL Violation, one dump that
does not read back, and nothing is published.  DECP contract data is quarantined record
by record: a bad record is written to ``decp-rejected.jsonl`` and left out, the rest is
streamed to ``contracts.nt.gz`` (``--strict`` stops at the first bad record instead).  A
sample of the mapped records and every indicator computed from the contracts are checked
with the shapes: a Violation there is a bug of the builder, not of the input, and stops
the build.  Contracts, indicators and extra N-Triples parts are published beside the
graph, catalogued, listed in ``build.json`` for the endpoint to load, and loaded into the
on-disk store when one is written.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from itertools import chain
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import XSD, URIRef
from tqdm import tqdm

import achat_core
from achat_core.formats import content_of
from achat_core.manifest import FileEntry, Manifest
from achat_core.rdf_files import open_rdf
from achat_core.resources import ONTOLOGY_DIR, SHAPES_DIR
from achat_core.search_index import write_search_index
from graph_builder import dumps, publish
from graph_builder.catalog import DatasetPart, FileInfo, GraphStats, catalog_graph, void_graph
from graph_builder.curated import read_data_dir
from graph_builder.decp import DecpResult, build_contracts, compute_indicators
from graph_builder.errors import InvalidData, Problem
from graph_builder.gate import GateReport, compact, validate_graph
from graph_builder.mapping import map_records
from graph_builder.namespaces import APG
from graph_builder.reconcile import import_pages
from graph_builder.vocabulary import load_shapes, load_vocabulary
from graph_builder.wiki import read_wiki_dir

#: The published dumps of the whole graph, in the order the endpoint loads them.
#: The code whose changes change the output (part of the build id).
CODE_DIR = Path(__file__).resolve().parent
CORE_DIR = Path(achat_core.__file__).resolve().parent
GRAPH_DUMPS = ("graph.nt.gz", "graph.ttl", "graph.jsonld")
#: Dates that say when a fact was stated or checked (used for ``created``), not in-force dates.
UNDATED = {str(APG.inForceFrom), str(APG.inForceUntil), str(APG.readOn)}
PERIOD_STARTS = {str(APG.periodStart), str(APG.observationDate)}
PERIOD_ENDS = {str(APG.periodEnd), str(APG.observationDate)}
_XSD_DATE = ox.NamedNode(str(XSD.date))
#: What a DECP build publishes beside the quarantine report (REJECTED_NAME).
CONTRACTS_DUMP = "contracts.nt.gz"
INDICATORS_DUMP = "indicators.nt.gz"
#: The source cited by indicators computed from DECP: the ``$id`` the DECP v2 JSON schema
#: (``schema_decp_v2.0.3.json``) declares for itself.
DECP_SOURCE = ("https://raw.githubusercontent.com/139bercy/format-commande-publique/master/"
               "marches.json")


class UnsupportedInput(OSError):
    """An input this build cannot read yet."""


@dataclass(frozen=True)
class BuildOptions:
    """What to build, from where, and where to publish it."""

    data_dir: Path
    wiki_dir: Path | None = None
    decp_files: tuple[Path, ...] = ()
    sirene_files: tuple[Path, ...] = ()  # INSEE Sirene stock files, joined to the DECP ones
    out_dir: Path = Path("dist")
    base: str = "https://w3id.org/achat-public/"
    with_store: bool | None = None
    strict: bool = False
    sample_rate: float = 0.01
    quiet: bool = False
    created: str | None = None  # YYYY-MM-DD; else SOURCE_DATE_EPOCH; else the inputs' latest date
    extra_parts: tuple[Path, ...] = ()  # N-Triples files (.nt or .nt.gz) published beside the graph


def _check_inputs(options: BuildOptions) -> None:
    if not options.base.startswith(("http://", "https://")) or not options.base.endswith("/"):
        raise UnsupportedInput(f"--base {options.base!r}: expected an absolute http(s) IRI "
                               "ending with '/'")
    try:
        ox.NamedNode(f"{options.base}id/x")
    except ValueError as error:
        raise UnsupportedInput(f"--base {options.base!r}: not a valid IRI ({error})") from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and not epoch.isdigit():
        raise UnsupportedInput(f"SOURCE_DATE_EPOCH={epoch!r}: expected a number of seconds")
    folders = [("--data", options.data_dir)]
    if options.wiki_dir is not None:
        folders.append(("--wiki", options.wiki_dir))
    for option, folder in folders:
        if not Path(folder).is_dir():
            raise FileNotFoundError(f"{option} {folder}: no such folder")
    if options.sirene_files and not options.decp_files:
        raise UnsupportedInput("--sirene needs --decp: the register is read for the "
                               "organisations of the contracts")
    for option, paths in (("--decp", options.decp_files), ("--sirene", options.sirene_files),
                          ("extra part", options.extra_parts)):
        for path in paths:
            if not Path(path).is_file():
                raise FileNotFoundError(f"{option} {path}: no such file")
    if not 0 <= options.sample_rate <= 1:
        raise UnsupportedInput(f"--sample-rate {options.sample_rate}: expected a share "
                               "between 0 and 1")


def _input_files(options: BuildOptions) -> list[Path]:
    roots = [options.data_dir, ONTOLOGY_DIR, SHAPES_DIR, CODE_DIR, CORE_DIR]
    if options.wiki_dir is not None:
        roots.append(options.wiki_dir)
    # The core's assets are the ontology and shapes already listed (or data not used).
    files = [p for root in roots for p in sorted(Path(root).rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts and "assets" not in p.parts]
    return files + [Path(p) for p in (*options.decp_files, *options.sirene_files,
                                      *options.extra_parts)]


def _with_store(options: BuildOptions) -> bool:
    """Say whether to write an on-disk store: as asked, else when there is more than the graph."""
    if options.with_store is not None:
        return options.with_store
    return bool(options.extra_parts or options.decp_files)


def build_id_of(options: BuildOptions) -> str:
    """Return a short hash of the inputs, the options that change the output and the version."""
    digest = hashlib.sha256()
    try:
        version = metadata.version("achat-public-graph")
    except metadata.PackageNotFoundError:
        version = "unknown"
    settings = [version, options.base, options.created or "",
                os.environ.get("SOURCE_DATE_EPOCH", ""), repr(options.sample_rate),
                str(options.strict), str(_with_store(options))]
    digest.update("\n".join(settings).encode() + b"\n")
    for path in _input_files(options):
        digest.update(path.name.encode() + b"\0")
        with open(path, "rb") as stream:
            digest.update(hashlib.file_digest(stream, "sha256").digest())
    return digest.hexdigest()[:16]


def _dates(triples: Iterable[ox.Triple], predicates: set[str] | None = None,
           excluded: set[str] = frozenset()) -> list[str]:
    found = []
    for _, predicate, obj in triples:
        if (isinstance(obj, ox.Literal) and obj.datatype == _XSD_DATE
                and (predicates is None or predicate.value in predicates)
                and predicate.value not in excluded):
            found.append(obj.value)
    return found


def _read_on(options: BuildOptions) -> dt.date:
    """Return the day the wiki pages count as read: the build's set date, else today."""
    if options.created:
        return dt.date.fromisoformat(options.created)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.datetime.now(dt.UTC).date()


def created_date(options: BuildOptions, data: Iterable[ox.Triple]) -> str:
    """Return the build's date: the option, SOURCE_DATE_EPOCH, or the data's latest date."""
    if options.created:
        return dt.date.fromisoformat(options.created).isoformat()
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
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


def contract_dates(store: ox.Store) -> tuple[str, str] | None:
    """Return the first and last conclusion dates of the contracts in ``store``, if any."""
    rows = list(store.query(
        "SELECT (MIN(?d) AS ?first) (MAX(?d) AS ?last) WHERE { ?c "
        "<http://data.europa.eu/a4g/ontology#hasContractConclusionDate> ?d }"))
    if not rows or rows[0]["first"] is None:
        return None
    return rows[0]["first"].value, rows[0]["last"].value


def _span(*periods: tuple[str, str] | None) -> tuple[str, str] | None:
    """Return the period that covers all the given ones (None when none is known)."""
    known = [p for p in periods if p is not None]
    if not known:
        return None
    return min(p[0] for p in known), max(p[1] for p in known)


def _read(options: BuildOptions) -> tuple[list, list[str], list[Problem]]:
    records = read_data_dir(Path(options.data_dir))
    if options.wiki_dir is None:
        return records, [], []
    result = import_pages(read_wiki_dir(Path(options.wiki_dir)), records, _read_on(options))
    return result.records, list(result.new_nodes), list(result.problems)


def _term_problems(graphs: Iterable[rdflib.Graph], origins: dict) -> list[Problem]:
    """Name every triple whose terms are not valid RDF (an invalid IRI, a bad language tag)."""
    problems = []
    for triple in sorted((t for graph in graphs for t in graph), key=str):
        try:
            dumps.to_oxigraph(triple)
        except dumps.DumpError as error:
            record = origins.get(triple[0])
            problems.append(Problem(
                str(error), f"terme RDF invalide : {error}",
                getattr(record, "file", None), getattr(record, "line", None),
                getattr(record, "ref", None) or compact(triple[0]), compact(triple[1])))
    return problems


def _file_info(path: Path, triples: int | None) -> FileInfo:
    """Describe a published file; its media type is its content's, from the format table."""
    with open(path, "rb") as stream:
        sha256 = hashlib.file_digest(stream, "sha256").hexdigest()
    return FileInfo(path.name, path.stat().st_size, sha256, content_of(path.name).media_type,
                    triples, compressed=path.name.endswith(".gz"))


def _write_checked(triples: list[ox.Triple], path: Path) -> FileInfo:
    dumps.write_dump(triples, path)
    _check(path, len(triples))
    return _file_info(path, len(triples))


def _check(path: Path, expected: int) -> None:
    """Re-parse a written dump strictly; refuse it unless it holds ``expected`` triples."""
    try:
        dumps.check_dump(path, expected)
    except dumps.DumpError as error:
        raise InvalidData([Problem(str(error), f"relecture stricte refusée : {error}",
                                   file=path.name)]) from error


def _copy_part(source: Path, folder: Path) -> FileInfo:
    target = folder / source.name
    shutil.copyfile(source, target)
    try:
        count = dumps.strict_count(target)
    except dumps.DumpError as error:
        raise InvalidData([Problem(str(error), f"relecture stricte refusée : {error}",
                                   file=str(source))]) from error
    return _file_info(target, count)


def _load(store: ox.Store, path: Path) -> None:
    """Load a published dump into ``store``, strictly; name the file if it does not parse."""
    try:
        with open_rdf(path) as stream:
            store.bulk_load(input=stream, format=dumps.format_of(path))
    except (SyntaxError, EOFError, gzip.BadGzipFile) as error:
        raise InvalidData([Problem(f"not valid RDF: {error}", f"RDF invalide : {error}",
                                   file=path.name)]) from error


def organisation_lookup(graph: rdflib.Graph) -> dict[str, str]:
    """Return each curated SIREN and SIRET → the IRI of its organisation."""
    lookup = {}
    for predicate in (APG.siren, APG.siret):
        for organisation, number in graph.subject_objects(predicate):
            lookup[str(number)] = str(organisation)
    return lookup


def _map_contracts(folder: Path, options: BuildOptions, mapped) -> DecpResult:
    return build_contracts(list(options.decp_files), folder / CONTRACTS_DUMP, options.base,
                           organisation_lookup(mapped.graph), strict=options.strict,
                           sample_rate=options.sample_rate, progress=not options.quiet,
                           sirene_files=tuple(options.sirene_files))


def _check_contracts(store: ox.Store, result: DecpResult) -> None:
    """Check the freshly loaded contract dump holds every line the mapper wrote, once."""
    found = len(store)
    if found != result.triples:
        raise InvalidData([Problem(
            f"re-parsed {found} distinct triples, the mapper wrote {result.triples}",
            f"{found} triplets distincts relus, {result.triples} écrits", file=CONTRACTS_DUMP)])


def _builder_checks(mapped, result: DecpResult, indicators: list[ox.Triple], vocabulary,
                    shapes) -> None:
    """Validate the sample of contracts and the indicators with the curated graph around them.

    The input was already checked record by record, so a Violation here is a builder bug.
    """
    data = rdflib.Graph()
    for graph in (mapped.graph, result.sample):
        for triple in graph:
            data.add(triple)
    data.parse(data=dumps.ntriples_bytes(indicators), format="nt")
    report = validate_graph(data, shapes, vocabulary, mapped.origins)
    if report.conforms:
        return
    problems = []
    for p in report.violations:
        dump = INDICATORS_DUMP if "indicator/" in (p.record or "") else CONTRACTS_DUMP
        problems.append(Problem(
            f"the builder wrote data that breaks a shape (a bug of the builder, not of the "
            f"input: please report it): {p.message}",
            f"le programme a écrit des données qui enfreignent une forme (un bogue du "
            f"programme, pas des données) : {p.message_fr or p.message}",
            p.file or dump, p.line, p.record, p.field))
    raise InvalidData(problems)


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


def build_and_publish(options: BuildOptions) -> str:
    """Build, validate and publish the graph to ``options.out_dir``; return the summary."""
    _check_inputs(options)
    out = Path(options.out_dir)
    publish.check_target(out)
    total = 9 if options.decp_files else 7
    steps = tqdm(total=total, desc="build", unit="step", disable=options.quiet, file=sys.stderr)
    with steps:
        steps.set_postfix_str("reading")
        records, new_nodes, import_problems = _read(options)
        steps.update()

        steps.set_postfix_str("mapping")
        mapped = map_records(records, options.base)
        del records  # the origins keep the records they need
        vocabulary = load_vocabulary()
        shapes = load_shapes()
        steps.update()

        steps.set_postfix_str("validating")
        report = _validate(mapped, vocabulary, shapes, options.quiet)
        if not report.conforms:
            raise InvalidData(report.violations)
        triples, created = _graph_triples(options, mapped, vocabulary)
        if not options.decp_files:
            mapped = None  # only contracts need the mapped graph again: free it
        steps.update()

        build_id = build_id_of(options)
        folder = publish.start(out, build_id)
        try:
            built = _Build(folder, options, build_id, created, mapped, vocabulary, shapes,
                           steps)
            summary = built.write(triples, report, import_problems, new_nodes)
            steps.set_postfix_str("publishing")
            publish.finish(out, folder, build_id)
            steps.update()
        except BaseException:
            publish.discard(folder)
            raise
    return summary


def _graph_triples(options: BuildOptions, mapped,
                   vocabulary: rdflib.Graph) -> tuple[list[ox.Triple], str]:
    """Return the sorted triples of vocabulary and data, and the build's date.

    Each graph is converted to pyoxigraph once; every term is checked on the way.
    """
    try:
        data = dumps.oxigraph_triples(mapped.graph)
        words = dumps.oxigraph_triples(vocabulary)
    except dumps.DumpError as error:
        raise InvalidData(_term_problems((vocabulary, mapped.graph), mapped.origins)
                          or [Problem(str(error), file="graph")]) from error
    created = created_date(options, data)
    if dumps.has_blank_nodes(data) or dumps.has_blank_nodes(words):
        return dumps.canonical_triples(vocabulary, mapped.graph), created
    return dumps.sort_triples(chain(words, data)), created


def _validate(mapped, vocabulary, shapes, quiet: bool) -> GateReport:
    if quiet:  # counting the subjects for the bar is a pass over the whole graph
        return validate_graph(mapped.graph, shapes, vocabulary, mapped.origins)
    subjects = len(set(mapped.graph.subjects()))
    with tqdm(total=subjects, desc="validate", unit="node", disable=subjects < 5000,
              file=sys.stderr) as bar:
        return validate_graph(mapped.graph, shapes, vocabulary, mapped.origins,
                              progress=bar.update)


@dataclass
class _Build:
    """One build folder being written: dumps, contracts, store, descriptions, manifest."""

    folder: Path
    options: BuildOptions
    build_id: str
    created: str
    mapped: object  # the mapped curated graph, kept only for contracts
    vocabulary: rdflib.Graph
    shapes: tuple[rdflib.Graph, rdflib.Graph]
    steps: tqdm
    #: The first and last conclusion dates of the contracts, once loaded.
    contract_dates: tuple[str, str] | None = None

    def step(self, name: str | None = None) -> None:
        """Close the current step and name the next one."""
        self.steps.update()
        if name:
            self.steps.set_postfix_str(name)

    def fill(self, store: ox.Store, load: list[str], decp: DecpResult | None,
             graph_triples: int) -> tuple[GraphStats, list[ox.Triple], FileInfo | None]:
        """Load the dumps into ``store``; with contracts, add checked indicators to both.

        Loading ``graph.nt.gz`` is its strict re-parse: the store must then hold exactly
        ``graph_triples``.  With contracts, their dump goes first, so its re-parse can be
        counted on its own, and the graph dump is re-parsed apart.  Return the statistics
        of the whole store, the indicator triples and their dump.
        """
        indicators: list[ox.Triple] = []
        info = None
        if decp:
            _load(store, decp.out_path)
            _check_contracts(store, decp)
            _check(self.folder / GRAPH_DUMPS[0], graph_triples)
        for name in load:
            if name == CONTRACTS_DUMP:
                continue
            _load(store, self.folder / name)
            if name == GRAPH_DUMPS[0] and not decp and len(store) != graph_triples:
                raise InvalidData([Problem(
                    f"re-parsed {len(store)} distinct triples, expected {graph_triples}",
                    f"{len(store)} triplets distincts relus, {graph_triples} attendus",
                    file=name)])
        if decp:
            self.contract_dates = contract_dates(store)
            indicators = compute_indicators(store, self.options.base, source=DECP_SOURCE)
            _builder_checks(self.mapped, decp, indicators, self.vocabulary, self.shapes)
            info = _write_checked(indicators, self.folder / INDICATORS_DUMP)
            load.insert(load.index(CONTRACTS_DUMP) + 1, INDICATORS_DUMP)
            _load(store, self.folder / INDICATORS_DUMP)
            self.step("describing")
        return GraphStats.of_store(store, f"{self.options.base}id/"), indicators, info

    def write(self, triples: list[ox.Triple], report: GateReport,
              import_problems: list[Problem], new_nodes: list[str]) -> str:
        """Write every file of the build and return its summary."""
        folder, options = self.folder, self.options
        self.steps.set_postfix_str("writing dumps")
        graph_dump = folder / GRAPH_DUMPS[0]
        dumps.write_dump(triples, graph_dump)  # re-parsed when loaded into the store
        published = [_file_info(graph_dump, len(triples))]
        published += [_write_checked(triples, folder / name) for name in GRAPH_DUMPS[1:]]
        parts = [_copy_part(Path(p), folder) for p in options.extra_parts]
        self.step("contracts" if options.decp_files else "describing")

        decp, reports, sections = None, [], []
        if options.decp_files:
            decp = _map_contracts(folder, options, self.mapped)
            published.append(_file_info(decp.out_path, decp.triples))
            reports.append(_file_info(decp.rejected_path, None))
            reports.append(_file_info(decp.table_path, None))
            sections.append(decp.summary().replace(f"{folder}/", ""))  # names only
            self.step("indicators")
        load = [GRAPH_DUMPS[0]] + ([CONTRACTS_DUMP] if decp else []) + [p.name for p in parts]
        with_store = _with_store(options)
        store = ox.Store(str(folder / "store")) if with_store else ox.Store()
        stats, indicators, info = self.fill(store, load, decp, len(triples))
        if info:
            published.append(info)
            sections.append(f"DECP: {len(decp.sample)} sampled triples and "
                            f"{len(indicators)} indicator triples checked with the shapes: "
                            f"no violation (indicators -> {INDICATORS_DUMP})")
        if with_store:
            store.flush()
            store.optimize()
        del store
        published += parts

        infos = list(published)
        described = [
            ("void.ttl", void_graph(options.base, stats, [f.name for f in published],
                                    self.created)),
            ("validation-report.ttl", report.graph(options.base)),
        ]
        for name, graph in described:
            infos.append(_write_checked(dumps.canonical_triples(graph), folder / name))
        write_search_index(triples, folder / "search-index.json")
        infos.append(_file_info(folder / "search-index.json", None))
        knowledge = [f for f in published if f.name not in (CONTRACTS_DUMP, INDICATORS_DUMP)]
        contracts = [f for f in published if f.name in (CONTRACTS_DUMP, INDICATORS_DUMP)]
        catalog_parts = [DatasetPart("knowledge", tuple(knowledge), temporal_coverage(triples))]
        if contracts:
            catalog_parts.append(DatasetPart("contracts", tuple(contracts),
                                             _span(self.contract_dates,
                                                   temporal_coverage(indicators))))
        catalog = catalog_graph(options.base, catalog_parts, self.created)
        infos.append(_write_checked(dumps.canonical_triples(catalog), folder / "catalog.ttl"))
        infos += reports
        self.step()

        summary = summary_text(self.build_id, options, self.created, stats, report,
                               import_problems, new_nodes, infos, sections)
        (folder / "summary.txt").write_text(summary, encoding="utf-8")
        infos.append(_file_info(folder / "summary.txt", None))
        Manifest(
            build_id=self.build_id, base=options.base, created=self.created,
            triples=stats.triples, load=tuple(load), store="store" if with_store else None,
            files={f.name: FileEntry(f.bytes, f.sha256, f.media_type, f.triples)
                   for f in sorted(infos, key=lambda f: f.name)},
        ).write(folder)
        self.step()
        return summary
