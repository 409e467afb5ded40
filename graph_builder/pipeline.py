"""The build: read → reconcile → map → validate → dump → describe → publish atomically.

Curated data and wiki pages are all-or-nothing: one SHACL Violation, one dump that
does not read back, and nothing is published.  Extra N-Triples parts (the seam for
bulk sources such as DECP) are published beside the graph, catalogued, and listed
in ``build.json`` for the endpoint to load.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import XSD, Literal, URIRef
from tqdm import tqdm

from graph_builder import dumps, publish
from graph_builder.catalog import FileInfo, GraphStats, catalog_graph, void_graph
from graph_builder.curated import read_data_dir
from graph_builder.errors import InvalidData, Problem
from graph_builder.formats import BY_NAME
from graph_builder.gate import GateReport, compact, validate_graph
from graph_builder.mapping import map_records
from graph_builder.namespaces import APG
from graph_builder.paths import ONTOLOGY_DIR, ROOT, SHAPES_DIR
from graph_builder.reconcile import import_pages
from graph_builder.search_index import write_search_index
from graph_builder.vocabulary import load_shapes, load_vocabulary
from graph_builder.wiki import read_wiki_dir

#: The published dumps of the whole graph, in the order the endpoint loads them.
GRAPH_DUMPS = ("graph.nt.gz", "graph.ttl", "graph.jsonld")
#: Dates that say when a fact was stated or checked (used for ``created``), not in-force dates.
UNDATED = {str(APG.inForceFrom), str(APG.inForceUntil)}
PERIOD_STARTS = {str(APG.periodStart), str(APG.observationDate)}
PERIOD_ENDS = {str(APG.periodEnd), str(APG.observationDate)}
OTHER_MEDIA_TYPES = {"summary.txt": "text/plain", "search-index.json": "application/json"}


class UnsupportedInput(OSError):
    """An input this build cannot read yet."""


@dataclass(frozen=True)
class BuildOptions:
    """What to build, from where, and where to publish it."""

    data_dir: Path
    wiki_dir: Path | None = None
    decp_files: tuple[Path, ...] = ()
    out_dir: Path = Path("dist")
    base: str = "https://w3id.org/achat-public/"
    with_store: bool | None = None
    strict: bool = False
    sample_rate: float = 0.01
    quiet: bool = False
    created: str | None = None  # YYYY-MM-DD; else SOURCE_DATE_EPOCH; else the inputs' latest date
    extra_parts: tuple[Path, ...] = ()  # N-Triples files (.nt or .nt.gz) published beside the graph


def _check_inputs(options: BuildOptions) -> None:
    if not options.base.startswith(("http://", "https://")) or not options.base.endswith(("/",
                                                                                          "#")):
        raise UnsupportedInput(f"--base {options.base!r}: expected an absolute http(s) IRI "
                               "ending with '/'")
    folders = [("--data", options.data_dir)]
    if options.wiki_dir is not None:
        folders.append(("--wiki", options.wiki_dir))
    for option, folder in folders:
        if not Path(folder).is_dir():
            raise FileNotFoundError(f"{option} {folder}: no such folder")
    for path in options.extra_parts:
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no such file")
    if options.decp_files:
        raise UnsupportedInput("--decp: DECP contracts are not wired into the build yet")


def _input_files(options: BuildOptions) -> list[Path]:
    roots = [options.data_dir, ONTOLOGY_DIR, SHAPES_DIR, ROOT / "graph_builder"]
    if options.wiki_dir is not None:
        roots.append(options.wiki_dir)
    files = [p for root in roots for p in sorted(Path(root).rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts]
    return files + [Path(p) for p in options.extra_parts]


def build_id_of(options: BuildOptions) -> str:
    """Return a short hash of the inputs, the base and the code version."""
    digest = hashlib.sha256()
    try:
        version = metadata.version("achat-public-graph")
    except metadata.PackageNotFoundError:
        version = "unknown"
    digest.update(f"{version}\n{options.base}\n".encode())
    for path in _input_files(options):
        digest.update(path.name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _dates(graph: rdflib.Graph, predicates: set[str] | None = None,
           excluded: set[str] = frozenset()) -> list[str]:
    found = []
    for _, predicate, obj in graph:
        if (isinstance(obj, Literal) and obj.datatype == XSD.date
                and (predicates is None or str(predicate) in predicates)
                and str(predicate) not in excluded):
            found.append(str(obj))
    return found


def created_date(options: BuildOptions, data: rdflib.Graph) -> str:
    """Return the build's date: the option, SOURCE_DATE_EPOCH, or the inputs' latest date."""
    if options.created:
        return dt.date.fromisoformat(options.created).isoformat()
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    dates = _dates(data, excluded=UNDATED)
    return max(dates) if dates else "1970-01-01"


def temporal_coverage(data: rdflib.Graph) -> tuple[str, str] | None:
    """Return the (start, end) dates the data's figures cover, if any."""
    starts, ends = _dates(data, PERIOD_STARTS), _dates(data, PERIOD_ENDS)
    if not starts or not ends:
        return None
    return min(starts), max(ends)


