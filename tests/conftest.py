"""Shared fixtures: a small published ``dist/`` built in tmp_path, and the Flask app over it.

Plain helpers (``free_port``, ``write_dist``...) live in ``helpers.py``.
``make_dist(tmp_path, data)`` writes a dist from N-Triples text or an rdflib Graph,
so page and dump tests can serve their own data; ``app`` and ``client``
follow Flask's tutorial.  ``make_app(data, **config)`` builds an app
over its own dist.  Both serve from the store named by the ``store_kind`` fixture:
``"memory"`` unless a module parametrises it with ``STORE_KINDS``, whose
``"virtuoso"`` case publishes each dist to the Virtuoso of ``.ci/virtuoso.sh``
(``. $ACHAT_VIRTUOSO_DIR/env``) and serves it through the remote backend.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from helpers import SAMPLE_NT, publish_to_virtuoso, write_dist

from sparql_endpoint import create_app


@pytest.fixture
def store_kind() -> str:
    """Where the app's triples live: "memory" here; modules parametrise it with STORE_KINDS."""
    return "memory"


@pytest.fixture
def make_dist(tmp_path):
    """Return a function that writes a dist from N-Triples text or an rdflib Graph."""
    counter = iter(range(1000))

    def make(data=SAMPLE_NT, build_id: str = "test-build") -> Path:
        return write_dist(tmp_path / f"dist{next(counter)}", data, build_id)

    return make


@pytest.fixture
def dist(make_dist) -> Path:
    """A dist holding the sample graph."""
    return make_dist()


def _app_config(dist: Path, store_kind: str) -> dict:
    config = {"DIST": dist, "TESTING": True}
    if store_kind == "virtuoso":
        config.update(publish_to_virtuoso(dist))
    return config


@pytest.fixture
def make_app(make_dist, store_kind):
    """Return a function that builds an app over a new dist of DATA, with extra config.

    Each app's query processes end with the test, not whenever the app is collected.
    """
    made = []

    def make(data=SAMPLE_NT, **config):
        made.append(create_app({**_app_config(make_dist(data), store_kind), **config}))
        return made[-1]

    yield make
    for app in made:
        _stop(app)


@pytest.fixture
def app(dist, store_kind):
    """The app over the sample dist, with a short query time limit."""
    app = create_app({**_app_config(dist, store_kind), "QUERY_TIMEOUT": 3.0})
    yield app
    _stop(app)


def _stop(app) -> None:
    stop = getattr(app.extensions.get("backend"), "stop", None)
    if stop is not None:
        stop()


@pytest.fixture
def client(app):
    """A Flask test client."""
    return app.test_client()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under ``ACHAT_FORBID_SKIPS=1`` (``.ci/run``), a skipped test fails: CI has everything."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("ACHAT_FORBID_SKIPS") == "1" \
            and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped where CI must run it: {reason}"


def pytest_terminal_summary(terminalreporter):
    """Print the differential suite's table (verdicts per folder and backend), if it ran."""
    differential = sys.modules.get("differential")
    lines = differential.table_lines() if differential is not None else []
    if lines:
        terminalreporter.section("differential suite: verdicts per folder and backend")
        for line in lines:
            terminalreporter.write_line(line)
