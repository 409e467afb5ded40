"""Stage 2 (with ``--decp``): contracts, streamed from DECP files to N-Triples, then indicators.

Bulk data is quarantined record by record: a bad record is written to
``decp-rejected.jsonl`` beside the output (file, array, record index, id, kind of problem,
field, message) and left out; the counts per kind go into the summary.  ``strict``
stops at the first one instead.  Duplicated keys (buyer SIRET + id + date) keep the first
record.  Nodes shared by many records (organisations, roles, places) are written once, when
first met, so the output order only depends on the input.

Once the build's store holds the contracts, their indicators are computed and checked with
the shapes, together with a sample of the contracts: a Violation there is a bug of the
builder, not of the input, and stops the build.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path
from typing import BinaryIO, TextIO

import pyoxigraph as ox
import rdflib
from tqdm import tqdm

from achat_core import legal_dates
from achat_core.iris import prefix_lines
from achat_core.spreadsheet import cell
from graph_builder.errors import InvalidData, Problem
from graph_builder.namespaces import APG
from graph_builder.output.catalog import FileInfo
from graph_builder.pipeline import files
from graph_builder.rdf.contracts import (
    TABLE_COLUMNS,
    MappedContract,
    Mapper,
    Rejected,
    unknown_name_lines,
)
from graph_builder.rdf.indicators import compute_indicators
from graph_builder.rdf.mapping import Mapped
from graph_builder.rdf.ntriples import ntriples_bytes
from graph_builder.rdf.organisations import SireneReport, sirene_triples
from graph_builder.shacl.gate import validate_graph
from graph_builder.sources.decp import BrokenFile, RawRecord, read_records

REJECTED_NAME = "decp-rejected.jsonl"
#: The contracts as one CSV table (gzip), written beside the contract graph as records map;
#: with Sirene, first without names (UNNAMED_TABLE), then named once the register is read.
TABLE_NAME = "contracts.csv.gz"
UNNAMED_TABLE = ".contracts-unnamed.csv"
_BUYER, _BUYER_NAME = TABLE_COLUMNS.index("buyer_siret"), TABLE_COLUMNS.index("buyer_name")
_HOLDERS, _HOLDER_NAMES = TABLE_COLUMNS.index("holders"), TABLE_COLUMNS.index("holder_names")
#: What a DECP build publishes beside the quarantine report (REJECTED_NAME).
CONTRACTS_DUMP = "contracts.nt.gz"
INDICATORS_DUMP = "indicators.nt.gz"
#: The source cited by indicators computed from DECP: the ``$id`` the DECP v2 JSON schema
#: (``schema_decp_v2.0.3.json``) declares for itself.
DECP_SOURCE = ("https://raw.githubusercontent.com/139bercy/format-commande-publique/master/"
               "marches.json")
_FLUSH_EVERY = 2000
_SAMPLE_SCALE = 1_000_000


class NotDecpFile(OSError):
    """A DECP input that breaks before its first record: most likely the wrong file."""


@dataclass
class DecpResult:
    """What a DECP build did: counts, paths and a sample of the graph for SHACL checks."""

    out_path: Path
    rejected_path: Path
    table_path: Path
    records_read: int = 0
    contracts_mapped: int = 0
    marches: int = 0
    concessions: int = 0
    triples: int = 0
    rejected: Counter = field(default_factory=Counter)
    modified_contracts: int = 0
    modifications: int = 0
    skipped_modifications: int = 0
    empty_files: list[str] = field(default_factory=list)
    sampled_records: int = 0
    sample: rdflib.Graph = field(default_factory=rdflib.Graph)
    #: What the Sirene join did (None without Sirene files).
    sirene: SireneReport | None = None

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def summary(self) -> str:
        """Return the build summary as text (English)."""
        lines = [
            f"DECP: {self.records_read} records read, {self.contracts_mapped} contracts mapped "
            f"({self.marches} marchés, {self.concessions} concessions), {self.triples} triples "
            f"-> {self.out_path}",
            f"DECP: {self.modified_contracts} contracts with {self.modifications} modifications "
            f"(initial values kept; {self.skipped_modifications} modifications without a valid "
            f"date ignored)",
        ]
        if self.rejected:
            kinds = ", ".join(f"{kind}: {n}" for kind, n in sorted(self.rejected.items()))
            lines.append(f"DECP: {self.rejected_total} records rejected ({kinds}) "
                         f"-> {self.rejected_path}")
        for name in self.empty_files:
            lines.append(f"DECP: {name}: no records under marches.marche or "
                         f"marches.contrat-concession")
        lines.append(f"DECP: {self.sampled_records} records sampled for SHACL checks "
                     f"({len(self.sample)} triples)")
        if self.sirene is not None:
            lines.append(self.sirene.summary())
        return "\n".join(lines)

    def count(self, kind: str, mapped: MappedContract) -> None:
        """Count one mapped contract of array ``kind`` and its modifications."""
        self.contracts_mapped += 1
        if kind == "marche":
            self.marches += 1
        else:
            self.concessions += 1
        if mapped.modifications:
            self.modified_contracts += 1
            self.modifications += mapped.modifications
        self.skipped_modifications += mapped.skipped_modifications


@contextmanager
def _output(path: Path) -> Iterator[BinaryIO]:
    """Open ``path`` to write bytes; a ``.gz`` name is gzip with no file name and no time."""
    with open(path, "wb") as raw:
        if not path.name.endswith(".gz"):
            yield raw
            return
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as stream:
            yield stream


def _is_sampled(key: str, rate: float) -> bool:
    return zlib.crc32(key.encode()) % _SAMPLE_SCALE < rate * _SAMPLE_SCALE


class _Run:
    """One run of :func:`build_contracts`: its open outputs and what it has seen so far."""

    def __init__(self, result: DecpResult, mapper: Mapper, strict: bool, sample_rate: float,
                 graph: BinaryIO, table: TextIO, rejected: TextIO, bar: tqdm,
                 naming: bool = False) -> None:
        self.result, self.mapper = result, mapper
        self.strict, self.sample_rate = strict, sample_rate
        self.graph, self.rejected_file, self.bar = graph, rejected, bar
        self.table = csv.writer(table)
        self.table.writerow(TABLE_COLUMNS)
        self.seen_keys: set[bytes] = set()
        self.seen_shared: set[str] = set()
        self.sample_lines: list[str] = []
        self.buffer: list[str] = []
        #: A new kind of problem was met: sample the next mapped record, its neighbour.
        self.neighbour_wanted = False
        #: The SIRETs of buyers and holders, and of buyers alone, for the Sirene join.
        self.sirets: set[str] = set()
        self.buyers: set[str] = set()
        #: With Sirene (``naming``), the "name unknown" labels of organisations minted from a
        #: SIRET wait for the join: only the SIRETs it does not name get them.
        self.naming = naming
        self.unnamed_prefix = f"<{mapper.id}organisation/siret-"
        self.deferred: list[str] = []
        #: SIRET -> what the register calls it (legal name, or the anonymous label).
        self.names: dict[str, str] = {}

    def read_file(self, path: Path) -> None:
        """Map every record of one DECP file; a file broken before its first is not DECP."""
        result = self.result
        before = result.records_read
        for item in read_records(path):
            if isinstance(item, BrokenFile):
                if result.records_read == before:
                    raise NotDecpFile(f"{item.file}: not a DECP v2 JSON file "
                                      f"(broken before its first record): {item.message}")
                self.reject(item.file, item.kind, item.index, None, "broken-file", "",
                            item.message)
                continue
            result.records_read += 1
            self.bar.update()
            self.take(item)
        if result.records_read == before:
            result.empty_files.append(str(path))

    def take(self, item: RawRecord) -> None:
        """Check, map and write one record, or quarantine it."""
        if item.problem is not None:
            self.reject(item.file, item.kind, item.index, None, "over-limit",
                        item.problem[0], item.problem[1])
            return
        try:
            mapped = self.mapper.map(item.kind, item.data)
        except Rejected as bad:
            self.reject(item.file, item.kind, item.index, bad.record_id, bad.kind,
                        bad.field, bad.message)
            return
        identity = blake2b("\x00".join(mapped.identity).encode("utf-8"), digest_size=12).digest()
        if identity in self.seen_keys:
            self.reject(item.file, item.kind, item.index, mapped.identity[1],
                        "duplicate-key", "id",
                        f"buyer {mapped.identity[0]}, id {mapped.identity[1]!r} and "
                        f"date {mapped.identity[2]} already seen: first record kept")
            return
        self.seen_keys.add(identity)
        self.result.count(item.kind, mapped)
        self.note_organisations(mapped)
        self.write(mapped)
        self.sample(mapped)

    def note_organisations(self, mapped: MappedContract) -> None:
        """Keep the SIRETs of a contract's buyer and holders for the Sirene join."""
        self.buyers.add(mapped.identity[0])
        self.sirets.add(mapped.identity[0])
        holders = mapped.row[_HOLDERS]
        self.sirets.update(h[6:] for h in holders.split() if h.startswith("SIRET:"))

    def join_sirene(self, files: tuple[Path, ...], base: str, org_lookup: dict[str, str]) -> None:
        """Write what the Sirene register says of the contracts' organisations."""
        self.result.sirene = SireneReport()
        for line in sirene_triples(files, base, self.sirets, self.buyers, org_lookup,
                                   self.seen_shared, self.result.sirene, self.names):
            self.buffer.append(line)
            if len(self.buffer) > _FLUSH_EVERY * 40:
                self.flush()
        for siret in sorted(self.deferred):
            if siret not in self.names:
                self.buffer.extend(unknown_name_lines(f"{self.unnamed_prefix}{siret}>", "SIRET",
                                                      siret))
        self.deferred.clear()

    def write(self, mapped: MappedContract) -> None:
        """Add a contract's row to the table and its lines (shared nodes once) to the graph."""
        # Every text cell, not only the title: an id or a place code may start a formula.
        self.table.writerow([cell(value) for value in mapped.row])
        self.buffer.extend(mapped.lines)
        for node, lines in mapped.shared.items():
            if node not in self.seen_shared:
                self.seen_shared.add(node)
                if self.naming and node.startswith(self.unnamed_prefix) and node.endswith(
                        "> label"):
                    self.deferred.append(node[len(self.unnamed_prefix):-len("> label")])
                    continue
                self.buffer.extend(lines)
        if len(self.buffer) > _FLUSH_EVERY * 40:
            self.flush()

    def sample(self, mapped: MappedContract) -> None:
        """Keep a contract for the SHACL checks: the first, a share, and problems' neighbours."""
        if (self.neighbour_wanted or self.result.contracts_mapped == 1
                or _is_sampled(mapped.key, self.sample_rate)):
            self.neighbour_wanted = False
            self.result.sampled_records += 1
            self.sample_lines.extend(mapped.lines)
            for lines in mapped.shared.values():
                self.sample_lines.extend(lines)

    def flush(self) -> None:
        """Write the buffered lines to the graph."""
        self.result.triples += len(self.buffer)
        self.graph.write("".join(self.buffer).encode("utf-8"))
        self.buffer.clear()

    def reject(self, file: str, kind: str, index: int, record_id, problem: str, where: str,
               message: str) -> None:
        """Quarantine a record (``strict``: stop the build instead)."""
        if self.strict:
            raise InvalidData([Problem(
                message=f"{problem}: {message} (record #{index} of {kind})",
                file=file, record=record_id, field=where or None)])
        if problem not in self.result.rejected:
            self.neighbour_wanted = True
        self.result.rejected[problem] += 1
        self.rejected_file.write(json.dumps({
            "file": file, "array": kind, "record": index, "id": record_id,
            "kind": problem, "field": where, "problem": message,
        }, ensure_ascii=False) + "\n")


