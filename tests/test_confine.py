"""The process that checks a visitor's record runs cut off the network, memory bounded."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading

CONFINE = [sys.executable, "-m", "sparql_endpoint.execution.confine", "--", sys.executable, "-c"]


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CONFINE, code], capture_output=True, text=True, timeout=60,
                          check=False)


def test_the_confined_command_reaches_no_listener_on_this_machine():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        hits = []
        listener.settimeout(5)

        def accept():
            with contextlib.suppress(OSError):
                hits.append(listener.accept())

        waiter = threading.Thread(target=accept)
        waiter.start()
        done = _run(f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}),"
                    f" timeout=3)\n    print('connected')\nexcept OSError as e:\n"
                    f"    print('refused', e)")
        waiter.join()
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("refused") and not hits


def test_the_confined_command_cannot_map_gigabytes():
    done = _run("b = bytearray(3 * 1024 ** 3)\nprint('allocated')")
    assert done.returncode != 0 and "allocated" not in done.stdout
    assert "MemoryError" in done.stderr


def test_no_command_is_a_usage_error():
    done = subprocess.run([sys.executable, "-m", "sparql_endpoint.execution.confine"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0 and "usage" in done.stderr


def test_the_builder_check_answers_through_the_barrier():
    """A record missing its required fields comes back with problems, not a crash."""
    from sparql_endpoint.pages.contribute import check

    answer = check({"resources.yaml": [{"key": "x"}]})
    assert answer.get("problems"), answer
