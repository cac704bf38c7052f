"""Playwright driving Debian's chromium against pytest-django's live server."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told that this is intended (the live server runs in its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, Page, Playwright, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
# Screenshots and accessibility reports go here; CI keeps the folder as its artifacts.
ARTIFACTS = Path(
    os.environ.get("BROWSER_ARTIFACTS", Path(settings.BASE_DIR) / "artifacts" / "browser")
)
LOCAL_HOSTS = ("127.0.0.1", "localhost")


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture
def seeded_site(live_server: Any, transactional_db: None) -> str:
    """The seed catalogue with its verdicts, served by the live server; returns its URL."""
    call_command("load_catalogue", str(SEED), stdout=StringIO())
    call_command("seed_snapshots", str(SEED / "upstream"), stdout=StringIO())
    return live_server.url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def only_local(route: Any) -> None:
        host = route.request.url.split("/")[2].split(":")[0]
        if host in LOCAL_HOSTS:
            route.continue_()
        else:  # never let a page reach another address
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    yield page
    context.close()
    assert outside == [], f"the page asked for addresses outside this machine: {outside}"


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page, name: str) -> list[dict[str, Any]]:
    """Run axe-core in the page; keep its full report, return the serious and critical ones."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm ci --prefix tests/browser`")
    # Evaluated over the DevTools protocol: the site's CSP refuses an injected <script> tag.
    page.evaluate(AXE.read_text())
    report = page.evaluate("async () => await axe.run(document)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(report["violations"], indent=2))
    return [v for v in report["violations"] if v["impact"] in ("serious", "critical")]
