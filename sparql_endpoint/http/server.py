"""Run the app under gunicorn: ``achat-graph serve``, moving to each new build without a restart.

Threaded workers (``gthread``): the query work is in the pool's processes, so a
web thread only waits on a pipe, and many threads keep ``/health`` and pages
answering while slow queries run or slow clients dribble their requests.  The app
is built once in the master (``preload_app``): the memory store is loaded there,
a remote engine and an on-disk store are checked there (the on-disk store through a
query process: the master never opens RocksDB), its caches are warmed
(``app.warm``), then the master's pool is stopped.  Each worker starts its own pool
(zygote and query processes) before its threads (``post_worker_init``) and stops it
when it exits.  Network isolation is probed before anything starts; without it
``serve`` refuses unless ``--allow-unisolated``.  gunicorn's control socket is
disabled: instances on one host never share one.

Switching builds: on ``SIGHUP``, and with ``--follow`` whenever the ``dist`` symlink
points elsewhere, the master makes a new app over the build ``dist`` names now (a
remote engine's version is read again), warms it, then forks new workers from it
and stops the old ones gracefully: their in-flight requests finish on the old build
(within ``graceful_timeout``, longer than a query may run), new connections wait in
the listening socket until a new worker, its pool started, accepts them.  Each app
holds a lease on its build folder, shared by the processes forked from it, so the
builder keeps the old build's files until its last worker has gone.  A build that
cannot be served is refused with a message; the old one stays served.
"""

from __future__ import annotations

import logging
import signal
import sys
from dataclasses import replace
from functools import partial

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.glogging import Logger

from achat_core.engine import without_credentials
from sparql_endpoint.app import create_app, warm
from sparql_endpoint.backends.dist import (
    DistError,
    is_remote,
    read_build,
    remote_graph,
    served_folder,
)
from sparql_endpoint.backends.store import BackendError
from sparql_endpoint.execution import isolation
from sparql_endpoint.http.origin import parse_origin, parse_proxies
from sparql_endpoint.http.settings import ServeSettings
from sparql_endpoint.protocol.editor import YASGUI_DIR, YASGUI_HINT
from sparql_endpoint.protocol.sparql import LOGGED

ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
log = logging.getLogger("sparql_endpoint.server")


class Server(BaseApplication):
    """A gunicorn application serving the build a Flask app factory configuration names.

    ``config`` keeps ``DIST`` and ``STORE`` as given (a symlink, ``dist/store``): each
    app resolves them anew.  With ``follow``, the master hangs up on itself when the
    build ``DIST`` names moves.
    """

    def __init__(self, config: dict, options: dict, follow: bool = False):
        self.config_for_app = config
        self.options = options
        self.follow = follow
        self.app = None
        #: The build folder last refused, not tried again until ``dist`` moves on.
        self.refused = None
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key == "control_socket_disable" and key not in self.cfg.settings:
                continue  # gunicorn before 25 opens no control socket
            self.cfg.set(key, value)
        self.cfg.set("post_worker_init", _start_pool)
        self.cfg.set("worker_exit", _stop_pool)

    def load(self):
        if self.app is None:
            self.app = self._made()
        return self.app

    def _made(self):
        """Return a new app over the build ``DIST`` names now, its caches warm."""
        app = create_app(self.config_for_app)
        try:
            warm(app)
        finally:
            # The master keeps the loaded store and the caches, not the processes.
            app.extensions["backend"].stop()
        return app

    def reload(self) -> None:
        """Move to the build ``DIST`` names now (gunicorn then replaces the workers)."""
        super().reload()
        folder = served_folder(self.config_for_app["DIST"])
        try:
            app = self._made()
        except (DistError, BackendError, OSError, ValueError) as error:
            self.refused = folder
            log.error("still serving build %s: %s cannot be served: %s",
                      self.app.extensions["build"]["build_id"], folder, error)
            return
        old, self.app, self.callable = self.app, app, app
        self.refused = None
        old.extensions["lease"]()  # the master's share: old workers hold theirs until they exit
        build = app.extensions["build"]
        log.info("serving build %s (%s triples) from %s", build["build_id"], build["triples"],
                 build["dist"])

    def moved(self) -> bool:
        """Say whether ``--follow`` should move: ``DIST`` names a build not served nor refused."""
        if not self.follow:
            return False
        folder = served_folder(self.config_for_app["DIST"])
        return folder not in (self.app.extensions["build"]["dist"], self.refused)

    def run(self) -> None:
        try:
            _Arbiter(self).run()
        except RuntimeError as error:
            print(f"\nError: {error}\n", file=sys.stderr, flush=True)
            sys.exit(1)


class _Arbiter(Arbiter):
    """gunicorn's master, which also hangs up on itself when a followed ``dist`` moves."""

    def wait_for_signals(self, timeout=1.0):
        signals = super().wait_for_signals(timeout=timeout)
        if signal.SIGHUP not in signals and self.app.moved():
            signals.append(signal.SIGHUP)
        return signals


