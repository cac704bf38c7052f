"""Nothing the site accepted is lost: a broker or cache outage, long curations, private notes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError
from rest_framework.authtoken.models import Token

from audits import auditing, rules
from audits import tasks as audit_tasks
from audits.models import AuditRun, Change, Curation
from registry import submissions, tasks
from registry.models import Project, Submission, SubmissionEvent
from tests.factories import make_moderator
from tests.fakes.upstream import FakeUpstream

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
GOOD = {
    "hub_model": "EleutherAI/gpt-neox-20b",
    "name": "GPT-NeoX 20B (submitted)",
    "kind": "language-model",
    "contact": "producer@example.org",
    "note": "Please list it.",
}
# Nothing listens on port 1: a cache there is a cache that is down.
CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}

pytestmark = pytest.mark.django_db


def post(client: Client, body: dict[str, Any], **headers: str) -> Any:
    return client.post(
        "/api/v1/submissions/", json.dumps(body), content_type="application/json", headers=headers
    )


def moderator_client() -> Client:
    user = make_moderator("moderator", email="m@example.org")
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A broker that takes every preview and remembers which submissions it was sent for."""
    sent: list[int] = []
    monkeypatch.setattr(tasks.build_submission_preview, "delay", sent.append)
    return sent


@pytest.fixture
def broker_down(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A broker that refuses every message, as kombu does when Redis is down."""
    attempts: list[int] = []

    def refuse(*args: Any, **kwargs: Any) -> None:
        attempts.append(1)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.build_submission_preview, "delay", refuse)
    monkeypatch.setattr(tasks.build_submission_preview, "apply_async", refuse)
    return attempts


@pytest.fixture
def previews_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview task runs in this process when it is sent; first audits are only noted."""
    monkeypatch.setattr(
        tasks.build_submission_preview,
        "delay",
        lambda submission_id: tasks.build_submission_preview(submission_id),
    )
    monkeypatch.setattr(audit_tasks.audit_project, "delay", lambda run_id: None)


# --- 3. Broker down ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_submission_is_accepted_while_the_broker_is_down(
    client: Client, broker_down: list[int]
) -> None:
    response = post(client, GOOD)

    assert response.status_code == 201, response.content
    assert broker_down, "the preview was never handed to the broker"
    submission = Submission.objects.get()
    assert response.json()["id"] == submission.token
    assert (submission.state, submission.preview_state) == ("pending", "queued")


@pytest.mark.django_db(transaction=True)
def test_the_page_form_is_accepted_while_the_broker_is_down(
    client: Client, broker_down: list[int]
) -> None:
    response = client.post("/submit/", GOOD)

    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == submission.get_absolute_url()


