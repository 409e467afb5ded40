"""Stage 1: curated records and wiki pages, read, reconciled, mapped to RDF and gated.

Curated data and wiki pages are few and hand-made, so they are all-or-nothing: one SHACL
Violation, or one term that is not valid RDF, and nothing is released.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import pyoxigraph as ox
import rdflib
from tqdm import tqdm

from graph_builder.errors import InvalidData, Problem
from graph_builder.output import dumps
from graph_builder.pipeline.describe import created_date
from graph_builder.pipeline.options import BuildOptions, set_day
from graph_builder.rdf.mapping import Mapped, map_records
from graph_builder.rdf.reconcile import import_pages
from graph_builder.rdf.vocabulary import load_shapes, load_vocabulary
from graph_builder.shacl.gate import GateReport, compact, validate_graph
from graph_builder.sources.curated import read_data_dir
from graph_builder.sources.records import Record
from graph_builder.sources.wiki import read_wiki_dir


@dataclass
class CuratedGraph:
    """The gated curated graph and what the later stages need of it."""

    #: Vocabulary and data, sorted: what the graph's dumps hold.
    triples: list[ox.Triple]
    created: str
    report: GateReport
    new_nodes: list[str]
    import_problems: list[Problem]
    vocabulary: rdflib.Graph
    shapes: tuple[rdflib.Graph, rdflib.Graph]
    #: The mapped graph, kept only when contracts are built (they link to it).
    mapped: Mapped | None


def curated_graph(options: BuildOptions, steps: tqdm) -> CuratedGraph:
    """Read, map and gate the curated data (and wiki pages); three steps of the bar."""
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
    steps.update()
    return CuratedGraph(triples, created, report, new_nodes, import_problems, vocabulary,
                        shapes, mapped if options.decp_files else None)


def _read(options: BuildOptions) -> tuple[list[Record], list[str], list[Problem]]:
    records = read_data_dir(Path(options.data_dir))
    if options.wiki_dir is None:
        return records, [], []
    read_on = set_day(options) or dt.datetime.now(dt.UTC).date()
    result = import_pages(read_wiki_dir(Path(options.wiki_dir)), records, read_on)
    return result.records, list(result.new_nodes), list(result.problems)


def _validate(mapped: Mapped, vocabulary: rdflib.Graph,
              shapes: tuple[rdflib.Graph, rdflib.Graph], quiet: bool) -> GateReport:
    if quiet:  # counting the subjects for the bar is a pass over the whole graph
        return validate_graph(mapped.graph, shapes, vocabulary, mapped.origins)
    subjects = len(set(mapped.graph.subjects()))
    with tqdm(total=subjects, desc="validate", unit="node", disable=subjects < 5000,
              file=sys.stderr) as bar:
        return validate_graph(mapped.graph, shapes, vocabulary, mapped.origins,
                              progress=bar.update)


def _graph_triples(options: BuildOptions, mapped: Mapped,
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
