"""The Flask app factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, abort, request

from sparql_endpoint.http.origin import DEFAULT_ORIGIN, PublicOrigin

DEFAULTS = {
    "DIST": Path("dist"),          # a published build folder
    "STORE": "memory",             # "memory", an on-disk store's folder, or an engine's URL
    "REMOTE_GRAPH": None,          # remote store: graph the build was published to ({base}graph)
    "REMOTE_ENGINE": "virtuoso",   # remote store: "virtuoso" also sends it our time limit
    "REMOTE_MAX_ROWS": None,       # remote store: the engine's silent row cap (ResultSetMaxRows)
    "BACKEND": None,               # a ready Backend (tests); overrides DIST/STORE loading
    "BUILD": None,                 # with BACKEND: the build record to report (tests)
    "PUBLIC_URL": None,            # where users reach the server: fixes every link and redirect
    "LISTEN_URL": DEFAULT_ORIGIN,  # without PUBLIC_URL: the listening address (set by serve)
    "TRUSTED_PROXIES": (),         # peers whose X-Forwarded-* headers are honoured
    "QUERY_TIMEOUT": 10.0,         # seconds
    "MAX_CONTENT_LENGTH": 1_000_000,  # request body cap, bytes
    "MAX_ROWS": 100_000,           # result rows cap
    "MAX_RESULT_BYTES": 16_000_000,  # result size cap, bytes (about: rows are measured whole)
    "QUERY_PROCESSES": 2 * (os.cpu_count() or 1),  # query processes per lane (queries, pages)
    "QUERY_QUEUE": 64,             # requests waiting for a user-query process (pages: 4x)
    "QUERY_MEMORY_MB": 2048,       # memory a query process may add to the store it holds
    "ALLOW_UNISOLATED": False,     # run queries even where network isolation fails
}


def create_app(config: dict | None = None) -> Flask:
    """Build the app: load the store, then register one blueprint per concern.

    The app sees requests through ``PublicOrigin``: links and redirects name the
    configured origin, never one a client's headers chose.
    """
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    if config:
        app.config.from_mapping(config)

    from sparql_endpoint.backends import dist
    from sparql_endpoint.catalogue import discovery, dumps, meta
    from sparql_endpoint.http import errors, headers, health
    from sparql_endpoint.pages import documents, links
    from sparql_endpoint.protocol import editor, sparql, tables

    app.wsgi_app = PublicOrigin(app.wsgi_app, app.config["PUBLIC_URL"],
                                app.config["LISTEN_URL"], app.config["TRUSTED_PROXIES"])
    dist.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    links.init_app(app)
    app.before_request(_cap_streamed_body)
    for module in (sparql, editor, tables, health, meta, dumps, discovery, documents):
        app.register_blueprint(module.bp)
    return app


def _cap_streamed_body() -> None:
    """Refuse a chunked body past MAX_CONTENT_LENGTH (413), as a declared length would be.

    Werkzeug stops reading such a body at the cap without saying so, and the
    truncated text would be used; a body that reaches the cap is refused instead.
    """
    if request.content_length is not None or request.method not in ("POST", "PUT", "PATCH"):
        return
    limit = request.max_content_length
    if limit is not None and len(request.get_data(cache=True)) >= limit:
        abort(413)
