"""In real Chromium, with axe-core: the paths of the procurement officer, the innovation
team and the journalist, in French and English, on a 1280 px desktop and a 390 px phone.

Every page: no axe violation, no wider than the screen, no table cell narrower than its
longest word, no datatype tag, web address or term's local name outside "All data" and
the editor, chart text of at least 12 px, a one-line header on the phone; and each step
shows what its reader came for. One browser for the whole module.
"""

from __future__ import annotations

import pytest
from browser_site import (
    ARGS,
    AXE,
    CHROMIUM,
    SCREENS,
    axe_violations,
    guarded,
    innovative_contract,
    playwright_or_skip,
    served_build,
)
from helpers import technical_names

from sparql_endpoint.protocol.editor import YASGUI_DIR

#: The phone's header is one line: the site's name and the menu button.
PHONE_HEADER = 64
#: The smallest chart text, in CSS pixels, on any screen.
CHART_TEXT = 12
WORDS = {"fr": {"error": "La requête n'a pas pu être exécutée", "at": "Ligne 2, colonne"},
         "en": {"error": "The query could not be run", "at": "Line 2, column"}}

#: Cells narrower than the longest word they hold. Words break where the browser may break
#: them (spaces, after hyphens); code (IRIs, checksums) may break anywhere.
NARROW_CELLS = """() => {
  const out = [];
  const ruler = document.createElement('canvas').getContext('2d');
  for (const cell of document.querySelectorAll('main td, main th')) {
    const box = cell.getBoundingClientRect();
    if (box.width <= 2 || !cell.checkVisibility()) continue;
    const hidden = cell.closest('thead, caption, .visually-hidden');
    if (hidden && hidden.getBoundingClientRect().width <= 2) continue;
    const style = getComputedStyle(cell);
    const room = box.width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('code') || !node.parentElement.checkVisibility()) continue;
      // From the longhands: the shorthand reads empty under font-variant-numeric.
      const font = getComputedStyle(node.parentElement);
      ruler.font = `${font.fontStyle} ${font.fontWeight} ${font.fontSize} ${font.fontFamily}`;
      for (const word of node.data.split(/\\s+|(?<=-)/).filter(Boolean)) {
        const width = ruler.measureText(word).width;
        if (width > room + 1) out.push(`${word}: ${Math.round(width)} px in ${Math.round(room)}`);
      }
    }
  }
  return out;
}"""
#: Text shown outside "All data" and the query editor that reads as data, not words: a
#: datatype tag, a web address, or a term's local name (``bindsBuyer``), given as words.
#: An address offered to copy (``code.address``: the catalogue's identifiers, the
#: endpoint) is meant as one.
TECHNICAL_TEXT = """(names) => {
  const out = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (parent.closest('.all-data, section.editor, pre, code.address')) continue;
    if (!parent.checkVisibility()) continue;
    const words = node.data.match(/(?<![:\\w])[A-Za-z]+/g) || [];
    if (/\\^\\^|https?:\\/\\//.test(node.data) || words.some(w => names.includes(w)))
      out.push(node.data.trim().slice(0, 80));
  }
  return out;
}"""
#: The smallest chart text as drawn on screen: its size times the drawing's scale.
CHART_TEXT_JS = """() => Math.min(...[...document.querySelectorAll('svg.chart text')]
  .filter(t => t.checkVisibility())
  .map(t => parseFloat(getComputedStyle(t).fontSize)
            * t.ownerSVGElement.getBoundingClientRect().width
            / t.ownerSVGElement.viewBox.baseVal.width))"""

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    playwright = playwright_or_skip(AXE, YASGUI_DIR / "yasgui.min.js")
    for root in served_build(
        tmp_path_factory.mktemp("walks"), 200, 3,
        [innovative_contract("UGAP-WALK-1", "2024-06-30", 80000, "Logiciel innovant")]):
        yield root, playwright


@pytest.fixture(scope="module")
def browser(server):
    _, playwright = server
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


def check(page, what: str) -> None:
    """Assert the page reads well on this screen: axe, width, cells, charts, header."""
    violations = axe_violations(page)
    assert violations == [], f"{what}: {violations}"
    screen = page.viewport_size["width"]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= screen, f"{what} is {width} px wide on a {screen} px screen"
    assert page.evaluate(NARROW_CELLS) == [], what
    lang = page.evaluate("document.documentElement.lang")
    assert page.evaluate(TECHNICAL_TEXT, sorted(technical_names(lang))) == [], what
    if page.locator("svg.chart text").count():
        assert page.evaluate(CHART_TEXT_JS) >= CHART_TEXT, what
    if screen < 600:
        header = page.evaluate("document.querySelector('header.site').offsetHeight")
        assert header <= PHONE_HEADER, f"{what}: the header takes {header} px"


