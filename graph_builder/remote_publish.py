"""Publish a built ``dist/`` to a remote SPARQL engine, switching versions atomically.

Each build goes into a new named graph ``{graph}/{build_id}`` through the SPARQL 1.1
Graph Store HTTP Protocol.  Once its triple count is checked, one SPARQL update moves
the pointer ``<{graph}> dcat:hasCurrentVersion <{graph}/{build_id}>`` in the metadata
graph ``{graph}/meta``; readers (``sparql_endpoint.remote``) follow that pointer, so
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
import gzip
import json
import os
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from sparql_endpoint.remote import CURRENT_VERSION, RemoteBackend, RemoteError, public_url

HAS_VERSION = "http://www.w3.org/ns/dcat#hasVersion"
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
ISSUED = "http://purl.org/dc/terms/issued"
XSD_DATE_TIME = "http://www.w3.org/2001/XMLSchema#dateTime"
USER_VARIABLE = "ACHAT_SPARQL_USER"
PASSWORD_VARIABLE = "ACHAT_SPARQL_PASSWORD"
_BUILD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class PublishError(Exception):
    """Publishing failed; the engine still serves the version it served before."""


@dataclass(frozen=True)
class Engine:
    """Where an engine takes Graph Store writes and SPARQL updates, and how it authenticates."""

    query_url: str
    store_url: str
    update_url: str
    auth: str  # "digest" or "basic"

    @classmethod
    def for_url(cls, to: str, kind: str = "virtuoso",
                env: Mapping[str, str] = os.environ) -> Engine:
        """Derive the write endpoints from the query endpoint TO for an engine KIND."""
        parts = urllib.parse.urlsplit(to)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PublishError(f"{public_url(to)}: expected an http(s) URL of a SPARQL endpoint")
        if parts.username is not None or parts.password is not None:
            raise PublishError(
                f"{public_url(to)}: put credentials in {USER_VARIABLE} and "
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
    retries: int = 3,
    backoff: float = 0.5,
    batch_triples: int = 50_000,
    keep: int = 2,
    env: Mapping[str, str] = os.environ,
    sleep: Callable[[float], None] = time.sleep,
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
    target = Engine.for_url(to, engine, env)
    client = _Client(target, _auth(target, env), timeout, retries, backoff, sleep)
    reader = RemoteBackend(to, timeout=timeout, retries=retries, backoff=backoff, sleep=sleep)

    pointers = _current(reader, graph, meta)
    previous = max(pointers, default=None)
    if pointers == [version]:
        count = _count(reader, version)
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
    count = _count(reader, version)
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
        f"<{version}> <{VOID_TRIPLES}> {count} ; <{ISSUED}> \"{issued}\"^^<{XSD_DATE_TIME}> }} }}"
    )
    for old in pointers:
        switch += (
            f" ; DELETE DATA {{ GRAPH <{meta}> {{ <{graph}> <{CURRENT_VERSION}> <{old}> }} }}"
        )
    client.update(switch)
    older = [old for old in _versions(reader, graph, meta) if old not in (version, previous)]
    kept = [version, *([previous] if previous else []), *older][:keep]
    dropped = []
    for old in older + ([previous] if previous else []):
        if old not in kept:
            _discard(client, graph, meta, old)
            dropped.append(old)
    return PublishResult(graph, version, previous, count, tuple(sorted(dropped)), changed=True)


class _Client:
    """Authenticated writes (Graph Store PUT/POST, SPARQL update) with retries."""

    def __init__(self, engine: Engine, auth: AuthBase, timeout: float, retries: int,
                 backoff: float, sleep: Callable[[float], None]):
        self.engine = engine
        self.session = requests.Session()
        self.session.auth = auth
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep

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

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        reason = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.Timeout:
                raise PublishError(
                    f"{method} {public_url(url)}: no answer within {self.timeout:g} s"
                ) from None
            except requests.ConnectionError as error:
                reason = f"cannot connect ({type(error).__name__})"
                continue
            if response.status_code >= 500:
                reason = f"HTTP {response.status_code}: {_text(response)}"
                continue
            if response.status_code in (401, 403):
                raise PublishError(
                    f"{method} {public_url(url)}: the engine refused the credentials in "
                    f"{USER_VARIABLE}/{PASSWORD_VARIABLE} (HTTP {response.status_code})"
                )
            if response.status_code >= 400:
                raise PublishError(
                    f"{method} {public_url(url)}: HTTP {response.status_code}: {_text(response)}"
                )
            return response
        raise PublishError(
            f"{method} {public_url(url)} failed after {self.retries + 1} attempts: {reason}"
        )


def _read_build(dist: Path) -> dict:
    path = dist / "build.json"
    try:
        build = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PublishError(f"{path}: not found; is {dist} a build folder?") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PublishError(f"{path}: cannot read: {error}") from None
    except json.JSONDecodeError as error:
        raise PublishError(f"{path}:{error.lineno}: not JSON: {error.msg}") from None
    if not isinstance(build, dict):
        raise PublishError(f"{path}: expected a JSON object")
    expected = {"build_id": str, "base": str, "load": list}
    for key, kind in expected.items():
        if not isinstance(build.get(key), kind):
            raise PublishError(f"{path}: field {key!r}: expected a {kind.__name__}")
    if not _BUILD_ID.fullmatch(build["build_id"]) or build["build_id"] == "meta":
        raise PublishError(
            f"{path}: field 'build_id' is {build['build_id']!r}: expected letters, digits, "
            "'.', '_' or '-' (and not 'meta')"
        )
    if not build["load"] or not all(isinstance(name, str) for name in build["load"]):
        raise PublishError(f"{path}: field 'load': expected a non-empty list of file names")
    if "triples" in build and not isinstance(build["triples"], int):
        raise PublishError(f"{path}: field 'triples': expected an integer")
    build.setdefault("triples", None)
    return build


def _dump_path(dist: Path, name: str) -> Path:
    path = dist / name
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise PublishError(f"{dist / 'build.json'}: field 'load': {name!r} is outside the build")
    if not path.is_file():
        raise PublishError(f"{path}: listed in build.json 'load' but missing")
    if _format(path) is None:
        raise PublishError(f"{path}: unknown RDF format (expected .nt, .ttl, .nq, .trig, .rdf)")
    return path


def _format(path: Path) -> ox.RdfFormat | None:
    return ox.RdfFormat.from_extension(path.name.removesuffix(".gz").rsplit(".", 1)[-1])


def _batches(dumps: list[Path], size: int) -> Iterator[tuple[bytes, int]]:
    """Yield N-Triples batches of at most SIZE triples; blank-node triples in one last batch."""
    batch: list[ox.Triple] = []
    with_blank_nodes: list[ox.Triple] = []
    for path in dumps:
        opener = gzip.open if path.suffix == ".gz" else open
        try:
            with opener(path, "rb") as stream:
                for item in ox.parse(stream, format=_format(path)):
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


def _auth(engine: Engine, env: Mapping[str, str]) -> AuthBase:
    user, password = env.get(USER_VARIABLE), env.get(PASSWORD_VARIABLE)
    if not user or password is None:
        raise PublishError(
            f"set {USER_VARIABLE} and {PASSWORD_VARIABLE}: the engine's write endpoints "
            "need credentials (they are never read from arguments)"
        )
    return HTTPDigestAuth(user, password) if engine.auth == "digest" else HTTPBasicAuth(
        user, password
    )


def _current(reader: RemoteBackend, graph: str, meta: str) -> list[str]:
    rows = _select(
        reader, f"SELECT ?v WHERE {{ GRAPH <{meta}> {{ <{graph}> <{CURRENT_VERSION}> ?v }} }}"
    )
    return sorted(row["v"].value for row in rows)


def _versions(reader: RemoteBackend, graph: str, meta: str) -> list[str]:
    """Return GRAPH's versions, the most recently published first (undated ones last)."""
    rows = _select(
        reader, f"SELECT ?v ?t WHERE {{ GRAPH <{meta}> {{ <{graph}> <{HAS_VERSION}> ?v "
                f"OPTIONAL {{ ?v <{ISSUED}> ?t }} }} }} ORDER BY DESC(?t) ?v"
    )
    return list(dict.fromkeys(row["v"].value for row in rows))


def _count(reader: RemoteBackend, version: str) -> int:
    rows = _select(reader, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{version}> {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"].value) if rows else 0


def _select(reader: RemoteBackend, query: str) -> list[dict]:
    try:
        return reader.select(query)
    except RemoteError as error:
        raise PublishError(str(error)) from None


def _discard(client: _Client, graph: str, meta: str, version: str) -> None:
    client.update(
        f"DROP SILENT GRAPH <{version}> ; "
        f"DELETE DATA {{ GRAPH <{meta}> {{ <{graph}> <{HAS_VERSION}> <{version}> . }} }} ; "
        f"DELETE WHERE {{ GRAPH <{meta}> {{ <{version}> <{VOID_TRIPLES}> ?n }} }}"
    )


def _text(response: requests.Response) -> str:
    text = " ".join(response.text.split())
    return text.split("SPARQL query:")[0].strip()[:500] or response.reason
