"""A store backend over a remote SPARQL 1.1 engine (Virtuoso, QLever, Fuseki, Neptune...).

Queries go through SPARQLWrapper (``backends.sparqlwrapper``) with a timeout, and are
retried as ``achat_core.engine.RETRIES`` says when the engine cannot be reached; an
engine's verdict on a query is not retried.  Every query is scoped to our data: the publisher
(``graph_builder.output.remote_load``; ``achat_core.engine``) loads each build into a
versioned named graph ``{graph}/{build_id}``; this backend pins the version of the
build the server started with, and passes it as ``default-graph-uri`` with an empty
``named-graph-uri``, so ``GRAPH ?g`` cannot wander into other graphs (Virtuoso's
default graph is the union of all graphs).

User queries reach ``run_query`` once a query process of the pool has read them
with rdflib's parser (``query_check``: SERVICE refused; FROM only of our graph,
since engines such as Virtuoso would add other graphs to the dataset); nothing
evaluates them on this side.  ``run_query`` runs in the web worker, the only
process that may reach the engine.  The engine's answer is read in one format and
written again by ``sparql_endpoint.protocol.serialisation``, so formats, row and byte caps
and truncation marks are the embedded store's.
"""

from __future__ import annotations

import decimal
import json
import re
import socket
import time
import urllib.error
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import BinaryIO

import pyoxigraph as ox

from achat_core.engine import RETRIES, current_query, without_credentials
from achat_core.formats import Format
from sparql_endpoint.backends import engine_semantics, sparqlwrapper
from sparql_endpoint.backends.sparqlwrapper import (
    JSON,
    TURTLE,
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    Unauthorized,
    URITooLong,
)
from sparql_endpoint.backends.store import BackendError, Dataset, RunStats
from sparql_endpoint.protocol.serialisation import (
    Counter,
    write_boolean,
    write_solutions,
    write_triples,
)

#: A graph IRI that is never written: named as the only named graph, it hides all others.
NO_GRAPH = "urn:x-achat-public:no-graph"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
XSD_FLOATS = ("http://www.w3.org/2001/XMLSchema#double", "http://www.w3.org/2001/XMLSchema#float")
#: The variable Virtuoso adds to the results of ``SELECT *`` over a pattern without any.
STAR_FAKE = "_star_fake"
#: Virtuoso's SQL state for a result cut by a time limit (anytime query).
TIME_LIMIT_STATE = "S1TAT"
#: Virtuoso's error text: "Virtuoso <SQL state> Error <code>: <message>".
_VIRTUOSO_ERROR = re.compile(r"Virtuoso (?P<state>[0-9A-Z]{5}) Error (?P<text>.*)", re.DOTALL)
#: SQL state classes of a passing trouble (connection, deadlock, resources, general
#: errors such as a timeout): worth a retry.  Any other state is the engine's verdict on
#: the query itself (37000: it cannot compile it), answered as such and never retried.
_TRANSIENT_STATES = ("08", "40", "53", "HY", "S1")
#: With Virtuoso, the socket waits this long past the engine's own time limit, so a
#: query the engine stops reads as a timeout and a silent socket as an engine in trouble.
ENGINE_GRACE = 2.0


class RemoteError(BackendError):
    """A problem talking to the remote engine (502 for clients: the engine misbehaved)."""

    status = 502

    @property
    def client_message(self) -> str:
        """Return the message for the client, without the engine's address."""
        return ("The SPARQL engine behind this endpoint gave an answer that could not be used; "
                "the error was logged.")


class EngineUnavailable(RemoteError):
    """The engine could not be reached or kept failing (serve as 503, Retry-After)."""

    status = 503
    headers = {"Retry-After": "5"}

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason

    @property
    def client_message(self) -> str:
        """Return the message for the client, without the engine's address."""
        return ("The SPARQL engine behind this endpoint cannot be reached right now"
                + (f" ({self.reason})" if self.reason else "")
                + "; the query was not run. Try again in a moment.")


class QueryTimeout(RemoteError, TimeoutError):
    """The engine stopped the query at its time limit (served as the endpoint's own limit)."""

    status = 503


class EngineSilent(EngineUnavailable):
    """The engine accepted the connection but did not answer in time (frozen, overloaded).

    Not the query's fault as far as anyone can tell: a 503 with Retry-After that does
    not ask to narrow the query.
    """

    @property
    def client_message(self) -> str:
        """Return the message for the client, without the engine's address."""
        return ("The SPARQL engine behind this endpoint did not answer in time; the query "
                "was not run to the end. Try again in a moment.")


