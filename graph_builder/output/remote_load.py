"""Publish a built ``dist/`` to a remote SPARQL engine, switching versions atomically.

Each build goes into a new named graph ``{graph}/{build_id}`` through the SPARQL 1.1
Graph Store HTTP Protocol.  Once its triple count is checked, one SPARQL update moves
the pointer ``<{graph}> dcat:hasCurrentVersion <{graph}/{build_id}>`` in the metadata
graph ``{graph}/meta``; readers (``sparql_endpoint.backends.remote``) follow that pointer, so
they see the old version or the new one, never an empty or half-loaded graph.  The
newest ``keep`` versions (default 2: the new one and the previous) stay on the engine,
so servers started on a recent build keep answering from it (a server pins the
version of the build it started with); older ones are dropped.  Each version carries
its publication time (``dcterms:issued``), which orders them.  (Virtuoso's MOVE is
not atomic, hence the pointer.)  Credentials come from ``ACHAT_SPARQL_USER`` and
``ACHAT_SPARQL_PASSWORD`` only, and never appear in messages.
"""

from __future__ import annotations

import datetime
import os
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from achat_core import engine as remote
from achat_core.engine import (
    CURRENT_VERSION,
    HAS_VERSION,
    ISSUED,
    RETRIES,
    VOID_TRIPLES,
    without_credentials,
)
from achat_core.iris import XSD
from achat_core.manifest import Manifest, ManifestError
from achat_core.rdf_files import open_rdf, rdf_format

USER_VARIABLE = "ACHAT_SPARQL_USER"
PASSWORD_VARIABLE = "ACHAT_SPARQL_PASSWORD"


class PublishError(Exception):
    """Publishing failed; the engine still serves the version it served before."""


@dataclass(frozen=True)
class EngineEndpoints:
    """Where an engine takes Graph Store writes and SPARQL updates, and how it authenticates."""

    query_url: str
    store_url: str
    update_url: str
    auth: str  # "digest" or "basic"

    @classmethod
    def for_url(cls, to: str, kind: str = "virtuoso",
                env: Mapping[str, str] = os.environ) -> EngineEndpoints:
        """Derive the write endpoints from the query endpoint TO for an engine KIND."""
        parts = urllib.parse.urlsplit(to)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PublishError(f"{without_credentials(to)}: expected an http(s) URL "
                               "of a SPARQL endpoint")
        if parts.username is not None or parts.password is not None:
            raise PublishError(
                f"{without_credentials(to)}: put credentials in {USER_VARIABLE} and "
                f"{PASSWORD_VARIABLE}, not in the URL"
            )
        root = to.rstrip("/")
        if kind == "virtuoso":
            root = root.removesuffix("/sparql")
            engine = cls(to, f"{root}/sparql-graph-crud-auth", f"{root}/sparql-auth", "digest")
        elif kind == "fuseki":
            dataset = root.rsplit("/", 1)[0] if root.endswith(("/sparql", "/query")) else root
            engine = cls(to, f"{dataset}/data", f"{dataset}/update", "basic")
        elif kind == "generic":
            engine = cls(to, env.get("ACHAT_SPARQL_STORE_URL", ""),
                         env.get("ACHAT_SPARQL_UPDATE_URL", to), "basic")
        else:
            raise PublishError(
                f"unknown engine kind {kind!r}: expected virtuoso, fuseki or generic"
            )
        engine = cls(
            engine.query_url,
            env.get("ACHAT_SPARQL_STORE_URL", engine.store_url),
            env.get("ACHAT_SPARQL_UPDATE_URL", engine.update_url),
            env.get("ACHAT_SPARQL_AUTH", engine.auth),
        )
        if not engine.store_url:
            raise PublishError("set ACHAT_SPARQL_STORE_URL to the engine's Graph Store endpoint")
        if engine.auth not in ("digest", "basic"):
            raise PublishError(f"ACHAT_SPARQL_AUTH is {engine.auth!r}: expected digest or basic")
        return engine


@dataclass(frozen=True)
class PublishResult:
    """What a publish did."""

    graph: str
    version: str
    previous: str | None
    triples: int
    dropped: tuple[str, ...]
    changed: bool

    def __str__(self) -> str:
        if not self.changed:
            return f"{self.graph}: {self.version} is already current ({self.triples} triples)"
        text = f"{self.graph}: now {self.version} ({self.triples} triples)"
        if self.previous and self.previous not in self.dropped:
            text += f", previous {self.previous} kept"
        if self.dropped:
            text += f", dropped {', '.join(self.dropped)}"
        return text


