"""Audits against the fake Hub and GitHub over real HTTP: snapshots, verdicts, changes, failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from audits import auditing, rules, tasks
from audits.models import AuditRun, Change, Curation, Finding, Snapshot, SourceState
from registry.models import Project
from tests.fakes.upstream import FakeUpstream

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
PYTHIA_MODEL = "/api/models/EleutherAI/pythia-6.9b"

pytestmark = pytest.mark.django_db


def load(*slugs: str) -> None:
    for slug in slugs:
        call_command("load_catalogue", str(SEED / f"{slug}.yaml"))


def audit(slug: str) -> auditing.Outcome:
    run = auditing.start_run(project=Project.objects.get(slug=slug), trigger="manual")
    return auditing.perform_audit(run_id=run.pk)


def finding(slug: str, component: str) -> Finding:
    project = Project.objects.get(slug=slug)
    return Finding.objects.filter(run__project=project, component=component).latest("run_id")


def test_first_audit_stores_snapshots_findings_verdict_and_a_first_change(
    upstream_settings: FakeUpstream,
) -> None:
    load("pythia-6.9b")

    outcome = audit("pythia-6.9b")

    project = Project.objects.get(slug="pythia-6.9b")
    assert outcome.complete
    assert project.current_verdict is not None
    assert project.stale_since is None
    run = project.current_verdict.run
    assert run.state == AuditRun.State.DONE and run.rules_version == rules.RULES_VERSION
    # components, access, facets, lineage, claims, license agreement
    assert run.findings.count() == 17 + 1 + 3 + 3
    assert Snapshot.objects.filter(source="hf-model", locator="EleutherAI/pythia-6.9b").count() == 1
    assert Snapshot.objects.filter(source="github", locator="EleutherAI/gpt-neox").count() == 1
    weights = finding("pythia-6.9b", "final-weights")
    assert weights.status == "open" and weights.license == "Apache-2.0"
    assert any(e["field"] == "cardData.license" for e in weights.evidence)
    assert list(project.changes.values_list("kind", flat=True)) == [Change.Kind.FIRST]


def test_unchanged_upstream_stores_nothing_new_and_github_answers_304(
    upstream_settings: FakeUpstream,
) -> None:
    load("pythia-6.9b")
    audit("pythia-6.9b")
    snapshots = Snapshot.objects.count()
    upstream_settings.clear_log()

    audit("pythia-6.9b")

    assert Snapshot.objects.count() == snapshots
    github_requests = [r for r in upstream_settings.requests if r[1].startswith("/github/")]
    assert github_requests and all(
        "if-none-match" in {k.lower() for k in r[3]} for r in github_requests
    )
    assert Change.objects.exclude(kind=Change.Kind.FIRST).count() == 0


def test_license_change_between_harvests_is_recorded(upstream_settings: FakeUpstream) -> None:
    load("pythia-6.9b")
    audit("pythia-6.9b")

    upstream_settings.patch_json(
        PYTHIA_MODEL, lambda d: d["cardData"].update(license="cc-by-nc-4.0")
    )
    audit("pythia-6.9b")

    project = Project.objects.get(slug="pythia-6.9b")
    weights = project.current_verdict.run.findings.get(component="final-weights")
    assert weights.status == "restricted" and weights.license == "CC-BY-NC-4.0"
    license_change = project.changes.get(kind=Change.Kind.LICENSE, component="final-weights")
    assert (license_change.before, license_change.after) == ("Apache-2.0", "CC-BY-NC-4.0")
    assert project.changes.filter(kind=Change.Kind.STATUS, component="final-weights").exists()
    assert project.current_verdict.osaid == "not-open-source-ai"
    assert project.changes.filter(kind=Change.Kind.OSAID).exists()
    assert Snapshot.objects.filter(locator="EleutherAI/pythia-6.9b", source="hf-model").count() == 2


def test_gate_added_is_recorded(upstream_settings: FakeUpstream) -> None:
    load("pythia-6.9b")
    audit("pythia-6.9b")

    upstream_settings.patch_json(PYTHIA_MODEL, lambda d: d.update(gated="manual"))
    audit("pythia-6.9b")

    project = Project.objects.get(slug="pythia-6.9b")
    assert project.current_verdict.gated
    access = project.changes.get(kind=Change.Kind.ACCESS)
    assert (access.before, access.after) == ("none", "manual")
    assert finding("pythia-6.9b", "final-weights").status == "gated"


def test_dataset_is_declared_gone_only_after_repeated_not_found(
    upstream_settings: FakeUpstream,
) -> None:
    load("pythia-6.9b")
    # Discovery finds the Pile from the card; here the record declares it, as a submitter may.
    project = Project.objects.get(slug="pythia-6.9b")
    project.artifacts.create(
        position=project.artifacts.count(),
        source="hf-dataset",
        locator="EleutherAI/pile",
        serves=["training-datasets"],
    )
    audit("pythia-6.9b")
    first_verdict = Project.objects.get(slug="pythia-6.9b").current_verdict
    upstream_settings.override(
        "/api/datasets/EleutherAI/pile",
        status=404,
        json={"error": "x"},
        headers={"X-Error-Code": "RepoNotFound"},
    )

    for attempt in range(1, rules.NOT_FOUND_LIMIT):
        outcome = audit("pythia-6.9b")
        project = Project.objects.get(slug="pythia-6.9b")
        assert not outcome.complete, attempt
        assert project.current_verdict == first_verdict
        assert project.stale
        assert finding("pythia-6.9b", "training-datasets").status == "unknown"

    outcome = audit("pythia-6.9b")

    project = Project.objects.get(slug="pythia-6.9b")
    assert outcome.complete
    assert project.current_verdict != first_verdict and not project.stale
    gone = project.current_verdict.run.findings.get(component="training-datasets")
    assert gone.status != "open"
    assert project.changes.filter(component="training-datasets").exists()


FAILURES: list[tuple[str, dict[str, Any]]] = [
    (
        "rate-limited",
        {
            "status": 429,
            "json": {"error": "slow down"},
            "headers": {"RateLimit": '"api";r=0;t=7', "Retry-After": "7"},
        },
    ),
    ("server-error", {"status": 503, "json": {"error": "unavailable"}}),
    ("hangs", {"status": 200, "delay": 4.0}),
    ("malformed-json", {"status": 200, "body": b"{not json"}),
]


@pytest.mark.parametrize("response", [f[1] for f in FAILURES], ids=[f[0] for f in FAILURES])
def test_upstream_failure_keeps_the_verdict_and_marks_it_stale(
    upstream_settings: FakeUpstream, response: dict[str, Any]
) -> None:
    load("pythia-6.9b")
    audit("pythia-6.9b")
    good = Project.objects.get(slug="pythia-6.9b").current_verdict
    upstream_settings.override(PYTHIA_MODEL, **response)

    outcome = audit("pythia-6.9b")

    project = Project.objects.get(slug="pythia-6.9b")
    assert not outcome.complete and outcome.retryable
    assert project.current_verdict == good
    assert project.stale and "EleutherAI/pythia-6.9b" in project.stale_reason
    assert project.error_count == 1 and project.last_error
    assert project.next_audit_at > project.last_error_at
    weights = finding("pythia-6.9b", "final-weights")
    assert weights.status == "unknown" and "unreachable since" in weights.reason.lower()
    if response["status"] == 429:
        assert outcome.retry_after == 7
    assert not Change.objects.exclude(kind=Change.Kind.FIRST).exists()


def test_retries_are_bounded_with_growing_jittered_delays(
    settings: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    load("pythia-6.9b")
    settings.AUDIT_MAX_ATTEMPTS = 3
    settings.AUDIT_RETRY_BASE_SECONDS = 10
    sent: list[float] = []
    monkeypatch.setattr(
        tasks.audit_project, "apply_async", lambda args, countdown: sent.append(countdown)
    )
    run = auditing.start_run(project=Project.objects.get(slug="pythia-6.9b"), trigger="manual")

    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.schedule_retry(run_id=run.pk, retry_after=None)
        third = tasks.schedule_retry(run_id=second, retry_after=100)
        fourth = tasks.schedule_retry(run_id=third, retry_after=None)

    assert fourth is None
    assert AuditRun.objects.get(pk=third).attempt == 3
    assert AuditRun.objects.get(pk=third).trigger == AuditRun.Trigger.RETRY
    assert len(sent) == 2
    assert 5 <= sent[0] <= 10  # jitter within the first ceiling
    assert sent[1] >= 100  # a source's Retry-After wins over a shorter backoff


def test_same_audit_delivered_twice_runs_once(upstream_settings: FakeUpstream) -> None:
    load("pythia-6.9b")
    run = auditing.start_run(project=Project.objects.get(slug="pythia-6.9b"), trigger="manual")

    first = auditing.perform_audit(run_id=run.pk)
    upstream_settings.clear_log()
    second = auditing.perform_audit(run_id=run.pk)

    assert first.complete and not second.retryable
    assert upstream_settings.requests == []
    assert Finding.objects.filter(run=run).count() == 24
    assert AuditRun.objects.count() == 1


def test_new_rules_version_reevaluates_from_stored_snapshots(
    upstream_settings: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    load("pythia-6.9b")
    audit("pythia-6.9b")
    upstream_settings.clear_log()
    monkeypatch.setattr(rules, "RULES_VERSION", "next")

    assert tasks.reevaluate_outdated() == 1

    project = Project.objects.get(slug="pythia-6.9b")
    assert project.current_verdict.run.trigger == AuditRun.Trigger.RULES
    assert project.current_verdict.run.rules_version == "next"
    assert upstream_settings.requests == []
    assert tasks.reevaluate_outdated() == 0


def test_sweep_enqueues_stalest_due_projects_once(
    upstream_settings: FakeUpstream,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load("pythia-70m", "pythia-160m", "pythia-410m")
    sent: list[int] = []
    monkeypatch.setattr(tasks.audit_project, "delay", lambda run_id: sent.append(run_id))

    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.enqueue_due(limit=2)
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.enqueue_due(limit=2)
    with django_capture_on_commit_callbacks(execute=True):
        third = tasks.enqueue_due(limit=2)

    assert len(first) == 2 and len(second) == 1 and third == []
    assert sent == first + second
    assert AuditRun.objects.filter(trigger=AuditRun.Trigger.SCHEDULE).count() == 3


def test_curation_overrides_the_verdict_and_keeps_the_tool_view(
    upstream_settings: FakeUpstream,
) -> None:
    load("pythia-6.9b")
    audit("pythia-6.9b")
    project = Project.objects.get(slug="pythia-6.9b")
    Curation.objects.create(
        project=project,
        component="final-weights",
        status="restricted",
        license="LicenseRef-scancode-llama-2-license-2023",
        reason="The weights were relicensed in a blog post.",
        evidence_url="https://example.org/post",
    )

    audit("pythia-6.9b")

    weights = finding("pythia-6.9b", "final-weights")
    assert weights.status == "open" and weights.effective_status == "restricted"
    project.refresh_from_db()
    assert project.current_verdict.osaid == "not-open-source-ai"


def test_every_source_call_stays_on_the_fake(upstream_settings: FakeUpstream) -> None:
    load("pythia-6.9b", "llama-2-7b")

    audit("pythia-6.9b")
    audit("llama-2-7b")

    paths = [r[1] for r in upstream_settings.requests]
    assert paths
    allowed = ("/api/models/", "/api/datasets/", "/github/repos/", "/arxiv/oai2")
    assert all(p.startswith(allowed) or "/resolve/" in p for p in paths), paths
    # Every declared source answered; what failed is only what a card merely points at.
    declared = [("hf-model", "EleutherAI/pythia-6.9b"), ("hf-model", "meta-llama/Llama-2-7b-hf")]
    assert (
        SourceState.objects.filter(
            source__in=[s for s, _ in declared], locator__in=[loc for _, loc in declared]
        )
        .exclude(state="ok")
        .count()
        == 0
    )