@pytest.mark.parametrize("screen", sorted(SCREENS))
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_walks(server, browser, lang, screen):
    root, _ = server
    foreign: list[str] = []
    context = browser.new_context(viewport=SCREENS[screen], bypass_csp=True)
    page = guarded(context, foreign)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        # The officer: home, the guide's answer, the instrument, the buyers, a buyer.
        page.goto(f"{root}/?lang={lang}")
        check(page, "home")
        page.goto(f"{root}/guide?lang={lang}")
        page.check("#nature-services")
        page.fill("#f-amount", "80000")
        page.check("#innovative-yes")
        page.fill("#f-date", "2026-06-01")
        page.click("form.guide button[type=submit]")
        page.wait_for_selector("ol.guide-answer")
        assert page.locator("li[data-key='achat-innovant'][data-verdict='applies']").count()
        check(page, "guide answer")

        page.goto(f"{root}/doc/instrument/achat-innovant?lang={lang}")
        assert "R2122-9-1" in page.inner_text(".card")
        # A table of contents; "All data" and the figures fold, closed.
        assert page.locator("nav.toc a[href='#all-h']").count() == 1
        assert page.locator(".all-data details:not([open])").count() == 1
        assert not page.locator(".all-data table").first.is_visible()
        assert page.locator("svg.chart rect.bar").count() >= 1
        check(page, "instrument")
        page.click(".all-data summary")
        assert page.locator(".all-data table").first.is_visible()
        check(page, "instrument, all data shown")

        page.goto(f"{root}/organisations?lang={lang}")
        assert page.locator("table.list tbody tr").count() >= 1
        check(page, "organisations")
        page.goto(f"{root}/doc/organisation/ugap?lang={lang}")
        assert page.locator("table.contracts tbody tr").count() >= 1
        check(page, "buyer")

        # The innovation team: its instrument, a buyer's kit, the search.
        page.goto(f"{root}/doc/instrument/partenariat-innovation?lang={lang}")
        assert page.locator(".card").count() == 1
        check(page, "innovation partnership")
        page.goto(f"{root}/kit/776056467?lang={lang}")
        assert page.locator("article.kit nav.toc a[href='#next-h']").count() == 1
        check(page, "kit")
        if screen == "phone":  # the site's search sits in the folded menu
            page.click("details.menu > summary")
        page.fill("#site-search", "achat innovant")
        page.press("#site-search", "Enter")
        page.wait_for_selector("main table tbody tr")
        assert page.locator("main a[href='/doc/instrument/achat-innovant']").count() >= 1
        check(page, "search")

        # The journalist: a query of their own, its error, the catalogue.
        page.goto(f"{root}/query?lang={lang}")
        page.wait_for_function("window.achatEditor !== undefined", timeout=15000)
        assert not page.locator("#form-section").is_visible(), "two editors show"
        assert page.locator("#yasgui .CodeMirror").is_visible()
        check(page, "query")
        yasqe = "window.achatEditor.getTab().getYasqe()"
        page.evaluate(f"{yasqe}.setValue('SELECT ?year ?contracts WHERE {{ VALUES (?year "
                      f"?contracts) {{ (2019 1234) }} }}')")
        page.evaluate(f"{yasqe}.query().catch(() => null)")
        page.wait_for_selector(".yasr table tbody tr >> text=2019", timeout=15000)
        check(page, "query results")
        assert "^^" not in page.inner_text(".yasr table")
        page.evaluate(f"{yasqe}.setValue('SELECT ?s WHERE {{\\n  ?s ?p }}')")
        page.evaluate(f"{yasqe}.query().catch(() => null)")
        page.wait_for_selector(".yasr section.error", timeout=15000)
        shown = page.inner_text(".yasr section.error")
        assert WORDS[lang]["error"] in shown and WORDS[lang]["at"] in shown
        assert '{"error"' not in page.inner_text(".yasr")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SCREENS[screen]["width"], f"query results: {width} px"

        page.goto(f"{root}/doc/location/code-region-53?lang={lang}")
        assert page.locator(".card table tbody tr").count() >= 1
        check(page, "region")
        page.goto(f"{root}/dumps/?lang={lang}")
        assert page.locator("main a[href$='.ttl']").count() >= 1
        check(page, "downloads")
        page.goto(f"{root}/catalog?lang={lang}")
        assert page.locator("main a[download]").count() >= 1
        check(page, "catalogue")
        assert not errors, errors
    finally:
        context.close()
    assert foreign == [], f"requests left localhost: {foreign}"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_without_javascript_the_menu_unfolds_and_the_plain_form_runs(server, browser, lang):
    root, _ = server
    foreign: list[str] = []
    context = browser.new_context(viewport=SCREENS["phone"], java_script_enabled=False)
    page = guarded(context, foreign)
    try:
        page.goto(f"{root}/query?lang={lang}")
        assert not page.locator("header.site nav").is_visible()
        page.click("details.menu > summary")
        assert page.locator("header.site nav a[href='/organisations']").is_visible()
        # The one editor without script is the plain form; it runs the query.
        assert page.locator("#form-section").is_visible()
        page.fill("#query", "SELECT ?year WHERE { VALUES ?year { 2019 } }")
        page.click("#form-section button[type=submit]")
        page.wait_for_selector("table.results")
        assert page.inner_text("table.results tbody") == "2019"
        assert page.get_attribute("table.results td", "title") == (
            '"2019"^^<http://www.w3.org/2001/XMLSchema#integer>')
    finally:
        context.close()
    assert foreign == [], f"requests left localhost: {foreign}"
