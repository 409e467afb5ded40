"""The SPARQL 1.1 Protocol at ``/sparql``: read-only, time-limited, negotiated.

GET ``?query=``, POST form-encoded and POST ``application/sparql-query``, with
``default-graph-uri`` / ``named-graph-uri``.  Every query is read first by a real
parser (``query_check``), then run with a deadline in a query process of the pool
(``pool``), which cannot reach the network.  GET without a query
answers the Service Description, or the query editor for a browser when the pages
blueprint registered ``app.extensions["editor_view"]``.  The parameters that
clients add (``format``, ``output``, ``results``) choose the format when they name
one this endpoint writes, and are ignored otherwise.
"""

from __future__ import annotations

import itertools
import logging
import time

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request
from werkzeug.datastructures import MultiDict

from achat_core.formats import BY_NAME, Format, by_parameter, of_kind
from achat_core.iris import DEFAULT_BASE, PREFIXES, SD
from sparql_endpoint.backends.store import Dataset
from sparql_endpoint.execution import runner
from sparql_endpoint.http.errors import problem
from sparql_endpoint.http.origin import site_root
from sparql_endpoint.protocol import user_query
from sparql_endpoint.protocol.negotiation import describe, negotiate
from sparql_endpoint.protocol.query_check import QueryRefused

bp = Blueprint("sparql", __name__)
log = logging.getLogger("sparql_endpoint.query")

ALLOW = "GET, HEAD, POST, OPTIONS"
READ_ONLY = ("This endpoint is read-only: SPARQL Update and graph writes are not accepted; "
             "the data change only through a new build.")
#: Set in the WSGI environ once the query line is written: it is the request's access
#: line too (client, status, bytes, duration), and the server writes no second one.
LOGGED = "achat.query_logged"
#: Answers up to this size are read whole before the headers go, and sent with their
#: length in one piece: no chunked framing, and a cut is a 503, not a dropped connection.
WHOLE = 64 * 1024
RESULT_FORMATS = of_kind("results")
GRAPH_FORMATS = of_kind("rdf")


class Refusal(Exception):
    """A request this endpoint answers with an error status."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


@bp.after_request
def allow_cross_origin(response: Response) -> Response:
    """Let pages on other hosts query the endpoint (CORS)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
def endpoint():
    """Answer one SPARQL protocol request."""
    if request.method == "OPTIONS":
        return _preflight()
    try:
        params = _parameters()
        queries = params.getlist("query")
        if not queries:
            if request.method == "POST":
                raise Refusal(400, "No query: send it as the 'query' parameter, or as a body of "
                                   "type application/sparql-query.")
            return _describe_service()
        if len(queries) > 1:
            raise Refusal(400, f"{len(queries)} 'query' parameters were sent; send exactly one.")
        return _answer(queries[0], params)
    except Refusal as refusal:
        return problem(refusal.status, refusal.message, refusal.headers)
    except QueryRefused as refusal:
        _log_refusal(request.environ, refusal)
        return problem(refusal.status, refusal.message)


def _preflight() -> Response:
    response = current_app.response_class(status=204)
    response.headers.update({
        "Allow": ALLOW,
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "Accept, Content-Type",
        "Access-Control-Max-Age": "86400",
    })
    return response


def _parameters() -> MultiDict:
    """Collect the protocol parameters from the URL and the body; refuse writes and bad bodies."""
    params = MultiDict(request.args)
    if request.method == "POST":
        media_type = request.mimetype
        if media_type == "application/x-www-form-urlencoded":
            for name, value in request.form.items(multi=True):
                params.add(name, value)
        elif media_type == "application/sparql-query":
            params.add("query", _body_text())
        elif media_type == "application/sparql-update":
            raise Refusal(403, READ_ONLY)
        elif not media_type:
            raise Refusal(415, "A POST needs a Content-Type: application/sparql-query (the query "
                               "as the body) or application/x-www-form-urlencoded (query=...).")
        else:
            raise Refusal(415, f"Content-Type {media_type} is not accepted; send "
                               "application/sparql-query or application/x-www-form-urlencoded.")
    if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise Refusal(403, READ_ONLY)
    return params


