"""The build's memory watch: the process tree's resident size, and a stage's peak."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from graph_builder.pipeline.memory import PeakWatch, give_back, high_water, tree_rss

MB = 2**20


def _wait(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.01)


def test_the_tree_counts_a_childs_memory():
    alone = tree_rss()
    child = subprocess.Popen([sys.executable, "-c", "import sys; held = b'x' * (128 << 20); "
                              "print('ready', flush=True); sys.stdin.read()"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "ready\n"
        assert tree_rss() - alone > 120 * MB
        assert tree_rss(child.pid) > 120 * MB
    finally:
        child.communicate("")


def test_a_stage_reports_memory_it_freed_before_it_ended():
    watch = PeakWatch(interval=0.01).start()
    before = watch.peak
    held = b"x" * (96 * MB)
    _wait(lambda: watch.peak - before > 90 * MB)  # sampled while held
    del held
    assert watch.stop() - before > 90 * MB
    assert tree_rss() - before < 60 * MB


def test_a_peak_too_short_to_sample_still_counts_when_it_is_the_highest():
    watch = PeakWatch(interval=3600).start()  # one sample at the start, one at the end
    before = watch.peak
    size = high_water() - before + 256 * MB  # above any earlier peak of this process
    held = b"x" * size
    del held
    assert watch.stop() - before >= size - 16 * MB


def test_memory_freed_in_a_thread_is_given_back():
    kept = []

    def churn() -> None:
        blocks = [bytearray(4096) for _ in range(40_000)]
        kept.extend(blocks[::1000])  # a few live blocks: the arena cannot shrink by itself
        del blocks

    worker = threading.Thread(target=churn)
    worker.start()
    worker.join()
    before = tree_rss()
    if not give_back():
        pytest.skip("not glibc: no malloc_trim")
    assert before - tree_rss() > 100 * MB
    assert len(kept) == 40
