"""In real Chromium: a procurement officer's path, in French and English, on a desktop and a
390 px phone, with axe-core checking every page.

search "achat innovant" → the instrument's answer card → a buyer who used it → its contracts;
then the home, list and query pages. Each page must show what the officer came for, report
no axe violation and be no wider than the screen.
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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    playwright = playwright_or_skip(AXE)
    records = [innovative_contract(key, day, amount, f"Logiciel innovant {key}") for key, day,
               amount in (("UGAP-INNOV-1", "2023-03-14", 64000.5),
                          ("UGAP-INNOV-2", "2024-06-30", 80000))]
    for root in served_build(
        tmp_path_factory.mktemp("officer"), 200, 3, records):
        yield root, playwright


def check(page, what: str) -> None:
    """Assert the page has no axe violation and is no wider than the screen."""
    violations = axe_violations(page)
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

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            context = browser.new_context(viewport=SCREENS[screen], bypass_csp=True)
            page = guarded(context, foreign)
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
