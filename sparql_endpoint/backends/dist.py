"""Load a published ``dist/`` folder: check ``build.json``, then open the store.

The store is the build's dumps loaded in memory, an on-disk store written by the
builder, or a remote SPARQL engine the build was published to (``STORE`` is then its
http(s) URL); pages and dumps always come from ``dist/``.

``dist/`` is usually a symlink the builder switches to each new build.  It is
resolved when an app is made, and every file is read from the build folder it
pointed to then, so an app never mixes two builds; the server makes a new app to
move to a new build (``http/server``).  While an app lives it holds a lease on its
build folder (:func:`lease`), so the builder leaves that folder in place.
``app.extensions["backend"]`` gets the store, ``app.extensions["build"]`` the
parsed ``build.json`` plus ``"dist"`` (the folder), ``"loaded_triples"`` and ``"graph"``
(the graph's public IRI, ``{base}graph`` unless ``REMOTE_GRAPH`` says otherwise).
"""

from __future__ import annotations

import logging
import os
import weakref
from pathlib import Path

from achat_core import lease as leases
from achat_core.engine import without_credentials
from achat_core.manifest import Manifest, ManifestError
from sparql_endpoint.backends.remote import RemoteBackend, RemoteError
from sparql_endpoint.backends.store import BackendError, OxigraphBackend
from sparql_endpoint.execution.pool import PoolBackend, PoolSettings

log = logging.getLogger("sparql_endpoint.backends.store")


class DistError(ValueError):
    """A ``dist/`` folder that cannot be served; the message says which file and what is wrong."""


def read_build(dist: Path) -> dict:
    """Read and check ``dist/build.json``; raise DistError naming the path and the problem."""
    try:
        return Manifest.read(dist).as_dict()
    except ManifestError as error:
        raise DistError(str(error)) from None


def lease(owner: object, folder: Path) -> weakref.finalize:
    """Lease the build ``folder`` while ``owner`` lives; calling the result ends it sooner.

    Processes forked meanwhile share the lease until they exit (``achat_core.lease``).
    """
    try:
        fd = leases.take(folder)
    except OSError as error:
        raise DistError(f"{folder}: cannot lease the build ({error})") from None
    return weakref.finalize(owner, os.close, fd)


def is_remote(store: str | Path) -> bool:
    """Say whether ``store`` names a remote SPARQL engine (an http or https URL)."""
    return str(store).startswith(("http://", "https://"))


def remote_graph(build: dict, graph: str | None = None) -> str:
    """Return the graph IRI a build is published to: ``graph``, else ``{base}graph``."""
    return graph or f"{build['base']}graph"


def open_backend(dist: Path, build: dict, store: str | Path = "memory", *,
                 graph: str | None = None, timeout: float = 10.0, engine: str = "virtuoso",
                 engine_max_rows: int | None = None,
                 settings: PoolSettings | None = None) -> PoolBackend:
    """Return the pool over the build's store: its dumps in memory, an on-disk store, an engine.

    The store must hold the build's triples (a remote engine: its published version).
    ``graph``, ``timeout``, ``engine`` and ``engine_max_rows`` configure a remote engine;
    ``settings`` the pool.  An on-disk store is only ever opened inside query
    processes (read-only, after their fork): this process counts it through one.
    """
    dist = Path(dist)
    settings = settings or PoolSettings()
    if is_remote(store):
        graph = remote_graph(build, graph)
        version = _remote_version(str(store), graph, timeout, dist, build)
        remote = RemoteBackend(str(store), graph, timeout=timeout, engine=engine,
                               max_rows=engine_max_rows, version=version)
        return PoolBackend(_no_store, settings, timeout, remote=remote)
    if str(store) == "memory":
        try:
            loaded = OxigraphBackend.in_memory(dist / name for name in build["load"])
        except (SyntaxError, ValueError, OSError) as error:
            raise DistError(f"{dist}: a dump listed in build.json cannot be loaded: {error}") \
                from None
        count = loaded.triple_count()
        backend = PoolBackend(lambda: loaded, settings, timeout)
    else:
        folder = Path(store)
        if not folder.is_dir():
            raise DistError(f"{folder}: no such store folder (written by achat-graph build "
                            "--store)")
        backend = PoolBackend(lambda: OxigraphBackend.read_only(folder), settings, timeout)
        try:
            count = backend.triple_count()
        except BackendError as error:
            backend.stop()
            raise DistError(f"{folder}: cannot open the store read-only ({error}); see the "
                            "query process's message above") from None
    if count != build["triples"]:
        backend.stop()
        raise DistError(f"{dist / 'build.json'}: says {build['triples']} triples, but the store "
                        f"holds {count}; rebuild the graph")
    return backend


def _no_store() -> None:
    """Over a remote engine, query processes only read queries: they hold no store."""


def _remote_version(url: str, graph: str, timeout: float, dist: Path, build: dict) -> str:
    """Return the graph to pin: this build's version ``{graph}/{build_id}`` on the engine.

    The version need not be the current one: a server keeps its build while newer ones
    are published (``achat-graph publish --keep``).  A graph without any pointer, loaded
    by another tool, is served itself when it holds the build's triples.  Raises
    DistError saying what to do when the engine does not hold the build.
    """
    reader = RemoteBackend(url, graph, timeout=timeout)
    shown = without_credentials(url)
    expected = f"{graph}/{build['build_id']}"
    publish = f"achat-graph publish --dist {dist} --to {shown}"
    try:
        count = reader.version_count(expected)
        pointed = None if count else reader.pointed_version()
        if not count and pointed is None:
            expected, count = graph, reader.version_count(graph)
    except RemoteError as error:
        raise DistError(f"--store {shown}: {error}") from None
    if pointed is not None:
        raise DistError(f"--store {shown}: graph <{graph}> has no version <{expected}> (it "
                        f"serves version <{pointed}>), but {dist} holds build "
                        f"{build['build_id']!r}; publish it first ({publish})")
    if count != build["triples"]:
        raise DistError(f"--store {shown}: graph <{expected}> holds {count} triples, "
                        f"{dist / 'build.json'} says {build['triples']}; publish the build "
                        f"({publish}) or check --remote-graph")
    return expected


def served_folder(dist: str | Path) -> Path:
    """Return the build folder ``dist`` names now, its symlinks resolved, to serve from."""
    return Path(dist).resolve()


def local_store(store: str | Path) -> str | Path:
    """Return ``store`` with an on-disk folder's symlinks resolved; "memory" and URLs unchanged."""
    if str(store) == "memory" or is_remote(store):
        return store
    return Path(store).resolve()