def publish(
    dist: Path,
    to: str,
    graph: str | None = None,
    *,
    engine: str = "virtuoso",
    timeout: float = 60.0,
    retries: int = RETRIES.retries,
    backoff: float = RETRIES.backoff,
    batch_triples: int = 50_000,
    keep: int = 2,
    env: Mapping[str, str] = os.environ,
) -> PublishResult:
    """Load the build in DIST into a new version of GRAPH on the engine at TO, then switch.

    The ``keep`` newest versions stay (the new one included), older ones are dropped.
    """
    if keep < 1:
        raise PublishError(f"--keep {keep}: keep at least 1 version (the one published)")
    build = _read_build(Path(dist))
    graph = graph or f"{build['base']}graph"
    version = f"{graph}/{build['build_id']}"
    meta = f"{graph}/meta"
    dumps = [_dump_path(Path(dist), name) for name in build["load"]]
    target = EngineEndpoints.for_url(to, engine, env)
    client = _Client(target, remote.session(retries, backoff, _auth(target, env)), timeout)

    pointers = client.values(remote.current_query(graph))
    previous = max(pointers, default=None)
    if pointers == [version]:
        count = client.count(version)
        if count != build["triples"]:
            raise PublishError(
                f"{version} is current but holds {count} triples, not {build['triples']}: "
                "publish under a new build id"
            )
        return PublishResult(graph, version, previous, count, (), changed=False)

    client.update(f"INSERT DATA {{ GRAPH <{meta}> {{ <{graph}> <{HAS_VERSION}> <{version}> }} }}")
    try:
        sent = client.load(version, _batches(dumps, batch_triples))
    except PublishError:
        _discard(client, graph, meta, version)
        raise
    if isinstance(build["triples"], int) and sent != build["triples"]:
        _discard(client, graph, meta, version)
        raise PublishError(
            f"{Path(dist) / 'build.json'}: field 'triples' says {build['triples']}, "
            f"the dumps listed in 'load' hold {sent}"
        )
    count = client.count(version)
    if count != sent:
        _discard(client, graph, meta, version)
        raise PublishError(
            f"the engine holds {count} triples in {version} after loading {sent}: "
            "nothing switched, the new version was dropped"
        )
    # The new pointer goes in before the old one goes out: a reader in between finds two
    # complete versions, never none (Virtuoso gives no atomic MOVE).
    issued = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    switch = (
        f"INSERT DATA {{ GRAPH <{meta}> {{ <{graph}> <{CURRENT_VERSION}> <{version}> . "
        f"<{version}> <{VOID_TRIPLES}> {count} ; <{ISSUED}> \"{issued}\"^^<{XSD}dateTime> }} }}"
    )
    for old in pointers:
        switch += (
            f" ; DELETE DATA {{ GRAPH <{meta}> {{ <{graph}> <{CURRENT_VERSION}> <{old}> }} }}"
        )
    client.update(switch)
    older = [old for old in client.versions(graph) if old not in (version, previous)]
    kept = [version, *([previous] if previous else []), *older][:keep]
    dropped = []
    for old in older + ([previous] if previous else []):
        if old not in kept:
            _discard(client, graph, meta, old)
            dropped.append(old)
    return PublishResult(graph, version, previous, count, tuple(sorted(dropped)), changed=True)


class _Client:
    """Reads (SELECT), Graph Store writes and SPARQL updates over one retrying session."""

    def __init__(self, engine: EngineEndpoints, http: requests.Session, timeout: float):
        self.engine = engine
        self.http = http
        self.timeout = timeout

    def load(self, graph: str, batches: Iterator[tuple[bytes, int]]) -> int:
        """Replace GRAPH with the batches (PUT, then POST); return the triples sent."""
        sent = 0
        method = "PUT"
        for body, count in batches:
            self._send(method, self.engine.store_url, params={"graph": graph}, data=body,
                       headers={"Content-Type": "text/turtle; charset=utf-8"})
            method = "POST"
            sent += count
        if method == "PUT":  # nothing to load: still create the graph, empty
            self._send("PUT", self.engine.store_url, params={"graph": graph}, data=b"",
                       headers={"Content-Type": "text/turtle; charset=utf-8"})
        return sent

    def update(self, update: str) -> None:
        """Run a SPARQL update."""
        self._send("POST", self.engine.update_url, data={"update": update})

    def values(self, query: str) -> list[str]:
        """Return the sorted values of ``?v`` a SELECT on the read endpoint gives."""
        return sorted(row["v"] for row in self._select(query) if "v" in row)

    def versions(self, graph: str) -> list[str]:
        """Return GRAPH's versions, the most recently published first (undated ones last)."""
        return list(dict.fromkeys(row["v"] for row in self._select(remote.versions_query(graph))))

    def count(self, version: str) -> int:
        """Return the number of triples in the graph VERSION."""
        rows = self._select(remote.count_query(version))
        return int(rows[0]["n"]) if rows else 0

    def _select(self, query: str) -> list[dict[str, str]]:
        url = self.engine.query_url
        try:
            return remote.select(self.http, url, query, self.timeout)
        except requests.RequestException as error:
            raise PublishError(f"POST {without_credentials(url)}: {_failure(error)}") from None
        except (ValueError, KeyError, TypeError):
            raise PublishError(f"POST {without_credentials(url)}: the answer is not SPARQL JSON "
                               "results") from None

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            response = self.http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            raise PublishError(f"{method} {without_credentials(url)}: {_failure(error)}") from None
        if response.status_code in (401, 403):
            raise PublishError(
                f"{method} {without_credentials(url)}: the engine refused the credentials in "
                f"{USER_VARIABLE}/{PASSWORD_VARIABLE} (HTTP {response.status_code})"
            )
        if response.status_code >= 400:
            raise PublishError(
                f"{method} {without_credentials(url)}: HTTP {response.status_code}: "
                f"{_text(response)}"
            )
        return response


