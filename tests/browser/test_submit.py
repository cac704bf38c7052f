"""Submit a Hub model through the page, see its preview, approve it, find it in the catalogue."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from audits import auditing
from audits import tasks as audit_tasks
from registry import submissions, tasks
from tests.browser.conftest import screenshot
from tests.factories import make_moderator
from tests.fakes.upstream import FakeUpstream

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def work_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Previews and audits run in the server's thread, as a worker would run them."""
    monkeypatch.setattr(
        tasks.build_submission_preview,
        "delay",
        lambda submission_id: submissions.build_preview(submission_id=submission_id),
    )
    monkeypatch.setattr(
        audit_tasks.audit_project, "delay", lambda run_id: auditing.perform_audit(run_id=run_id)
    )


@pytest.mark.usefixtures("work_runs_here")
def test_submit_preview_approve_and_find_it(
    page: Page, seeded_site: str, upstream_settings: FakeUpstream, settings: Any
) -> None:
    make_moderator("moderator", password="pw-for-tests-only", is_staff=True)

    page.goto(seeded_site + "/submit/")
    page.get_by_label("Hugging Face model").fill("https://huggingface.co/EleutherAI/gpt-neox-20b")
    page.get_by_label("Name").fill("NeoX from the form")
    page.get_by_label("Kind").select_option("language-model")
    page.get_by_label("GitHub repositories").fill("EleutherAI/gpt-neox")
    page.get_by_label("Your email").fill("producer@example.org")
    screenshot(page, "submit")
    page.get_by_role("button", name="Submit for review").click()

    expect(page.locator("h1")).to_contain_text("NeoX from the form")
    expect(page.locator("main")).to_contain_text("Provisional verdict")
    status_url = page.url
    screenshot(page, "submission-status")

    page.goto(seeded_site + "/moderation/")
    page.get_by_label("Username").fill("moderator")
    page.get_by_label("Password").fill("pw-for-tests-only")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Moderation queue")
    screenshot(page, "moderation")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("main")).to_contain_text("Nothing waits for review")

    page.goto(status_url)
    expect(page.locator("main")).to_contain_text("Approved")
    page.goto(seeded_site + "/?q=NeoX+from+the+form")
    row = page.locator("table.projects tbody")
    expect(row).to_contain_text("NeoX from the form")
    page.get_by_role("link", name="NeoX from the form").click()
    expect(page.locator("section.verdict")).to_contain_text("OSI Open Source AI Definition")
