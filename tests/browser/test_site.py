"""The website in a real browser: find, read the evidence, compare, feeds, badges, accessibility."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_open_source_ai_language_models_in_two_clicks(page: Page, seeded_site: str) -> None:
    page.goto(seeded_site + "/")
    screenshot(page, "catalogue")

    page.get_by_role("radio", name=re.compile(r"^Open source AI")).check()
    expect(page.locator("#result-count")).not_to_have_text("41 projects")
    page.get_by_role("radio", name="Language model").check()

    expect(page).to_have_url(re.compile(r"(?=.*osaid=open-source-ai)(?=.*kind=language-model)"))
    results = page.locator("table.projects tbody")
    expect(results).to_contain_text("Pythia 6.9B")
    # The facet counts follow the results: none of these is "not open source AI".
    expect(page.locator("#facet-list")).not_to_contain_text("Not open source AI")
    expect(results).not_to_contain_text("Llama 2")
    screenshot(page, "catalogue-open-source-ai-language-models")


def test_search_box_updates_results_in_place(page: Page, seeded_site: str) -> None:
    page.goto(seeded_site + "/")

    page.get_by_label("Search").fill("stable diffusion")

    expect(page.locator("table.projects tbody")).to_contain_text("Stable Diffusion XL")
    expect(page.locator("table.projects tbody")).not_to_contain_text("Pythia")
    assert "q=stable" in page.url


def test_llama_page_says_why_and_its_evidence_opens(page: Page, seeded_site: str) -> None:
    page.goto(seeded_site + "/projects/llama-2-7b/")

    verdict = page.locator("section.verdict")
    expect(verdict).to_contain_text("not-open-source-ai")
    expect(verdict).to_contain_text("Final weights: restricted")
    expect(verdict).to_contain_text("Gated")
    screenshot(page, "project-llama-2-7b")

    page.locator("a.evidence-link", has_text="hf-model:meta-llama/Llama-2-7b-hf").first.click()

    expect(page.locator("h1")).to_contain_text("meta-llama/Llama-2-7b-hf")
    expect(page.locator("pre.evidence-value").first).to_be_visible()
    screenshot(page, "evidence")


def test_compare_stable_diffusion_versions(page: Page, seeded_site: str) -> None:
    page.goto(seeded_site + "/compare/")

    page.get_by_label("Project 1").select_option("stable-diffusion-v1-4")
    page.get_by_label("Project 2").select_option("stable-diffusion-2-1")
    page.get_by_role("button", name="Compare").click()

    table = page.locator("table.compare")
    expect(table).to_contain_text("Stable Diffusion v1.4")
    expect(table).to_contain_text("Stable Diffusion 2.1")
    expect(page.locator("tr.differs").first).to_be_visible()
    screenshot(page, "compare-stable-diffusion")


def test_feed_and_badge_load(page: Page, seeded_site: str) -> None:
    feed = page.request.get(seeded_site + "/feeds/changes/")
    badge = page.request.get(seeded_site + "/badge/pythia-6.9b.svg")

    entries = ET.fromstring(feed.body()).findall("{http://www.w3.org/2005/Atom}entry")
    assert feed.ok and len(entries) == 41
    assert badge.ok and badge.headers["content-type"].startswith("image/svg+xml")
    assert b"open source AI" in badge.body()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/projects/llama-2-7b/",
        "/compare/?p=stable-diffusion-v1-4&p=stable-diffusion-2-1",
        "/licenses/",
        "/methodology/",
    ],
    ids=["catalogue", "project", "compare", "licenses", "methodology"],
)
def test_main_pages_have_no_serious_accessibility_violations(
    page: Page, seeded_site: str, path: str
) -> None:
    page.goto(seeded_site + path)

    serious = axe_violations(page, path.strip("/").split("/")[0].split("?")[0] or "catalogue")

    assert serious == [], [(v["id"], v["help"], len(v["nodes"])) for v in serious]


def test_catalogue_reads_on_a_phone(page: Page, seeded_site: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(seeded_site + "/")

    width = page.evaluate("document.documentElement.scrollWidth")

    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(page, "catalogue-phone")


def test_keyboard_reaches_search_and_results(page: Page, seeded_site: str) -> None:
    page.goto(seeded_site + "/")

    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Enter")
    page.get_by_label("Search").focus()
    page.keyboard.type("whisper")
    expect(page.locator("table.projects tbody")).to_contain_text("Whisper")
