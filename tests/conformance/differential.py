"""The differential suite's machinery: W3C test cases, the ways to run them, one comparison.

A case is a query over one default graph with, where known, its expected answer.
It runs: ``pyoxigraph`` (the library itself, the reference), ``embedded`` (our query
layer: ``query_check`` then ``OxigraphBackend.run_query`` writing our own
serialisation) and, over each real engine, ``virtuoso`` and ``oxigraph-server``
(``query_check``, the remote refusals, then ``RemoteBackend.run_query`` over a version
published with ``achat-graph publish``: Virtuoso's own write endpoints, or the generic
Graph Store Protocol for Oxigraph's server).  Answers are compared as multisets of
solutions, blank nodes mapped, numbers compared by value (to twelve significant digits)
and datatype; graphs by isomorphism.

Each run is one of: ``same`` (the expected answer), ``loud`` (a 4xx naming why: our
refusal or the engine's), ``silent`` (another answer, given as if right: never
allowed) or ``failed`` (the engine could not be reached, a 5xx).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from helpers import SHARED_DIR, oxigraph_env  # noqa: F401 - shared with the tests
from rdflib.compare import isomorphic

from achat_core.formats import BY_NAME
from achat_core.rdf_files import open_rdf, rdf_format
from achat_core.resources import QUERIES_DIR
from sparql_endpoint.backends.remote import refusal
from sparql_endpoint.backends.store import BackendError, Dataset, OxigraphBackend
from sparql_endpoint.protocol.query_check import QueryRefused, check_query

W3C = SHARED_DIR / "data" / "w3c-sparql11-query"
W3C_BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
QT = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#"
RS = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in (
    "integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong",
    "unsignedShort", "unsignedByte")}
EVALUATION = {MF + "QueryEvaluationTest", MF + "CSVResultFormatTest"}
MAX_ROWS = 100_000
#: (backend, folder) -> Counter of verdicts (same, loud, silent, failed, n/a), filled by
#: the tests, printed at the end of the run.
TABLE: dict[tuple[str, str], Counter] = defaultdict(Counter)
BACKENDS = ("pyoxigraph", "embedded", "virtuoso", "oxigraph-server")


@dataclass
class Case:
    """One query over one default graph; ``expected`` is None when only backends are compared."""

    folder: str
    name: str
    query: str
    base: str
    data: tuple[Path, ...] = ()
    expected: Path | None = None
    skip: str | None = None  # why the case does not apply to a one-graph endpoint
    triples: list = field(default_factory=list, repr=False)

    @property
    def data_key(self) -> str:
        """Return a short name for the case's data, shared by cases over the same files."""
        digest = hashlib.sha256()
        for triple in sorted(map(str, self.triples)):
            digest.update(triple.encode())
        return digest.hexdigest()[:16]


def _one(store: ox.Store, subject, predicate):
    return next((q.object for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None)),
                None)


def _list(store: ox.Store, head) -> list:
    items = []
    while head is not None and head != ox.NamedNode(RDF + "nil"):
        items.append(_one(store, head, RDF + "first"))
        head = _one(store, head, RDF + "rest")
    return items


def _path(iri) -> Path:
    return Path(iri.value.removeprefix("file://"))


def w3c_cases() -> list[Case]:
    """Read every manifest of the W3C query evaluation tests into cases (in manifest order)."""
    cases = []
    for manifest in sorted(W3C.glob("*/manifest.ttl")):
        folder = manifest.parent.name
        store = ox.Store()
        store.load(path=manifest, format=ox.RdfFormat.TURTLE, base_iri=manifest.as_uri())
        root = ox.NamedNode(manifest.as_uri())
        for entry in _list(store, _one(store, root, MF + "entries")):
            kind = _one(store, entry, RDF + "type")
            if kind is None or kind.value not in EVALUATION:
                continue
            action = _one(store, entry, MF + "action")
            query_file = _path(_one(store, action, QT + "query"))
            data = tuple(_path(q.object) for q in store.quads_for_pattern(
                action, ox.NamedNode(QT + "data"), None))
            result = _one(store, entry, MF + "result")
            case = Case(folder, entry.value.rsplit("#", 1)[-1],
                        query_file.read_text(encoding="utf-8"),
                        f"{W3C_BASE}{folder}/{query_file.name}", data,
                        _path(result) if result is not None else None)
            if any(True for _ in store.quads_for_pattern(action, ox.NamedNode(QT + "graphData"),
                                                           None)):
                case.skip = "named graphs (qt:graphData): this endpoint serves one graph"
            for path in data:
                fmt = ox.RdfFormat.from_extension(path.suffix[1:])
                case.triples += [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(
                    path=path, format=fmt, base_iri=f"{W3C_BASE}{folder}/{path.name}")]
            cases.append(case)
    return cases