class EngineQueryError(RemoteError):
    """The engine answered that it cannot evaluate this query (422, its own message)."""

    status = 422

    @property
    def client_message(self) -> str:
        """Return the engine's reason, which is about the query."""
        return f"The SPARQL engine behind this endpoint cannot evaluate this query: {self}"


class QueryRejected(RemoteError):
    """The engine, or this backend's safety rules, refused the query (serve as 400)."""

    status = 400

    @property
    def client_message(self) -> str:
        """Return the reason, which is about the query, for the client."""
        return f"The query cannot be answered: {self}"


def refusal(info, graph: str | None) -> str | None:
    """Return why a checked user query is not run over a remote engine, or None to run it.

    FROM / FROM NAMED of any graph but ours (GRAPH, the public IRI): engines such as
    Virtuoso add those graphs to the protocol's dataset.  (Ours is sent as the version,
    and adding the public IRI itself adds nothing: no triple is stored under it.)
    GRAPH patterns: the published graph is the default graph only, so they match
    nothing, as in the embedded store; Virtuoso answers a GRAPH pattern over a graph
    outside the dataset with a phantom row (``ASK { GRAPH <urn:x> { ?s ?p ?o } }`` is
    true), a silent wrong answer, so they are refused.
    """
    if any(iri != graph for iri in (*info.default_graphs, *info.named_graphs)):
        return (f"FROM and FROM NAMED are only accepted for <{graph}> over this endpoint's "
                "SPARQL engine: the data are its default graph; query it without them")
    if info.uses_graph:
        return ("GRAPH patterns are not accepted over this endpoint's SPARQL engine: the "
                "data are its default graph (there are no named graphs); query it without "
                "GRAPH")
    return None


class PartialResults(RemoteError):
    """The engine cut the result (row cap or time cap) yet answered 200."""


