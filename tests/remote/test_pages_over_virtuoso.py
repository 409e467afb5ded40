"""The officer's pages give the same text over Virtuoso as over the embedded store.

A build of ``data/`` with one DECP file is served twice from the same ``dist/``: from
its embedded store and from its version published to the test Virtuoso
(``. $ACHAT_VIRTUOSO_DIR/env``).  Each page of the officer's path (tests/browser/
test_officer.py), in French and English, must read the same once its markup is set
aside: the same lines, in any order (rows an ORDER BY leaves tied, values a page sorts
by a name it reads later, a GROUP_CONCAT's values: each comes in the store's order).
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from helpers import ROOT, SHARED_DIR, publish_to_virtuoso, virtuoso_url

from graph_builder.pipeline.build import build_and_release
from graph_builder.pipeline.options import BuildOptions
from sparql_endpoint import create_app

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.skipif(virtuoso_url() is None, reason="no running Virtuoso: run "
                       "`.ci/virtuoso.sh start` and `. $ACHAT_VIRTUOSO_DIR/env`"),
]
PAGES = ("/", "/doc/instrument/achat-innovant", "/instruments",
         "/query?example=07-legal-basis", "/query?example=04-instruments-by-objective",
         "/query?example=decp-instrument-usage",
         "/guide?nature=services&amount=80000&date=2026-06-01&innovative=yes&aims=social",
         "/guide?nature=travaux&amount=3000000&date=2025-03-01&buyer=central-government-authority",
         "/kit/123456789")


class _Text(HTMLParser):
    """The visible text of a page, one line per text node (scripts and styles apart)."""

    def __init__(self):
        super().__init__()
        self.lines: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._hidden -= tag in ("script", "style")

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._hidden:
            # A GROUP_CONCAT's values come in the engine's order (SPARQL leaves it open).
            self.lines.append(" ; ".join(sorted(text.split(" ; "))))


def _text(client, path: str, lang: str) -> tuple[int, list[str]]:
    response = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
    reader = _Text()
    reader.feed(response.get_data(as_text=True))
    return response.status_code, reader.lines


@pytest.fixture(scope="module")
def clients(tmp_path_factory):
    out = tmp_path_factory.mktemp("pages") / "dist"
    decp = SHARED_DIR / "data" / "decp-v2"
    build_and_release(BuildOptions(data_dir=ROOT / "data",
                                   decp_files=tuple(sorted(decp.glob("*.json")))[:1],
                                   out_dir=out, quiet=True, with_store=False))
    dist = out.resolve()
    embedded = create_app({"DIST": dist, "TESTING": True}).test_client()
    remote = create_app({"DIST": dist, **publish_to_virtuoso(dist), "TESTING": True})
    return embedded, remote.test_client()


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_the_officers_pages_read_the_same_over_virtuoso(clients, path, lang):
    embedded, remote = clients
    status, expected = _text(embedded, path, lang)
    assert status == 200, path
    got_status, got = _text(remote, path, lang)
    assert got_status == status
    missing, extra = Counter(expected) - Counter(got), Counter(got) - Counter(expected)
    assert (missing, extra) == (Counter(), Counter()), \
        f"only embedded: {sorted(missing.elements())[:40]}; " \
        f"only over virtuoso: {sorted(extra.elements())[:40]}"
