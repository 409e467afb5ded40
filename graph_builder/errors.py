"""Problems found in input data, and the exception that carries them.

A problem names where it was found (file, line, record, field), what was
expected, in English and French, and whether it blocks publication.
"""

from __future__ import annotations

from dataclasses import dataclass

VIOLATION = "Violation"
WARNING = "Warning"


@dataclass(frozen=True)
class Problem:
    message: str
    message_fr: str | None = None
    file: str | None = None
    line: int | None = None
    record: str | None = None
    field: str | None = None
    severity: str = VIOLATION

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where, self.severity]
        if self.record:
            parts.append(f"record {self.record!r}")
        if self.field:
            parts.append(f"field {self.field!r}")
        text = ": ".join(parts) + f": {self.message}"
        if self.message_fr:
            text += f" / {self.message_fr}"
        return text


class InvalidData(Exception):
    """Input data that must not be released; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