@pytest.mark.django_db(transaction=True)
def test_a_preview_the_broker_refused_is_sent_by_the_sweep_once_it_is_back(
    client: Client, broker_down: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = post(client, GOOD).json()["id"]
    sent: list[int] = []
    monkeypatch.setattr(tasks.build_submission_preview, "delay", sent.append)
    submission = Submission.objects.get(token=token)

    within_lease = submissions.requeue_previews(limit=10)
    later = timezone.now() + submissions.PREVIEW_LEASE + timedelta(seconds=1)
    after_lease = submissions.requeue_previews(limit=10, now=later)
    again = submissions.requeue_previews(limit=10, now=later + timedelta(seconds=1))

    assert within_lease == []
    assert after_lease == [submission.pk] and sent == [submission.pk]
    # The sweep moved the lease on before sending: a second sweep (a second beat) sends nothing.
    assert again == []


@pytest.mark.django_db(transaction=True)
def test_the_sweep_keeps_a_preview_pending_while_the_broker_is_still_down(
    client: Client, broker_down: list[int]
) -> None:
    post(client, GOOD)
    attempts = len(broker_down)
    past_lease = timezone.now() - submissions.PREVIEW_LEASE - timedelta(seconds=1)
    Submission.objects.update(updated_at=past_lease)

    assert tasks.requeue_previews() == 0
    assert len(broker_down) == attempts + 1
    assert Submission.objects.get().preview_state == "queued"


@pytest.mark.django_db(transaction=True)
def test_an_approval_is_answered_while_the_broker_is_down(
    client: Client, broker_down: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = post(client, GOOD).json()["id"]

    def refuse(*args: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(audit_tasks.audit_project, "delay", refuse)

    approved = moderator_client().post(
        f"/api/v1/submissions/{token}/moderate/", {"action": "approve"}
    )

    assert approved.status_code == 200, approved.content
    project = Project.objects.get(slug=approved.json()["created_project"])
    # The run waits, queued, for the audit sweep; the approval is not undone or lost.
    assert AuditRun.objects.get(project=project).state == "queued"


def test_the_sweep_sends_only_pending_previews_stalest_first(sent: list[int]) -> None:
    rows = [
        Submission.objects.create(
            name=f"Model {i}",
            hub_model=f"lab/m{i}",
            project_kind="language-model",
            contact="a@b.org",
        )
        for i in range(4)
    ]
    now = timezone.now()
    for age, row in zip((30, 50, 40, 60), rows, strict=True):
        Submission.objects.filter(pk=row.pk).update(updated_at=now - timedelta(minutes=age))
    Submission.objects.filter(pk=rows[3].pk).update(preview_state="done")

    assert submissions.requeue_previews(limit=2, now=now) == [rows[1].pk, rows[2].pk]
    assert sent == [rows[1].pk, rows[2].pk]


def test_a_preview_sent_twice_is_built_once(
    client: Client,
    upstream_settings: FakeUpstream,
    sent: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post(client, GOOD)
    (submission_id,) = sent

    tasks.build_submission_preview(submission_id)
    tasks.build_submission_preview(submission_id)

    built = SubmissionEvent.objects.filter(submission_id=submission_id, action="preview-built")
    assert built.count() == 1
    assert Submission.objects.get(pk=submission_id).preview_state == "done"


def test_the_preview_sweep_is_scheduled() -> None:
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "registry.tasks.requeue_previews" in scheduled


# --- Idempotent retries -------------------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_answers_the_original(
    client: Client, sent: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, GOOD, **{"Idempotency-Key": "4f1c2b8e-retry"})
        retry = post(client, GOOD, **{"Idempotency-Key": "4f1c2b8e-retry"})

    assert first.status_code == 201, first.content
    assert retry.status_code in (200, 201), retry.content
    assert retry.json()["id"] == first.json()["id"]
    assert Submission.objects.count() == 1
    assert SubmissionEvent.objects.filter(action="submitted").count() == 1
    assert len(sent) == 1


def test_different_idempotency_keys_are_different_submissions(client: Client) -> None:
    one = post(client, GOOD, **{"Idempotency-Key": "key-one"})
    two = post(client, GOOD, **{"Idempotency-Key": '"key-two"'})

    assert (one.status_code, two.status_code) == (201, 201)
    assert set(Submission.objects.values_list("idempotency_key", flat=True)) == {
        "key-one",
        "key-two",
    }


def test_submissions_without_a_key_are_never_merged(client: Client) -> None:
    assert [post(client, GOOD).status_code for _ in range(2)] == [201, 201]
    assert Submission.objects.count() == 2


def test_an_idempotency_key_only_retries_the_same_submission(client: Client) -> None:
    original = post(client, GOOD, **{"Idempotency-Key": "shared-key"})

    other = post(
        client, {**GOOD, "hub_model": "EleutherAI/pythia-70m"}, **{"Idempotency-Key": "shared-key"}
    )

    assert original.status_code == 201
    assert other.status_code == 422, other.content
    assert original.json()["id"] not in other.text
    assert Submission.objects.count() == 1


def test_submit_twice_with_one_key_stores_one_submission() -> None:
    fields = {**GOOD, "project_kind": "language-model", "idempotency_key": "direct"}
    fields.pop("kind")

    first = submissions.submit(fields=dict(fields))
    second = submissions.submit(fields=dict(fields))

    assert first.pk == second.pk
    assert Submission.objects.count() == 1


# --- A request the site refused stores nothing --------------------------------------------------


REFUSED = [
    ("invalid", {**GOOD, "hub_model": "http://169.254.169.254/latest"}, {}, 400),
    ("malformed key", GOOD, {"Idempotency-Key": "k" * 300}, 400),
    ("control character in key", GOOD, {"Idempotency-Key": "a\tb"}, 400),
    ("empty key", GOOD, {"Idempotency-Key": '""'}, 400),
]


@pytest.mark.parametrize(
    ("body", "headers", "code"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_a_refused_submission_stores_nothing(
    client: Client, body: dict[str, Any], headers: dict[str, str], code: int
) -> None:
    response = post(client, body, **headers)

    assert response.status_code == code, response.content
    assert response.json()["error"]["status"] == code
    assert not Submission.objects.exists() and not SubmissionEvent.objects.exists()


def test_a_throttled_submission_stores_nothing(
    client: Client, throttle_rate: Callable[[str, str], None]
) -> None:
    throttle_rate("submissions", "1/hour")

    codes = [post(client, GOOD, **{"Idempotency-Key": f"k{i}"}).status_code for i in range(2)]

    assert codes == [201, 429]
    assert list(Submission.objects.values_list("idempotency_key", flat=True)) == ["k0"]


# --- 4. Cache down ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/projects/", "/api/v1/projects/pythia-70m/", "/api/v1/licenses/"]
)
def test_reads_keep_answering_while_the_cache_is_down(client: Client, path: str) -> None:
    call_command("load_catalogue", str(SEED / "pythia-70m.yaml"), stdout=StringIO())

    with override_settings(CACHES=CACHE_DOWN):
        response = client.get(path)
        head = client.head(path)

    assert response.status_code == 200, response.content
    assert head.status_code == 200


def test_api_writes_fail_closed_while_the_cache_is_down(client: Client) -> None:
    with override_settings(CACHES=CACHE_DOWN):
        response = post(client, GOOD)

    assert response.status_code == 503, response.content
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["status"] == 503
    assert not Submission.objects.exists()


def test_the_form_fails_closed_while_the_cache_is_down(client: Client) -> None:
    with override_settings(CACHES=CACHE_DOWN):
        response = client.post("/submit/", GOOD)

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "try again" in response.text.lower()
    assert not Submission.objects.exists()


# --- 5. Long curations --------------------------------------------------------------------------


def test_a_correction_with_an_overlong_reason_is_refused_and_stores_nothing(
    client: Client,
) -> None:
    call_command("load_catalogue", str(SEED / "pythia-70m.yaml"), stdout=StringIO())
    correction = {
        "project": "pythia-70m",
        "component": "final-weights",
        "proposed_status": "restricted",
        "evidence_url": "https://example.org/terms",
        "contact": "producer@example.org",
        "note": "Because " * 80,
    }

    response = post(client, correction)

    assert response.status_code == 400, response.content
    assert "note" in response.json()["error"]["fields"]
    assert not Submission.objects.exists() and not Curation.objects.exists()


def test_a_long_reason_is_cut_to_fit_the_change_summary_and_audits_go_on(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    call_command("load_catalogue", str(SEED / "pythia-70m.yaml"), stdout=StringIO())
    call_command("seed_snapshots", str(SEED / "upstream"), stdout=StringIO())
    evaluate = rules.evaluate

    def long_reasons(audit: Any) -> Any:
        return tuple(replace(f, reason="Because " * 400) for f in evaluate(audit))

    monkeypatch.setattr(rules, "evaluate", long_reasons)
    curation = {
        "component": "final-weights",
        "status": "restricted",
        "license": "cc-by-nc-4.0",
        "reason": "The weights page adds a non-commercial clause.",
        "evidence_url": "https://example.org/terms",
    }

    response = moderator_client().post(
        "/api/v1/projects/pythia-70m/curations/", curation, content_type="application/json"
    )

    assert response.status_code == 201, response.content
    change = Change.objects.get(
        project__slug="pythia-70m", component="final-weights", kind=Change.Kind.STATUS
    )
    limit = Change._meta.get_field("summary").max_length
    assert len(change.summary) == limit and change.summary.endswith("…")
    assert change.summary.startswith("Final weights: open → restricted. Because")
    project = Project.objects.get(slug="pythia-70m")
    outcome = auditing.reevaluate(project=project)
    assert AuditRun.objects.get(pk=outcome.run_id).state == "done"


def test_short_change_summaries_are_kept_whole() -> None:
    call_command("load_catalogue", str(SEED / "pythia-70m.yaml"), stdout=StringIO())
    call_command("seed_snapshots", str(SEED / "upstream"), stdout=StringIO())

    first = Change.objects.get(project__slug="pythia-70m", kind="first-verdict")

    assert first.summary.startswith("First verdict: ") and not first.summary.endswith("…")


# --- 6. The note for the moderators stays private -----------------------------------------------


def test_the_note_for_the_moderators_is_never_published(
    client: Client,
    upstream_settings: FakeUpstream,
    previews_run_here: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    note = "PRIVATE: my phone is +1 555 0100, ask Dana before listing."
    with django_capture_on_commit_callbacks(execute=True):
        token = post(client, {**GOOD, "note": note}).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        approved = moderator_client().post(
            f"/api/v1/submissions/{token}/moderate/", {"action": "approve"}
        )

    assert approved.status_code == 200, approved.content
    project = Project.objects.get(slug=approved.json()["created_project"])
    assert project.summary.startswith(
        "GPT-NeoX-20B is a 20 billion parameter autoregressive language model trained on the Pile"
    )
    assert len(project.summary) <= 500
    page = client.get(project.get_absolute_url())
    api = client.get(f"/api/v1/projects/{project.slug}/")
    listing = client.get("/api/v1/projects/")
    assert page.status_code == api.status_code == listing.status_code == 200
    for text in (project.summary, page.text, api.text, listing.text):
        assert "PRIVATE" not in text and "555 0100" not in text


def test_a_submission_approved_before_its_preview_gets_a_plain_summary(
    client: Client, previews_run_here: None, django_capture_on_commit_callbacks: Any
) -> None:
    token = post(client, {**GOOD, "note": "PRIVATE note"}).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        approved = moderator_client().post(
            f"/api/v1/submissions/{token}/moderate/", {"action": "approve"}
        )

    project = Project.objects.get(slug=approved.json()["created_project"])
    assert project.summary == "Submitted for review: EleutherAI/gpt-neox-20b."


CARDS = [
    (
        "first paragraph",
        "---\nlicense: mit\n---\n# Title\n\nA small model for tests.\n",
        "A small model for tests.",
    ),
    (
        "skips images, badges, tables and code",
        "<img src='logo.png'>\n\n[![badge](https://x/b.svg)](https://x)\n\n| a | b |\n|---|---|\n\n"
        "```\npip install x\n```\n\nIt is a **model** trained on [the Pile](https://pile.eleuther.ai/).\n",
        "It is a model trained on the Pile.",
    ),
    (
        "front matter description",
        "---\ndescription: Described in the header.\n---\nBody text here.\n",
        "Described in the header.",
    ),
    ("no prose", "# Title\n\n- a list\n", ""),
    ("empty", "", ""),
]


@pytest.mark.parametrize(("card", "summary"), [c[1:] for c in CARDS], ids=[c[0] for c in CARDS])
def test_card_summary(card: str, summary: str) -> None:
    assert submissions.card_summary(card) == summary


def test_a_long_card_paragraph_is_cut_at_a_sentence_or_with_an_ellipsis() -> None:
    sentences = "This sentence is about the model. " * 30
    one_long = "word " * 200

    by_sentence = submissions.card_summary(sentences)
    cut = submissions.card_summary(one_long)

    assert len(by_sentence) <= 500 and by_sentence.endswith("model.")
    assert len(cut) == 500 and cut.endswith("…")


# --- 15. The moderation queue in pages ----------------------------------------------------------


def _pending(count: int) -> list[Submission]:
    now = timezone.now()
    rows = Submission.objects.bulk_create(
        Submission(
            name=f"Pending {i:03d}",
            hub_model=f"lab/pending-{i:03d}",
            project_kind="language-model",
            contact="p@example.org",
            preview_state="done",
        )
        for i in range(count)
    )
    for i, row in enumerate(rows):
        Submission.objects.filter(pk=row.pk).update(created_at=now - timedelta(minutes=count - i))
    return rows


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context.captured_queries)


def test_the_moderation_queue_is_paginated_newest_first(client: Client) -> None:
    _pending(120)
    client.force_login(make_moderator("mod"))

    first = client.get("/moderation/")
    last = client.get("/moderation/", {"page": 3})

    assert first.status_code == 200
    assert first.text.count('class="submission"') == 50
    assert first.text.index("Pending 119") < first.text.index("Pending 070")
    assert "Pending 069" not in first.text
    assert "120 open submissions" in first.text
    assert 'href="?page=2"' in first.text and "Page 1 of 3" in first.text
    assert last.text.count('class="submission"') == 20 and "Pending 000" in last.text
    assert 'href="?page=2"' in last.text


def test_the_moderation_page_makes_as_many_queries_for_120_as_for_60(client: Client) -> None:
    client.force_login(make_moderator("mod"))
    _pending(60)
    sixty = _queries(client, "/moderation/")
    _pending(60)

    assert _queries(client, "/moderation/") == sixty


def test_a_moderation_action_returns_to_the_same_page(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    rows = _pending(60)
    client.force_login(make_moderator("mod"))

    with django_capture_on_commit_callbacks(execute=True):
        acted = client.post(
            "/moderation/",
            {"token": rows[0].token, "action": "reject", "message": "No.", "page": "2"},
        )

    assert acted.status_code == 302 and acted["Location"] == "/moderation/?page=2"
    assert Submission.objects.get(pk=rows[0].pk).state == "rejected"