def _read(options: BuildOptions) -> tuple[list, list[str], list[Problem]]:
    records = read_data_dir(Path(options.data_dir))
    if options.wiki_dir is None:
        return records, [], []
    result = import_pages(read_wiki_dir(Path(options.wiki_dir)), records)
    return result.records, list(result.new_nodes), list(result.problems)


def _term_problems(graph: rdflib.Graph, origins: dict) -> list[Problem]:
    """Name every triple whose terms are not valid RDF (an invalid IRI, a bad language tag)."""
    problems = []
    for triple in sorted(graph, key=str):
        try:
            dumps.to_oxigraph(triple)
        except dumps.DumpError as error:
            record = origins.get(triple[0])
            problems.append(Problem(
                str(error), f"terme RDF invalide : {error}",
                getattr(record, "file", None), getattr(record, "line", None),
                getattr(record, "ref", None) or compact(triple[0]), compact(triple[1])))
    return problems


def _file_info(path: Path, media_type: str, triples: int | None) -> FileInfo:
    data = path.read_bytes()
    return FileInfo(path.name, len(data), hashlib.sha256(data).hexdigest(), media_type, triples,
                    compressed=path.name.endswith(".gz"))


def _media_type(name: str) -> str:
    if name in OTHER_MEDIA_TYPES:
        return OTHER_MEDIA_TYPES[name]
    return BY_NAME_SUFFIX[name.removesuffix(".gz").rsplit(".", 1)[-1]].media_type


BY_NAME_SUFFIX = {f.suffix: f for f in (BY_NAME["turtle"], BY_NAME["ntriples"], BY_NAME["jsonld"])}


def _write_checked(triples: list[ox.Triple], path: Path) -> FileInfo:
    dumps.write_dump(triples, path)
    try:
        dumps.check_dump(path, len(triples))
    except dumps.DumpError as error:
        raise InvalidData([Problem(str(error), f"relecture stricte refusée : {error}",
                                   file=path.name)]) from error
    return _file_info(path, _media_type(path.name), len(triples))


def _copy_part(source: Path, folder: Path) -> tuple[FileInfo, Iterable[ox.Triple]]:
    target = folder / source.name
    shutil.copyfile(source, target)
    try:
        count = dumps.strict_count(target)
    except dumps.DumpError as error:
        raise InvalidData([Problem(str(error), f"relecture stricte refusée : {error}",
                                   file=str(source))]) from error
    return _file_info(target, _media_type(target.name), count), _stream(target)


def _stream(path: Path) -> Iterable[ox.Triple]:
    with gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb") as stream:
        for quad in ox.parse(stream, format=dumps.format_of(path)):
            yield quad.triple


def _write_store(folder: Path, load: list[str]) -> None:
    store = ox.Store(str(folder / "store"))
    for name in load:
        path = folder / name
        with gzip.open(path, "rb") if name.endswith(".gz") else open(path, "rb") as stream:
            store.bulk_load(input=stream, format=dumps.format_of(path))
    store.flush()
    store.optimize()
    del store


