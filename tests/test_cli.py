"""The command line: option checks and documentation kept true."""

import re

from click.testing import CliRunner

from graph_builder.cli import main
from graph_builder.paths import ROOT


def test_a_bad_created_date_is_a_usage_error():
    result = CliRunner().invoke(main, ["build", "--created", "2026-13-01", "--out", "unused"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_every_command_and_option_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    usage = set(re.findall(r"achat-graph (\w+)", readme))
    options = set(re.findall(r"--[a-z][a-z-]+", readme))
    for name, command in main.commands.items():
        assert name in usage, f"README does not show 'achat-graph {name}'"
        for param in command.params:
            for flag in [*param.opts, *param.secondary_opts]:
                if flag.startswith("--") and flag != "--help":
                    assert flag in options, f"README does not document {name} {flag}"
