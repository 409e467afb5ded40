"""The Flask app factory."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, abort, current_app, request
from werkzeug.exceptions import HTTPException

from sparql_endpoint.backends.dist import (
    lease,
    local_store,
    open_backend,
    read_build,
    remote_graph,
    served_folder,
)
from sparql_endpoint.backends.engine_semantics import LENIENT_HEADER
from sparql_endpoint.backends.store import BackendError
from sparql_endpoint.execution.pool import PoolBackend, PoolSettings
from sparql_endpoint.http.errors import problem
from sparql_endpoint.http.origin import DEFAULT_ORIGIN, PublicOrigin
from sparql_endpoint.http.settings import DEFAULTS as SERVE_DEFAULTS
from sparql_endpoint.http.settings import ServeSettings

log = logging.getLogger("sparql_endpoint.store")

DEFAULTS = {
    **SERVE_DEFAULTS.app_config(),  # every serve setting, as http/settings.py defaults it
    "BACKEND": None,               # a ready Backend (tests); overrides DIST/STORE loading
    "BUILD": None,                 # with BACKEND: the build record to report (tests)
    "LISTEN_URL": DEFAULT_ORIGIN,  # without PUBLIC_URL: the listening address (set by serve)
}


def create_app(config: dict | None = None) -> Flask:
    """Build the app: load the store, then register each room's blueprints.

    The app sees requests through ``PublicOrigin``: links and redirects name the
    configured origin, never one a client's headers chose.
    """
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    if config:
        app.config.from_mapping(config)

    from sparql_endpoint.catalogue import discovery, dumps, meta
    from sparql_endpoint.http import errors, headers, health
    from sparql_endpoint.pages import documents, links
    from sparql_endpoint.protocol import editor, sparql, tables

    app.wsgi_app = PublicOrigin(app.wsgi_app, app.config["PUBLIC_URL"],
                                app.config["LISTEN_URL"], app.config["TRUSTED_PROXIES"])
    _attach_store(app)
    errors.init_app(app)
    headers.init_app(app)
    links.init_app(app)
    app.before_request(_cap_streamed_body)
    for module in (sparql, editor, tables, health, meta, dumps, discovery, documents):
        app.register_blueprint(module.bp)
    return app


#: How much of a chunked body past the cap is read and dropped so that the client, still
#: sending, reads its 413 instead of a reset connection; past it the connection closes.
DRAIN_BYTES = 64_000_000


#: What a first reader asks for, whose answers the rooms cache per app (``warm``).
WARM_PATHS = ("/health", "/", "/catalog", "/ontology", "/sitemap.xml", "/search.json?q=a")


def warm(app: Flask) -> None:
    """Fill the app's caches (counts, catalogue, ontology, sitemap, search index) now.

    The server warms an app before its workers fork, so they share the answers and
    the first readers of a new build do not wait for them.  A path that fails is logged.
    """
    client = app.test_client()
    for path in WARM_PATHS:
        status = client.get(path).status_code
        if status >= 500:
            log.warning("warming %s: status %s", path, status)


def _cap_streamed_body() -> None:
    """Refuse a chunked body past MAX_CONTENT_LENGTH (413), as a declared length would be.

    Werkzeug stops reading such a body at the cap without saying so, and the
    truncated text would be used; a body that reaches the cap is refused instead.  The
    rest is read and dropped (up to DRAIN_BYTES, within the front's read timeout) so a
    client that sends its whole body before reading gets the 413.  A malformed chunked
    body is a 400.
    """
    if request.content_length is not None or request.method not in ("POST", "PUT", "PATCH"):
        return
    limit = request.max_content_length
    try:
        over = limit is not None and len(request.get_data(cache=True)) >= limit
    except HTTPException as error:
        if error.code != 413:
            raise
        over = True
    except Exception as error:  # noqa: BLE001 - the WSGI server's parse errors are bare
        log.info("unreadable request body: %r", error)
        abort(400, description="The request body could not be read: its chunked "
                               "encoding is malformed.")
    if over:
        stream, drained = request.environ.get("wsgi.input"), 0
        with contextlib.suppress(Exception):
            while stream is not None and drained < DRAIN_BYTES:
                data = stream.read(65536)
                if not data:
                    break
                drained += len(data)
        abort(413)


def _pool_settings(config) -> PoolSettings:
    """Return the pool settings of an app config."""
    memory = config["QUERY_MEMORY_MB"]
    return PoolSettings(size=config["QUERY_PROCESSES"], queue=config["QUERY_QUEUE"],
                        memory=ServeSettings(query_memory_mb=memory or 0).query_memory_bytes,
                        isolate=not config["ALLOW_UNISOLATED"],
                        results=config["RESULT_CACHE_BYTES"])


def _attach_store(app: Flask) -> None:
    """Attach the backend and the build record; a ready BACKEND in the config skips loading.

    A ready BACKEND (tests) runs in the pool as the loaded store does.
    """
    app.register_error_handler(BackendError, _store_failure)
    settings = _pool_settings(app.config)
    backend = app.config.get("BACKEND")
    if backend is not None:
        build = dict(app.config.get("BUILD") or {})
        build.setdefault("build_id", "test")
        if "loaded_triples" not in build:
            build["loaded_triples"] = backend.triple_count()
        if not isinstance(backend, PoolBackend):
            ready = backend
            backend = PoolBackend(lambda: ready, settings, app.config["QUERY_TIMEOUT"])
    else:
        dist = served_folder(app.config["DIST"])
        build = read_build(dist)
        app.extensions["lease"] = lease(app, dist)
        backend = open_backend(dist, build, local_store(app.config["STORE"]),
                               graph=app.config["REMOTE_GRAPH"],
                               timeout=app.config["QUERY_TIMEOUT"],
                               engine=app.config["REMOTE_ENGINE"],
                               engine_max_rows=app.config["REMOTE_MAX_ROWS"],
                               settings=settings)
        if getattr(backend, "remote", None) is not None and app.config.get("ENGINE_LENIENT"):
            backend.remote.lenient = True
            app.after_request(_say_lenient)
        build["dist"] = dist
        build["loaded_triples"] = build["triples"]
        build["graph"] = remote_graph(build, app.config["REMOTE_GRAPH"])
    app.extensions["backend"] = backend
    app.extensions["build"] = build


def _say_lenient(response):
    """Say on every answer that the engine's own semantics apply (``serve --engine-lenient``)."""
    engine = current_app.config.get("REMOTE_ENGINE", "")
    response.headers[LENIENT_HEADER] = f"lenient; engine={engine}"
    return response


def _store_failure(error: BackendError):
    """Answer a page whose store failed (a remote engine down) with a readable status."""
    log.warning("store failure: %s", error)
    return problem(error.status, error.client_message, getattr(error, "headers", None))