def summary_text(build_id: str, options: BuildOptions, created: str, stats: GraphStats,
                 report: GateReport, import_problems: list[Problem], new_nodes: list[str],
                 files: list[FileInfo]) -> str:
    """Return the readable summary of a build."""
    lines = [f"Build {build_id} — base {options.base} — created {created}",
             f"{stats.triples} triples, {stats.entities} things under {options.base}id/", "",
             "Things per class:"]
    for cls, count in sorted(stats.classes.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"  {count:>7}  {compact(URIRef(cls))}")
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
    steps = tqdm(total=7, desc="build", unit="step", disable=options.quiet, file=sys.stderr)
    with steps:
        steps.set_postfix_str("reading")
        records, new_nodes, import_problems = _read(options)
        steps.update()

        steps.set_postfix_str("mapping")
        mapped = map_records(records, options.base)
        vocabulary = load_vocabulary()
        steps.update()

        steps.set_postfix_str("validating")
        report = _validate(mapped, vocabulary, load_shapes(), options.quiet)
        if not report.conforms:
            raise InvalidData(report.violations)
        whole = rdflib.Graph()
        for g in (vocabulary, mapped.graph):
            for triple in g:
                whole.add(triple)
        try:
            triples = dumps.canonical_triples(whole)
        except dumps.DumpError as error:
            raise InvalidData(_term_problems(whole, mapped.origins)
                              or [Problem(str(error), file="graph")]) from error
        steps.update()

        build_id = build_id_of(options)
        created = created_date(options, mapped.graph)
        folder = publish.start(out, build_id)
        try:
            summary = _write_build(folder, options, build_id, created, triples, whole, mapped,
                                   report, import_problems, new_nodes, steps)
            steps.set_postfix_str("publishing")
            publish.finish(out, folder, build_id)
            steps.update()
        except BaseException:
            publish.discard(folder)
            raise
    return summary


def _validate(mapped, vocabulary, shapes, quiet: bool) -> GateReport:
    subjects = len(set(mapped.graph.subjects()))
    with tqdm(total=subjects, desc="validate", unit="node", disable=quiet or subjects < 5000,
              file=sys.stderr) as bar:
        return validate_graph(mapped.graph, shapes, vocabulary, mapped.origins,
                              progress=bar.update)


def _write_build(folder: Path, options: BuildOptions, build_id: str, created: str,
                 triples: list[ox.Triple], whole: rdflib.Graph, mapped, report: GateReport,
                 import_problems: list[Problem], new_nodes: list[str], steps: tqdm) -> str:
    steps.set_postfix_str("writing dumps")
    dumped = [_write_checked(triples, folder / name) for name in GRAPH_DUMPS]
    parts = [_copy_part(Path(p), folder) for p in options.extra_parts]
    stats = GraphStats.of(triples, f"{options.base}id/")
    for _, stream in parts:
        extra = GraphStats.of(stream, f"{options.base}id/")
        stats.triples += extra.triples
        stats.entities += extra.entities
        stats.classes.update(extra.classes)
        stats.properties.update(extra.properties)
    published = dumped + [info for info, _ in parts]
    steps.update()

    steps.set_postfix_str("describing")
    load = ["graph.nt.gz"] + [info.name for info, _ in parts]
    described = [
        ("void.ttl", void_graph(options.base, stats, [f.name for f in published], created)),
        ("validation-report.ttl", report.graph(options.base)),
    ]
    infos = list(published)
    for name, graph in described:
        infos.append(_write_checked(dumps.canonical_triples(graph), folder / name))
    write_search_index(whole, folder / "search-index.json")
    infos.append(_file_info(folder / "search-index.json", OTHER_MEDIA_TYPES["search-index.json"],
                            None))
    catalog = catalog_graph(options.base, published, created, temporal_coverage(mapped.graph))
    infos.append(_write_checked(dumps.canonical_triples(catalog), folder / "catalog.ttl"))
    with_store = options.with_store if options.with_store is not None else bool(parts)
    if with_store:
        _write_store(folder, load)
    steps.update()

    summary = summary_text(build_id, options, created, stats, report, import_problems,
                           new_nodes, infos)
    (folder / "summary.txt").write_text(summary, encoding="utf-8")
    infos.append(_file_info(folder / "summary.txt", OTHER_MEDIA_TYPES["summary.txt"], None))
    manifest = {
        "build_id": build_id,
        "base": options.base,
        "created": created,
        "triples": stats.triples,
        "load": load,
        "store": "store" if with_store else None,
        "files": {f.name: {"bytes": f.bytes, "sha256": f.sha256, "media_type": f.media_type,
                           "triples": f.triples} for f in sorted(infos, key=lambda f: f.name)},
    }
    (folder / "build.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                       encoding="utf-8")
    steps.update()
    return summary
