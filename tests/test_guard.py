"""Exit codes and the memory ceiling of the command (achat_graph.guard)."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from achat_graph import guard
from achat_graph.cli import main


def test_an_unexpected_exception_is_an_internal_error_with_a_request_to_report_it():
    @click.group(cls=guard.GuardedGroup)
    def group():
        pass

    @group.command()
    def broken():
        raise KeyError("surprise")

    result = CliRunner().invoke(group, ["broken"])
    assert result.exit_code == guard.INTERNAL_ERROR == 70
    assert "internal error" in result.output and "Please report" in result.output
    assert "KeyError: 'surprise'" in result.output and "Traceback" not in result.output


def test_reaching_the_memory_ceiling_raises_memory_error_and_the_limit_is_restored():
    script = (
        "import resource\n"
        "from achat_graph.guard import memory_ceiling\n"
        "before = resource.getrlimit(resource.RLIMIT_AS)\n"
        "try:\n"
        "    with memory_ceiling(1024):\n"
        "        data = bytearray(2 * 1024 ** 3)\n"
        "except MemoryError:\n"
        "    print('memory error')\n"
        "assert resource.getrlimit(resource.RLIMIT_AS) == before\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "memory error"


def test_build_clean_removes_old_builds_only(tmp_path):
    builds = tmp_path / "dist.builds"
    (builds / ".partial-abc-999999999").mkdir(parents=True)
    result = CliRunner().invoke(main, ["build", "--clean", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 0, result.output
    assert "removed" in result.output and not any(builds.iterdir())
