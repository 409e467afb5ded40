"""Store backends behind one small interface; queries are passed as strings.

Every backend answers trusted internal queries (pages, search, health) with
pyoxigraph terms, so pages do not care where the data lives.  User queries from
the protocol go through ``sparql_endpoint.runner`` with its limits.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox


class Backend(Protocol):
    """What the endpoint needs from a store."""

    def select(self, query: str) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
        """Run a trusted SELECT and return its rows (unbound variables are absent)."""

    def ask(self, query: str) -> bool:
        """Run a trusted ASK."""

    def construct(self, query: str) -> list[ox.Triple]:
        """Run a trusted CONSTRUCT or DESCRIBE."""

    def triple_count(self) -> int:
        """Return the number of quads in the store."""


class OxigraphBackend:
    """A pyoxigraph ``Store``: in memory, or opened read-only from a folder."""

    def __init__(self, store: ox.Store):
        self.store = store

    @classmethod
    def in_memory(cls, dumps: Iterable[Path]) -> OxigraphBackend:
        """Load dumps (any format pyoxigraph reads, gzip allowed) into a new memory store."""
        store = ox.Store()
        for path in dumps:
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rb") as stream:
                store.bulk_load(input=stream, format=_format_of(path))
        return cls(store)

    @classmethod
    def read_only(cls, folder: Path) -> OxigraphBackend:
        """Open an on-disk store written by the builder, read-only."""
        return cls(ox.Store.read_only(str(folder)))

    def _query(self, query: str, **kwargs):
        return self.store.query(query, **kwargs)

    def select(self, query: str):
        solutions = self._query(query)
        names = [v.value for v in solutions.variables]
        return [
            {n: s[n] for n in names if s[n] is not None}
            for s in solutions
        ]

    def ask(self, query: str) -> bool:
        return bool(self._query(query))

    def construct(self, query: str) -> list[ox.Triple]:
        return list(self._query(query))

    def triple_count(self) -> int:
        return len(self.store)


def _format_of(path: Path) -> ox.RdfFormat:
    name = path.name.removesuffix(".gz")
    return ox.RdfFormat.from_extension(name.rsplit(".", 1)[-1])