# -- answers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A boolean, solutions (variables and rows of ``{name: term}``) or triples."""

    kind: str  # "boolean", "solutions", "graph", "csv" or "error"
    value: object

    def same_as(self, other: Answer) -> bool:
        """Say whether two answers are the same, as the differential suite compares them."""
        if self.kind == "error" or other.kind == "error":
            return False
        if self.kind != other.kind:
            return False
        if self.kind == "boolean":
            return self.value == other.value
        if self.kind == "csv":
            return _csv_lines(self) == _csv_lines(other)
        if self.kind == "graph":
            return isomorphic(_rdflib_graph(self.value), _rdflib_graph(other.value))
        return _same_solutions(self.value, other.value)


def solutions_answer(result) -> Answer:
    """Return the Answer of a pyoxigraph query result."""
    if isinstance(result, ox.QueryBoolean):
        return Answer("boolean", bool(result))
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = [{n: s[n] for n in names if s[n] is not None} for s in result]
        return Answer("solutions", rows)
    return Answer("graph", list(result))


def expected_answer(path: Path, form: str) -> Answer:
    """Read a W3C result file: SPARQL XML/JSON/TSV/CSV results, or RDF (a graph or a result set)."""
    suffix = path.suffix[1:]
    if suffix == "csv":
        return Answer("csv", path.read_bytes())
    results = {"srx": ox.QueryResultsFormat.XML, "srj": ox.QueryResultsFormat.JSON,
               "tsv": ox.QueryResultsFormat.TSV}.get(suffix)
    if results is not None:
        return solutions_answer(ox.parse_query_results(path=path, format=results))
    triples = [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(
        path=path, format=ox.RdfFormat.from_extension(suffix), base_iri=f"{W3C_BASE}"
        f"{path.parent.name}/{path.name}")]
    if form in ("CONSTRUCT", "DESCRIBE"):
        return Answer("graph", triples)
    return _rdf_result_set(triples)


def _rdf_result_set(triples) -> Answer:
    store = ox.Store()
    store.extend(triples)
    sets = [q.subject for q in store.quads_for_pattern(None, ox.NamedNode(RDF + "type"),
                                                      ox.NamedNode(RS + "ResultSet"))]
    boolean = _one(store, sets[0], RS + "boolean")
    if boolean is not None:
        return Answer("boolean", boolean.value == "true")
    rows = []
    for solution in store.quads_for_pattern(sets[0], ox.NamedNode(RS + "solution"), None):
        row = {}
        for binding in store.quads_for_pattern(solution.object, ox.NamedNode(RS + "binding"),
                                               None):
            row[_one(store, binding.object, RS + "variable").value] = \
                _one(store, binding.object, RS + "value")
        rows.append(row)
    return Answer("solutions", rows)


def _csv_lines(answer: Answer) -> Counter:
    """Return the rows of a CSV answer as a multiset of {column: cell}, blank nodes blanked."""
    rows = csv.DictReader(io.StringIO(answer.value.decode("utf-8"), newline=""))
    return Counter(frozenset((name, re.sub(r"^_:.*", "_:", cell)) for name, cell in row.items())
                   for row in rows)


def _rdflib_graph(triples) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode() or "",
                format="nt")
    return graph


def _key(term) -> tuple:
    """Return what a term is compared by (blank nodes apart: they are mapped)."""
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype in NUMERIC:
            try:
                return ("number", datatype, f"{float(term.value):.12g}")
            except ValueError:
                pass
        return ("literal", term.value, term.language, datatype)
    return ("other", str(term))


def _same_solutions(left: list[dict], right: list[dict]) -> bool:
    if len(left) != len(right):
        return False

    def shape(row):
        return tuple(sorted((n, "bnode" if isinstance(t, ox.BlankNode) else _key(t))
                            for n, t in row.items()))

    if Counter(map(shape, left)) != Counter(map(shape, right)):
        return False
    if not any(isinstance(t, ox.BlankNode) for row in left for t in row.values()):
        return True
    # Past 200 rows the search could take long: the shapes (blank nodes as such) decide.
    return _match(left, list(right), {}, {}) if len(left) <= 200 else True


