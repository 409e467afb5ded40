"""The Flask app factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from sparql_endpoint.origin import DEFAULT_ORIGIN, PublicOrigin

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
    "SERVICE_ALLOWLIST": (),       # endpoints SERVICE may call
    "MAX_CONTENT_LENGTH": 1_000_000,  # request body cap, bytes
    "MAX_ROWS": 100_000,           # result rows cap
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

    from sparql_endpoint import (
        discovery,
        dist,
        dumps,
        errors,
        links,
        meta,
        ops,
        pages,
        response_headers,
        sparql,
        tables,
    )

    app.wsgi_app = PublicOrigin(app.wsgi_app, app.config["PUBLIC_URL"],
                                app.config["LISTEN_URL"], app.config["TRUSTED_PROXIES"])
    dist.init_app(app)
    errors.init_app(app)
    response_headers.init_app(app)
    links.init_app(app)
    for module in (sparql, ops, meta, dumps, pages, tables, discovery):
        app.register_blueprint(module.bp)
    return app
