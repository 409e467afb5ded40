"""In real Chromium: the query editor runs an example, shows rows, and asks no other host."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from browser_site import read_whole

from sparql_endpoint import create_app
from sparql_endpoint.backends.store import OxigraphBackend
from sparql_endpoint.protocol.editor import YASGUI_DIR

CHROMIUM = Path("/usr/bin/chromium")
SAMPLE = Path(__file__).parent.parent / "fixtures" / "pages" / "sample.ttl"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-gpu", "--disable-quic"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server():
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run this test")
    if not (YASGUI_DIR / "yasgui.min.js").is_file():
        pytest.skip(f"{YASGUI_DIR} is missing: run `npm ci` to install the query editor")
    playwright = pytest.importorskip("playwright.sync_api")
    from werkzeug.serving import make_server

    store = ox.Store()
    store.load(path=str(SAMPLE), format=ox.RdfFormat.TURTLE)
    app = create_app({"BACKEND": OxigraphBackend(store),
                      "BUILD": {"base": "https://w3id.org/achat-public/"}})
    http = make_server("127.0.0.1", 0, read_whole(app), threaded=False)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}", playwright
    http.shutdown()
    thread.join(timeout=5)


def test_editor_runs_an_example_offline(server):
    root, playwright = server
    foreign: list[str] = []

    def guard(route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", guard)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            # The Content-Security-Policy lets the editor run: nothing it does is blocked.
            page.on("console", lambda message: errors.append(message.text)
                    if "Content Security Policy" in message.text else None)
            response = page.goto(root + "/query?lang=en", wait_until="networkidle")
            assert "script-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_function("window.achatEditor !== undefined", timeout=15000)
            editor = page.evaluate_handle("window.achatEditor")
            # The page ran the first example; the editor holds it, in its one tab: run it.
            page.evaluate("(yasgui) => yasgui.getTab().getYasqe().query()", editor)
            page.wait_for_selector(".yasr table tbody tr", timeout=15000)
            assert page.locator(".yasr table tbody tr").count() >= 1
            assert "Achat innovant sans publicité" in page.locator(".yasr").inner_text()
            assert page.locator(".yasgui .tabsList .tab").count() == 1
            # A clicked example opens the editor on that example, not on the first one.
            page.goto(root + "/query?example=07-legal-basis&lang=en", wait_until="networkidle")
            page.wait_for_function("window.achatEditor !== undefined", timeout=15000)
            value = page.evaluate("window.achatEditor.getTab().getYasqe().getValue()")
            assert "legalBasis" in value and "legalFactsCheckedOn" in value
            assert not errors, errors
        finally:
            browser.close()
    assert foreign == [], f"requests left localhost: {foreign}"


def test_pages_break_no_rule_of_the_content_security_policy(server):
    root, playwright = server
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page()
            blocked: list[str] = []
            page.on("console", lambda message: blocked.append(message.text)
                    if "Content Security Policy" in message.text else None)
            # With schema.org JSON-LD in the head (a data block, not a script) and term pages.
            for path in ("/?lang=en", "/search?q=innovation", "/schemes", "/nowhere",
                         "/doc/instrument/achat-innovant", "/ontology/Instrument"):
                page.goto(root + path, wait_until="networkidle")
                # The site's stylesheet loaded (style-src 'self').
                assert page.evaluate("document.styleSheets[0].cssRules.length") > 0
            assert not blocked, blocked
        finally:
            browser.close()
