"""Streaming reader of DECP v2 JSON files: one record at a time, never the whole file.

A file is ``{"marches": {"marche": [...], "contrat-concession": [...]}}`` (plain or
gzip).  Each array is streamed with ijson; amounts come as ``Decimal`` (or ``int``),
never as floats.  A file that is not JSON, or breaks off (JSON or gzip), ends with a ``BrokenFile``
item naming where reading stopped: records before it are kept.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson

MARCHE = "marche"
CONCESSION = "contrat-concession"
KINDS = (MARCHE, CONCESSION)


@dataclass(frozen=True)
class RawRecord:
    """One record as read: its file, array, position in that array and JSON value."""

    file: str
    kind: str
    index: int
    data: Any


@dataclass(frozen=True)
class BrokenFile:
    """A file whose JSON could not be read to the end."""

    file: str
    kind: str
    index: int
    message: str


def _open(path: Path):
    with open(path, "rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def read_records(path: Path) -> Iterator[RawRecord | BrokenFile]:
    """Yield the records of a DECP v2 file, marchés first, then concessions."""
    for kind in KINDS:
        index = -1
        with _open(path) as stream:
            try:
                for index, data in enumerate(ijson.items(stream, f"marches.{kind}.item")):
                    yield RawRecord(str(path), kind, index, data)
            except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError) as error:
                message = (str(error).strip().splitlines() or [type(error).__name__])[0]
                yield BrokenFile(str(path), kind, index + 1, f"invalid JSON: {message}")
                return
            except (EOFError, gzip.BadGzipFile, zlib.error) as error:
                yield BrokenFile(str(path), kind, index + 1, f"broken gzip data: {error}")
                return
