"""The README stays true: every command, option and route is documented."""

import re

from helpers import ROOT

from achat_graph.cli import main
from sparql_endpoint.http.settings import DEFAULTS


def test_every_command_and_option_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    usage = set(re.findall(r"achat-graph ([\w-]+)", readme))
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


def _spaced(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def test_the_serve_figures_in_the_docs_are_the_settings():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    serving = " ".join((ROOT / "docs" / "serving.md").read_text(encoding="utf-8").split())
    rows, megabytes = _spaced(DEFAULTS.max_rows), DEFAULTS.max_result_bytes // 10**6
    body = DEFAULTS.max_content_length // 10**6
    assert f"{rows} rows per result" in readme
    assert f"results stop at {rows} rows and about {megabytes} MB" in readme
    assert f"request bodies stop at {body} MB" in readme
    assert f"Results stop at {rows} rows" in serving
    assert f"({megabytes} MB)" in serving
    assert f"`--threads`, default {DEFAULTS.threads}" in serving
    assert f"Request bodies stop at {body} MB" in serving


def test_the_developer_page_is_linked_and_names_every_room():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    develop = (ROOT / "docs" / "develop.md").read_text(encoding="utf-8")
    assert "docs/develop.md" in readme
    rooms = [p.name for p in (ROOT / "sparql_endpoint").iterdir() if (p / "__init__.py").is_file()]
    for room in rooms:
        assert f"`{room}/`" in develop, f"docs/develop.md does not map sparql_endpoint/{room}/"
