"""The SHACL gate: validate a graph against the shapes and name every failing record.

Most constraints are checked by :mod:`graph_builder.shacl.engine`, set at a time over
the whole graph, with pySHACL's semantics and wording.  Whatever that engine does not
support (SPARQL constraints, comparisons between properties, complex paths) is left
in a reduced shapes graph and run by pySHACL with ``inference="none"``,
``advanced=True``, ``allow_warnings=True`` and ``meta_shacl=False``, on the focus
nodes of those shapes only: each pySHACL run carries the vocabulary (so ``sh:class``
sees ``rdfs:subClassOf`` and ``skos:inScheme`` triples), the description of its
focus nodes and of every node they point to, which is what per-node shapes one hop
deep need.  Only pySHACL's top-level results count (``sh:result`` of the report):
the nested details of a failed ``sh:node`` have blank-node shapes and generic English
messages.  The project's own shapes are SHACL Core only, so with them nothing is left
to pySHACL.  A result's severity is Warning when its shape comes from the warnings
shapes, else the severity reported for it; every result has an English and a French
text (the shape's messages, else pySHACL's untagged wording, marked as untranslated).
"""

from __future__ import annotations

import gzip
import hashlib
import pyexpat
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib import RDF, SH, BNode, Literal, URIRef

from achat_core.rdf_files import open_rdf, rdf_format
from graph_builder.errors import VIOLATION, WARNING, Problem
from graph_builder.namespaces import PREFIXES
from graph_builder.rdf.ntriples import ntriples_bytes
from graph_builder.shacl.engine import Evaluator, RawResult, plan
from graph_builder.sources.model import field_names
from graph_builder.sources.records import Record

#: Subjects per pySHACL run when a graph is validated in chunks.
CHUNK_SIZE = 5000

#: Record fields mapped to a property on their own (the others come from ``mapping``'s tables).
#: Property IRI → the record fields that produce it, to name fields in messages.
FIELD_NAMES = field_names()

Origin = Record | str


@dataclass(frozen=True)
class Result:
    """One SHACL result, already located in the sources."""

    focus: rdflib.term.Node
    path: rdflib.term.Node | None
    severity: str
    messages: tuple[Literal, ...]
    value: rdflib.term.Node | None
    component: rdflib.term.Node | None
    shape: rdflib.term.Node | None
    problem: Problem


@dataclass
class GateReport:
    """What the gate found: every result, located, with French and English messages."""

    results: list[Result] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        """True when no result is a Violation."""
        return not self.violations

    @property
    def violations(self) -> list[Problem]:
        """Return the blocking problems, in a stable order."""
        return list(dict.fromkeys(r.problem for r in self._sorted() if r.severity == VIOLATION))

    @property
    def warnings(self) -> list[Problem]:
        """Return the advisory problems, in a stable order."""
        return list(dict.fromkeys(r.problem for r in self._sorted() if r.severity != VIOLATION))

    def _sorted(self) -> list[Result]:
        return sorted(self.results, key=lambda r: _problem_key(r.problem))

    def text(self) -> str:
        """Return a readable report: one line per result, then a count."""
        lines = [str(p) for p in self.violations + self.warnings]
        verdict = "conforms" if self.conforms else "does not conform"
        lines.append(f"Validation: {verdict} ({len(self.violations)} violation(s), "
                     f"{len(self.warnings)} warning(s))")
        return "\n".join(lines)

    def graph(self, base: str) -> rdflib.Graph:
        """Return the report as a SHACL ValidationReport with content-derived result IRIs."""
        g = rdflib.Graph()
        report = URIRef(f"{base}.well-known/genid/validation-report")
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, Literal(self.conforms)))
        for r in self.results:
            node = URIRef(f"{base}.well-known/genid/result-{_result_digest(r)}")
            g.add((report, SH.result, node))
            g.add((node, RDF.type, SH.ValidationResult))
            g.add((node, SH.focusNode, r.focus))
            g.add((node, SH.resultSeverity, SH[r.severity]))
            for message in r.messages:
                g.add((node, SH.resultMessage, message))
            for predicate, term in ((SH.resultPath, r.path), (SH.value, r.value),
                                    (SH.sourceConstraintComponent, r.component),
                                    (SH.sourceShape, r.shape)):
                if term is not None and not isinstance(term, BNode):
                    g.add((node, predicate, term))
        return g


def _problem_key(p: Problem) -> tuple:
    return (p.file or "", p.line or 0, p.record or "", p.field or "", p.message)


def _result_digest(r: Result) -> str:
    text = "|".join(str(t) for t in (r.focus, r.path, r.severity, r.value, r.component,
                                     r.problem.message))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def compact(term: rdflib.term.Node | None) -> str:
    """Return a short name for a term: ``prefix:local`` when a known prefix fits."""
    if term is None:
        return ""
    text = str(term)
    for name, iri in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if text.startswith(iri) and len(text) > len(iri):
            return f"{name}:{text[len(iri):]}"
    return f"<{text}>" if isinstance(term, URIRef) else text


