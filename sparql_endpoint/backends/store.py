"""Store backends behind one small interface; queries are passed as strings.

Every backend answers trusted internal queries (pages, search, health) with
pyoxigraph terms, so pages do not care where the data lives.  The app never calls
them itself: ``sparql_endpoint.execution.pool`` runs every call in a query process, with a
deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import pyoxigraph as ox

from achat_core.formats import Format
from achat_core.rdf_files import open_rdf, rdf_format
from sparql_endpoint.protocol.serialisation import (
    Counter,
    write_boolean,
    write_solutions,
    write_triples,
)


@dataclass(frozen=True)
class Dataset:
    """The dataset of a protocol request: graph IRIs from ``default-graph-uri``/``named-graph-uri``.

    ``None`` for both means "as the query says" (its FROM / FROM NAMED, else the
    store's default graph and all named graphs).  Naming any graph in the request
    replaces the query's own dataset, as the SPARQL 1.1 Protocol requires.  Graphs
    are only ever chosen among those in the store; nothing is fetched.
    """

    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    #: The graph's public IRI (``{base}graph``): as a default graph, it names the data,
    #: which the embedded store holds in its default graph (a remote engine, in a version).
    ours: str | None = None

    @classmethod
    def from_request(cls, default_graphs: Sequence[str], named_graphs: Sequence[str],
                     ours: str | None = None) -> Dataset:
        """Build the dataset from the protocol parameters (both empty: the query decides)."""
        if not default_graphs and not named_graphs:
            return cls(ours=ours)
        return cls(tuple(default_graphs), tuple(named_graphs), ours)

    def query_options(self) -> dict:
        """Return pyoxigraph ``Store.query`` keyword arguments for this dataset."""
        if self.default_graphs is None and self.named_graphs is None:
            return {}
        return {
            "default_graph": [ox.DefaultGraph() if g == self.ours else ox.NamedNode(g)
                              for g in self.default_graphs or ()],
            "named_graphs": [ox.NamedNode(g) for g in self.named_graphs or () if g != self.ours],
        }


class BackendError(Exception):
    """A store failure the client should hear about with an HTTP status (not a bug).

    ``str(error)`` is for the server's log; ``client_message`` is what the client reads.
    """

    status = 502

    @property
    def client_message(self) -> str:
        """Return the message for the client (by default, the error's own text)."""
        return str(self)


@dataclass
class RunStats:
    """What a user query produced: rows (or triples) written and whether the cap cut them."""

    rows: int = 0
    truncated: bool = False


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

    def run_query(self, query: str, form: str, fmt: Format, dataset: Dataset, max_rows: int,
                  open_output: Callable[[], BinaryIO], base_iri: str | None = None,
                  max_bytes: int | None = None) -> RunStats:
        """Run a checked user query and write its results, serialised in ``fmt``.

        Results stop at ``max_rows`` rows and about ``max_bytes`` bytes, marked truncated.
        Relative IRIs in the query resolve against ``base_iri`` (the endpoint's address).
        Errors found before the first result (syntax, dataset) are raised before
        ``open_output`` is called, so the caller can still answer with an error status.
        """


class OxigraphBackend:
    """A pyoxigraph ``Store``: in memory, or opened read-only from a folder."""

    def __init__(self, store: ox.Store):
        self.store = store

    @classmethod
    def in_memory(cls, dumps: Iterable[Path]) -> OxigraphBackend:
        """Load dumps (any format pyoxigraph reads, gzip allowed) into a new memory store."""
        store = ox.Store()
        for path in dumps:
            with open_rdf(path) as stream:
                store.bulk_load(input=stream, format=rdf_format(path))
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

    def run_query(self, query, form, fmt, dataset, max_rows, open_output,
                  base_iri=None, max_bytes=None) -> RunStats:
        result = self.store.query(query, base_iri=base_iri, **dataset.query_options())
        if isinstance(result, ox.QueryBoolean):
            write_boolean(result, fmt, open_output())
            return RunStats(rows=1)
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            first = next(result, None)  # evaluation errors surface before any output
            rows = Counter(_chain(first, result), max_rows, max_bytes)
            write_solutions(variables, rows, fmt, open_output())
        else:
            first = next(result, None)
            rows = Counter(_chain(first, result), max_rows, max_bytes)
            write_triples(rows, fmt, open_output())
        return RunStats(rows=rows.count, truncated=rows.truncated)


def _chain(first, rest):
    if first is not None:
        yield first
        yield from rest
