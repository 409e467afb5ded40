"""A source record: one thing read from a curated file, a wiki page or another source."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Record:
    """One thing to map: its kind (IRI path segment), key (slug) and fields.

    ``fields`` uses the YAML field names of ``docs/model.md`` (texts as
    ``{"fr": ..., "en": ...}``, references as keys).  ``file``/``line`` and
    ``field_lines`` say where it came from, for error messages.
    """

    kind: str
    key: str
    fields: dict[str, Any]
    file: str | None = None
    line: int | None = None
    field_lines: dict[str, int] = field(default_factory=dict)
    imported: bool = False  # from a wiki page: a missing English text is only a Warning

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.key}"
