"""A store backend over a remote SPARQL 1.1 engine (Virtuoso, QLever, Fuseki, Neptune...).

Queries go through SPARQLWrapper with a timeout, and are retried with exponential
back-off when the engine answers 5xx or cannot be reached.  Every query is scoped to
our data: the publisher (``graph_builder.remote_publish``) loads each build into a
versioned named graph and records the current one in a small metadata graph; this
backend reads that pointer and passes the version as ``default-graph-uri``, with an
empty ``named-graph-uri`` so ``GRAPH ?g`` cannot wander into other graphs (Virtuoso's
default graph is the union of all graphs).
"""

from __future__ import annotations

import ast
import json
import socket
import time
import urllib.error
import urllib.parse
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.plugins.sparql.parser import parseQuery
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    Unauthorized,
    URITooLong,
)

#: The pointer from a graph's public IRI to its current version (DCAT 3).
CURRENT_VERSION = "http://www.w3.org/ns/dcat#hasCurrentVersion"
#: A graph IRI that is never written: named as the only named graph, it hides all others.
NO_GRAPH = "urn:x-achat-public:no-graph"
_CHUNK = 64 * 1024


class RemoteError(Exception):
    """A problem talking to the remote engine."""


class EngineUnavailable(RemoteError):
    """The engine could not be reached or kept failing (serve as 503)."""


class QueryTimeout(RemoteError):
    """The engine did not answer within the time limit."""


class QueryRejected(RemoteError):
    """The engine, or this backend's safety rules, refused the query (serve as 400)."""


class PartialResults(RemoteError):
    """The engine cut the result (row cap or time cap) yet answered 200."""


