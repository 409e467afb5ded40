"""What a build is asked to do: its options, their checks, the id and the day of a build."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, replace
from functools import cache
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox

import achat_core
from achat_core.iris import DEFAULT_BASE
from achat_core.resources import ONTOLOGY_DIR, SHAPES_DIR

#: The code whose changes change the output (part of the build id).
CODE_DIR = Path(__file__).resolve().parent.parent
CORE_DIR = Path(achat_core.__file__).resolve().parent


class UnsupportedInput(OSError):
    """An input this build cannot read yet."""


@dataclass(frozen=True)
class BuildOptions:
    """What to build, from where, and where to release it."""

    data_dir: Path
    wiki_dir: Path | None = None
    decp_files: tuple[Path, ...] = ()
    sirene_files: tuple[Path, ...] = ()  # INSEE Sirene stock files, joined to the DECP ones
    out_dir: Path = Path("dist")
    base: str = DEFAULT_BASE
    with_store: bool | None = None
    strict: bool = False
    sample_rate: float = 0.01
    quiet: bool = False
    created: str | None = None  # YYYY-MM-DD; else SOURCE_DATE_EPOCH; else the inputs' latest date
    extra_parts: tuple[Path, ...] = ()  # N-Triples files (.nt or .nt.gz) published beside the graph
    #: The last DECP file is a new month added to the released build, made from the others.
    update: bool = False


def check_inputs(options: BuildOptions) -> None:
    """Refuse options no build can honour, before anything is read."""
    if not options.base.startswith(("http://", "https://")) or not options.base.endswith("/"):
        raise UnsupportedInput(f"--base {options.base!r}: expected an absolute http(s) IRI "
                               "ending with '/'")
    try:
        ox.NamedNode(f"{options.base}id/x")
    except ValueError as error:
        raise UnsupportedInput(f"--base {options.base!r}: not a valid IRI ({error})") from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and not epoch.isdigit():
        raise UnsupportedInput(f"SOURCE_DATE_EPOCH={epoch!r}: expected a number of seconds")
    folders = [("--data", options.data_dir)]
    if options.wiki_dir is not None:
        folders.append(("--wiki", options.wiki_dir))
    for option, folder in folders:
        if not Path(folder).is_dir():
            raise FileNotFoundError(f"{option} {folder}: no such folder")
    if options.update and not options.decp_files:
        raise UnsupportedInput("--update needs a DECP file to add")
    if options.sirene_files and not options.decp_files:
        raise UnsupportedInput("--sirene needs --decp: the register is read for the "
                               "organisations of the contracts")
    for option, paths in (("--decp", options.decp_files), ("--sirene", options.sirene_files),
                          ("extra part", options.extra_parts)):
        for path in paths:
            if not Path(path).is_file():
                raise FileNotFoundError(f"{option} {path}: no such file")
    if not 0 <= options.sample_rate <= 1:
        raise UnsupportedInput(f"--sample-rate {options.sample_rate}: expected a share "
                               "between 0 and 1")


def _input_files(options: BuildOptions) -> list[Path]:
    roots = [options.data_dir, ONTOLOGY_DIR, SHAPES_DIR, CODE_DIR, CORE_DIR]
    if options.wiki_dir is not None:
        roots.append(options.wiki_dir)
    # The core's assets are the ontology and shapes already listed (or data not used).
    files = [p for root in roots for p in sorted(Path(root).rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts and "assets" not in p.parts]
    return files + [Path(p) for p in (*options.decp_files, *options.sirene_files,
                                      *options.extra_parts)]


def with_store(options: BuildOptions) -> bool:
    """Say whether to write an on-disk store: as asked, else when there is more than the graph."""
    if options.with_store is not None:
        return options.with_store
    return bool(options.extra_parts or options.decp_files)


def sha256_of(path: Path) -> bytes:
    """Return the SHA-256 of a file's bytes, read once while the file stays as it is."""
    path = Path(path).resolve()
    status = path.stat()
    return _sha256(path, status.st_size, status.st_mtime_ns, status.st_ino)


@cache
def _sha256(path: Path, size: int, mtime_ns: int, inode: int) -> bytes:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").digest()


def context_of(options: BuildOptions) -> str:
    """Return the id of every input but the DECP files: what a monthly update must share."""
    return build_id_of(replace(options, decp_files=(), with_store=with_store(options)))


def build_id_of(options: BuildOptions) -> str:
    """Return a short hash of the inputs, the options that change the output and the version.

    ``update`` is not one of them: an update and a full rebuild from the same files are
    the same build.
    """
    digest = hashlib.sha256()
    try:
        version = metadata.version("achat-public-graph")
    except metadata.PackageNotFoundError:
        version = "unknown"
    settings = [version, options.base, options.created or "",
                os.environ.get("SOURCE_DATE_EPOCH", ""), repr(options.sample_rate),
                str(options.strict), str(with_store(options))]
    digest.update("\n".join(settings).encode() + b"\n")
    for path in _input_files(options):
        digest.update(path.name.encode() + b"\0")
        digest.update(sha256_of(path))
    return digest.hexdigest()[:16]


def set_day(options: BuildOptions) -> dt.date | None:
    """Return the build's set day: ``--created``, else SOURCE_DATE_EPOCH, else None."""
    if options.created:
        return dt.date.fromisoformat(options.created)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return None