class RemoteBackend:
    """The store interface over a SPARQL 1.1 endpoint, scoped to one published graph."""

    def __init__(
        self,
        endpoint_url: str,
        graph_iri: str | None = None,
        *,
        timeout: float = 10.0,
        retries: int = RETRIES.retries,
        backoff: float = RETRIES.backoff,
        max_rows: int | None = None,
        version: str | None = None,
        engine: str = "generic",
        lenient: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.endpoint_url = endpoint_url
        #: "virtuoso": user queries also carry Virtuoso's own time limit (``timeout``, ms).
        self.engine = engine
        #: Take the engine's own semantics: refuse nothing it evaluates otherwise.
        self.lenient = lenient
        self._has_doubles: bool | None = None
        self.graph_iri = graph_iri
        self.timeout = timeout
        self.retrying = replace(RETRIES, retries=retries, backoff=backoff)
        self.max_rows = max_rows
        self._sleep = sleep
        #: The version queries run against, pinned for the life of the backend.
        self._version: str | None = version

    # -- the trusted interface -------------------------------------------------------

    def select(self, query: str) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
        """Run a trusted SELECT and return its rows (unbound variables are absent)."""
        answer = self._results(query)
        if "results" not in answer:
            raise QueryRejected("expected a SELECT query, the engine answered a boolean")
        rows = [
            {name: self._term(value) for name, value in binding.items()}
            for binding in answer["results"].get("bindings", [])
        ]
        if self.max_rows is not None and len(rows) >= self.max_rows:
            raise PartialResults(
                f"{without_credentials(self.endpoint_url)} returned {len(rows)} rows, its row cap: "
                "the result is probably cut"
            )
        return rows

    def ask(self, query: str) -> bool:
        """Run a trusted ASK."""
        answer = self._results(query)
        if not isinstance(answer.get("boolean"), bool):
            raise QueryRejected("expected an ASK query, the engine answered solutions")
        return answer["boolean"]

    def construct(self, query: str) -> list[ox.Triple]:
        """Run a trusted CONSTRUCT or DESCRIBE."""
        body, content_type, partial = self._read(
            query, "application/n-triples, text/turtle;q=0.9", TURTLE, self._dataset()
        )
        if partial:
            raise PartialResults(partial)
        rdf_format = ox.RdfFormat.from_media_type(content_type) or ox.RdfFormat.TURTLE
        try:
            return [
                quad.triple if isinstance(quad, ox.Quad) else quad
                for quad in ox.parse(body, format=rdf_format)
            ]
        except SyntaxError as error:
            raise RemoteError(
                f"{without_credentials(self.endpoint_url)} sent unreadable {content_type}: {error}"
            ) from None

    def triple_count(self) -> int:
        """Return the number of triples in the current version of the graph."""
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(rows[0]["n"].value) if rows else 0

    # -- the protocol path ---------------------------------------------------------

    def engine_refusal(self, info) -> engine_semantics.EngineRefusal | None:
        """Return why a checked user query would be answered otherwise by this engine."""
        return engine_semantics.engine_refusal(info.constructs, self.engine,
                                               lenient=self.lenient,
                                               data_has_doubles=self.data_has_doubles)

    def data_has_doubles(self) -> bool:
        """Say whether the version holds double or float values (asked once, then kept)."""
        if self._has_doubles is None:
            self._has_doubles = self.ask(
                "ASK { ?s ?p ?o FILTER(isLiteral(?o) && (datatype(?o) = "
                "<http://www.w3.org/2001/XMLSchema#double> || datatype(?o) = "
                "<http://www.w3.org/2001/XMLSchema#float>)) }")
        return self._has_doubles

    def run_query(self, query: str, form: str, fmt: Format, dataset: Dataset, max_rows: int,
                  open_output: Callable[[], BinaryIO], base_iri: str | None = None,
                  max_bytes: int | None = None, result_types=()) -> RunStats:
        """Run a checked user query (no FROM) on the engine; write its results in FMT.

        ``result_types`` (``QueryInfo.result_types``) names the variables whose datatype
        the query fixes: the engine's ``1``/``0`` for a comparison is written as a boolean.
        """
        text = query
        graphs = self._user_dataset(dataset)
        if base_iri:
            text = f"BASE <{base_iri}> {text}"
        params = {"timeout": str(max(1, round(self.timeout * 1000)))} \
            if self.engine == "virtuoso" else {}
        if form == "DESCRIBE" and self.engine == "virtuoso":
            # Our DESCRIBE, as the embedded store's: a resource's own triples (outbound,
            # blank nodes followed), not also the triples pointing at it.
            text = f'define sql:describe-mode "CBD" {text}'
        if form in ("SELECT", "ASK"):
            response = self._send(text, "application/sparql-results+json", JSON, graphs, params)
            partial = self._user_partial(response)
            answer = self._json(_read_all(response, self._timeout_message), "results")
            if "boolean" in answer:
                write_boolean(_boolean(answer["boolean"]), fmt, open_output())
                return RunStats(rows=1)
            variables, rows = self._solution_rows(answer, dict(result_types))
            counter = _EngineCapped(rows, max_rows, self.max_rows, partial, max_bytes)
            write_solutions(variables, counter, fmt, open_output())
        else:
            response = self._send(text, "application/n-triples, text/turtle;q=0.9", TURTLE,
                                  graphs, params)
            partial = self._user_partial(response)
            triples = self._triples(response)
            first = next(triples, None)  # unreadable answers surface before any output
            counter = _EngineCapped(_chain(first, triples), max_rows, self.max_rows, partial,
                                    max_bytes)
            write_triples(counter, fmt, open_output())
        return RunStats(rows=counter.count, truncated=counter.truncated)

    def current_version(self) -> str | None:
        """Return the graph IRI queries run against (None: the engine's default graph).

        The version given at creation (the server's build, ``{graph}/{build_id}``), else
        the one the pointer names when first asked; either way it never changes after,
        so a running server keeps answering from one build while others are published.
        """
        if self.graph_iri is None:
            return None
        if self._version is None:
            # No pointer: the data was loaded by another tool straight into the graph.
            self._version = self.pointed_version() or self.graph_iri
        return self._version

    def pointed_version(self) -> str | None:
        """Return the version the engine's pointer names now, or None without a pointer."""
        answer = self._solutions(current_query(self.graph_iri), {})
        found = [
            row["v"]["value"]
            for row in answer.get("results", {}).get("bindings", [])
            if row.get("v", {}).get("type") == "uri"
        ]
        return max(found) if found else None

    def version_count(self, version: str) -> int:
        """Return the number of triples the engine holds in the graph VERSION."""
        answer = self._solutions(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{version}> {{ ?s ?p ?o }} }}", {})
        rows = answer.get("results", {}).get("bindings", [])
        return int(rows[0]["n"]["value"]) if rows else 0

    def probe(self, timeout: float) -> bool:
        """Ask the engine once, waiting at most TIMEOUT s: True if it answered.

        False when it accepted the connection but stayed silent (it cannot tell);
        raises EngineUnavailable when it refused or failed.
        """
        probe = RemoteBackend(self.endpoint_url, self.graph_iri, timeout=timeout, retries=0,
                              version=self.current_version(), sleep=self._sleep)
        try:
            probe.ask("ASK {}")
        except EngineSilent:
            return False
        return True

    # -- plumbing --------------------------------------------------------------------

    def _dataset(self) -> dict[str, list[str]]:
        """Return the protocol parameters that scope a trusted query to the current version."""
        version = self.current_version()
        if version is None:
            return {}
        return {"default-graph-uri": [version], "named-graph-uri": [NO_GRAPH]}

    def _user_dataset(self, dataset: Dataset) -> dict[str, list[str]]:
        """Return the protocol parameters for a user's dataset, within our graph only.

        Naming our graph (or its current version) selects the current version; any other
        graph is an empty one, as a graph absent from the embedded store is.
        """
        if dataset.default_graphs is None and dataset.named_graphs is None:
            return self._dataset()
        version = self.current_version()
        ours = {self.graph_iri, version}

        def scoped(iris: tuple[str, ...] | None) -> list[str]:
            if version is None:
                return list(iris or ()) or [NO_GRAPH]
            return [version if iri in ours else NO_GRAPH for iri in iris or ()] or [NO_GRAPH]

        return {"default-graph-uri": scoped(dataset.default_graphs),
                "named-graph-uri": scoped(dataset.named_graphs)}

    def _results(self, query: str) -> dict:
        return self._solutions(query, self._dataset())

    def _solutions(self, query: str, dataset: dict[str, list[str]]):
        body, content_type, partial = self._read(
            query, "application/sparql-results+json", JSON, dataset
        )
        if partial:
            raise PartialResults(partial)
        return self._json(body, f"results ({content_type})")

    def _json(self, body: bytes, what: str) -> dict:
        """Return the JSON object in BODY, or raise RemoteError naming the engine."""
        try:
            answer = json.loads(body)
            if not isinstance(answer, dict):
                raise ValueError("not a JSON object")
            return answer
        except ValueError as error:
            raise RemoteError(
                f"{without_credentials(self.endpoint_url)} sent unreadable {what}: {error}"
            ) from None

    def _solution_rows(self, answer: dict, types: dict[str, str] | None = None
                       ) -> tuple[list[str], list[_Solution]]:
        """Return the variables and the rows of a SPARQL JSON results object."""
        types = types or {}
        try:
            variables = [str(name) for name in answer["head"]["vars"] if name != STAR_FAKE]
            bindings = answer["results"]["bindings"]
            rows = [_Solution({name: _typed(self._term(value), types.get(name))
                               for name, value in binding.items() if name != STAR_FAKE})
                    for binding in bindings]
        except (KeyError, TypeError, AttributeError) as error:
            raise RemoteError(f"{without_credentials(self.endpoint_url)} sent results without "
                              f"{error}") from None
        return variables, rows

    def _triples(self, response) -> Iterator[ox.Triple]:
        """Yield the triples of a CONSTRUCT or DESCRIBE answer as they are read."""
        content_type = (response.info().get("Content-Type") or "").split(";")[0].strip()
        rdf_format = ox.RdfFormat.from_media_type(content_type) or ox.RdfFormat.TURTLE
        try:
            for item in ox.parse(response, format=rdf_format):
                yield item.triple if isinstance(item, ox.Quad) else item
        except SyntaxError as error:
            raise RemoteError(
                f"{without_credentials(self.endpoint_url)} sent unreadable {content_type}: {error}"
            ) from None
        except TimeoutError:
            raise EngineSilent(self._timeout_message()) from None
        finally:
            response.close()

    def _user_partial(self, response) -> bool:
        """Say whether the engine cut a user query's result; a cut by its clock is a timeout."""
        headers = {k.lower(): v for k, v in response.info().items()}
        if headers.get("x-sql-state", "").strip() == TIME_LIMIT_STATE:
            response.close()
            raise QueryTimeout(self._timeout_message())
        return _partial_message(headers) is not None

    def _term(self, value: dict) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        """Return the pyoxigraph term of one SPARQL JSON results binding."""
        try:
            kind, text = value["type"], value["value"]
            if kind == "uri":
                return ox.NamedNode(text)
            if kind == "bnode":
                # Virtuoso names blank nodes "nodeID://b123", not a valid identifier.
                text = text.removeprefix("nodeID://")
                return ox.BlankNode(text if text.isalnum() else text.encode().hex())
            if kind in ("literal", "typed-literal"):
                if "xml:lang" in value:
                    return ox.Literal(text, language=value["xml:lang"])
                if value.get("datatype") == XSD_BOOLEAN:
                    # Virtuoso writes booleans as "1" and "0": give the canonical form.
                    text = {"1": "true", "0": "false"}.get(text, text)
                elif value.get("datatype") in XSD_FLOATS:
                    text = _plain_number(text)
                if "datatype" in value:
                    return ox.Literal(text, datatype=ox.NamedNode(value["datatype"]))
                return ox.Literal(text)
        except (KeyError, TypeError, ValueError) as error:
            raise RemoteError(
                f"{without_credentials(self.endpoint_url)} sent an unreadable term {value!r}: "
                f"{error}"
            ) from None
        raise RemoteError(f"{without_credentials(self.endpoint_url)} sent a term of unknown "
                          f"type {kind!r}")

    def _read(self, query: str, accept: str, return_format: str, dataset) -> tuple:
        response = self._send(query, accept, return_format, dataset)
        try:
            body = response.read()
        except TimeoutError:
            raise EngineSilent(self._timeout_message()) from None
        finally:
            response.close()
        headers = {k.lower(): v for k, v in response.info().items()}
        content_type = headers.get("content-type", "").split(";")[0].strip()
        return body, content_type, _partial_message(headers)

    def _send(self, query: str, accept: str, return_format: str, dataset,
              params: dict[str, str] | None = None):
        """Send QUERY, retrying on 5xx and connection errors; return the open response."""
        params = params or {}
        timeout = self.timeout + (ENGINE_GRACE if "timeout" in params else 0)
        wrapper = sparqlwrapper.prepared(self.endpoint_url, query, accept, return_format,
                                         dataset, params, timeout)
        reason = ""
        for attempt in range(self.retrying.retries + 1):
            if attempt:
                self._sleep(self.retrying.wait(attempt))
            try:
                return wrapper.query().response
            except QueryBadFormed as error:
                raise QueryRejected(sparqlwrapper.engine_text(error)) from None
            except Unauthorized:
                raise RemoteError(
                    f"{without_credentials(self.endpoint_url)} asks for credentials (401): "
                    "the read endpoint must be open to anonymous queries"
                ) from None
            except EndPointNotFound:
                raise RemoteError(
                    f"no SPARQL endpoint at {without_credentials(self.endpoint_url)} (404)"
                ) from None
            except URITooLong:
                raise QueryRejected("the query is too long for the engine (414)") from None
            except EndPointInternalError as error:
                reason = f"HTTP 500: {_query_error(sparqlwrapper.engine_text(error))}"
            except urllib.error.HTTPError as error:
                if error.code < 500:
                    raise QueryRejected(
                        f"the engine refused the query (HTTP {error.code}): {_body(error)}"
                    ) from None
                reason = f"HTTP {error.code}: {_query_error(_body(error))}"
                if not self.retrying.retried(error.code):
                    break
            except urllib.error.URLError as error:
                if isinstance(error.reason, TimeoutError | socket.timeout):
                    raise EngineSilent(self._timeout_message()) from None
                reason = str(error.reason)
            except TimeoutError:
                raise EngineSilent(self._timeout_message()) from None
            except (ConnectionError, OSError) as error:
                reason = str(error) or type(error).__name__
        raise EngineUnavailable(
            f"the SPARQL engine at {without_credentials(self.endpoint_url)} cannot be reached "
            f"({attempt + 1} attempts): {reason}",
            reason=reason.split(":")[0] if reason.startswith("HTTP") else "no connection",
        )

    def _timeout_message(self) -> str:
        return (
            f"the SPARQL engine at {without_credentials(self.endpoint_url)} did not answer within "
            f"{self.timeout:g} s"
        )