def _failure(error: requests.RequestException) -> str:
    """Say why a request failed for good, once the retries are spent."""
    if isinstance(error, requests.Timeout):
        return "no answer within the time limit"
    if isinstance(error, requests.exceptions.RetryError):
        return "the engine kept answering with a server error"
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code}: {_text(error.response)}"
    return f"the engine cannot be reached ({type(error).__name__})"


def _read_build(dist: Path) -> dict:
    try:
        build = Manifest.read(dist).as_dict()
    except ManifestError as error:
        raise PublishError(str(error)) from None
    if build["build_id"] == "meta":  # the name of the pointer graph
        raise PublishError(f"{dist / 'build.json'}: field 'build_id' must not be 'meta'")
    return build


def _dump_path(dist: Path, name: str) -> Path:
    path = dist / name
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise PublishError(f"{dist / 'build.json'}: field 'load': {name!r} is outside the build")
    if not path.is_file():
        raise PublishError(f"{path}: listed in build.json 'load' but missing")
    if rdf_format(path) is None:
        raise PublishError(f"{path}: unknown RDF format (expected .nt, .ttl, .nq, .trig, .rdf)")
    return path


def _batches(dumps: list[Path], size: int) -> Iterator[tuple[bytes, int]]:
    """Yield N-Triples batches of at most SIZE triples; blank-node triples in one last batch."""
    batch: list[ox.Triple] = []
    with_blank_nodes: list[ox.Triple] = []
    for path in dumps:
        try:
            with open_rdf(path) as stream:
                for item in ox.parse(stream, format=rdf_format(path)):
                    triple = item.triple if isinstance(item, ox.Quad) else item
                    # A blank node is one node only within one request: keep them together.
                    if any(isinstance(t, ox.BlankNode) for t in triple):
                        with_blank_nodes.append(triple)
                        continue
                    batch.append(triple)
                    if len(batch) >= size:
                        yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES), len(batch)
                        batch = []
        except SyntaxError as error:
            raise PublishError(f"{path}: not valid RDF: {error}") from None
        except (OSError, EOFError) as error:
            raise PublishError(f"{path}: cannot read: {error}") from None
    batch += with_blank_nodes
    if batch:
        yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES), len(batch)


def _auth(engine: EngineEndpoints, env: Mapping[str, str]) -> AuthBase:
    user, password = env.get(USER_VARIABLE), env.get(PASSWORD_VARIABLE)
    if not user or password is None:
        raise PublishError(
            f"set {USER_VARIABLE} and {PASSWORD_VARIABLE}: the engine's write endpoints "
            "need credentials (they are never read from arguments)"
        )
    return HTTPDigestAuth(user, password) if engine.auth == "digest" else HTTPBasicAuth(
        user, password
    )


def _discard(client: _Client, graph: str, meta: str, version: str) -> None:
    client.update(
        f"DROP SILENT GRAPH <{version}> ; "
        f"DELETE DATA {{ GRAPH <{meta}> {{ <{graph}> <{HAS_VERSION}> <{version}> . }} }} ; "
        f"DELETE WHERE {{ GRAPH <{meta}> {{ <{version}> <{VOID_TRIPLES}> ?n }} }}"
    )


def _text(response: requests.Response) -> str:
    text = " ".join(response.text.split())
    return text.split("SPARQL query:")[0].strip()[:500] or response.reason
