"""The files of a build folder: written, re-parsed strictly, described, loaded into the store.

Every RDF file the build writes is read back with pyoxigraph (strict) and its triples
counted before it is listed; a file that does not read back stops the build.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import pyoxigraph as ox

from achat_core.formats import content_of
from achat_core.rdf_files import open_rdf
from graph_builder.errors import InvalidData, Problem
from graph_builder.output import dumps
from graph_builder.output.catalog import FileInfo


def file_info(path: Path, triples: int | None) -> FileInfo:
    """Describe a published file; its media type is its content's, from the format table."""
    with open(path, "rb") as stream:
        sha256 = hashlib.file_digest(stream, "sha256").hexdigest()
    return FileInfo(path.name, path.stat().st_size, sha256, content_of(path.name).media_type,
                    triples, compressed=path.name.endswith(".gz"))


def write_checked(triples: list[ox.Triple], path: Path) -> FileInfo:
    """Write a dump, re-parse it strictly and describe it."""
    dumps.write_dump(triples, path)
    check(path, len(triples))
    return file_info(path, len(triples))


def check(path: Path, expected: int) -> None:
    """Re-parse a written dump strictly; refuse it unless it holds ``expected`` triples."""
    try:
        dumps.check_dump(path, expected)
    except dumps.DumpError as error:
        raise InvalidData([Problem(str(error), f"relecture stricte refusée : {error}",
                                   file=path.name)]) from error


def copy_part(source: Path, folder: Path) -> FileInfo:
    """Copy an extra N-Triples part into the build folder, once it reads back strictly."""
    target = folder / source.name
    shutil.copyfile(source, target)
    try:
        count = dumps.strict_count(target)
    except dumps.DumpError as error:
        raise InvalidData([Problem(str(error), f"relecture stricte refusée : {error}",
                                   file=str(source))]) from error
    return file_info(target, count)


def load(store: ox.Store, path: Path) -> None:
    """Load a published dump into ``store``, strictly; name the file if it does not parse."""
    try:
        with open_rdf(path) as stream:
            store.bulk_load(input=stream, format=dumps.format_of(path))
    except (SyntaxError, EOFError, gzip.BadGzipFile) as error:
        raise InvalidData([Problem(f"not valid RDF: {error}", f"RDF invalide : {error}",
                                   file=path.name)]) from error