def _partial_message(headers: dict[str, str]) -> str | None:
    """Return Virtuoso's reason for a cut result (it still answers 200), or None."""
    state = headers.get("x-sql-state", "").strip()
    if not state:
        return None
    message = " ".join(headers.get("x-sql-message", "").split())
    return f"incomplete result (SQL state {state}): {message}".rstrip(": ")


class _Solution(dict):
    """One row of a SELECT result: ``row[name]`` is None when the variable is unbound."""

    def __missing__(self, name: str) -> None:
        return None


class _EngineCapped(Counter):
    """A row counter that also reports a result the engine itself cut.

    ``engine_cap`` is the engine's silent row limit (Virtuoso's ResultSetMaxRows): a
    result that long is probably cut.  ``partial`` says the engine said it cut it.
    """

    def __init__(self, items: Iterable, limit: int, engine_cap: int | None, partial: bool,
                 max_bytes: int | None = None):
        super().__init__(items, limit, max_bytes)
        self.engine_cap = engine_cap
        self.partial = partial

    def __iter__(self) -> Iterator:
        yield from super().__iter__()
        if self.partial or (self.engine_cap is not None and self.count >= self.engine_cap):
            self.truncated = True


def _read_all(response, timeout_message: Callable[[], str]) -> bytes:
    """Return the whole body of RESPONSE, then close it."""
    try:
        return response.read()
    except TimeoutError:
        raise EngineSilent(timeout_message()) from None
    finally:
        response.close()


