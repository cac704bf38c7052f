"""The Content-Security-Policy in a real browser: nothing the pages need is blocked, htmx still
swaps results in place, and the API docs still draw their operations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import ConsoleMessage, Error, Page, expect

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Runs before any of the page's own scripts, so no violation can happen unseen.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.effectiveDirective} blocked ${event.blockedURI}`
    + ` (${event.sourceFile}:${event.lineNumber})`);
});
"""


@dataclass
class Watched:
    """What the browser reported about one page: CSP violations, console errors, uncaught errors."""

    page: Page
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__violations")

    def problems(self) -> list[str]:
        return self.violations() + self.console + self.errors


@pytest.fixture
def watched(page: Page) -> Iterator[Watched]:
    found = Watched(page)
    page.add_init_script(LISTEN)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            found.console.append(message.text)

    def on_error(error: Error) -> None:
        found.errors.append(str(error))

    page.on("console", on_console)
    page.on("pageerror", on_error)
    yield found


def test_catalogue_filters_in_place_with_nothing_blocked(
    watched: Watched, seeded_site: str
) -> None:
    page = watched.page
    page.goto(seeded_site + "/")
    expect(page.locator("#result-count")).to_have_text(re.compile(r"^\d+ projects?$"))
    everything = page.locator("#result-count").inner_text()
    # A full reload would forget this; htmx swapping the results keeps it.
    page.evaluate("window.__same_document = true")

    page.get_by_role("radio", name="Speech").check()

    expect(page.locator("#result-count")).not_to_have_text(everything)
    expect(page).to_have_url(re.compile(r"kind=speech"))
    assert page.evaluate("window.__same_document") is True
    page.get_by_label("Search").fill("no project is called this")
    expect(page.locator("#result-count")).to_have_text(re.compile(r"^0 projects"))
    assert page.evaluate("window.__same_document") is True
    # htmx's own indicator styles are turned off rather than injected inline.
    assert page.locator("head style").count() == 0
    assert watched.problems() == []


@pytest.mark.parametrize(
    ("path", "shows"),
    [
        ("/projects/llama-2-7b/", "section.verdict"),
        ("/submit/", "form"),
    ],
)
def test_site_pages_load_with_nothing_blocked(
    watched: Watched, seeded_site: str, path: str, shows: str
) -> None:
    watched.page.goto(seeded_site + path)

    expect(watched.page.locator(shows).first).to_be_visible()
    assert watched.problems() == []


def test_swagger_ui_draws_every_operation_with_nothing_blocked(
    watched: Watched, seeded_site: str
) -> None:
    page = watched.page
    page.goto(seeded_site + "/api/v1/docs/")

    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() >= 10
    page.locator(".opblock-summary", has_text="/api/v1/licenses/").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    screenshot(page, "api-docs")
    assert watched.problems() == []


def test_redoc_draws_the_operations_and_only_its_vendor_logo_is_blocked(
    watched: Watched, seeded_site: str
) -> None:
    page = watched.page
    page.goto(seeded_site + "/api/v1/redoc/")

    expect(page.locator("[data-section-id]").first).to_be_attached()
    assert page.locator("[data-section-id]").count() >= 10
    page.get_by_placeholder("Search...").fill("licenses")
    expect(page.locator("[data-markjs]").first).to_be_attached()
    # ReDoc always shows Redocly's logo from their server; the policy keeps the page from
    # asking another host for it, and ReDoc hides the broken image.
    logo = "img-src blocked https://cdn.redoc.ly/redoc/logo-mini.svg"
    assert [v for v in watched.violations() if not v.startswith(logo)] == []
    assert [m for m in watched.console if "cdn.redoc.ly" not in m] == []
    assert watched.errors == []
