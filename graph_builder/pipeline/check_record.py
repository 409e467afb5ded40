"""Check new curated records the way a build would, before anyone adds them to ``data/``.

The records are appended to a copy of the curated folder, in the file of their kind; the
copy is read (``sources/curated``: the record model), mapped (``rdf/mapping``) and passed
through the gate (``shacl/gate``: the same shapes).  Only the problems of the new records
are reported, each with its record, field and French and English message.  Nothing is
written outside a temporary folder.  ``achat-graph check-record`` and the server's
``/contribute`` page (which runs that command in a process of its own) both use it.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from graph_builder.errors import InvalidData, Problem
from graph_builder.rdf.mapping import map_records
from graph_builder.rdf.vocabulary import load_shapes, load_vocabulary
from graph_builder.shacl.gate import validate_graph
from graph_builder.sources.curated import FILE_KINDS, KIND_FILES, read_data_dir

#: The most text a check reads (a few records, not a data folder).
MAX_INPUT_BYTES = 64 * 1024
#: The most records one check takes.
MAX_RECORDS = 20


@dataclass
class CheckResult:
    """The problems of the new records, and, per data file, the YAML text to append to it."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """Say whether a build would accept the records (no blocking problem)."""
        return not self.problems

    def as_json(self) -> dict:
        """Return the result as the JSON ``check-record --json`` prints."""
        def one(p: Problem) -> dict:
            return {"record": p.record, "field": p.field, "line": p.line,
                    "message_en": p.message, "message_fr": p.message_fr or p.message}
        return {"valid": self.valid, "problems": [one(p) for p in self.problems],
                "warnings": [one(p) for p in self.warnings], "files": self.files}


def parse_records(text: str, kind: str | None) -> dict[str, list[dict]]:
    """Read the records to check: one record, a list of one kind, or ``{file name: [records]}``.

    Raise ValueError with a message when the text is not such a document.
    """
    if len(text.encode("utf-8")) > MAX_INPUT_BYTES:
        raise ValueError(f"the records are longer than {MAX_INPUT_BYTES} bytes")
    try:
        document = yaml.load(text, Loader=yaml.CSafeLoader if yaml.__with_libyaml__
                             else yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise ValueError(f"malformed YAML: {error}") from None
    if isinstance(document, dict) and document and set(document) <= set(FILE_KINDS):
        grouped = {name: value if isinstance(value, list) else [value]
                   for name, value in document.items()}
    else:
        if kind not in KIND_FILES:
            raise ValueError(f"say which kind of record this is: one of "
                             f"{', '.join(sorted(KIND_FILES))}")
        grouped = {KIND_FILES[kind]: document if isinstance(document, list) else [document]}
    count = sum(len(records) for records in grouped.values())
    if not count or count > MAX_RECORDS:
        raise ValueError(f"expected 1 to {MAX_RECORDS} records, found {count}")
    for records in grouped.values():
        if not all(isinstance(record, dict) for record in records):
            raise ValueError("each record is a mapping of fields (key: …, title: …)")
    return grouped


def check_records(grouped: dict[str, list[dict]], data_dir: Path, base: str) -> CheckResult:
    """Check records against the model and the shapes, next to the curated data they cite."""
    result = CheckResult()
    new_keys = {str(r.get("key")) for records in grouped.values() for r in records}
    with tempfile.TemporaryDirectory(prefix="achat-check-") as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data_dir, copy)
        for name, records in grouped.items():
            text = yaml.safe_dump(records, allow_unicode=True, sort_keys=False, width=100)
            result.files[name] = text
            path = copy / name
            before = path.read_text(encoding="utf-8") if path.exists() else ""
            path.write_text(before.rstrip("\n") + "\n\n" + text if before.strip() else text,
                            encoding="utf-8")
        try:
            records = read_data_dir(copy)
        except InvalidData as error:
            result.problems = [p for p in error.problems if _ours(p, new_keys, copy, grouped)]
            if not result.problems:  # a problem elsewhere is still a reason to refuse
                result.problems = list(error.problems)
            result.problems = [_named(p, copy) for p in result.problems]
            return result
        mapped = map_records(records, base)
        report = validate_graph(mapped.graph, load_shapes(), load_vocabulary(), mapped.origins)
        def mine(p: Problem) -> bool:
            return (p.record or "").rsplit("/", 1)[-1] in new_keys
        result.problems = [_named(p, copy) for p in report.violations if mine(p)]
        result.warnings = [_named(p, copy) for p in report.warnings if mine(p)]
        if not result.problems and report.violations:
            result.problems = [_named(p, copy) for p in report.violations]
    return result


def _named(problem: Problem, copy: Path) -> Problem:
    """Name the data file a problem is in as ``data/…``, not the temporary copy."""
    if problem.file and Path(problem.file).parent == copy:
        return replace(problem, file=f"data/{Path(problem.file).name}")
    return problem


def _ours(problem: Problem, keys: set[str], copy: Path, grouped: dict) -> bool:
    """Tell whether a reading problem is about one of the new records (or their file's end)."""
    if problem.record in keys:
        return True
    return bool(problem.file) and Path(problem.file).name in grouped and problem.record is None