def _boolean(value) -> ox.QueryBoolean:
    """Return an ASK answer as pyoxigraph's boolean result."""
    if not isinstance(value, bool):
        raise RemoteError(f"the engine answered ASK with {value!r}, not a boolean")
    text = b'{"head":{},"boolean":' + (b"true" if value else b"false") + b"}"
    return ox.parse_query_results(text, format=ox.QueryResultsFormat.JSON)


XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
_INTEGERS = ("http://www.w3.org/2001/XMLSchema#integer", "http://www.w3.org/2001/XMLSchema#int")


def _typed(term, kind: str | None):
    """Give TERM the datatype the query fixes (KIND), where the engine wrote another.

    A comparison or BIND(false AS ?x) is a boolean; Virtuoso writes the integers 1/0.
    SECONDS() is a decimal; Virtuoso writes a double.
    """
    if kind is None or not isinstance(term, ox.Literal):
        return term
    datatype = term.datatype.value
    if kind == "boolean" and datatype in _INTEGERS and term.value in ("0", "1"):
        return ox.Literal("true" if term.value == "1" else "false",
                          datatype=ox.NamedNode(XSD_BOOLEAN))
    if kind == "decimal" and datatype in XSD_FLOATS + _INTEGERS:
        try:
            number = decimal.Decimal(term.value)
        except decimal.InvalidOperation:
            return term
        if number.is_finite():
            return ox.Literal(_plain_number(format(number, "f")) or "0",
                              datatype=ox.NamedNode(XSD_DECIMAL))
    return term


