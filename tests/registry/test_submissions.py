"""Submissions: stored first, previewed against the fake upstream, moderated, never lost."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from audits import tasks as audit_tasks
from audits.models import AuditRun, Curation, SourceState
from registry import submissions, tasks
from registry.models import Project, Submission, SubmissionEvent
from tests.factories import make_moderator
from tests.fakes.upstream import FakeUpstream

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
GOOD = {
    "hub_model": "https://huggingface.co/EleutherAI/gpt-neox-20b",
    "github": ["https://github.com/EleutherAI/gpt-neox"],
    "datasets": ["EleutherAI/pile"],
    "paper": "arXiv:2204.06745",
    "name": "GPT-NeoX 20B (submitted)",
    "kind": "language-model",
    "contact": "producer@example.org",
    "note": "Please list it.",
}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _previews_run_here(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The preview task runs in this process when its transaction commits; audits are noted."""
    cache.clear()
    monkeypatch.setattr(
        tasks.build_submission_preview,
        "delay",
        lambda submission_id: submissions.build_preview(submission_id=submission_id),
    )
    queued: list[int] = []
    monkeypatch.setattr(audit_tasks.audit_project, "delay", lambda run_id: queued.append(run_id))
    return queued


def post(client: Client, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/submissions/", json.dumps(body), content_type="application/json")


def moderator_client() -> Client:
    user = make_moderator("moderator", email="m@example.org")
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


def test_submission_is_stored_then_previewed_from_the_hub_and_github(
    client: Client, upstream_settings: FakeUpstream, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, GOOD)

    assert response.status_code == 201, response.content
    body = response.json()
    submission = Submission.objects.get(token=body["id"])
    assert body["status_url"].endswith(f"/api/v1/submissions/{submission.token}/")
    assert submission.state == "pending" and submission.hub_model == "EleutherAI/gpt-neox-20b"
    assert submission.github == ["EleutherAI/gpt-neox"]
    assert submission.paper == "https://arxiv.org/abs/2204.06745"
    assert submission.preview_state == "done"
    assert submission.preview["verdict"]["osaid"] in {"open-source-ai", "not-open-source-ai"}
    weights = next(f for f in submission.preview["findings"] if f["component"] == "final-weights")
    assert weights["license"] == "Apache-2.0"
    # Only the allowlisted APIs were asked: the Hub's, GitHub's and arXiv's, never a typed URL.
    paths = [r[1] for r in upstream_settings.requests]
    assert paths and all(
        p.startswith(("/api/models/", "/api/datasets/", "/github/repos/", "/arxiv/oai2"))
        or "/resolve/" in p
        for p in paths
    )
    assert any(p.endswith("/resolve/main/README.md") for p in paths)
    status = client.get(f"/submissions/{submission.token}/").text
    assert "Provisional verdict" in status and "GPT-NeoX 20B (submitted)" in status


BAD_INPUT = [
    ("empty", {}, "contact"),
    ("no model", {**GOOD, "hub_model": ""}, "hub_model"),
    ("too long", {**GOOD, "hub_model": "a/" + "b" * 400}, "hub_model"),
    ("other host", {**GOOD, "hub_model": "https://example.com/a/b"}, "hub_model"),
    ("loopback", {**GOOD, "hub_model": "http://127.0.0.1/a/b"}, "hub_model"),
    ("metadata", {**GOOD, "hub_model": "http://169.254.169.254/latest"}, "hub_model"),
    ("javascript", {**GOOD, "paper": "javascript:alert(1)"}, "paper"),
    ("file", {**GOOD, "github": ["file:///etc/passwd"]}, "github"),
    ("look-alike", {**GOOD, "hub_model": "https://huggingfac\u0435.co/a/b"}, "hub_model"),
    ("traversal", {**GOOD, "hub_model": "../../etc/passwd"}, "hub_model"),
    ("bad email", {**GOOD, "contact": "nobody"}, "contact"),
    ("bad kind", {**GOOD, "kind": "robot"}, "kind"),
    ("too many repos", {**GOOD, "github": [f"a/b{i}" for i in range(11)]}, "github"),
    ("correction without evidence", {"project": "pythia-70m", "contact": "a@b.org"}, "component"),
]


@pytest.mark.parametrize(
    ("body", "field"), [b[1:] for b in BAD_INPUT], ids=[b[0] for b in BAD_INPUT]
)
def test_bad_input_gets_a_clear_error_and_stores_nothing(
    client: Client, body: dict[str, Any], field: str
) -> None:
    call_command("load_catalogue", str(SEED / "pythia-70m.yaml"), stdout=StringIO())

    response = post(client, body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["fields"], error
    assert all(error["fields"][field])
    assert Submission.objects.count() == 0


def test_a_listed_model_is_noted_as_duplicate(
    client: Client, upstream_settings: FakeUpstream
) -> None:
    call_command("load_catalogue", str(SEED / "gpt-neox-20b.yaml"), stdout=StringIO())

    body = post(client, GOOD).json()

    assert body["duplicate_of"] == "gpt-neox-20b"
    assert SubmissionEvent.objects.filter(action="duplicate-detected").exists()


def test_moderation_needs_a_moderator_and_approval_lists_and_audits(
    client: Client,
    upstream_settings: FakeUpstream,
    _previews_run_here: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        token = post(client, GOOD).json()["id"]
    url = f"/api/v1/submissions/{token}/moderate/"
    user = User.objects.create_user("someone")
    signed_in = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    assert client.post(url, {"action": "approve"}).status_code == 401
    assert signed_in.post(url, {"action": "approve"}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        approved = moderator_client().post(url, {"action": "approve", "message": "Welcome."})

    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert body["state"] == "approved" and body["created_project"]
    project = Project.objects.get(slug=body["created_project"])
    assert project.organization.name == "EleutherAI"
    assert {(a.source, a.locator) for a in project.artifacts.all()} >= {
        ("hf-model", "EleutherAI/gpt-neox-20b"),
        ("github", "EleutherAI/gpt-neox"),
    }
    assert AuditRun.objects.filter(project=project, pk__in=_previews_run_here).exists()
    assert len(mail.outbox) == 1 and "approved" in mail.outbox[0].subject.lower()
    assert mail.outbox[0].to == ["producer@example.org"]
    events = list(
        SubmissionEvent.objects.filter(submission__token=token).values_list(
            "action", "actor__username"
        )
    )
    assert ("approved", "moderator") in events
    again = moderator_client_again(url)
    assert again.status_code == 400


def moderator_client_again(url: str) -> Any:
    user = make_moderator("second-moderator")
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client.post(url, {"action": "reject", "message": "late"})


@pytest.mark.parametrize(
    ("action", "extra", "state"),
    [
        ("reject", {"message": "Not an AI model."}, "rejected"),
        ("ask", {"message": "Which datasets?"}, "needs-info"),
        ("duplicate", {"duplicate_of": "pythia-70m"}, "duplicate"),
    ],
)
def test_reject_ask_and_duplicate(
    client: Client,
    upstream_settings: FakeUpstream,
    action: str,
    extra: dict[str, str],
    state: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    call_command("load_catalogue", str(SEED / "pythia-70m.yaml"), stdout=StringIO())
    token = post(client, GOOD).json()["id"]
    moderator = moderator_client()

    missing = moderator.post(f"/api/v1/submissions/{token}/moderate/", {"action": action})
    with django_capture_on_commit_callbacks(execute=True):
        done = moderator.post(f"/api/v1/submissions/{token}/moderate/", {"action": action, **extra})

    assert missing.status_code == 400
    assert done.status_code == 200 and done.json()["state"] == state
    assert len(mail.outbox) == 1
    assert client.get(f"/api/v1/submissions/{token}/").json()["state"] == state


def test_a_preview_never_changes_a_listed_projects_state(
    client: Client, upstream_settings: FakeUpstream, django_capture_on_commit_callbacks: Any
) -> None:
    call_command("load_catalogue", str(SEED / "gpt-neox-20b.yaml"), stdout=StringIO())
    call_command("seed_snapshots", str(SEED / "upstream"), stdout=StringIO())
    project = Project.objects.get(slug="gpt-neox-20b")
    states = {
        (s.source, s.locator): (s.state, s.latest_snapshot_id) for s in SourceState.objects.all()
    }
    upstream_settings.override("/api/models/EleutherAI/gpt-neox-20b", status=503)

    with django_capture_on_commit_callbacks(execute=True):
        body = post(client, GOOD).json()

    submission = Submission.objects.get(token=body["id"])
    assert submission.preview["failures"], submission.preview
    after = {
        (s.source, s.locator): (s.state, s.latest_snapshot_id) for s in SourceState.objects.all()
    }
    assert {k: v for k, v in after.items() if k in states} == states
    project.refresh_from_db()
    assert project.stale_since is None and project.last_error == ""
    assert "Unreachable" not in client.get(f"/projects/{project.slug}/").text


def test_an_approved_correction_becomes_a_curation(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    call_command("load_catalogue", str(SEED / "pythia-70m.yaml"), stdout=StringIO())
    call_command("seed_snapshots", str(SEED / "upstream"), stdout=StringIO())
    body = post(
        client,
        {
            "project": "pythia-70m",
            "component": "final-weights",
            "proposed_status": "restricted",
            "proposed_license": "cc-by-nc-4.0",
            "evidence_url": "https://example.org/terms",
            "contact": "producer@example.org",
            "note": "We relicensed the weights.",
        },
    ).json()

    with django_capture_on_commit_callbacks(execute=True):
        moderator_client().post(
            f"/api/v1/submissions/{body['id']}/moderate/", {"action": "approve"}
        )

    curation = Curation.objects.get(project__slug="pythia-70m", active=True)
    assert (curation.status, curation.license) == ("restricted", "CC-BY-NC-4.0")
    project = Project.objects.get(slug="pythia-70m")
    assert project.osaid == "not-open-source-ai"


def test_the_page_form_stores_and_redirects_to_the_status_page(
    client: Client, upstream_settings: FakeUpstream
) -> None:
    form = {
        **GOOD,
        "github": "EleutherAI/gpt-neox\nEleutherAI/pythia",
        "datasets": "EleutherAI/pile",
    }

    response = client.post("/submit/", form)

    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == submission.get_absolute_url()
    assert submission.github == ["EleutherAI/gpt-neox", "EleutherAI/pythia"]


def test_the_page_form_shows_field_errors_and_keeps_what_was_typed(client: Client) -> None:
    response = client.post(
        "/submit/", {**GOOD, "github": "", "datasets": "", "hub_model": "http://169.254.169.254/"}
    )

    assert response.status_code == 400
    assert "Only a Hugging Face repo id" in response.text
    assert 'value="GPT-NeoX 20B (submitted)"' in response.text
    assert not Submission.objects.exists()


def test_honeypot_and_csrf_and_a_flood_from_one_address(client: Client, settings: Any) -> None:
    settings.SUBMISSION_RATE = "3/h"
    form = {**GOOD, "github": "", "datasets": ""}

    bot = client.post("/submit/", {**form, "website": "http://spam.example"})
    no_token = Client(enforce_csrf_checks=True).post("/submit/", form)
    flood = [client.post("/submit/", form, REMOTE_ADDR="203.0.113.7").status_code for _ in range(5)]

    assert bot.status_code == 400
    assert no_token.status_code == 403
    assert flood == [302, 302, 302, 429, 429]
    assert Submission.objects.count() == 3


def test_moderation_page_needs_the_permission_and_acts(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    token = post(client, GOOD).json()["id"]
    moderator = make_moderator("mod", password="pw-for-tests-only")
    plain = User.objects.create_user("plain", password="pw-for-tests-only")

    anonymous = client.get("/moderation/")
    client.force_login(plain)
    forbidden = client.get("/moderation/")
    client.force_login(moderator)
    queue = client.get("/moderation/")
    with django_capture_on_commit_callbacks(execute=True):
        acted = client.post("/moderation/", {"token": token, "action": "reject", "message": "No."})

    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    assert forbidden.status_code == 403
    assert "GPT-NeoX 20B (submitted)" in queue.text
    assert acted.status_code == 302
    assert Submission.objects.get(token=token).state == "rejected"


def test_a_correction_from_the_project_page_is_stored_for_review(client: Client) -> None:
    call_command("load_catalogue", str(SEED / "pythia-70m.yaml"), stdout=StringIO())
    call_command("seed_snapshots", str(SEED / "upstream"), stdout=StringIO())
    page = client.get("/projects/pythia-70m/").text
    assert "Propose a correction of a finding" in page

    response = client.post(
        "/submit/",
        {
            "project": "pythia-70m",
            "component": "final-weights",
            "proposed_status": "restricted",
            "evidence_url": "https://example.org/terms",
            "contact": "producer@example.org",
        },
    )

    submission = Submission.objects.get()
    assert response.status_code == 302 and submission.kind == "correction"
    assert submission.project.slug == "pythia-70m"


def test_api_submissions_are_throttled(
    client: Client, throttle_rate: Callable[[str, str], None]
) -> None:
    throttle_rate("submissions", "2/hour")

    codes = [post(client, {**GOOD, "github": [], "datasets": []}).status_code for _ in range(3)]

    assert codes == [201, 201, 429]
    assert Submission.objects.count() == 2
