"""Stage 2 (with ``--decp``): contracts, streamed from DECP files to N-Triples, then indicators.

Bulk data is quarantined record by record: a bad record is written to
``decp-rejected.jsonl`` beside the output (file, array, record index, id, kind of problem,
field, message) and left out; the counts per kind go into the summary.  ``strict``
stops at the first one instead.  Duplicated keys (buyer SIRET + id + date) keep the first
record.  Nodes shared by many records (organisations, roles, places) are written once, when
first met, so the output order only depends on the input.

Each DECP file becomes its own part of the contract dump and of the table (one gzip
member each, then one for the Sirene part), and what the run has seen after the last DECP
file is kept in ``decp-state.json.gz`` (:class:`State`).  A monthly update
(``build --update``) copies the earlier files' parts byte for byte, takes up the run where
it stopped, maps the new file and writes the Sirene part again: its dump is the one a full
rebuild from every file writes.

Once the build's store holds the contracts, their indicators are computed and checked with
the shapes, together with a sample of the contracts: a Violation there is a bug of the
builder, not of the input, and stops the build.
"""

from __future__ import annotations

import base64
import csv
import gzip
import io
import json
import shutil
import sys
import zlib
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, fields
from hashlib import blake2b
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
import rdflib
from tqdm import tqdm

from achat_core import legal_dates
from achat_core.iris import prefix_lines
from achat_core.spreadsheet import cell
from graph_builder.errors import InvalidData, Problem
from graph_builder.namespaces import APG
from graph_builder.output.catalog import Distinct, FileInfo, GraphStats
from graph_builder.pipeline import files
from graph_builder.pipeline.options import sha256_of
from graph_builder.rdf.contracts import (
    TABLE_COLUMNS,
    MappedContract,
    Mapper,
    Rejected,
    unknown_name_lines,
)
from graph_builder.rdf.indicator_totals import Totals
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
UNNAMED_TABLE = ".contracts-unnamed.csv.gz"
_BUYER, _BUYER_NAME = TABLE_COLUMNS.index("buyer_siret"), TABLE_COLUMNS.index("buyer_name")
_HOLDERS, _HOLDER_NAMES = TABLE_COLUMNS.index("holders"), TABLE_COLUMNS.index("holder_names")
#: What a DECP build publishes beside the quarantine report (REJECTED_NAME).
CONTRACTS_DUMP = "contracts.nt.gz"
INDICATORS_DUMP = "indicators.nt.gz"
#: Where a build keeps what its DECP run had seen after the last DECP file (``State``).
STATE_NAME = "decp-state.json.gz"
#: The names of the contracts' organisations, as the store gave them for the search index,
#: kept for an update to change by its difference (``changed_names``).
NAMES_NAME = ".organisation-names.nt.gz"
#: The source cited by indicators computed from DECP: the ``$id`` the DECP v2 JSON schema
#: (``schema_decp_v2.0.3.json``) declares for itself.
DECP_SOURCE = ("https://raw.githubusercontent.com/139bercy/format-commande-publique/master/"
               "marches.json")
_FLUSH_EVERY = 2000
#: Chunks a ``_Parts`` writer may hold before the mapping waits for it.
_PENDING = 4
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
    #: The sampled records' distinct lines (N-Triples), parsed only for the check: held as
    #: rdflib terms through the store's bulk load, a national sample costs a gigabyte.
    sample_lines: str = ""
    #: What the Sirene join did (None without Sirene files).
    sirene: SireneReport | None = None
    #: Where the DECP files' parts end in the dump and in the table (bytes), and the lines
    #: the DECP files gave, before the Sirene part.
    graph_end: int = 0
    table_end: int = 0
    #: Where this run's DECP parts of the table begin and end (bytes), one per file read.
    table_parts: list[tuple[int, int]] = field(default_factory=list)
    decp_triples: int = 0
    #: The DECP files read, in order: name and sha256.
    files: list[tuple[str, str]] = field(default_factory=list)
    #: The indicator figures of every mapped contract, summed as they were mapped.
    totals: Totals = field(default_factory=Totals)
    #: The contract dump's triples, classes, properties and links, counted as written.
    counts: GraphStats = field(default_factory=GraphStats)

    @property
    def sample(self) -> rdflib.Graph:
        """Return the sampled records as a new rdflib graph."""
        graph = rdflib.Graph()
        if self.sample_lines:
            graph.parse(data=self.sample_lines, format="nt")
        return graph

    @property
    def sample_triples(self) -> int:
        """Return how many distinct triples the sample holds (one line each)."""
        return self.sample_lines.count("\n")

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
                     f"({self.sample_triples} triples)")
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