def _body_text() -> str:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise Refusal(415, f"The query body must be UTF-8, not {charset}.")
    try:
        return request.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refusal(400, f"The query body is not valid UTF-8: {error}") from None


def _answer(query: str, params: MultiDict):
    def fmt_of(info) -> Format:
        kind = "results" if info.form in ("SELECT", "ASK") else "rdf"
        return _choose_format(kind, params, info.form)

    def dataset_of(info) -> Dataset:
        try:
            ours = current_app.extensions.get("build", {}).get("graph")
            dataset = Dataset.from_request(params.getlist("default-graph-uri"),
                                           params.getlist("named-graph-uri"), ours)
            if dataset.default_graphs is None and (info.default_graphs or info.named_graphs):
                # The query's FROM clauses, as protocol parameters: the same on every backend.
                dataset = Dataset(info.default_graphs, info.named_graphs, ours)
            dataset.query_options()
        except ValueError as error:
            raise Refusal(400, "A default-graph-uri or named-graph-uri is not an IRI: "
                               f"{error}") from None
        return dataset

    # HEAD costs no query process: the query is read (its parse is kept) and the format
    # chosen, which is all the headers say; it is not run.
    head = request.method == "HEAD"
    started = user_query.start(query, fmt_of, dataset_of=dataset_of, base_iri=endpoint_url(),
                               run=not head)
    info, fmt, outcome = started.info, started.fmt, started.outcome
    environ = request.environ  # the body is sent after the request's context has gone
    if outcome.chunks is None:
        _log_query(environ, info, fmt, outcome)
        return problem(outcome.status, outcome.message, outcome.headers)
    mimetype = fmt.media_type + ("; charset=utf-8" if fmt.is_text else "")
    headers = {"Content-Type": mimetype, "Vary": "Accept"}
    if head:
        _log_query(environ, info, fmt, outcome)
        return current_app.response_class((), status=200, headers=headers)
    first, size = [], 0
    try:
        for chunk in outcome.chunks:
            first.append(chunk)
            size += len(chunk)
            if size > WHOLE:
                break
        else:
            _log_query(environ, info, fmt, outcome, size)
            return current_app.response_class(b"".join(first), status=200, headers=headers)
    except runner.StreamCut as cut:
        outcome.close()
        outcome.status = 503
        _log_query(environ, info, fmt, outcome)
        return problem(503, f"The answer could not be completed: {cut}.")
    chunks = itertools.chain(first, outcome.chunks)
    logged, sent = [], [0]
    # Sending counts against the query's deadline: each chunk must leave by then, or the
    # connection is dropped and the query process killed (a client that never reads
    # holds it no longer than a slow query would).
    deadline = outcome.started + current_app.config["QUERY_TIMEOUT"]
    client = environ.get("gunicorn.socket")

    def finish() -> None:
        outcome.close()  # a body never started (client gone before the first byte) leaves a child
        if not logged:
            logged.append(True)
            _log_query(environ, info, fmt, outcome, sent[0])

    def body():
        try:
            for chunk in chunks:
                if client is not None:
                    client.settimeout(max(0.05, deadline - time.monotonic()))
                yield chunk
                sent[0] += len(chunk)
        finally:
            finish()

    response = current_app.response_class(body(), status=200, headers=headers)
    response.call_on_close(finish)
    return response


def _choose_format(kind: str, params: MultiDict, form: str) -> Format:
    offered = RESULT_FORMATS if kind == "results" else GRAPH_FORMATS
    for name in ("format", "output", "results"):
        for value in params.getlist(name):
            fmt = by_parameter(value, kind)
            if fmt is not None:
                return fmt
    accept = request.headers.get("Accept")
    fmt = negotiate(accept, offered)
    if fmt is None:
        raise Refusal(406, f"None of the types in 'Accept: {accept}' is available for a {form} "
                           f"query. Available: {describe(offered)}. For example: "
                           f"Accept: {offered[0].media_type}")
    return fmt


def _log_query(environ: dict, info, fmt: Format, outcome: runner.Outcome,
               sent: int = 0) -> None:
    environ[LOGGED] = True
    log.info("query client=%s hash=%s form=%s format=%s status=%s outcome=%s rows=%s "
             "bytes=%s duration_ms=%.1f", environ.get("REMOTE_ADDR", "-"), info.digest,
             info.form, fmt.name, outcome.status, outcome.outcome, outcome.rows, sent,
             outcome.duration * 1000)
    if outcome.outcome == "cut":
        log.warning("query hash=%s: the response was cut after streaming had started",
                    info.digest)


