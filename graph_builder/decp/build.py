"""Build the contract graph of DECP files: stream, check, map, write N-Triples, keep a sample.

Bulk data is quarantined record by record: a bad record is written to
``decp-rejected.jsonl`` beside the output (file, array, record index, id, kind of problem,
field, message) and left out; the counts per kind go into the summary.  ``strict``
stops at the first one instead.  Duplicated keys (buyer SIRET + id + date) keep the first
record.  Nodes shared by many records (organisations, roles, places) are written once, when
first met, so the output order only depends on the input.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
import zlib
from collections import Counter
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path
from typing import TYPE_CHECKING

import rdflib
from tqdm import tqdm

from graph_builder.decp.mapper import TABLE_COLUMNS, MappedContract, Mapper, Rejected
from graph_builder.decp.reader import BrokenFile, read_records
from graph_builder.errors import InvalidData, Problem

if TYPE_CHECKING:
    from graph_builder.rdf.organisations import SireneReport

REJECTED_NAME = "decp-rejected.jsonl"
#: The contracts as one CSV table (gzip), written beside the contract graph as records map.
TABLE_NAME = "contracts.csv.gz"
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


def _opener(path: Path):
    if path.name.endswith(".gz"):
        raw = open(path, "wb")  # noqa: SIM115 - closed with the stream in build_contracts
        return gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0), raw
    return open(path, "wb"), None


def _is_sampled(key: str, rate: float) -> bool:
    return zlib.crc32(key.encode()) % _SAMPLE_SCALE < rate * _SAMPLE_SCALE


def _organisations(mapped: MappedContract, sirets: set[str], buyers: set[str]) -> None:
    """Add the SIRETs of a mapped contract's buyer and holders to the sets of the Sirene join."""
    buyers.add(mapped.identity[0])
    sirets.add(mapped.identity[0])
    holders = mapped.row[TABLE_COLUMNS.index("holders")]
    sirets.update(h[6:] for h in holders.split() if h.startswith("SIRET:"))


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
    mapper = Mapper(base, org_lookup)
    seen_keys: set[bytes] = set()
    seen_shared: set[str] = set()
    sample_lines: list[str] = []
    neighbour_wanted = False
    sirets: set[str] = set()
    buyers: set[str] = set()
    buffer: list[str] = []
    stream, raw = _opener(out_path)
    table_stream, table_raw = _opener(result.table_path)
    table_text = io.TextIOWrapper(table_stream, encoding="utf-8", newline="")
    table = csv.writer(table_text)
    table.writerow(TABLE_COLUMNS)
    bar = tqdm(unit=" records", disable=not progress, file=sys.stderr)
    try:
        with open(result.rejected_path, "w", encoding="utf-8") as rejected_file:

            def reject(file: str, kind: str, index: int, record_id, problem: str, where: str,
                       message: str) -> None:
                nonlocal neighbour_wanted
                if strict:
                    raise InvalidData([Problem(
                        message=f"{problem}: {message} (record #{index} of {kind})",
                        file=file, record=record_id, field=where or None)])
                if problem not in result.rejected:
                    neighbour_wanted = True
                result.rejected[problem] += 1
                rejected_file.write(json.dumps({
                    "file": file, "array": kind, "record": index, "id": record_id,
                    "kind": problem, "field": where, "problem": message,
                }, ensure_ascii=False) + "\n")

            for path in files:
                before = result.records_read
                for item in read_records(Path(path)):
                    if isinstance(item, BrokenFile):
                        if result.records_read == before:
                            raise NotDecpFile(f"{item.file}: not a DECP v2 JSON file "
                                              f"(broken before its first record): {item.message}")
                        reject(item.file, item.kind, item.index, None, "broken-file", "",
                               item.message)
                        continue
                    result.records_read += 1
                    bar.update()
                    if item.problem is not None:
                        reject(item.file, item.kind, item.index, None, "over-limit",
                               item.problem[0], item.problem[1])
                        continue
                    try:
                        mapped = mapper.map(item.kind, item.data)
                    except Rejected as bad:
                        reject(item.file, item.kind, item.index, bad.record_id, bad.kind,
                               bad.field, bad.message)
                        continue
                    identity = blake2b("\x00".join(mapped.identity).encode("utf-8"),
                                       digest_size=12).digest()
                    if identity in seen_keys:
                        reject(item.file, item.kind, item.index, mapped.identity[1],
                               "duplicate-key", "id",
                               f"buyer {mapped.identity[0]}, id {mapped.identity[1]!r} and "
                               f"date {mapped.identity[2]} already seen: first record kept")
                        continue
                    seen_keys.add(identity)
                    if sirene_files:
                        _organisations(mapped, sirets, buyers)
                    _count(result, item.kind, mapped)
                    table.writerow(mapped.row)
                    buffer.extend(mapped.lines)
                    for node, lines in mapped.shared.items():
                        if node not in seen_shared:
                            seen_shared.add(node)
                            buffer.extend(lines)
                    if (neighbour_wanted or result.contracts_mapped == 1
                            or _is_sampled(mapped.key, sample_rate)):
                        neighbour_wanted = False
                        result.sampled_records += 1
                        sample_lines.extend(mapped.lines)
                        for lines in mapped.shared.values():
                            sample_lines.extend(lines)
                    if len(buffer) > _FLUSH_EVERY * 40:
                        result.triples += len(buffer)
                        stream.write("".join(buffer).encode("utf-8"))
                        buffer.clear()
                if result.records_read == before:
                    result.empty_files.append(str(path))
            if sirene_files:
                # Imported here: the Sirene writer uses the mapper of this package.
                from graph_builder.rdf.organisations import SireneReport, sirene_triples

                result.sirene = SireneReport()
                for line in sirene_triples(sirene_files, base, sirets, buyers, org_lookup,
                                           seen_shared, result.sirene):
                    buffer.append(line)
                    if len(buffer) > _FLUSH_EVERY * 40:
                        result.triples += len(buffer)
                        stream.write("".join(buffer).encode("utf-8"))
                        buffer.clear()
            result.triples += len(buffer)
            stream.write("".join(buffer).encode("utf-8"))
    finally:
        bar.close()
        stream.close()
        table_text.close()
        for opened in (raw, table_raw):
            if opened is not None:
                opened.close()
    if sample_lines:
        result.sample.parse(data="".join(dict.fromkeys(sample_lines)), format="nt")
    return result


def _count(result: DecpResult, kind: str, mapped: MappedContract) -> None:
    result.contracts_mapped += 1
    if kind == "marche":
        result.marches += 1
    else:
        result.concessions += 1
    if mapped.modifications:
        result.modified_contracts += 1
        result.modifications += mapped.modifications
    result.skipped_modifications += mapped.skipped_modifications
