"""A remote SPARQL engine as both sides see it: the versioned-graph pointer and plain reads.

``achat-graph publish`` loads each build into a named graph ``{graph}/{build_id}``, then
points ``<{graph}> dcat:hasCurrentVersion <{graph}/{build_id}>`` in ``{graph}/meta``; the
server follows that pointer (``sparql_endpoint.backends.remote``, through SPARQLWrapper).  The
publisher reads and writes through one ``requests`` session (:func:`session`); both
sides retry as one policy says (:data:`RETRIES`).
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when used: a web worker reading the pointer needs neither
    import requests
    from requests.auth import AuthBase

#: The pointer from a graph's public IRI to its current version (DCAT 3).
CURRENT_VERSION = "http://www.w3.org/ns/dcat#hasCurrentVersion"
#: Every version a graph has on the engine (the current one and those kept).
HAS_VERSION = "http://www.w3.org/ns/dcat#hasVersion"
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
#: When a version was published: ``publish --keep N`` keeps the N newest.
ISSUED = "http://purl.org/dc/terms/issued"


@dataclass(frozen=True)
class Retries:
    """How a request to a remote engine is retried, by the publisher and the server alike.

    Connection errors and answers with one of ``statuses`` are retried ``retries``
    times, waiting longer each time (:meth:`wait`); any other answer is final.
    """

    retries: int = 2
    backoff: float = 0.25
    statuses: tuple[int, ...] = (500, 502, 503, 504)

    def retried(self, status: int) -> bool:
        """Say whether an answer with this HTTP status is worth another attempt."""
        return status in self.statuses

    def wait(self, retry: int) -> float:
        """Return the seconds to wait before retry number RETRY (1, 2...): exponential."""
        return self.backoff * 2 ** (retry - 1)


#: The one retry policy; a caller may ask for fewer or more attempts (``replace``).
RETRIES = Retries()


def without_credentials(url: str) -> str:
    """Return URL without any user name or password, fit for messages and logs."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=host))


def meta_graph(graph: str) -> str:
    """Return the graph holding GRAPH's version pointers."""
    return f"{graph}/meta"


def current_query(graph: str) -> str:
    """Return the SELECT of ``?v``, GRAPH's current version(s)."""
    return (f"SELECT ?v WHERE {{ GRAPH <{meta_graph(graph)}> "
            f"{{ <{graph}> <{CURRENT_VERSION}> ?v }} }}")


def versions_query(graph: str) -> str:
    """Return the SELECT of ``?v``, every version of GRAPH, the most recently published first."""
    return (f"SELECT ?v ?t WHERE {{ GRAPH <{meta_graph(graph)}> {{ <{graph}> <{HAS_VERSION}> ?v "
            f"OPTIONAL {{ ?v <{ISSUED}> ?t }} }} }} ORDER BY DESC(?t) ?v")


def count_query(version: str) -> str:
    """Return the SELECT of ``?n``, the number of triples in the graph VERSION."""
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{version}> {{ ?s ?p ?o }} }}"


def session(retries: int = RETRIES.retries, backoff: float = RETRIES.backoff,
            auth: AuthBase | None = None) -> requests.Session:
    """Return an HTTP session that retries as :data:`RETRIES` says, through urllib3's ``Retry``.

    A request that still fails after it raises ``requests.RequestException``
    (``RetryError`` for a 5xx that did not go away).
    """
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util import Retry

    retry = Retry(total=retries, connect=retries, read=0, status=retries, other=0,
                  backoff_factor=backoff, status_forcelist=RETRIES.statuses,
                  allowed_methods=None, raise_on_status=True)
    http = requests.Session()
    http.auth = auth
    adapter = HTTPAdapter(max_retries=retry)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http


def select(http: requests.Session, url: str, query: str, timeout: float) -> list[dict[str, str]]:
    """Run a SELECT on the engine at URL; return rows as ``{variable: value}`` strings.

    Raises ``requests.RequestException`` (no answer, or an HTTP error) or ``ValueError``
    (an answer that is not SPARQL JSON results).
    """
    response = http.post(url, data={"query": query}, timeout=timeout,
                         headers={"Accept": "application/sparql-results+json"})
    response.raise_for_status()
    answer = response.json()
    return [{name: cell["value"] for name, cell in row.items()}
            for row in answer["results"]["bindings"]]
