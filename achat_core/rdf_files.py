"""Open an RDF file, gzipped or not, and tell its syntax from its name.

Every reader of RDF files (dumps re-read before publishing, the store loader,
``validate``, ``publish``) goes through here, so ``graph.nt.gz`` means the same to all.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from achat_core.formats import content_of


def rdf_format(path: Path | str) -> ox.RdfFormat | None:
    """Return the RDF syntax of a file from its suffix, looking through ``.gz``; or None."""
    fmt = content_of(Path(path).name)
    return fmt.rdf_format if fmt is not None and fmt.kind == "rdf" else None


def open_rdf(path: Path | str) -> BinaryIO:
    """Open an RDF file for reading bytes, inflating it when its name ends in ``.gz``."""
    if Path(path).name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")  # noqa: SIM115 - the caller closes it