def _chain(first, rest: Iterator) -> Iterator:
    if first is not None:
        yield first
        yield from rest


def _plain_number(text: str) -> str:
    """Write a double as the embedded store does: no exponent, no trailing ".0".

    Virtuoso writes ``1.0`` and ``1e+20`` where pyoxigraph writes ``1`` and
    ``100000000000000000000``; NaN, infinities and unreadable text are kept.
    """
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        return text
    if not number.is_finite():
        return text
    plain = format(number, "f")
    return plain.rstrip("0").rstrip(".") if "." in plain else plain


def _query_error(text: str) -> str:
    """Return TEXT, an engine's 5xx body; raise EngineQueryError if it is about the query.

    Virtuoso answers 500 to a query it cannot compile or evaluate ("transitive start
    not given"); its SQL state tells that apart from a passing trouble worth a retry.
    """
    found = _VIRTUOSO_ERROR.search(text)
    if found and not found["state"].startswith(_TRANSIENT_STATES):
        raise EngineQueryError(" ".join(found["text"].split()) + f" (SQL state {found['state']})")
    return text


def _body(error: urllib.error.HTTPError) -> str:
    try:
        text = error.read().decode("utf-8", "replace")
    except OSError:
        text = ""
    return " ".join(text.split())[:500] or error.reason