class _Parts:
    """A file written in parts: with a ``.gz`` name, one gzip member (no name, no time) each.

    Parts can be copied byte for byte into a later file: gzip readers read the members
    one after the other.  The file is written and compressed by a thread of its own, in the
    order asked (zlib lets go of the interpreter while it works, so mapping goes on beside
    it on another core); at most ``_PENDING`` chunks wait for it.
    """

    def __init__(self, raw: BinaryIO, packed: bool):
        self.raw, self.packed = raw, packed
        self.stream: BinaryIO = raw
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parts")
        self.pending: deque[Future] = deque()

    def __enter__(self) -> _Parts:
        return self

    def __exit__(self, failed, *exc) -> None:
        try:
            if failed is None:
                self._settle()
        finally:
            self.writer.shutdown(wait=True, cancel_futures=True)

    def _ask(self, job, *args) -> None:
        self.pending.append(self.writer.submit(job, *args))
        while len(self.pending) > _PENDING:
            self.pending.popleft().result()

    def _settle(self) -> None:
        """Wait for every write asked so far (raising the first failure)."""
        while self.pending:
            self.pending.popleft().result()

    def _begin(self) -> None:
        if self.packed:
            self.stream = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, mtime=0,
                                        compresslevel=6)

    def _end(self) -> int:
        if self.packed:
            self.stream.close()
        self.stream = self.raw
        return self.raw.tell()

    def begin(self) -> None:
        """Start a part."""
        self._ask(self._begin)

    def write(self, data: bytes) -> None:
        """Add ``data`` to the current part."""
        self._ask(lambda: self.stream.write(data))

    def end(self) -> int:
        """End the part; return where it ends in the file."""
        self._settle()
        return self.writer.submit(self._end).result()

    def tell(self) -> int:
        """Where the next part starts (no part open)."""
        self._settle()
        return self.raw.tell()

    def copy(self, path: Path, end: int) -> None:
        """Copy the first ``end`` bytes of ``path`` (earlier parts) to this file."""
        self._settle()
        with open(path, "rb") as source:
            remaining = end
            while remaining:
                chunk = source.read(min(remaining, 1 << 20))
                if not chunk:
                    raise OSError(f"{path}: shorter than its recorded parts ({end} bytes)")
                self.raw.write(chunk)
                remaining -= len(chunk)


def _is_sampled(key: str, rate: float) -> bool:
    return zlib.crc32(key.encode()) % _SAMPLE_SCALE < rate * _SAMPLE_SCALE


