"""In real Chromium: a procurement officer's path, in French and English, on a desktop and a
390 px phone, with axe-core checking every page.

search "achat innovant" → the instrument's answer card → a buyer who used it → its contracts;
then the home, list and query pages. Each page must show what the officer came for, report
no axe violation and be no wider than the screen.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from achat_core.resources import DATA_DIR
from achat_graph.cli import main
from graph_builder.sources.decp_generator import write_decp
from sparql_endpoint import create_app

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-gpu", "--disable-quic"]
UGAP_OTHER_SIRET = "77605646700012"
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
#: What each step shows, per language.
WORDS = {
    "fr": {"card": "Quand l'utiliser", "basis": "Base juridique", "usage": "Combien de fois",
           "buyer": "Comme acheteur", "sentence": "a conclu ce contrat le",
           "advice": "pas un conseil juridique", "per_year": "Contrats par année"},
    "en": {"card": "When it may be used", "basis": "Legal basis", "usage": "How often",
           "buyer": "As buyer", "sentence": "concluded this contract on",
           "advice": "not legal advice", "per_year": "Contracts per year"},
}

pytestmark = pytest.mark.browser


def _marche(record_id: str, day: str, amount) -> dict:
    return {
        "id": record_id, "acheteur": {"id": UGAP_OTHER_SIRET}, "codeCPV": "72000000-5",
        "marcheInnovant": True, "dateNotification": day, "montant": amount,
        "procedure": "Marché passé sans publicité ni mise en concurrence préalable",
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": "44306184100047"}}],
        "lieuExecution": {"code": "35", "typeCode": "Code département"},
        "objet": f"Logiciel innovant {record_id}",
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run this test")
    if not AXE.is_file():
        pytest.skip(f"{AXE} is missing: run `npm ci` to install axe-core")
    playwright = pytest.importorskip("playwright.sync_api")
    from werkzeug.serving import make_server

    folder = tmp_path_factory.mktemp("officer")
    write_decp(folder / "generated.json.gz", 200, seed=3)
    (folder / "own.json").write_text(json.dumps({"marches": {"marche": [
        _marche("UGAP-INNOV-1", "2023-03-14", 64000.5),
        _marche("UGAP-INNOV-2", "2024-06-30", 80000)]}}, ensure_ascii=False), encoding="utf-8")
    out = folder / "dist"
    result = CliRunner().invoke(main, [
        "build", "--data", str(DATA_DIR), "--out", str(out), "--quiet",
        "--decp", str(folder / "generated.json.gz"), "--decp", str(folder / "own.json")])
    assert result.exit_code == 0, result.output
    app = create_app({"DIST": out, "STORE": str(out / "store")})
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}", playwright
    http.shutdown()
    thread.join(timeout=5)


def check(page, what: str) -> None:
    """Assert the page has no axe violation and is no wider than the screen."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 3).map(n => n.target)"
        ".join(' | '))")
    assert violations == [], f"{what}: {violations}"
    width = page.evaluate("document.documentElement.scrollWidth")
    screen = page.viewport_size["width"]
    assert width <= screen, f"{what} is {width} px wide on a {screen} px screen"


@pytest.mark.parametrize("screen", sorted(SCREENS))
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_officer_path(server, lang, screen):
    root, playwright = server
    words = WORDS[lang]
    foreign: list[str] = []

    def guard(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            context = browser.new_context(viewport=SCREENS[screen], bypass_csp=True)
            page = context.new_page()
            page.route("**/*", guard)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))

            page.goto(f"{root}/?lang={lang}")
            check(page, "home")
            if page.locator("details.menu > summary").is_visible():  # a phone's folded menu
                page.click("details.menu > summary")
            page.fill("#site-search", "achat innovant")
            page.press("#site-search", "Enter")
            page.wait_for_selector("table tbody tr")
            check(page, "search")

            page.click("a[href='/doc/instrument/achat-innovant']")
            page.wait_for_selector(".card")
            card = page.inner_text(".card")
            assert words["card"] in card and words["basis"] in card
            assert "R2122-9-1" in card and "L2172-3" in card and words["advice"] in card
            assert page.locator(".card a[href*='legifrance.gouv.fr/codes/article_lc/"
                                "LEGIARTI000044490444']").count() == 1
            usage = page.inner_text("#usage-h + *") + page.inner_text("main")
            assert words["usage"] in usage and words["per_year"] in usage
            assert page.locator("svg.chart rect.bar").count() >= 1
            check(page, "instrument")

            page.click("table.contracts td a[href='/doc/organisation/ugap']")
            page.wait_for_selector(".card")
            assert words["buyer"] in page.inner_text(".card")
            assert page.locator(".card a[href='https://annuaire-entreprises.data.gouv.fr/entreprise/"
                                "776056467']").count() == 1
            check(page, "buyer")

            page.click("table.contracts th a >> nth=0")
            page.wait_for_selector(".card")
            assert words["sentence"] in page.inner_text(".card")
            assert "UGAP" in page.inner_text(".card")
            check(page, "contract")

            page.goto(f"{root}/instruments?lang={lang}")
            check(page, "list")
            page.goto(f"{root}/query?example=07-legal-basis&lang={lang}")
            page.wait_for_function("window.achatEditor !== undefined", timeout=15000)
            check(page, "query")
            assert not errors, errors
        finally:
            browser.close()
    assert foreign == [], f"requests left localhost: {foreign}"
