"""Run the app under gunicorn: ``achat-graph serve``.

Sync workers (one request at a time, single-threaded, so each may fork a query
child safely).  The memory store is loaded once in the master before the workers
fork (``preload_app``); an on-disk store is opened read-only by each worker after
the fork.  A remote engine is checked once in the master (``preload_app``, so a
worker restarted while the engine is down still boots and answers 503s).
The worker timeout stays above the query limit, so the query limit,
not gunicorn, stops slow queries, with a readable answer.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from gunicorn.app.base import BaseApplication

from achat_core.engine import public_url as without_credentials
from sparql_endpoint.app import create_app
from sparql_endpoint.dist import (
    is_remote,
    local_store,
    open_backend,
    read_build,
    remote_graph,
    served_folder,
)
from sparql_endpoint.editor import YASGUI_DIR, YASGUI_HINT
from sparql_endpoint.origin import parse_origin, parse_proxies

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
        return create_app(self.config_for_app)


def gunicorn_options(host: str, port: int, workers: int, preload: bool,
                     query_timeout: float, trusted_proxies: tuple = ()) -> dict:
    """Return the gunicorn settings for ``serve``.

    gunicorn reads its own forwarded headers (scheme, ``SCRIPT_NAME``) from the
    trusted proxies only, as the app does (``sparql_endpoint.origin``).
    """
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
        "forwarded_allow_ips": ",".join(trusted_proxies),
        "limit_request_line": 8190,
    }


def serve(dist: Path, host: str = "127.0.0.1", port: int = 8000, workers: int = 2,
          store: str = "memory", public_url: str | None = None,
          query_timeout: float = 10.0, remote_graph_iri: str | None = None,
          remote_engine: str = "virtuoso", remote_max_rows: int | None = None,
          trusted_proxies: tuple[str, ...] = ()) -> None:
    """Check ``dist``, then serve it with gunicorn until interrupted (DistError if unusable).

    ``dist`` and an on-disk ``store`` are resolved here, once: every worker, even one
    gunicorn restarts later, serves the build they named at start-up.  Links and
    redirects name ``public_url``, else the listening address; a bad public URL or
    proxy address is a ValueError.
    """
    shown = f"[{host}]" if ":" in host else host
    listening = f"http://{shown}:{port}/"
    if public_url:
        parse_origin(public_url)
    trusted_proxies = tuple(str(network) for network in parse_proxies(trusted_proxies))
    dist = served_folder(dist)
    store = local_store(store)
    build = read_build(dist)  # fail fast, before any worker starts
    remote = {"REMOTE_GRAPH": remote_graph_iri, "REMOTE_ENGINE": remote_engine,
              "REMOTE_MAX_ROWS": remote_max_rows}
    if store != "memory":
        # Check the on-disk store or the engine now, so a bad one fails here, readably.
        open_backend(dist, build, store, graph=remote_graph_iri, timeout=query_timeout,
                     engine=remote_engine, engine_max_rows=remote_max_rows)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = {"DIST": dist, "STORE": store, "PUBLIC_URL": public_url, "LISTEN_URL": listening,
              "TRUSTED_PROXIES": trusted_proxies, "QUERY_TIMEOUT": float(query_timeout),
              **remote}
    preload = store == "memory" or is_remote(store)
    options = gunicorn_options(host, port, workers, preload, query_timeout, trusted_proxies)
    where = f"from {dist}"
    if is_remote(store):
        where = (f"over the SPARQL engine at {without_credentials(store)}, graph "
                 f"<{remote_graph(build, remote_graph_iri)}>, pages and dumps from {dist}")
    print(f"Serving build {build['build_id']} ({build['triples']} triples) {where} at "
          f"{listening} — SPARQL endpoint at {listening}sparql"
          + (f", public address {public_url}" if public_url else "")
          + (f"; forwarded headers honoured from {', '.join(trusted_proxies)} only"
             if trusted_proxies else "; no forwarded header is honoured"),
          file=sys.stderr, flush=True)
    if not public_url and host in ("0.0.0.0", "::"):
        print(f"Links and the Service Description name {listening}: give --public-url with "
              "the address users reach.", file=sys.stderr, flush=True)
    if not (YASGUI_DIR / "yasgui.min.js").is_file():
        print(YASGUI_HINT, file=sys.stderr, flush=True)
    Server(config, options).run()
