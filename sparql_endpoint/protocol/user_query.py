"""Running a query for the HTML form as ``/sparql`` does: read, then run in the pool."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import current_app

from achat_core.formats import BY_NAME
from sparql_endpoint.execution import runner
from sparql_endpoint.protocol.query_check import QueryRefused


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


def run(query: str, max_rows: int | None = None) -> Result:
    """Read and run a user query as ``/sparql`` does (same limits); return its rows.

    ``max_rows`` asks for fewer rows than the endpoint's cap (the form shows a page).
    """
    config = current_app.config
    backend = current_app.extensions["backend"]
    try:
        info = backend.check(query)
    except QueryRefused as refused:
        raise QueryError(refused.status, refused.message) from None
    graph = info.form in ("CONSTRUCT", "DESCRIBE")
    fmt = BY_NAME["ntriples"] if graph else BY_NAME["json"]
    job = runner.Job(query=query, form=info.form, fmt=fmt,
                     max_rows=min(max_rows or config["MAX_ROWS"], config["MAX_ROWS"]),
                     max_bytes=config["MAX_RESULT_BYTES"])
    outcome = backend.run(job, config["QUERY_TIMEOUT"])
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
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return Result(info.form, boolean=bool(parsed))
    variables = [v.value for v in parsed.variables]
    rows = [{v: s[v] for v in variables if s[v] is not None} for s in parsed]
    return Result(info.form, variables, rows, truncated=outcome.truncated)