class AccessLog(Logger):
    """gunicorn's logger, writing no access line for a query: its query line is one."""

    def access(self, resp, req, environ, request_time) -> None:
        if not environ.get(LOGGED):
            super().access(resp, req, environ, request_time)


def _start_pool(worker) -> None:
    """Start the worker's query pool while it still has a single thread."""
    worker.wsgi.extensions["backend"].start()


def _stop_pool(server, worker) -> None:
    """End the worker's query processes with it."""
    worker.wsgi.extensions["backend"].stop()


def gunicorn_options(host: str, port: int, workers: int, threads: int,
                     query_timeout: float, trusted_proxies: tuple = ()) -> dict:
    """Return the gunicorn settings for ``serve``.

    gunicorn reads its own forwarded headers (scheme, ``SCRIPT_NAME``) from the
    trusted proxies only, as the app does (``sparql_endpoint.http.origin``).
    """
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sparql_endpoint.http.front.Worker",  # gthread, bounded
        "threads": threads,
        "worker_connections": 4 * threads,
        "keepalive": 5,
        "preload_app": True,
        "control_socket_disable": True,
        "timeout": int(query_timeout) + 30,
        "graceful_timeout": int(query_timeout) + 10,  # in-flight queries end on their build
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "logger_class": "sparql_endpoint.http.server.AccessLog",
        "forwarded_allow_ips": ",".join(trusted_proxies),
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
    }


def serve(settings: ServeSettings) -> None:
    """Check the build, then serve it with gunicorn until interrupted (DistError if unusable).

    ``dist`` and an on-disk ``store`` are resolved by each app the master makes: at
    start-up, on ``SIGHUP`` and, with ``follow``, when ``dist`` moves; a worker gunicorn
    restarts serves the master's current app.  Links and redirects name ``public_url``,
    else the listening address; a bad public URL or proxy address is a ValueError.
    """
    settings = _checked(settings)
    build = read_build(served_folder(settings.dist))  # fail fast, before any worker starts
    mechanism = _isolation(settings)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    listening = _listening(settings)
    config = {**replace(settings, allow_unisolated=mechanism is None).app_config(),
              "LISTEN_URL": listening}
    options = gunicorn_options(settings.host, settings.port, settings.workers, settings.threads,
                               settings.query_timeout, settings.trusted_proxies)
    server = Server(config, options, follow=settings.follow)
    server.load()  # load and check the store now: a bad one fails here, readably
    _announce(settings, build, listening, mechanism)
    server.run()


def _checked(settings: ServeSettings) -> ServeSettings:
    """Return the settings with the public URL and proxies checked."""
    if settings.public_url:
        parse_origin(settings.public_url)
    proxies = tuple(str(network) for network in parse_proxies(settings.trusted_proxies))
    return replace(settings, trusted_proxies=proxies)


def _isolation(settings: ServeSettings) -> str | None:
    """Return how query processes are cut off the network; refuse none unless allowed."""
    mechanism = isolation.probe()
    if mechanism is None and not settings.allow_unisolated:
        raise DistError("query processes cannot be cut off the network here (unshare "
                        "CLONE_NEWNET is refused: no user namespaces?); a SERVICE clause "
                        "could reach any host. Enable unprivileged user namespaces, or run "
                        "with --allow-unisolated at your own risk")
    return mechanism


def _listening(settings: ServeSettings) -> str:
    """Return the URL of the listening address (an IPv6 host in brackets)."""
    shown = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"http://{shown}:{settings.port}/"


def _announce(settings: ServeSettings, build: dict, listening: str,
              mechanism: str | None) -> None:
    """Tell the operator what is served, where, and how safely (on stderr)."""
    public_url, proxies = settings.public_url, settings.trusted_proxies
    where = f"from {served_folder(settings.dist)}"
    if is_remote(settings.store):
        where = (f"over the SPARQL engine at {without_credentials(settings.store)}, graph "
                 f"<{remote_graph(build, settings.remote_graph)}>, pages and dumps from "
                 f"{settings.dist}")
    say = partial(print, file=sys.stderr, flush=True)
    say(f"Serving build {build['build_id']} ({build['triples']} triples) {where} at "
        f"{listening} — SPARQL endpoint at {listening}sparql"
        + (f", public address {public_url}" if public_url else "")
        + (f"; forwarded headers honoured from {', '.join(proxies)} only"
           if proxies else "; no forwarded header is honoured"))
    if not public_url and settings.host in ("0.0.0.0", "::"):
        say(f"Links and the Service Description name {listening}: give --public-url with "
            "the address users reach.")
    if not (YASGUI_DIR / "yasgui.min.js").is_file():
        say(YASGUI_HINT)
    say(f"Query isolation: {mechanism or isolation.UNISOLATED}; "
        f"{settings.processes} query processes per lane and worker, "
        f"{settings.query_timeout:g} s per query")
    if mechanism is None:
        say("WARNING: query processes are NOT isolated from the network: a SERVICE "
            "clause the parser misreads could make this server call any host "
            "(--allow-unisolated)")
