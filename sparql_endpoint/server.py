"""Run the app under gunicorn: ``achat-graph serve``.

Sync workers (one request at a time, single-threaded, so each may fork a query
child safely).  The memory store is loaded once in the master before the workers
fork (``preload_app``); an on-disk store is opened read-only by each worker after
the fork.  The worker timeout stays above the query limit, so the query limit,
not gunicorn, stops slow queries, with a readable answer.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from gunicorn.app.base import BaseApplication
from werkzeug.middleware.proxy_fix import ProxyFix

from sparql_endpoint.app import create_app
from sparql_endpoint.dist import open_backend, read_build

ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


class Server(BaseApplication):
    """A gunicorn application serving one Flask app factory configuration."""

    def __init__(self, config: dict, options: dict):
        self.config_for_app = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        app = create_app(self.config_for_app)
        # Behind a reverse proxy: honour X-Forwarded-For/-Proto/-Host/-Prefix from one hop.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)
        return app


def gunicorn_options(host: str, port: int, workers: int, preload: bool,
                     query_timeout: float) -> dict:
    """Return the gunicorn settings for ``serve``."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "preload_app": preload,
        "timeout": int(query_timeout) + 30,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "forwarded_allow_ips": "127.0.0.1,::1",
        "limit_request_line": 8190,
    }


def serve(dist: Path, host: str = "127.0.0.1", port: int = 8000, workers: int = 2,
          store: str = "memory", public_url: str | None = None,
          query_timeout: float = 10.0) -> None:
    """Check ``dist``, then serve it with gunicorn until interrupted (DistError if unusable)."""
    dist = Path(dist)
    build = read_build(dist)  # fail fast, before any worker starts
    if store != "memory":
        # Check the on-disk store now, so a bad one fails here rather than in every worker.
        open_backend(dist, build, store)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = {"DIST": dist, "STORE": store, "PUBLIC_URL": public_url,
              "QUERY_TIMEOUT": float(query_timeout)}
    options = gunicorn_options(host, port, workers, store == "memory", query_timeout)
    shown = f"[{host}]" if ":" in host else host
    print(f"Serving build {build['build_id']} ({build['triples']} triples) from {dist} at "
          f"http://{shown}:{port}/ — SPARQL endpoint at http://{shown}:{port}/sparql"
          + (f", public address {public_url}" if public_url else ""), file=sys.stderr, flush=True)
    Server(config, options).run()