def build_contracts(files: list[Path], out_path: Path, base: str, org_lookup: dict[str, str],
                    strict: bool = False, sample_rate: float = 0.01,
                    progress: bool = False, sirene_files: tuple[Path, ...] = ()) -> DecpResult:
    """Map DECP v2 files to N-Triples at ``out_path``; quarantine bad records beside it.

    With ``sirene_files`` (INSEE stock files), the organisations of the contracts then get
    what the Sirene register says of them (``graph_builder.rdf.organisations``).
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    result = DecpResult(out_path=out_path, rejected_path=out_path.parent / REJECTED_NAME,
                        table_path=out_path.parent / TABLE_NAME)
    unnamed = out_path.parent / UNNAMED_TABLE
    with ExitStack() as opened:
        graph = opened.enter_context(_output(out_path))
        table = opened.enter_context(io.TextIOWrapper(
            opened.enter_context(_output(unnamed if sirene_files else result.table_path)),
            encoding="utf-8", newline=""))
        bar = opened.enter_context(tqdm(unit=" records", disable=not progress, file=sys.stderr))
        rejected = opened.enter_context(open(result.rejected_path, "w", encoding="utf-8"))
        run = _Run(result, Mapper(base, org_lookup), strict, sample_rate, graph, table,
                   rejected, bar, naming=bool(sirene_files))
        for path in files:
            run.read_file(Path(path))
        if sirene_files:
            run.join_sirene(sirene_files, base, org_lookup)
        run.flush()
    if sirene_files:
        _name_table(unnamed, result.table_path, run.names)
        unnamed.unlink()
    if run.sample_lines:
        result.sample.parse(data="".join(dict.fromkeys(run.sample_lines)), format="nt")
    return result


def _name_table(source: Path, target: Path, names: dict[str, str]) -> None:
    """Copy the contracts table, filling the buyer's and holders' names from the register.

    A second pass over the table written while the records streamed: the names are known
    only once the register was read, after the last record.
    """
    with open(source, encoding="utf-8", newline="") as rows, _output(target) as raw, \
            io.TextIOWrapper(raw, encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        for n, row in enumerate(csv.reader(rows)):
            if n:
                row[_BUYER_NAME] = names.get(row[_BUYER], "")
                row[_HOLDER_NAMES] = " | ".join(
                    names.get(h[6:], "") if h.startswith("SIRET:") else ""
                    for h in row[_HOLDERS].split())
            writer.writerow(row)


def organisation_lookup(graph: rdflib.Graph) -> dict[str, str]:
    """Return each curated SIREN and SIRET → the IRI of its organisation."""
    lookup = {}
    for predicate in (APG.siren, APG.siret):
        for organisation, number in graph.subject_objects(predicate):
            lookup[str(number)] = str(organisation)
    return lookup


def load_contracts(store: ox.Store, result: DecpResult) -> None:
    """Load the contract dump into ``store``; it must hold every line the mapper wrote, once."""
    files.load(store, result.out_path)
    found = len(store)
    if found != result.triples:
        raise InvalidData([Problem(
            f"re-parsed {found} distinct triples, the mapper wrote {result.triples}",
            f"{found} triplets distincts relus, {result.triples} écrits", file=CONTRACTS_DUMP)])


def contract_dates(store: ox.Store) -> tuple[str, str] | None:
    """Return the first and last conclusion dates of the contracts in ``store``, if any."""
    rows = list(store.query(
        prefix_lines("epo") + "SELECT (MIN(?d) AS ?first) (MAX(?d) AS ?last) WHERE { ?c "
        "epo:hasContractConclusionDate ?d }"))
    if not rows or rows[0]["first"] is None:
        return None
    return rows[0]["first"].value, rows[0]["last"].value


def organisation_names(store: ox.Store) -> list[ox.Triple]:
    """Return the labels and legal names of the contracts' organisations, for the search index.

    The index is written from the curated triples; the organisations minted from DECP and
    named by Sirene live in the store only, so their names are read back from it.
    """
    return [ox.Triple(row["s"], row["p"], row["o"]) for row in store.query(
        prefix_lines("org", "apg", "rdfs", "skos") +
        "SELECT ?s ?p ?o WHERE { { ?s a org:Organization . "
        "VALUES ?p { rdfs:label skos:prefLabel apg:legalName } ?s ?p ?o } UNION "
        "{ ?s apg:legalName ?o BIND(apg:legalName AS ?p) } }")]


def predating(store: ox.Store) -> list[str]:
    """Return a warning per instrument some contracts use before its legal basis is in force.

    "Since" is the rule the instrument pages show (``achat_core.legal_dates``): a contract
    before it is either a data error or a sign that the basis lacks an older text.
    """
    variables = ("instrument", "basis", "inForce", "date", "text", "textInForce", "textDate")
    rows = [{name: row[name].value for name in variables if row[name] is not None}
            for row in store.query(legal_dates.basis_dates_query())]
    since = legal_dates.since(rows)
    if not since:
        return []
    values = " ".join(f'(<{i}> "{day}"^^<http://www.w3.org/2001/XMLSchema#date>)'
                      for i, (day, _, _) in sorted(since.items()))
    found = store.query(
        prefix_lines("epo", "apg") + f"SELECT ?i (COUNT(?c) AS ?n) (MIN(?d) AS ?first) WHERE {{ "
        f"VALUES (?i ?since) {{ {values} }} ?c apg:usesInstrument|apg:inferredInstrument ?i ; "
        f"epo:hasContractConclusionDate ?d FILTER(?d < ?since) }} GROUP BY ?i ORDER BY ?i")
    warnings = []
    for row in found:
        if row["i"] is None:
            continue
        day, _, source = since[row["i"].value]
        count = int(row["n"].value)
        warnings.append(
            f"Warning: {count} contract{'s' if count > 1 else ''} using instrument "
            f"{row['i'].value.rsplit('/', 1)[-1]} {'were' if count > 1 else 'was'} concluded "
            f"before its legal basis is in "
            f"force (since {day}, {source.rsplit('/', 1)[-1]}), the first on "
            f"{row['first'].value}")
    return warnings


def add_indicators(store: ox.Store, folder: Path, base: str, result: DecpResult,
                   mapped: Mapped, vocabulary: rdflib.Graph,
                   shapes: tuple[rdflib.Graph, rdflib.Graph]) -> tuple[list[ox.Triple], FileInfo]:
    """Compute the indicators from the contracts in ``store``, check them, dump and load them."""
    indicators = compute_indicators(store, base, source=DECP_SOURCE)
    _builder_checks(mapped, result, indicators, vocabulary, shapes)
    info = files.write_checked(indicators, folder / INDICATORS_DUMP)
    files.load(store, folder / INDICATORS_DUMP)
    return indicators, info


def _builder_checks(mapped: Mapped, result: DecpResult, indicators: list[ox.Triple],
                    vocabulary: rdflib.Graph, shapes: tuple[rdflib.Graph, rdflib.Graph]) -> None:
    """Validate the sample of contracts and the indicators with the curated graph around them.

    The input was already checked record by record, so a Violation here is a builder bug.
    """
    data = rdflib.Graph()
    for graph in (mapped.graph, result.sample):
        for triple in graph:
            data.add(triple)
    data.parse(data=ntriples_bytes(indicators), format="nt")
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