@dataclass(frozen=True)
class RawAnswer:
    """A user query's answer, still serialised, streamed from the engine."""

    content_type: str
    chunks: Iterator[bytes]
    #: Why the result is incomplete (the engine's own words), or None when it is whole.
    partial: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def public_url(url: str) -> str:
    """Return URL without any user name or password, fit for messages and logs."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=host))


def reject_dataset_clauses(query: str) -> None:
    """Refuse a query that is not standard SPARQL 1.1 or names its own dataset (FROM)."""
    try:
        parsed = parseQuery(query)
    except Exception as error:  # pyparsing raises several types; all mean a bad query
        raise QueryRejected(f"not a SPARQL 1.1 query: {error}") from None
    if "datasetClause" in parsed[1]:
        raise QueryRejected(
            "FROM and FROM NAMED are not allowed here: the endpoint serves one graph; "
            "use the default-graph-uri / named-graph-uri parameters instead"
        )


class RemoteBackend:
    """The store interface over a SPARQL 1.1 endpoint, scoped to one published graph."""

    def __init__(
        self,
        endpoint_url: str,
        graph_iri: str | None = None,
        *,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.25,
        max_rows: int | None = None,
        pointer_ttl: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.endpoint_url = endpoint_url
        self.graph_iri = graph_iri
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_rows = max_rows
        self.pointer_ttl = pointer_ttl
        self._sleep = sleep
        self._version: str | None = None
        self._version_read_at = float("-inf")

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
                f"{public_url(self.endpoint_url)} returned {len(rows)} rows, its row cap: "
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
                f"{public_url(self.endpoint_url)} sent unreadable {content_type}: {error}"
            ) from None

    def triple_count(self) -> int:
        """Return the number of triples in the current version of the graph."""
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(rows[0]["n"].value) if rows else 0

    # -- the protocol path ---------------------------------------------------------

    def run_raw(
        self,
        query: str,
        accept: str,
        default_graphs: Iterable[str] = (),
        named_graphs: Iterable[str] = (),
    ) -> RawAnswer:
        """Send a user query as-is and stream the engine's serialised answer back."""
        reject_dataset_clauses(query)
        dataset = self._dataset(list(default_graphs), list(named_graphs))
        response = self._send(query, accept, JSON, dataset)
        headers = {k.lower(): v for k, v in response.info().items()}
        return RawAnswer(
            content_type=headers.get("content-type", "application/octet-stream"),
            chunks=_stream(response),
            partial=_partial_message(headers),
            headers=headers,
        )

    def current_version(self) -> str | None:
        """Return the graph IRI queries run against now (None: the engine's default graph)."""
        if self.graph_iri is None:
            return None
        now = time.monotonic()
        if self._version is None or now - self._version_read_at > self.pointer_ttl:
            meta = f"{self.graph_iri}/meta"
            answer = self._solutions(
                f"SELECT ?v WHERE {{ GRAPH <{meta}> {{ <{self.graph_iri}> "
                f"<{CURRENT_VERSION}> ?v }} }}",
                {},
            )
            found = [
                row["v"]["value"]
                for row in answer.get("results", {}).get("bindings", [])
                if row.get("v", {}).get("type") == "uri"
            ]
            # No pointer: the data was loaded by another tool straight into the graph.
            self._version = max(found) if found else self.graph_iri
            self._version_read_at = now
        return self._version

    # -- plumbing --------------------------------------------------------------------

    def _dataset(
        self, default_graphs: list[str] | None = None, named_graphs: list[str] | None = None
    ) -> dict[str, list[str]]:
        version = self.current_version()
        if version is None:
            return {
                "default-graph-uri": list(default_graphs or ()),
                "named-graph-uri": list(named_graphs or ()),
            }
        ours = {self.graph_iri, version}

        def scoped(iris: list[str]) -> list[str]:
            return [version if iri in ours else NO_GRAPH for iri in iris]

        return {
            "default-graph-uri": scoped(default_graphs) if default_graphs else [version],
            "named-graph-uri": scoped(named_graphs) if named_graphs else [NO_GRAPH],
        }

    def _results(self, query: str) -> dict:
        return self._solutions(query, self._dataset())

    def _solutions(self, query: str, dataset: dict[str, list[str]]):
        body, content_type, partial = self._read(
            query, "application/sparql-results+json", JSON, dataset
        )
        if partial:
            raise PartialResults(partial)
        try:
            answer = json.loads(body)
            if not isinstance(answer, dict):
                raise ValueError("not a JSON object")
            return answer
        except ValueError as error:
            raise RemoteError(
                f"{public_url(self.endpoint_url)} sent unreadable results ({content_type}): "
                f"{error}"
            ) from None

    def _term(self, value: dict) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        """Return the pyoxigraph term of one SPARQL JSON results binding."""
        try:
            kind, text = value["type"], value["value"]
            if kind == "uri":
                return ox.NamedNode(text)
            if kind == "bnode":
                # Virtuoso names blank nodes "nodeID://b123", not a valid identifier.
                return ox.BlankNode(text if text.isalnum() else text.encode().hex())
            if kind in ("literal", "typed-literal"):
                if "xml:lang" in value:
                    return ox.Literal(text, language=value["xml:lang"])
                if "datatype" in value:
                    return ox.Literal(text, datatype=ox.NamedNode(value["datatype"]))
                return ox.Literal(text)
        except (KeyError, TypeError, ValueError) as error:
            raise RemoteError(
                f"{public_url(self.endpoint_url)} sent an unreadable term {value!r}: {error}"
            ) from None
        raise RemoteError(f"{public_url(self.endpoint_url)} sent a term of unknown type {kind!r}")

    def _read(self, query: str, accept: str, return_format: str, dataset) -> tuple:
        response = self._send(query, accept, return_format, dataset)
        try:
            body = response.read()
        except TimeoutError:
            raise QueryTimeout(self._timeout_message()) from None
        finally:
            response.close()
        headers = {k.lower(): v for k, v in response.info().items()}
        content_type = headers.get("content-type", "").split(";")[0].strip()
        return body, content_type, _partial_message(headers)

    def _send(self, query: str, accept: str, return_format: str, dataset):
        """Send QUERY, retrying on 5xx and connection errors; return the open response."""
        wrapper = self._wrapper(query, accept, return_format, dataset)
        attempts = self.retries + 1
        reason = ""
        for attempt in range(attempts):
            if attempt:
                self._sleep(self.backoff * 2 ** (attempt - 1))
            try:
                return wrapper.query().response
            except QueryBadFormed as error:
                raise QueryRejected(_engine_text(error)) from None
            except Unauthorized:
                raise RemoteError(
                    f"{public_url(self.endpoint_url)} asks for credentials (401): "
                    "the read endpoint must be open to anonymous queries"
                ) from None
            except EndPointNotFound:
                raise RemoteError(
                    f"no SPARQL endpoint at {public_url(self.endpoint_url)} (404)"
                ) from None
            except URITooLong:
                raise QueryRejected("the query is too long for the engine (414)") from None
            except EndPointInternalError as error:
                reason = f"HTTP 500: {_engine_text(error)}"
            except urllib.error.HTTPError as error:
                if error.code < 500:
                    raise QueryRejected(
                        f"the engine refused the query (HTTP {error.code}): {_body(error)}"
                    ) from None
                reason = f"HTTP {error.code}: {_body(error)}"
            except urllib.error.URLError as error:
                if isinstance(error.reason, TimeoutError | socket.timeout):
                    raise QueryTimeout(self._timeout_message()) from None
                reason = str(error.reason)
            except TimeoutError:
                raise QueryTimeout(self._timeout_message()) from None
            except (ConnectionError, OSError) as error:
                reason = str(error) or type(error).__name__
        raise EngineUnavailable(
            f"the SPARQL engine at {public_url(self.endpoint_url)} cannot be reached "
            f"({attempts} attempts): {reason}"
        )

    def _wrapper(self, query: str, accept: str, return_format: str, dataset) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(self.endpoint_url)
        wrapper.setMethod(POST)
        wrapper.setOnlyConneg(True)
        # setTimeout() truncates to whole seconds; the attribute takes a float.
        wrapper.timeout = self.timeout
        with warnings.catch_warnings():
            # SPARQLWrapper guesses the query form with a regex and warns when it cannot;
            # the engine is the judge, and the Accept header is set below anyway.
            warnings.simplefilter("ignore")
            wrapper.setQuery(query)
            wrapper.setReturnFormat(return_format)
        for name, iris in dataset.items():
            for iri in iris:
                wrapper.addParameter(name, iri)
        wrapper.addCustomHttpHeader("Accept", accept)
        return wrapper

    def _timeout_message(self) -> str:
        return (
            f"the SPARQL engine at {public_url(self.endpoint_url)} did not answer within "
            f"{self.timeout:g} s"
        )


def _partial_message(headers: dict[str, str]) -> str | None:
    """Return Virtuoso's reason for a cut result (it still answers 200), or None."""
    state = headers.get("x-sql-state", "").strip()
    if not state:
        return None
    message = " ".join(headers.get("x-sql-message", "").split())
    return f"incomplete result (SQL state {state}): {message}".rstrip(": ")


def _stream(response) -> Iterator[bytes]:
    try:
        while chunk := response.read(_CHUNK):
            yield chunk
    finally:
        response.close()


def _engine_text(error: Exception) -> str:
    """Return the engine's own message out of a SPARQLWrapper exception."""
    text = str(error)
    _, found, raw = text.partition("\n\nResponse:\n")
    if found:
        try:
            text = ast.literal_eval(raw).decode("utf-8", "replace")
        except (ValueError, SyntaxError, AttributeError):
            text = raw
    # Virtuoso repeats the query after its message; the client has it already.
    text = text.split("SPARQL query:")[0]
    return " ".join(text.split())[:500]


def _body(error: urllib.error.HTTPError) -> str:
    try:
        text = error.read().decode("utf-8", "replace")
    except OSError:
        text = ""
    return " ".join(text.split())[:500] or error.reason
