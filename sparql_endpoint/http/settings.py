"""Every default of ``achat-graph serve``, once: the CLI, the app, the pool and the docs read it.

No Flask here: the query pool (``execution``) reads its defaults from this module too.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ServeSettings:
    """How one server runs: where the build is, how it listens, what it allows a query."""

    dist: Path = Path("dist")          # a published build folder
    store: str = "memory"              # "memory", an on-disk store's folder, or an engine's URL
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1                   # gunicorn workers, each with its own query processes
    threads: int = 256                 # threads per worker
    query_processes: int | None = None  # per lane (user queries, pages); None: 2 x cores
    queue: int = 64                    # requests waiting for a user-query process (pages: 4x)
    query_memory_mb: int = 2048        # memory a query process may add to its store (0: none)
    query_timeout: float = 10.0        # seconds
    short_query_budget: float = 1.0    # seconds a user query computes among short ones
    result_cache_mb: int = 32          # whole answers kept per worker for repeated queries
    max_content_length: int = 1_000_000  # request body cap, bytes
    max_rows: int = 100_000            # result rows cap
    max_result_bytes: int = 16_000_000  # result size cap, bytes (about: rows are measured whole)
    allow_unisolated: bool = False     # run queries even where network isolation fails
    public_url: str | None = None      # where users reach the server: every link names it
    trusted_proxies: tuple[str, ...] = field(default=())  # peers whose X-Forwarded-* count
    remote_graph: str | None = None    # remote store: graph the build was published to
    remote_engine: str = "virtuoso"    # remote store: "virtuoso" also sends our time limit
    remote_max_rows: int | None = None  # remote store: the engine's silent row cap
    engine_lenient: bool = False       # remote store: the engine's own semantics, said per answer
    follow: bool = False               # move to the build dist names whenever it changes

    @property
    def processes(self) -> int:
        """Return the query processes per lane: the chosen number, else two per core."""
        return self.query_processes or 2 * (os.cpu_count() or 1)

    @property
    def result_cache_bytes(self) -> int:
        """Return the bytes of answers a worker keeps for repeated queries."""
        return self.result_cache_mb * 1_000_000

    @property
    def query_memory_bytes(self) -> int | None:
        """Return the memory cap of a query process in bytes (None: no limit)."""
        return self.query_memory_mb * 1024 * 1024 if self.query_memory_mb else None

    def app_config(self) -> dict:
        """Return these settings as the app's config keys (``DIST``, ``QUERY_TIMEOUT``...)."""
        config = {name.upper(): value for name, value in asdict(self).items()
                  if name not in ("host", "port", "workers", "threads", "query_processes",
                                  "queue", "query_memory_mb", "follow",
                                  "short_query_budget", "result_cache_mb")}
        config.update(QUERY_PROCESSES=self.processes, QUERY_QUEUE=self.queue,
                      RESULT_CACHE_BYTES=self.result_cache_bytes,
                      QUERY_MEMORY_MB=self.query_memory_mb)
        return config


#: The defaults themselves.
DEFAULTS = ServeSettings()
