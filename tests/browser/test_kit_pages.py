"""In real Chromium, with axe-core: the guide, the contribution form and a buyer's kit, in
French and English, on a 1280 px desktop and a 390 px phone; the forms used with JavaScript
turned off."""

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

WORDS = {"fr": {"applies": "S'applique", "advice": "Information, et non conseil juridique",
                "valid": "La fiche est valide", "invalid": "La fiche n'est pas valide"},
         "en": {"applies": "Applies", "advice": "Information, not legal advice",
                "valid": "The record is valid", "invalid": "The record is not valid"}}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    playwright = playwright_or_skip(AXE)
    for root in served_build(
        tmp_path_factory.mktemp("kit"), 150, 5,
        [innovative_contract("UGAP-KIT-1", "2024-06-30", 80000, "Logiciel innovant")]):
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
def test_guide_and_contribute(server, lang, screen):
    root, playwright = server
    words = WORDS[lang]
    foreign: list[str] = []

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            context = browser.new_context(viewport=SCREENS[screen], bypass_csp=True,
                                          java_script_enabled=False)
            page = guarded(context, foreign)
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
            axe_page = guarded(context.browser.new_context(viewport=SCREENS[screen],
                                                           bypass_csp=True), foreign)
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
