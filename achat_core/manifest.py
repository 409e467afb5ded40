"""``build.json``: what a published build holds, written by the builder and read by its users.

The builder writes it last, so a folder with a valid manifest is a complete build.  The
server reads it to know what to load and serve; ``publish`` reads it to know what to send.
Each reader gets the same checks and the same messages, naming the file and the field.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

NAME = "build.json"
_BUILD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class ManifestError(ValueError):
    """A missing or malformed ``build.json``; the message names the file and the field."""


@dataclass(frozen=True)
class FileEntry:
    """One published file: its size, checksum, media type of its content, triples if RDF."""

    bytes: int
    sha256: str
    media_type: str | None = None
    triples: int | None = None


@dataclass(frozen=True)
class Manifest:
    """A published build: its id, base IRI, date, triple count, dumps to load, files."""

    build_id: str
    base: str
    created: str
    triples: int
    #: The dumps a store loads, in order (file names in the build folder).
    load: tuple[str, ...]
    #: The on-disk store's folder name in the build, or None.
    store: str | None = None
    files: dict[str, FileEntry] = field(default_factory=dict)

    def write(self, folder: Path) -> Path:
        """Write ``folder/build.json`` (sorted keys, so the same build gives the same bytes)."""
        path = Path(folder) / NAME
        data = asdict(self)
        data["load"] = list(self.load)
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return path

    def as_dict(self) -> dict:
        """Return the manifest as the JSON object it is written as."""
        data = asdict(self)
        data["load"] = list(self.load)
        return data

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """Read and check ``folder/build.json``; raise ManifestError saying what is wrong."""
        folder = Path(folder)
        if not folder.is_dir():
            raise ManifestError(f"{folder}: no such folder; build the graph first "
                                f"(achat-graph build --out {folder})")
        path = folder / NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ManifestError(f"{path}: missing; {folder} is not a published build") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ManifestError(f"{path}: cannot read: {error}") from None
        except json.JSONDecodeError as error:
            raise ManifestError(f"{path}: not valid JSON (line {error.lineno}): "
                                f"{error.msg}") from None
        if not isinstance(data, dict):
            raise ManifestError(f"{path}: expected a JSON object, found {type(data).__name__}")
        for key, kind in (("build_id", str), ("base", str), ("created", str), ("triples", int),
                          ("load", list)):
            if key not in data:
                raise ManifestError(f"{path}: field {key!r} is missing")
            if not isinstance(data[key], kind) or isinstance(data[key], bool):
                raise ManifestError(f"{path}: field {key!r} should be {kind.__name__}, "
                                    f"found {data[key]!r}")
        if not _BUILD_ID.fullmatch(data["build_id"]):
            raise ManifestError(f"{path}: field 'build_id' is {data['build_id']!r}: expected "
                                "letters, digits, '.', '_' or '-'")
        if not data["load"]:
            raise ManifestError(f"{path}: field 'load' is empty; nothing to serve")
        for name in data["load"]:
            if not isinstance(name, str) or "/" in name or name.startswith("."):
                raise ManifestError(f"{path}: field 'load' should list file names in {folder}, "
                                    f"found {name!r}")
            if not (folder / name).is_file():
                raise ManifestError(f"{path}: field 'load' names {name!r}, but "
                                    f"{folder / name} is missing")
        files = data.get("files") or {}
        try:
            entries = {name: FileEntry(**entry) for name, entry in files.items()}
        except (AttributeError, TypeError) as error:
            raise ManifestError(f"{path}: field 'files' is malformed: {error}") from None
        store = data.get("store")
        if store is not None and not isinstance(store, str):
            raise ManifestError(f"{path}: field 'store' should be a folder name or null")
        return cls(data["build_id"], data["base"], data["created"], data["triples"],
                   tuple(data["load"]), store, entries)
