"""The README stays true: every command, option and route is documented."""

import re

from helpers import ROOT

from achat_graph.cli import main


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


def test_every_route_is_in_the_readme(app):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        top = "/" + rule.rule.strip("/").split("/")[0].split(".")[0].split("<")[0]
        assert f"`{top}" in readme, f"README does not document {rule.rule}"