def _log_refusal(environ: dict, refusal: QueryRefused) -> None:
    environ[LOGGED] = True
    log.info("query client=%s refused status=%s reason=%s", environ.get("REMOTE_ADDR", "-"),
             refusal.status, refusal.message[:120])


def service_description_triples(endpoint: str) -> list[ox.Triple]:
    """Return the Service Description of the endpoint at ``endpoint`` as triples."""
    node = ox.NamedNode(endpoint)
    sd = {name: ox.NamedNode(SD + name) for name in (
        "Service", "endpoint", "supportedLanguage", "SPARQL11Query", "resultFormat", "feature",
        "defaultDataset", "Dataset", "defaultGraph", "Graph")}
    rdf_type = ox.NamedNode(PREFIXES["rdf"] + "type")
    build = current_app.extensions.get("build", {})
    # The default dataset is the one VoID describes (its statistics, dumps, linksets).
    dataset = ox.NamedNode(f"{build.get('base') or DEFAULT_BASE}dataset")
    graph = ox.NamedNode(endpoint + "#default-graph")
    config = current_app.config
    label = ox.NamedNode(PREFIXES["rdfs"] + "label")
    limits = [
        (ox.NamedNode(endpoint + "#time-limit"),
         f"Queries stop after {config['QUERY_TIMEOUT']:g} s (answer 503 with Retry-After)"),
        (ox.NamedNode(endpoint + "#row-limit"),
         f"Results hold at most {config['MAX_ROWS']} rows"),
        (ox.NamedNode(endpoint + "#read-only"), "Read-only: no SPARQL Update"),
    ]
    triples = [
        ox.Triple(node, rdf_type, sd["Service"]),
        ox.Triple(node, sd["endpoint"], node),
        ox.Triple(node, sd["supportedLanguage"], sd["SPARQL11Query"]),
        ox.Triple(node, sd["defaultDataset"], dataset),
        ox.Triple(dataset, rdf_type, sd["Dataset"]),
        ox.Triple(dataset, rdf_type, ox.NamedNode(PREFIXES["void"] + "Dataset")),
        ox.Triple(dataset, sd["defaultGraph"], graph),
        ox.Triple(graph, rdf_type, sd["Graph"]),
        ox.Triple(graph, ox.NamedNode(PREFIXES["void"] + "triples"),
                  ox.Literal(str(build.get("loaded_triples", 0)),
                             datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))),
    ]
    triples += [
        ox.Triple(node, sd["resultFormat"], ox.NamedNode(f.w3c))
        for f in (*RESULT_FORMATS, *GRAPH_FORMATS) if f.w3c
    ]
    for feature, text in limits:
        triples += [ox.Triple(node, sd["feature"], feature),
                    ox.Triple(feature, rdf_type, ox.NamedNode(SD + "Feature")),
                    ox.Triple(feature, label, ox.Literal(text, language="en"))]
    return triples


def endpoint_url() -> str:
    """Return the endpoint's public address, from the server's public root."""
    return site_root() + "sparql"


def _describe_service():
    accept = request.headers.get("Accept")
    editor = current_app.extensions.get("editor_view")
    # HTML last: only a client that prefers it (a browser) gets the editor, not "*/*".
    offered = (*of_kind("rdf"), BY_NAME["html"]) if editor else of_kind("rdf")
    fmt = negotiate(accept, offered)
    if fmt is None:
        raise Refusal(406, f"None of the types in 'Accept: {accept}' is available for the "
                           f"Service Description. Available: {describe(of_kind('rdf'))}. "
                           f"For example: Accept: text/turtle")
    if fmt.name == "html":
        return editor()
    body = ox.serialize(service_description_triples(endpoint_url()), format=fmt.rdf_format,
                        prefixes={"sd": SD, "void": PREFIXES["void"]}
                        if fmt.name == "turtle" else None)
    response = current_app.response_class(body, mimetype=fmt.media_type)
    response.headers["Vary"] = "Accept"
    return response
