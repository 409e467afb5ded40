"""The server moves to each new build without a restart, and no request fails meanwhile.

Four clients poll ``/health``, a page, ``/sparql`` and ``/dumps/`` while the builder
releases three new builds: two followed (``--follow``), one announced with ``SIGHUP``.
"""

from __future__ import annotations

import json
import signal
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from helpers import EX, LABEL, SAMPLE_NT, http_get, start_serve, stop_serve, write_dist

from achat_core import lease
from graph_builder.output import release

PATHS = ("/health", "/doc/instrument/partenariat-innovation",
         "/sparql?query=" + urllib.parse.quote("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"),
         "/dumps/")


def _release(out: Path, number: int) -> Path:
    """Release build ``b{number}``: the sample graph and one triple of its own."""
    build_id = f"b{number}"
    partial = release.start(out, build_id)
    write_dist(partial, SAMPLE_NT + f'<{EX}id/build/{number}> <{LABEL}> "{build_id}" .\n',
               build_id)
    return release.finish(out, partial, build_id)


def _served(root: str) -> str:
    return json.loads(http_get(root + "/health")[1])["build_id"]


def _wait_for(root: str, build_id: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while _served(root) != build_id:
        assert time.monotonic() < deadline, f"the server never moved to {build_id}"
        time.sleep(0.1)


def test_follow_moves_once_per_new_build_and_not_to_a_refused_one(tmp_path):
    from sparql_endpoint.http.server import Server, gunicorn_options

    out = tmp_path / "dist"
    first = _release(out, 1)
    server = Server({"DIST": out}, gunicorn_options("127.0.0.1", 0, 1, 2, 5.0), follow=True)
    server.app = type("App", (), {"extensions": {"build": {"dist": first}}})()
    assert not server.moved()
    second = _release(out, 2)
    assert server.moved()
    server.refused = second  # it could not be served: not tried again until dist moves on
    assert not server.moved()
    _release(out, 3)
    assert server.moved()
    assert not Server({"DIST": out}, {}, follow=False).moved()


@pytest.mark.slow
def test_three_switches_under_load_fail_no_request(tmp_path):
    out = tmp_path / "dist"
    first = _release(out, 1)
    root, process, log = start_serve(out, "--follow", "--workers", "2",
                                     "--query-processes", "1")
    stop, answers, failures = threading.Event(), [], []

    def poll(path: str) -> None:
        while not stop.is_set():
            try:
                status, body = http_get(root + path)
            except OSError as error:
                failures.append((path, repr(error)))
                continue
            answers.append(path)
            if status != 200:
                failures.append((path, status, body[:200]))

    clients = [threading.Thread(target=poll, args=(path,)) for path in PATHS]
    for client in clients:
        client.start()
    try:
        assert lease.in_use(first)  # the builder will not delete it under the server
        _release(out, 2)
        _wait_for(root, "b2")
        _release(out, 3)
        _wait_for(root, "b3")
        _release(out, 4)
        process.send_signal(signal.SIGHUP)
        _wait_for(root, "b4")
        time.sleep(1)  # a moment of polling on the last build
        count = json.loads(http_get(root + PATHS[2])[1])["results"]["bindings"][0]["n"]
        assert count["value"] == "11"  # the new build's own triple is queried too
    finally:
        stop.set()
        for client in clients:
            client.join()
        code = stop_serve(process)
    assert not failures, (failures[:5], log.read_text()[-3000:])
    assert {path for path in answers} == set(PATHS)
    assert code == 0
    assert not any(lease.in_use(build) for build in out.parent.glob("dist.builds/b*"))