class _Run:
    """One run of :func:`build_contracts`: its open outputs and what it has seen so far."""

    def __init__(self, result: DecpResult, mapper: Mapper, strict: bool, sample_rate: float,
                 graph: _Parts, table: _Parts, rejected, bar: tqdm,
                 naming: bool = False) -> None:
        self.result, self.mapper = result, mapper
        self.strict, self.sample_rate = strict, sample_rate
        self.graph, self.table_file, self.rejected_file, self.bar = graph, table, rejected, bar
        self.rows = io.StringIO()
        self.table = csv.writer(self.rows)
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

    def read_part(self, path: Path) -> None:
        """Map one DECP file into its own part of the dump and of the table."""
        self.graph.begin()
        start = self.table_file.tell()
        self.table_file.begin()
        if not self.result.files:
            self.table.writerow(TABLE_COLUMNS)
        self.read_file(path)
        self.flush()
        self.result.graph_end = self.graph.end()
        self.result.table_end = self.table_file.end()
        self.result.table_parts.append((start, self.result.table_end))
        self.result.decp_triples = self.result.triples
        self.result.files.append((path.name, sha256_of(path).hex()))

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
        self.result.totals.add(mapped.facts)
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
        """Write what the Sirene register says of the contracts' organisations (a part)."""
        self.result.sirene = SireneReport()
        self.graph.begin()
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
        self.flush()
        self.graph.end()

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
        """Write the buffered lines to the graph and the buffered rows to the table."""
        self.result.triples += len(self.buffer)
        self.result.counts.add_lines(self.buffer, self.mapper.id)
        self.graph.write("".join(self.buffer).encode("utf-8"))
        self.buffer.clear()
        self.table_file.write(self.rows.getvalue().encode("utf-8"))
        self.rows.seek(0)
        self.rows.truncate()

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


@dataclass
class State:
    """What a DECP run had seen after its last DECP file: enough to take it up again.

    ``context`` is the id of every other input of the build (curated data, Sirene files,
    code, options): an update is only taken up over the same.  The sets are written
    sorted, so the same run gives the same file.
    """

    context: str
    files: list[tuple[str, str]]
    counts: dict
    rejected: dict[str, int]
    empty_files: list[str]
    neighbour_wanted: bool
    seen_keys: list[bytes]
    seen_shared: list[str]
    sirets: list[str]
    buyers: list[str]
    graph_end: int
    table_end: int
    deferred: list[str]
    #: The indicator totals of the contracts mapped so far (``Totals.to_json``), and the
    #: counts of their part of the dump (``GraphStats.json``).
    totals: dict
    dump_counts: dict

    COUNTS = ("records_read", "contracts_mapped", "marches", "concessions", "modified_contracts",
              "modifications", "skipped_modifications", "sampled_records", "decp_triples")

    @classmethod
    def of(cls, run: _Run, context: str) -> State:
        """Return the state of ``run`` after its DECP files."""
        result = run.result
        return cls(context, list(result.files),
                   {name: getattr(result, name) for name in cls.COUNTS}, dict(result.rejected),
                   list(result.empty_files), run.neighbour_wanted, sorted(run.seen_keys),
                   sorted(run.seen_shared), sorted(run.sirets), sorted(run.buyers),
                   result.graph_end, result.table_end, sorted(run.deferred),
                   result.totals.to_json(), result.counts.json())

    def write(self, path: Path) -> None:
        """Write the state (gzip JSON, no time in it)."""
        # Not dataclasses.asdict: it deep-copies every list, a million items at national size.
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["seen_keys"] = base64.b64encode(b"".join(self.seen_keys)).decode("ascii")
        body = json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
        path.write_bytes(gzip.compress(body, compresslevel=6, mtime=0))

    @classmethod
    def read(cls, path: Path) -> State:
        """Read a state written by :meth:`write`."""
        data = json.loads(gzip.decompress(path.read_bytes()))
        keys = base64.b64decode(data["seen_keys"])
        data["seen_keys"] = [keys[i:i + 12] for i in range(0, len(keys), 12)]
        data["files"] = [tuple(f) for f in data["files"]]
        return cls(**data)

    def resume(self, run: _Run) -> None:
        """Put ``run`` where this state's run stopped."""
        result = run.result
        for name, value in self.counts.items():
            setattr(result, name, value)
        result.triples = result.decp_triples
        result.rejected.update(self.rejected)
        result.empty_files += self.empty_files
        result.files += self.files
        result.graph_end, result.table_end = self.graph_end, self.table_end
        result.totals = Totals.from_json(self.totals)
        result.counts = GraphStats.from_json(self.dump_counts)
        run.neighbour_wanted = self.neighbour_wanted
        run.seen_keys.update(self.seen_keys)
        run.seen_shared.update(self.seen_shared)
        run.sirets.update(self.sirets)
        run.buyers.update(self.buyers)
        run.deferred += self.deferred