def validate_graph(
    data: rdflib.Graph,
    shapes: tuple[rdflib.Graph, rdflib.Graph],
    vocabulary: rdflib.Graph | None = None,
    origins: Mapping[rdflib.term.Node, Origin] | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> GateReport:
    """Validate ``data`` (with ``vocabulary`` mixed in) against (violation, warning) shapes."""
    violation_shapes, warning_shapes = shapes
    shapes_graph = rdflib.Graph()
    for g in (violation_shapes, warning_shapes):
        for triple in g:
            shapes_graph.add(triple)
    advisory = set(warning_shapes.subjects())
    vocabulary = vocabulary if vocabulary is not None else rdflib.Graph()
    locator = _Locator(data, origins or {})
    report = GateReport()
    planned = plan(shapes_graph)
    evaluator = Evaluator((data, vocabulary), shapes_graph)
    for raw in evaluator.run(planned.checks):
        report.results.append(_located(raw, shapes_graph, shapes_graph, advisory, locator))
    if planned.residual is not None:
        focus = {n for shape in planned.residual_shapes for n in evaluator.focus_nodes(shape)}
        for raw, results_graph in _pyshacl_results(data, vocabulary, planned.residual, focus,
                                                    chunk_size):
            report.results.append(_located(raw, results_graph, shapes_graph, advisory, locator))
    if progress is not None:
        progress(len(set(data.subjects()) | set(vocabulary.subjects())))
    return report


def _pyshacl_results(data: rdflib.Graph, vocabulary: rdflib.Graph, shapes: rdflib.Graph,
                     focus: set, size: int):
    """Yield (raw result, results graph) from pySHACL, run on ``focus`` in bounded chunks."""
    ordered = sorted(focus, key=str)
    for start in range(0, len(ordered), size):
        subjects = set(ordered[start:start + size])
        chunk = _neighbourhood(data, vocabulary, subjects)
        _, results_graph, _ = pyshacl.validate(
            chunk, shacl_graph=shapes, inference="none", advanced=True,
            allow_warnings=True, meta_shacl=False, inplace=True, abort_on_first=False,
        )
        for result in results_graph.objects(None, SH.result):  # not the nested sh:detail
            raw = _raw_result(results_graph, result)
            if raw.focus in subjects:
                yield raw, results_graph


def _neighbourhood(data: rdflib.Graph, vocabulary: rdflib.Graph, subjects: set) -> rdflib.Graph:
    """Return the vocabulary, the description of ``subjects`` and of every node they name."""
    chunk = rdflib.Graph()
    for triple in vocabulary:
        chunk.add(triple)
    neighbours = set()
    for subject in subjects:
        for triple in data.triples((subject, None, None)):
            chunk.add(triple)
            if not isinstance(triple[2], Literal) and triple[2] not in subjects:
                neighbours.add(triple[2])
    for node in neighbours:
        for triple in data.triples((node, None, None)):
            chunk.add(triple)
    return chunk


def _raw_result(results: rdflib.Graph, node) -> RawResult:
    messages = tuple(results.objects(node, SH.resultMessage))
    return RawResult(
        results.value(node, SH.focusNode), results.value(node, SH.resultPath),
        results.value(node, SH.value), results.value(node, SH.sourceConstraintComponent),
        results.value(node, SH.sourceShape), results.value(node, SH.resultSeverity), messages)


class _Locator:
    """Find the record (file, line, field) behind a focus node."""

    def __init__(self, data: rdflib.Graph, origins: Mapping[rdflib.term.Node, Origin]):
        self.data = data
        self.origins = origins

    def locate(self, focus) -> tuple[Origin | None, str | None, rdflib.term.Node | None]:
        """Return (origin, record name, property leading to the focus from its owner)."""
        if focus in self.origins:
            return self.origins[focus], None, None
        for owner, link in self.data.subject_predicates(focus):
            if owner in self.origins:
                return self.origins[owner], compact(focus), link
        return None, compact(focus), None


def _located(raw: RawResult, path_graph: rdflib.Graph, shapes: rdflib.Graph,
             advisory: set, locator: _Locator) -> Result:
    """Return ``raw`` as a Result located in its record; paths are read in ``path_graph``."""
    focus, path, shape, value, component = (raw.focus, raw.path, raw.shape, raw.value,
                                            raw.component)
    if shape in advisory:
        severity = WARNING
    else:
        severity = VIOLATION if raw.severity in (None, SH.Violation) else WARNING
    messages = tuple(sorted(raw.messages, key=lambda m: (m.language or "", m)))
    en, fr = _messages(messages, component)
    if value is not None:
        en += f" (value: {_show(value)})"
        fr += f" (valeur : {_show(value)})"
    origin, dependent, link = locator.locate(focus)
    field_name = _path_text(path_graph, path)
    name = _shape_name(shapes, shape)
    if name:
        field_name = f"{field_name} ({name})" if field_name else name
    if dependent and link is not None:
        field_name = f"{compact(link)} → {dependent} {field_name}".strip()
    if isinstance(origin, Record):
        line = _field_line(origin, link if link is not None else path)
        problem = Problem(en, fr, origin.file, line, origin.ref, field_name, severity)
    else:
        problem = Problem(en, fr, origin, None, dependent or compact(focus), field_name, severity)
    return Result(focus, path, severity, messages, value, component, shape, problem)


def _message(messages: Iterable[Literal], lang: str | None) -> str | None:
    for m in messages:
        if (m.language.lower().split("-")[0] if m.language else None) == lang:
            return str(m)
    return None


def _messages(messages: tuple[Literal, ...], component) -> tuple[str, str]:
    """Return the English and French messages, falling back on untagged or generic text."""
    untagged = _message(messages, None)
    en = _message(messages, "en") or untagged or f"fails {compact(component)}"
    fr = _message(messages, "fr") or (
        f"non conforme à {compact(component)}" + (f" : {untagged}" if untagged else "")
        + " (message non traduit)")
    return en, fr


def _show(term: rdflib.term.Node) -> str:
    text = str(term)
    return text if len(text) <= 80 else text[:77] + "..."


def _path_text(graph: rdflib.Graph, path) -> str:
    if path is None:
        return ""
    if isinstance(path, URIRef):
        return compact(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(graph, inverse)
    return "(complex path)"


def _shape_name(shapes: rdflib.Graph, shape) -> str | None:
    if shape is None:
        return None
    names = {(n.language or ""): str(n) for n in shapes.objects(shape, SH.name)}
    return names.get("en") or names.get("") or names.get("fr")


def _field_line(record: Record, path) -> int | None:
    if isinstance(path, URIRef):
        text = str(path)
        for name in FIELD_NAMES.get(text, ()):
            if name in record.field_lines:
                return record.field_lines[name]
    return record.line


class EmptyGraph(ValueError):
    """Files that hold no triple: nothing to validate, so nothing conforms."""


#: Triples converted to rdflib at a time while a file is read.
_BATCH = 10_000


def _check_xml(path: Path) -> None:
    """Refuse RDF/XML whose entities expand out of proportion (expat's own amplification limit).

    pyoxigraph's RDF/XML parser expands entities without a bound; expat, a real XML parser,
    reads the file first and stops at an amplification factor of 100 ("billion laughs").
    """
    parser = pyexpat.ParserCreate()
    parser.CharacterDataHandler = lambda data: None  # expand entities as a reader would
    with open_rdf(path) as stream:
        try:
            parser.ParseFile(stream)
        except pyexpat.ExpatError as error:
            raise SyntaxError(f"not accepted as RDF/XML: {error}") from None


def read_rdf_file(path: Path) -> rdflib.Graph:
    """Parse an RDF file strictly (pyoxigraph), streamed into an rdflib graph."""
    fmt = rdf_format(path)
    if fmt is None:
        raise ValueError(f"{path.name}: not an RDF file suffix")
    graph = rdflib.Graph()
    try:
        if fmt == ox.RdfFormat.RDF_XML:
            _check_xml(path)
        with open_rdf(path) as stream:
            batch = []
            for quad in ox.parse(stream, format=fmt, base_iri=path.resolve().as_uri()):
                batch.append(quad.triple)
                if len(batch) >= _BATCH:
                    graph.parse(data=ntriples_bytes(batch), format="nt")
                    batch.clear()
            graph.parse(data=ntriples_bytes(batch), format="nt")
    except SyntaxError as error:
        raise SyntaxError(f"{path}: {error}") from error
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise SyntaxError(f"{path}: broken gzip file: {error}") from error
    return graph


def validate_files(files: Sequence[Path]) -> GateReport:
    """Validate RDF files, together, against the project's shapes and vocabulary.

    Raise :class:`EmptyGraph` when the files hold no triple at all.
    """
    from graph_builder.rdf.vocabulary import load_shapes, load_vocabulary

    data = rdflib.Graph()
    origins: dict[rdflib.term.Node, Origin] = {}
    for path in files:
        path = Path(path)
        graph = read_rdf_file(path)
        for subject in graph.subjects():
            origins.setdefault(subject, str(path))
        for triple in graph:
            data.add(triple)
    if not len(data):
        names = ", ".join(str(f) for f in files)
        raise EmptyGraph(f"{names}: no triple found: an empty graph is not validated")
    return validate_graph(data, load_shapes(), load_vocabulary(), origins)
