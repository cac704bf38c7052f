"""A real Celery worker audits projects against the fake upstream: on demand and on schedule."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from audits import auditing
from audits.models import AuditRun, Change
from audits.tasks import audit_project
from registry.models import Project
from tests.fakes.upstream import FakeUpstream
from tests.workers import wait_for, worker_env

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def upstream_env(fake: FakeUpstream, **extra: str) -> dict[str, str]:
    return worker_env(
        HF_ENDPOINT=fake.url,
        GITHUB_API_URL=fake.github_url,
        ARXIV_API_URL=fake.arxiv_url,
        SOURCE_TIMEOUT_SECONDS="5",
        **extra,
    )


def test_enqueued_audit_runs_on_the_worker_and_records_changes(
    upstream_settings: FakeUpstream, start_worker: Callable[..., subprocess.Popen]
) -> None:
    call_command("load_catalogue", str(SEED / "pythia-6.9b.yaml"))
    project = Project.objects.get(slug="pythia-6.9b")
    start_worker(upstream_env(upstream_settings))

    run = auditing.start_run(project=project, trigger="manual")
    audit_project.delay(run.pk)

    done = wait_for(lambda: AuditRun.objects.filter(pk=run.pk, state="done").first())
    assert done, "the worker did not finish the audit"
    project.refresh_from_db()
    assert project.current_verdict is not None and project.current_verdict.run_id == run.pk
    assert project.changes.filter(kind=Change.Kind.FIRST).exists()

    upstream_settings.patch_json(
        "/api/models/EleutherAI/pythia-6.9b", lambda d: d["cardData"].update(license="mit")
    )
    second = auditing.start_run(project=project, trigger="manual")
    audit_project.delay(second.pk)

    assert wait_for(lambda: AuditRun.objects.filter(pk=second.pk, state="done").exists())
    change = project.changes.get(kind=Change.Kind.LICENSE, component="final-weights")
    assert (change.before, change.after) == ("Apache-2.0", "MIT")
    hosts = {r[3].get("host", r[3].get("Host", "")) for r in upstream_settings.requests}
    assert all(h.startswith("127.0.0.1") for h in hosts), hosts


def test_beat_re_audits_due_projects_on_schedule(
    upstream_settings: FakeUpstream, start_worker: Callable[..., subprocess.Popen], tmp_path: Path
) -> None:
    call_command("load_catalogue", str(SEED / "pythia-70m.yaml"))
    project = Project.objects.get(slug="pythia-70m")
    # A zero-hour interval makes each finished audit due again at the next sweep (every second).
    env = upstream_env(upstream_settings, AUDIT_SWEEP_SECONDS="1", AUDIT_INTERVAL_HOURS="0")

    start_worker(env, "--beat", "--schedule", str(tmp_path / "beat-schedule"))

    def scheduled_runs() -> bool:
        return (
            AuditRun.objects.filter(project=project, trigger="schedule", state="done").count() >= 2
        )

    assert wait_for(scheduled_runs, seconds=90), "beat did not re-audit the project twice"
    assert AuditRun.objects.filter(project=project, state="failed").count() == 0
