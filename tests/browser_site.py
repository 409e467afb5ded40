"""What the Chromium tests share: the browser's path and flags, the two screens, a build
of the curated data with generated and hand-written contracts served on localhost, a
page that may ask nothing of another host, and axe-core's verdict on a page.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from achat_core.resources import DATA_DIR
from achat_graph.cli import main
from graph_builder.sources.decp_generator import write_decp
from sparql_endpoint import create_app

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-gpu", "--disable-quic"]
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
#: UGAP's other establishment, the buyer of the hand-written contracts.
UGAP_OTHER_SIRET = "77605646700012"


def innovative_contract(record_id: str, day: str, amount, subject: str) -> dict:
    """Return a DECP record: an innovative software purchase by UGAP without publication."""
    return {
        "id": record_id, "acheteur": {"id": UGAP_OTHER_SIRET}, "codeCPV": "72000000-5",
        "marcheInnovant": True, "dateNotification": day, "montant": amount,
        "procedure": "Marché passé sans publicité ni mise en concurrence préalable",
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": "44306184100047"}}],
        "lieuExecution": {"code": "35", "typeCode": "Code département"},
        "objet": subject,
    }


def playwright_or_skip(*needed: Path):
    """Return Playwright's sync API, or skip when Chromium or a needed file is missing."""
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run this test")
    for path in needed:
        if not path.is_file():
            pytest.skip(f"{path} is missing: run `npm ci`")
    return pytest.importorskip("playwright.sync_api")


def read_whole(app):
    """Wrap APP so each body is read and closed before werkzeug's test server sends it.

    When the browser drops a request (a stylesheet a navigation made useless), that
    server can fail before closing the body, and the open file it leaves is an
    unraisable warning, which this suite treats as an error.
    """
    def whole(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()
    return whole


def served_build(folder: Path, contracts: int, seed: int, records: list[dict]) -> Iterator[str]:
    """Build the curated data with CONTRACTS generated contracts and RECORDS, serve it on
    localhost, and yield its root address (for a module fixture)."""
    from werkzeug.serving import make_server

    write_decp(folder / "generated.json.gz", contracts, seed=seed)
    (folder / "own.json").write_text(json.dumps({"marches": {"marche": records}},
                                                ensure_ascii=False), encoding="utf-8")
    out = folder / "dist"
    result = CliRunner().invoke(main, [
        "build", "--data", str(DATA_DIR), "--out", str(out), "--quiet",
        "--decp", str(folder / "generated.json.gz"), "--decp", str(folder / "own.json")])
    assert result.exit_code == 0, result.output
    http = make_server("127.0.0.1", 0,
                       read_whole(create_app({"DIST": out, "STORE": str(out / "store")})),
                       threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(timeout=5)


def guarded(context, foreign: list[str]):
    """Open a page that may ask nothing of another host (what it asked goes to FOREIGN)."""
    def guard(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page = context.new_page()
    page.route("**/*", guard)
    return page


def axe_violations(page) -> list[str]:
    """Run axe-core on the page; return its violations, each with up to three targets."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 3).map(n => n.target)"
        ".join(' | '))")
