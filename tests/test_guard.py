"""Exit codes and the memory ceiling of the command (achat_graph.guard)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from achat_graph import guard
from achat_graph.cli import main
from graph_builder.sources.decp_generator import write_decp


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


ACHAT = Path(sys.executable).parent / "achat-graph"


def test_the_program_passes_on_the_exit_code_of_its_child(tmp_path):
    done = subprocess.run([str(ACHAT), "validate", str(tmp_path / "missing.ttl")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "missing.ttl" in done.stderr


@pytest.mark.slow
def test_a_native_abort_under_the_memory_ceiling_is_explained(tmp_path):
    source = tmp_path / "decp.json"
    write_decp(source, 2000, seed=1)
    done = subprocess.run([str(ACHAT), "build", "--decp", str(source), "--out",
                           str(tmp_path / "dist"), "--quiet", "--max-memory", "300"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "memory" in done.stderr and "300 MiB" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "dist").exists()
