"""The one path a user query takes, from ``/sparql`` and from the editor's form alike.

:func:`start` reads the query with the parser, then runs it in the pool under the
endpoint's limits; ``/sparql`` streams the outcome, the form reads it whole (:func:`run`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import current_app

from achat_core.formats import BY_NAME, Format
from sparql_endpoint.backends.store import Dataset
from sparql_endpoint.execution import runner
from sparql_endpoint.http.language import choose_language
from sparql_endpoint.protocol.query_check import QueryInfo, QueryRefused

#: How the JSON results writer ends a truncated document (``serialisation``).
TRUNCATED_MEMBER = b',"truncated":true}'


class QueryError(ValueError):
    """A query the form could not run, with the reason to show and an HTTP status."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)


@dataclass
class Result:
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    variables: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False


@dataclass
class Started:
    """A user query read and running: what the parser saw, the format, the pool's outcome."""

    info: QueryInfo
    fmt: Format
    outcome: runner.Outcome


def start(query: str, fmt_of: Callable[[QueryInfo], Format], *,
          dataset_of: Callable[[QueryInfo], Dataset] = lambda info: Dataset(),
          base_iri: str | None = None, max_rows: int | None = None,
          run: bool = True) -> Started:
    """Read QUERY (QueryRefused if refused), choose its format and dataset, run it in the pool.

    ``base_iri`` resolves relative IRIs unless the query has its own BASE; ``max_rows``
    asks for fewer rows than the endpoint's cap.  ``run`` False only reads it (HEAD):
    the outcome is an empty stream.
    """
    config = current_app.config
    backend = current_app.extensions["backend"]
    info = backend.check(query, base_iri)
    fmt = fmt_of(info)
    job = runner.Job(query=query, form=info.form, fmt=fmt, dataset=dataset_of(info),
                     max_rows=min(max_rows or config["MAX_ROWS"], config["MAX_ROWS"]),
                     base_iri=None if info.own_base else base_iri,
                     max_bytes=config["MAX_RESULT_BYTES"])
    if not run:
        return Started(info, fmt, runner.Outcome(200, chunks=iter(()), outcome="head"))
    return Started(info, fmt, backend.run(job, config["QUERY_TIMEOUT"]))


def run(query: str, max_rows: int | None = None) -> Result:
    """Run a user query as ``/sparql`` does (same path, same limits); return its rows.

    ``max_rows`` asks for fewer rows than the endpoint's cap (the form shows a page).
    """
    def fmt_of(info: QueryInfo) -> Format:
        return BY_NAME["ntriples"] if info.form in ("CONSTRUCT", "DESCRIBE") else BY_NAME["json"]

    try:
        started = start(query, fmt_of, max_rows=max_rows)
    except QueryRefused as refused:
        # In the page's language where the refusal has one (an engine's difference).
        raise QueryError(refused.status, refused.text(choose_language())) from None
    info, outcome = started.info, started.outcome
    graph = info.form in ("CONSTRUCT", "DESCRIBE")
    if outcome.chunks is None:
        raise QueryError(outcome.status, outcome.message or "The query failed.")
    try:
        body = b"".join(outcome.chunks)
    except runner.StreamCut as cut:
        raise QueryError(503, str(cut) or "The query was stopped.") from None
    if graph:
        rows = [{"subject": t.subject, "predicate": t.predicate, "object": t.object}
                for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
        return Result(info.form, ["subject", "predicate", "object"], rows,
                      truncated=outcome.truncated)
    if outcome.truncated and body.endswith(TRUNCATED_MEMBER):
        # Our JSON writer marks a cut result with a last member pyoxigraph's reader
        # refuses; the form says it in words instead (Result.truncated).
        body = body[:-len(TRUNCATED_MEMBER)] + b"}"
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return Result(info.form, boolean=bool(parsed))
    variables = [v.value for v in parsed.variables]
    rows = [{v: s[v] for v in variables if s[v] is not None} for s in parsed]
    return Result(info.form, variables, rows, truncated=outcome.truncated)