def build_contracts(files: list[Path], out_path: Path, base: str, org_lookup: dict[str, str],
                    strict: bool = False, sample_rate: float = 0.01,
                    progress: bool = False, sirene_files: tuple[Path, ...] = (),
                    context: str = "", previous: tuple[State, Path] | None = None) -> DecpResult:
    """Map DECP v2 files to N-Triples at ``out_path``; quarantine bad records beside it.

    With ``sirene_files`` (INSEE stock files), the organisations of the contracts then get
    what the Sirene register says of them (``graph_builder.rdf.organisations``).  The run's
    state is written beside the output (``STATE_NAME``, under ``context``).  With
    ``previous`` (a state and the folder of the build that wrote it), the earlier files'
    parts are copied from that build and only ``files`` are mapped.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    result = DecpResult(out_path=out_path, rejected_path=out_path.parent / REJECTED_NAME,
                        table_path=out_path.parent / TABLE_NAME)
    unnamed = out_path.parent / UNNAMED_TABLE
    with ExitStack() as opened:
        # With Sirene the table is first written without names (UNNAMED_TABLE, kept in the
        # build for an update to copy), then named once the register is read.
        table_path = unnamed if sirene_files else result.table_path
        graph, table = (opened.enter_context(_Parts(opened.enter_context(open(path, "wb")),
                                                    path.name.endswith(".gz")))
                        for path in (out_path, table_path))
        bar = opened.enter_context(tqdm(desc="contracts", unit=" records",
                                        disable=not progress, file=sys.stderr))
        if previous is not None:
            shutil.copyfile(previous[1] / REJECTED_NAME, result.rejected_path)
        rejected = opened.enter_context(open(result.rejected_path, "a", encoding="utf-8"))
        run = _Run(result, Mapper(base, org_lookup), strict, sample_rate, graph, table,
                   rejected, bar, naming=bool(sirene_files))
        if previous is not None:
            state, folder = previous
            graph.copy(folder / out_path.name, state.graph_end)
            table.copy(folder / table_path.name, state.table_end)
            state.resume(run)
        for path in files:
            run.read_part(Path(path))
        State.of(run, context).write(out_path.parent / STATE_NAME)
        if sirene_files:
            run.join_sirene(sirene_files, base, org_lookup)
    if sirene_files:
        _name_table(unnamed, result.table_path, run.names, result.table_parts,
                    previous[1] / TABLE_NAME if previous is not None else None)
    result.sample_lines = "".join(dict.fromkeys(run.sample_lines))
    return result


def _name_table(source: Path, target: Path, names: dict[str, str],
                parts: list[tuple[int, int]], earlier: Path | None = None) -> None:
    """Copy the contracts table's ``parts``, filling the buyer's and holders' names from the
    register; after the named table of the ``earlier`` build, when there is one.

    A second pass over the table written while the records streamed: the names are known
    only once the register was read, after the last record.  Each DECP file's part is named
    into its own gzip member, so an update copies the earlier members byte for byte (a
    SIRET's name comes from the register, the same for an update) and names only its month.
    """
    with open(source, "rb") as raw_source, open(target, "wb") as raw:
        if earlier is not None:
            with open(earlier, "rb") as named:
                shutil.copyfileobj(named, raw, 1 << 20)
        for start, end in parts:
            raw_source.seek(start)
            with gzip.GzipFile(fileobj=io.BufferedReader(_Slice(raw_source, end - start)),
                               mode="rb") as packed_rows, \
                    io.TextIOWrapper(packed_rows, encoding="utf-8", newline="") as rows, \
                    gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                  compresslevel=6) as packed, \
                    io.TextIOWrapper(packed, encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                for n, row in enumerate(csv.reader(rows)):
                    if n or start:  # the first part starts with the header
                        # A register name is text a spreadsheet must not run either.
                        row[_BUYER_NAME] = cell(names.get(row[_BUYER], ""))
                        row[_HOLDER_NAMES] = cell(" | ".join(
                            names.get(h[6:], "") if h.startswith("SIRET:") else ""
                            for h in row[_HOLDERS].split()))
                    writer.writerow(row)


class _Slice(io.RawIOBase):
    """The next ``size`` bytes of an open file, read as a file of their own (one part)."""

    def __init__(self, raw: BinaryIO, size: int) -> None:
        self.raw, self.left = raw, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(min(len(buffer), self.left))
        self.left -= len(data)
        buffer[:len(data)] = data
        return len(data)


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


_CONCLUSION = ox.NamedNode("http://data.europa.eu/a4g/ontology#hasContractConclusionDate")


def contract_dates(store: ox.Store, totals: Totals | None = None,
                   others: list[ox.Triple] = ()) -> tuple[str, str] | None:
    """Return the first and last conclusion dates of the contracts in ``store``, if any.

    With ``totals`` (every mapped contract's day, summed while mapping) and ``others``
    (every other triple of the store), the store is not read: an update would otherwise
    scan every contract's date again.
    """
    if totals is not None:
        days = [d for d in totals.considerations[4:6] if d]
        days += [t.object.value for t in others if t.predicate == _CONCLUSION]
        return (min(days), max(days)) if days else None
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


_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_ORGANIZATION = ox.NamedNode("http://www.w3.org/ns/org#Organization")
_LEGAL_NAME = ox.NamedNode(str(APG.legalName))
_NAMES = (ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
          ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), _LEGAL_NAME)


def write_names(names: list[ox.Triple], path: Path) -> None:
    """Keep the organisations' names in the build (sorted gzip N-Triples, no time in it)."""
    lines = sorted(set(ntriples_bytes(list(set(names))).decode("utf-8").splitlines(True)))
    path.write_bytes(gzip.compress("".join(lines).encode("utf-8"), compresslevel=6, mtime=0))


def read_names(path: Path) -> list[ox.Triple]:
    """Read the names kept by :func:`write_names`."""
    return [q.triple for q in ox.parse(gzip.decompress(path.read_bytes()),
                                       format=ox.RdfFormat.N_TRIPLES)]


def changed_names(store: ox.Store, names: list[ox.Triple], removed: list[ox.Triple],
                  added: list[ox.Triple]) -> list[ox.Triple]:
    """Return what :func:`organisation_names` gives once ``removed`` left ``store`` and
    ``added`` entered it, from what it gave before (``names``): an update asks the store
    only about the organisations its difference touches.
    """
    found = set(names).difference(removed)
    typed = {t.subject for t in (*removed, *added)
             if t.predicate == _TYPE and t.object == _ORGANIZATION}
    for t in added:
        if t.predicate in _NAMES and t.subject not in typed and (
                t.predicate == _LEGAL_NAME or ox.Quad(t.subject, _TYPE, _ORGANIZATION) in store):
            found.add(t)
    if typed:  # an organisation's type came or went: ask the store for its names
        found = {t for t in found if t.subject not in typed}
        for subject in typed:
            organisation = ox.Quad(subject, _TYPE, _ORGANIZATION) in store
            for predicate in _NAMES if organisation else (_LEGAL_NAME,):
                found.update(q.triple for q in store.quads_for_pattern(subject, predicate, None))
    return list(found)


def predating(store: ox.Store, totals: Totals | None = None) -> list[str]:
    """Return a warning per instrument some contracts use before its legal basis is in force.

    "Since" is the rule the instrument pages show (``achat_core.legal_dates``): a contract
    before it is either a data error or a sign that the basis lacks an older text.  With
    ``totals`` (the contracts counted per instrument and day as they were mapped), the
    store is asked only for the legal bases.
    """
    variables = ("instrument", "basis", "inForce", "date", "text", "textInForce", "textDate")
    rows = [{name: row[name].value for name in variables if row[name] is not None}
            for row in store.query(legal_dates.basis_dates_query())]
    since = legal_dates.since(rows)
    if not since:
        return []
    if totals is not None:
        found = totals.before({i: day for i, (day, _, _) in since.items()})
    else:
        found = _predating_in_store(store, since)
    warnings = []
    for instrument, count, first in found:
        day, _, source = since[instrument]
        warnings.append(
            f"Warning: {count} contract{'s' if count > 1 else ''} using instrument "
            f"{instrument.rsplit('/', 1)[-1]} {'were' if count > 1 else 'was'} concluded "
            f"before its legal basis is in "
            f"force (since {day}, {source.rsplit('/', 1)[-1]}), the first on {first}")
    return warnings


def _predating_in_store(store: ox.Store, since: dict) -> list[tuple[str, int, str]]:
    """Return, per instrument, its contracts before ``since`` and the first one's date."""
    values = " ".join(f'(<{i}> "{day}"^^<http://www.w3.org/2001/XMLSchema#date>)'
                      for i, (day, _, _) in sorted(since.items()))
    found = store.query(
        prefix_lines("epo", "apg") + f"SELECT ?i (COUNT(?c) AS ?n) (MIN(?d) AS ?first) WHERE {{ "
        f"VALUES (?i ?since) {{ {values} }} ?c apg:usesInstrument|apg:inferredInstrument ?i ; "
        f"epo:hasContractConclusionDate ?d FILTER(?d < ?since) }} GROUP BY ?i ORDER BY ?i")
    return [(row["i"].value, int(row["n"].value), row["first"].value)
            for row in found if row["i"] is not None]


def add_indicators(store: ox.Store, folder: Path, base: str, result: DecpResult,
                   mapped: Mapped, vocabulary: rdflib.Graph,
                   shapes: tuple[rdflib.Graph, rdflib.Graph], distinct: Distinct | None = None,
                   checked: Path | None = None) -> tuple[list[ox.Triple], FileInfo, int]:
    """Compute the indicators from the contracts in ``store``, check them, dump and load them.

    ``distinct``, when the store's distinct terms are kept up to date, counts theirs in.
    ``checked``, an update's released indicator dump: the indicators it holds unchanged
    (every triple of theirs the same) passed the same shapes with the same curated graph (an
    update's context), so only the others are checked again.  Return the indicators, their
    dump and how many of their triples were checked.
    """
    indicators = compute_indicators(store, base, source=DECP_SOURCE, totals=result.totals)
    changed = _changed(indicators, checked)
    _builder_checks(mapped, result, changed, vocabulary, shapes)
    info = files.write_checked(indicators, folder / INDICATORS_DUMP)
    if distinct is not None:
        distinct.adding(indicators)
    files.load(store, folder / INDICATORS_DUMP)
    return indicators, info, len(changed)


def _changed(indicators: list[ox.Triple], checked: Path | None) -> list[ox.Triple]:
    """Return the triples of the indicators that are not, every triple the same, in
    ``checked`` (an indicator dump), all of them without one."""
    if checked is None:
        return indicators
    with gzip.open(checked, "rb") as dump:
        before = {q.triple for q in ox.parse(dump, format=ox.RdfFormat.N_TRIPLES)}
    now = set(indicators)
    changed = {t.subject for t in now.symmetric_difference(before)}
    return [t for t in indicators if t.subject in changed]


def _builder_checks(mapped: Mapped, result: DecpResult, indicators: list[ox.Triple],
                    vocabulary: rdflib.Graph, shapes: tuple[rdflib.Graph, rdflib.Graph]) -> None:
    """Validate the sample of contracts and the indicators with the curated graph around them.

    The input was already checked record by record, so a Violation here is a builder bug.
    """
    data = rdflib.Graph()
    for triple in mapped.graph:
        data.add(triple)
    if result.sample_lines:
        data.parse(data=result.sample_lines, format="nt")
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