def _match(left, right, forward, backward) -> bool:
    """Find a one-to-one mapping of blank nodes under which the rows pair up (backtracking)."""
    if not left:
        return True
    row, rest = left[0], left[1:]
    for index, candidate in enumerate(right):
        if set(candidate) != set(row):
            continue
        added, ok = [], True
        for name, term in row.items():
            other = candidate[name]
            if isinstance(term, ox.BlankNode) and isinstance(other, ox.BlankNode):
                if forward.get(term) is None and backward.get(other) is None:
                    forward[term], backward[other] = other, term
                    added.append(term)
                elif forward.get(term) != other:
                    ok = False
                    break
            elif isinstance(term, ox.BlankNode) or isinstance(other, ox.BlankNode) \
                    or _key(term) != _key(other):
                ok = False
                break
        if ok and _match(rest, right[:index] + right[index + 1:], forward, backward):
            return True
        for term in added:
            backward.pop(forward.pop(term))
    return False


# -- the three ways to run a case --------------------------------------------------------


def wants_csv(case: Case) -> bool:
    """Say whether the case's expected answer is CSV (compared as text)."""
    return case.expected is not None and case.expected.suffix == ".csv"


def run_reference(case: Case) -> Answer:
    """Run the case with pyoxigraph itself (the library's own answer)."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in case.triples)
    try:
        result = store.query(case.query, base_iri=case.base)
        if wants_csv(case):
            return Answer("csv", result.serialize(format=ox.QueryResultsFormat.CSV))
        return solutions_answer(result)
    except (SyntaxError, OSError, ValueError, RuntimeError) as error:
        return Answer("error", str(error))


def run_layer(case: Case, backend, remote: bool = False) -> Answer:
    """Run the case through our layer: the query check, then the backend's ``run_query``.

    An error's value starts with its HTTP status (4xx: loud, about the query).
    """
    try:
        info = check_query(case.query, case.base)
    except QueryRefused as refused:
        return Answer("error", f"{refused.status} {refused.message}")
    extra = {}
    if remote:
        if refusal(info, backend.graph_iri) is not None:
            return Answer("error", f"400 {refusal(info, backend.graph_iri)}")
        engine = backend.engine_refusal(info)
        if engine is not None:
            return Answer("error", f"{engine.status} {engine.text('en')}")
        extra["result_types"] = info.result_types
    graph_form = info.form in ("CONSTRUCT", "DESCRIBE")
    fmt = BY_NAME["ntriples" if graph_form else "csv" if wants_csv(case) else "json"]
    out = io.BytesIO()
    try:
        backend.run_query(case.query, info.form, fmt, Dataset(), MAX_ROWS, lambda: out,
                          None if info.own_base else case.base, **extra)
    except BackendError as error:
        return Answer("error", f"{error.status} {type(error).__name__}: {error}")
    except Exception as error:  # noqa: BLE001 - any failure is this backend's answer
        return Answer("error", f"500 {type(error).__name__}: {error}")
    body = out.getvalue()
    if fmt.name == "csv":
        return Answer("csv", body)
    if graph_form:
        return Answer("graph", list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES)))
    return solutions_answer(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))


def embedded_backend(case: Case) -> OxigraphBackend:
    """Return our embedded backend over the case's data (its default graph)."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in case.triples)
    return OxigraphBackend(store)


def query_form(case: Case) -> str:
    """Return the case's query form, or "" when our check refuses it."""
    try:
        return check_query(case.query, case.base).form
    except QueryRefused:
        return ""


def concat_unordered(answer: Answer, columns: dict[str, str]) -> Answer:
    """Return ANSWER with the GROUP_CONCAT COLUMNS ({name: separator}) in sorted order.

    SPARQL leaves the order of GROUP_CONCAT's values to the engine: two engines may join
    the same values in another order, which is no difference.
    """
    if answer.kind != "solutions" or not columns:
        return answer
    rows = []
    for row in answer.value:
        row = dict(row)
        for name, separator in columns.items():
            term = row.get(name)
            if isinstance(term, ox.Literal):
                text = separator.join(sorted(term.value.split(separator)))
                row[name] = ox.Literal(text, language=term.language) if term.language else \
                    ox.Literal(text, datatype=term.datatype)
        rows.append(row)
    return Answer("solutions", rows)


def verdict(expected: Answer, answer: Answer) -> str:
    """Return how ANSWER stands to EXPECTED: same, loud (a 4xx), failed (5xx) or silent."""
    if expected.same_as(answer):
        return "same"
    if answer.kind == "error":
        # A 4xx names the query's problem; a 502 says the engine's answer was unusable:
        # the client is told either way.  503 and the rest: the engine failed.
        status = str(answer.value)[:3]
        return "loud" if status[:1] == "4" or status == "502" else "failed"
    return "silent"


