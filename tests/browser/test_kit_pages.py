"""In real Chromium, with axe-core: the guide, the contribution form and a buyer's kit, in
French and English, on a 1280 px desktop and a 390 px phone; the forms used with JavaScript
turned off."""

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
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
WORDS = {"fr": {"applies": "S'applique", "advice": "Information, et non conseil juridique",
                "valid": "La fiche est valide", "invalid": "La fiche n'est pas valide"},
         "en": {"applies": "Applies", "advice": "Information, not legal advice",
                "valid": "The record is valid", "invalid": "The record is not valid"}}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run this test")
    if not AXE.is_file():
        pytest.skip(f"{AXE} is missing: run `npm ci` to install axe-core")
    playwright = pytest.importorskip("playwright.sync_api")
    from werkzeug.serving import make_server

    folder = tmp_path_factory.mktemp("kit")
    write_decp(folder / "generated.json.gz", 150, seed=5)
    (folder / "own.json").write_text(json.dumps({"marches": {"marche": [{
        "id": "UGAP-KIT-1", "acheteur": {"id": "77605646700012"}, "codeCPV": "72000000-5",
        "marcheInnovant": True, "dateNotification": "2024-06-30", "montant": 80000,
        "procedure": "Marché passé sans publicité ni mise en concurrence préalable",
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": "44306184100047"}}],
        "lieuExecution": {"code": "35", "typeCode": "Code département"},
        "objet": "Logiciel innovant"}]}}, ensure_ascii=False), encoding="utf-8")
    out = folder / "dist"
    result = CliRunner().invoke(main, ["build", "--data", str(DATA_DIR), "--out", str(out),
                                       "--quiet", "--decp", str(folder / "generated.json.gz"),
                                       "--decp", str(folder / "own.json")])
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
def test_guide_and_contribute(server, lang, screen):
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
            context = browser.new_context(viewport=SCREENS[screen], bypass_csp=True,
                                          java_script_enabled=False)
            page = context.new_page()
            page.route("**/*", guard)
            page.goto(f"{root}/?lang={lang}")
            page.click("#guide-h a")
            page.wait_for_selector("form.guide")
            page.check("#nature-services")
            page.fill("#f-amount", "80000")
            page.check("#innovative-yes")
            page.fill("#f-date", "2026-06-01")
            page.click("form.guide button[type=submit]")
            page.wait_for_selector("ol.guide-answer")
            first = page.locator("ol.guide-answer > li").first
            assert first.get_attribute("data-verdict") == "applies"
            assert page.locator("li[data-key='achat-innovant'][data-verdict='applies']").count()
            assert words["advice"] in page.inner_text("main")
            axe_page = context.browser.new_context(viewport=SCREENS[screen],
                                                   bypass_csp=True).new_page()
            axe_page.route("**/*", guard)
            axe_page.goto(page.url)
            check(axe_page, "guide answer")
            axe_page.goto(f"{root}/guide?lang={lang}")
            check(axe_page, "guide form")

            page.goto(f"{root}/contribute?lang={lang}")
            page.fill("#f-url", "https://example.org/cataleg")
            page.click("form.contribute button[type=submit]")
            page.wait_for_selector(".errors")
            assert words["invalid"] in page.inner_text(".errors")
            page.fill("#f-title", "Catalogue des données de la commune")
            page.select_option("#f-publisher", "ugap")
            page.check("#i-achat-innovant")
            page.click("form.contribute button[type=submit]")
            page.wait_for_selector("pre.yaml")
            assert words["valid"] in page.inner_text("main")
            axe_page.goto(f"{root}/contribute?lang={lang}")
            check(axe_page, "contribute form")
            axe_page.fill("#f-url", "https://example.org/cataleg")
            axe_page.click("form.contribute button[type=submit]")
            axe_page.wait_for_selector(".errors")
            check(axe_page, "contribute, invalid")
            axe_page.fill("#f-title", "Catalogue des données de la commune")
            axe_page.select_option("#f-publisher", "ugap")
            axe_page.click("form.contribute button[type=submit]")
            axe_page.wait_for_selector("pre.yaml")
            check(axe_page, "contribute, valid")
            axe_page.goto(f"{root}/guide?instrument=achat-innovant&lang={lang}")
            check(axe_page, "guide pre-filled")
            axe_page.goto(f"{root}/kit/776056467?lang={lang}")
            axe_page.wait_for_selector("article.kit")
            check(axe_page, "kit")
            axe_page.goto(f"{root}/kit/000000000?lang={lang}")
            check(axe_page, "kit, unknown SIREN")
        finally:
            browser.close()
    assert foreign == [], f"requests left localhost: {foreign}"