class EngineData:
    """Each case's data published once to a test engine, as a version of a graph of its own.

    ``engine`` is the backend's kind ("virtuoso", or "generic" for Oxigraph's server,
    published through the Graph Store Protocol with ``env``'s endpoints).
    """

    def __init__(self, url: str, folder: Path, engine_max_rows: int | None = None,
                 engine: str = "virtuoso", env: dict[str, str] | None = None):
        self.url = url
        self.folder = folder
        self.engine_max_rows = engine_max_rows
        self.engine = engine
        self.env = env
        self.published: dict[str, str] = {}

    def backend(self, case: Case):
        """Return a RemoteBackend pinned to the version holding the case's data."""
        from sparql_endpoint.backends.remote import RemoteBackend

        key = case.data_key
        graph = f"https://example.org/w3c-{key}/graph"
        if key not in self.published:
            self.published[key] = self._publish(key, graph, case.triples)
        return RemoteBackend(self.url, graph, version=self.published[key], engine=self.engine,
                             timeout=30.0, max_rows=self.engine_max_rows)

    def _publish(self, key: str, graph: str, triples: list) -> str:
        from graph_builder.output.remote_load import publish

        if not triples:
            return f"{graph}/empty"  # never written: an empty graph
        dist = self.folder / key
        dist.mkdir(parents=True, exist_ok=True)
        unique = list(dict.fromkeys(triples))
        (dist / "graph.nt").write_bytes(ox.serialize(unique, format=ox.RdfFormat.N_TRIPLES))
        (dist / "build.json").write_text(json.dumps({
            "build_id": "d", "base": f"https://example.org/w3c-{key}/", "created": "2026-01-01",
            "triples": len(unique), "load": ["graph.nt"]}))
        if self.env is None:
            return publish(dist, self.url, graph, retries=1).version
        return publish(dist, self.url, graph, retries=1, engine="generic", env=self.env,
                       keep=1).version


#: The name kept for the tests written before a second engine.
VirtuosoData = EngineData


#: About forty queries over the project's own vocabulary (aggregates, paths, MINUS,
#: language tags, dates, typed literals), written the way a researcher would: the
#: external replay of issue 25, run over the same build as our queries.
REPLAY_DIR = Path(__file__).parent / "replay"


def corpus_cases(dist: Path, queries: Path = QUERIES_DIR,
                 folder: str = "our queries") -> list[Case]:
    """Return the queries in QUERIES (ours by default) as cases over the build in DIST."""
    from sparql_endpoint.backends.dist import read_build

    build = read_build(dist)
    triples = []
    for name in build["load"]:
        path = dist / name
        with open_rdf(path) as stream:
            triples += [q.triple if isinstance(q, ox.Quad) else q
                        for q in ox.parse(stream, format=rdf_format(path))]
    cases = [Case(folder, path.stem, path.read_text(encoding="utf-8"),
                  "https://example.org/sparql", triples=triples)
             for path in sorted(queries.glob("*.rq"))]
    assert cases, f"no query in {queries}"
    return cases


def table_lines() -> list[str]:
    """Return the table of verdicts per folder and backend (empty before any test ran).

    Each cell: same / loud / not applicable, then silent or failed runs if any.
    """
    if not TABLE:
        return []
    backends = [b for b in BACKENDS if any(key[0] == b for key in TABLE)]
    folders = sorted({key[1] for key in TABLE}, key=lambda f: (f in ("our queries", "replay"), f))
    width = max(len(f) for f in folders) + 2
    lines = ["same / loud / not applicable (+ silent, failed), per folder and backend",
             "folder".ljust(width) + "".join(b.rjust(18) for b in backends)]
    totals = {b: Counter() for b in backends}

    def cell(counts: Counter) -> str:
        text = f"{counts['same']}/{counts['loud']}/{counts['n/a']}"
        if counts["silent"]:
            text += f" +{counts['silent']}S"
        if counts["failed"]:
            text += f" +{counts['failed']}F"
        return text if sum(counts.values()) else "-"

    for folder in folders:
        cells = []
        for backend in backends:
            counts = TABLE.get((backend, folder), Counter())
            totals[backend].update(counts)
            cells.append(cell(counts).rjust(18))
        lines.append(folder.ljust(width) + "".join(cells))
    lines.append("total".ljust(width) + "".join(cell(c).rjust(18) for c in totals.values()))
    return lines
