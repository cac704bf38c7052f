"""Nothing lost, nothing twice: runs whose worker died are taken over, database errors retried."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from audits import auditing, harvest, tasks
from audits.models import AuditRun, Change, Finding, Verdict, run_lease
from registry import task_class
from registry.celery import app
from registry.models import Project
from tests.factories import ProjectFactory
from tests.fakes.upstream import FakeUpstream
from tests.workers import kill_worker, pool_children, wait_for, worker_env

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
MODEL = "/api/models/EleutherAI/pythia-70m"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def running_run(*, started_at: datetime, attempt: int = 1, **fields: Any) -> AuditRun:
    """A run a worker claimed at `started_at` and never finished."""
    return AuditRun.objects.create(
        project=fields.pop("project", None) or ProjectFactory(),
        trigger=fields.pop("trigger", AuditRun.Trigger.SCHEDULE),
        state=AuditRun.State.RUNNING,
        queued_at=started_at - SECOND,
        started_at=started_at,
        attempt=attempt,
        **fields,
    )


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """The audit tasks handed to the broker, by name and run id, instead of sending them."""
    handed: list[tuple[str, int]] = []
    for task in (tasks.audit_project, tasks.reevaluate_project):
        monkeypatch.setattr(
            task, "delay", lambda run_id, name=task.name: handed.append((name, run_id))
        )
    return handed


def sweep(now: datetime, captured: Any, limit: int = 10) -> list[int]:
    """One pass of the sweep's recovery at `now`, with its after-commit sends carried out."""
    with captured(execute=True):
        return tasks.recover_abandoned(limit=limit, now=now)


# --- claim and take-over (frozen clock) --------------------------------------------------------


@pytest.mark.django_db
def test_a_running_run_is_taken_over_only_once_its_lease_has_ended() -> None:
    run = running_run(started_at=T0)
    lease_ends = T0 + run_lease()

    assert not AuditRun.objects.claim(run.pk, now=lease_ends - SECOND)
    assert AuditRun.objects.claim(run.pk, now=lease_ends + SECOND)

    run.refresh_from_db()
    assert (run.state, run.started_at, run.attempt) == ("running", lease_ends + SECOND, 2)
    assert run.lease_ends_at == lease_ends + SECOND + run_lease()


@pytest.mark.django_db
def test_two_workers_never_both_take_over_a_run() -> None:
    run = running_run(started_at=T0)
    later = T0 + run_lease() + SECOND

    claims = [AuditRun.objects.claim(run.pk, now=later) for _ in range(2)]

    assert claims == [True, False]
    assert AuditRun.objects.get(pk=run.pk).attempt == 2


@pytest.mark.django_db
def test_a_queued_run_is_claimed_without_counting_an_attempt() -> None:
    run = AuditRun.objects.create(project=ProjectFactory(), trigger="manual")

    assert AuditRun.objects.claim(run.pk, now=T0)
    assert not AuditRun.objects.claim(run.pk, now=T0 + SECOND)

    run.refresh_from_db()
    assert (run.state, run.started_at, run.attempt) == ("running", T0, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["done", "failed"])
def test_a_finished_run_is_never_claimed_again(state: str) -> None:
    run = running_run(started_at=T0)
    AuditRun.objects.filter(pk=run.pk).update(state=state)

    assert not AuditRun.objects.claim(run.pk, now=T0 + 10 * run_lease())


@pytest.mark.django_db
def test_a_run_out_of_attempts_is_not_taken_over() -> None:
    run = running_run(started_at=T0, attempt=settings.AUDIT_MAX_ATTEMPTS)

    assert not AuditRun.objects.claim(run.pk, now=T0 + 2 * run_lease())
    assert AuditRun.objects.get(pk=run.pk).state == "running"


def test_the_lease_outlasts_the_hard_time_limit(settings: Any) -> None:
    settings.CELERY_TASK_TIME_LIMIT = 300

    assert run_lease() > timedelta(seconds=300)


# --- the sweep (frozen clock) ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweep_queues_again_a_run_running_past_its_lease(
    sent: list[tuple[str, int]], django_capture_on_commit_callbacks: Any
) -> None:
    run = running_run(started_at=T0)

    assert sweep(T0 + run_lease() - SECOND, django_capture_on_commit_callbacks) == []
    assert sweep(T0 + run_lease() + SECOND, django_capture_on_commit_callbacks) == [run.pk]
    # A second beat by mistake, at the same moment: the run is queued again already.
    assert sweep(T0 + run_lease() + SECOND, django_capture_on_commit_callbacks) == []

    run.refresh_from_db()
    assert (run.state, run.attempt, run.started_at) == ("queued", 2, None)
    assert run.queued_at == T0 + run_lease() + SECOND
    assert sent == [("audits.tasks.audit_project", run.pk)]


@pytest.mark.django_db
def test_the_sweep_sends_again_a_queued_run_whose_message_was_lost(
    sent: list[tuple[str, int]], django_capture_on_commit_callbacks: Any
) -> None:
    run = AuditRun.objects.create(project=ProjectFactory(), trigger="manual", queued_at=T0)

    assert sweep(T0 + tasks.LEASE - SECOND, django_capture_on_commit_callbacks) == []
    assert sweep(T0 + tasks.LEASE + SECOND, django_capture_on_commit_callbacks) == [run.pk]

    run.refresh_from_db()
    assert (run.state, run.attempt) == ("queued", 2)
    assert sent == [("audits.tasks.audit_project", run.pk)]


@pytest.mark.django_db
@pytest.mark.parametrize("trigger", ["lineage", "rules", "seed"])
def test_the_sweep_sends_re_evaluations_back_to_the_re_evaluation_task(
    trigger: str, sent: list[tuple[str, int]], django_capture_on_commit_callbacks: Any
) -> None:
    run = running_run(started_at=T0, trigger=trigger)

    sweep(T0 + run_lease() + SECOND, django_capture_on_commit_callbacks)

    assert sent == [("audits.tasks.reevaluate_project", run.pk)]


@pytest.mark.django_db
def test_the_sweep_fails_a_run_out_of_attempts_and_marks_its_project_stale(
    sent: list[tuple[str, int]], django_capture_on_commit_callbacks: Any
) -> None:
    run = running_run(started_at=T0, attempt=settings.AUDIT_MAX_ATTEMPTS)
    now = T0 + run_lease() + SECOND

    assert sweep(now, django_capture_on_commit_callbacks) == []

    run.refresh_from_db()
    assert run.state == "failed" and run.finished_at == now
    assert run.error.startswith(f"abandoned after {settings.AUDIT_MAX_ATTEMPTS} attempts")
    project = run.project
    project.refresh_from_db()
    assert project.stale_since == now and project.stale_reason == run.error
    assert project.error_count == 1 and project.next_audit_at > now
    assert sent == []
    assert AuditRun.objects.in_flight().count() == 0


@pytest.mark.django_db
def test_the_sweep_leaves_runs_within_their_lease_and_takes_the_stalest_first(
    sent: list[tuple[str, int]], django_capture_on_commit_callbacks: Any
) -> None:
    older = running_run(started_at=T0)
    newer = running_run(started_at=T0 + 10 * SECOND)
    fresh = running_run(started_at=T0 + run_lease())

    recovered = sweep(T0 + run_lease() + 20 * SECOND, django_capture_on_commit_callbacks, limit=1)

    assert recovered == [older.pk]
    assert AuditRun.objects.get(pk=newer.pk).state == "running"
    assert AuditRun.objects.get(pk=fresh.pk).state == "running"


@pytest.mark.django_db
def test_the_beat_sweep_recovers_abandoned_runs_before_it_enqueues_due_projects(
    sent: list[tuple[str, int]],
) -> None:
    run = running_run(started_at=timezone.now() - run_lease() - SECOND)
    run.project.next_audit_at = timezone.now() - SECOND
    run.project.save()

    tasks.enqueue_due_audits()

    run.refresh_from_db()
    # Its project is due too, but its recovered run is the one audit it gets.
    assert run.state == "queued" and run.attempt == 2
    assert AuditRun.objects.filter(project=run.project).count() == 1


# --- audits that finish once, in this process ---------------------------------------------------


def load(slug: str) -> Project:
    call_command("load_catalogue", str(SEED / f"{slug}.yaml"))
    return Project.objects.get(slug=slug)


def assert_finished_once(run: AuditRun) -> None:
    """The run is done with one verdict, one set of findings and one first change."""
    run.refresh_from_db()
    assert run.state == AuditRun.State.DONE, run.error
    project = run.project
    project.refresh_from_db()
    assert AuditRun.objects.filter(project=project).count() == 1
    assert Verdict.objects.filter(project=project).count() == 1
    assert project.current_verdict is not None and project.current_verdict.run_id == run.pk
    components = list(Finding.objects.filter(run=run).values_list("component", flat=True))
    assert components and len(components) == len(set(components))
    assert Change.objects.filter(project=project, kind=Change.Kind.FIRST).count() == 1
    assert set(Change.objects.filter(project=project).values_list("run", flat=True)) == {run.pk}


@pytest.mark.django_db
def test_a_run_the_sweep_queues_again_finishes_once(
    upstream_settings: FakeUpstream,
    sent: list[tuple[str, int]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    project = load("pythia-70m")
    run = running_run(project=project, started_at=timezone.now() - run_lease() - SECOND)

    sweep(timezone.now(), django_capture_on_commit_callbacks)
    for _, run_id in sent:
        tasks.audit_project.apply((run_id,), throw=True)

    assert_finished_once(run)
    assert AuditRun.objects.get(pk=run.pk).attempt == 2


# --- database errors ---------------------------------------------------------------------------


@pytest.fixture
def fail_harvest_once(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], None]], list[int]]:
    """Make the audit's harvest call `fail` the first time; returns the list of harvest calls."""

    def install(fail: Callable[[], None]) -> list[int]:
        calls: list[int] = []
        real = auditing.harvest

        def flaky(**kwargs: Any) -> harvest.HarvestReport:
            calls.append(1)
            if len(calls) == 1:
                fail()
            return real(**kwargs)

        monkeypatch.setattr(auditing, "harvest", flaky)
        return calls

    return install


@pytest.fixture
def closed_connections(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the retries' calls to close_old_connections (which still close)."""
    calls: list[int] = []
    real = task_class.close_old_connections

    def spy(**kwargs: Any) -> None:
        calls.append(1)
        real(**kwargs)

    monkeypatch.setattr(task_class, "close_old_connections", spy)
    return calls


@pytest.mark.django_db(transaction=True)
def test_an_audit_retries_a_database_error_and_finishes(
    upstream_settings: FakeUpstream,
    fail_harvest_once: Callable[[Callable[[], None]], list[int]],
    closed_connections: list[int],
) -> None:
    def database_blip() -> None:
        raise OperationalError("server closed the connection unexpectedly")

    calls = fail_harvest_once(database_blip)
    run = auditing.start_run(project=load("pythia-70m"), trigger="manual")

    result = tasks.audit_project.apply((run.pk,))

    assert result.get() == Project.objects.get(pk=run.project_id).current_verdict.osaid
    assert len(calls) == 2 and len(closed_connections) == 1
    assert_finished_once(run)
    assert AuditRun.objects.get(pk=run.pk).error == ""


@pytest.mark.django_db(transaction=True)
def test_a_retry_never_reopens_a_run_that_failed_for_another_reason() -> None:
    run = running_run(started_at=T0)
    AuditRun.objects.filter(pk=run.pk).update(state="failed", error="ValueError('bad card')")
    blip = running_run(started_at=T0)
    AuditRun.objects.filter(pk=blip.pk).update(
        state="failed", error="OperationalError('the database system is shutting down')"
    )

    assert not AuditRun.objects.reopen_after_database_error(run.pk)
    assert AuditRun.objects.reopen_after_database_error(blip.pk)
    assert AuditRun.objects.get(pk=blip.pk).state == "queued"


@pytest.mark.django_db(transaction=True)
def test_a_dropped_connection_is_closed_and_the_sweep_finishes_the_run(
    upstream_settings: FakeUpstream,
    fail_harvest_once: Callable[[Callable[[], None]], list[int]],
    closed_connections: list[int],
    sent: list[tuple[str, int]],
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("drops its own PostgreSQL connection")

    def drop_connection() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    fail_harvest_once(drop_connection)
    run = auditing.start_run(project=load("pythia-70m"), trigger="manual")

    # The run could not even be marked failed on the dead connection: it stays claimed, and
    # the retry (on a new connection) finds it held until its lease ends.
    assert tasks.audit_project.apply((run.pk,)).get() == "held by another worker"
    assert closed_connections
    assert AuditRun.objects.get(pk=run.pk).state == "running"

    tasks.recover_abandoned(limit=10, now=timezone.now() + run_lease() + SECOND)
    assert sent == [("audits.tasks.audit_project", run.pk)]
    tasks.audit_project.apply((run.pk,), throw=True)

    assert_finished_once(run)


def test_every_task_retries_database_errors_with_backoff() -> None:
    app.loader.import_default_modules()
    ours = [t for name, t in app.tasks.items() if name.startswith(("audits.", "registry."))]

    assert ours
    for task in ours:
        assert set(task.autoretry_for) == {OperationalError, InterfaceError}, task.name
        assert task.retry_backoff and task.max_retries >= 5, task.name


def test_audit_tasks_are_given_back_when_their_worker_dies() -> None:
    for task in (tasks.audit_project, tasks.reevaluate_project):
        assert task.acks_late and task.reject_on_worker_lost, task.name
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


# --- real workers killed mid-audit -------------------------------------------------------------

# Short limits so a lease ends within seconds: the hard limit is 8 s, the lease 10 s, and Redis
# hands back an unacked message after 10 s.
FAST_LEASE = {
    "CELERY_TASK_TIME_LIMIT": "8",
    "CELERY_TASK_SOFT_TIME_LIMIT": "6",
    "CELERY_BROKER_VISIBILITY_TIMEOUT": "10",
}
LEASE_SECONDS = 10
# The model's first answer takes this long, so the worker is mid-audit when it is killed.
SLOW_ANSWER = 5.0


def redis_broker() -> bool:
    return settings.CELERY_BROKER_URL.startswith("redis://")


def fast_lease_env(fake: FakeUpstream, **extra: str) -> dict[str, str]:
    return worker_env(
        HF_ENDPOINT=fake.url,
        GITHUB_API_URL=fake.github_url,
        ARXIV_API_URL=fake.arxiv_url,
        SOURCE_TIMEOUT_SECONDS="5",
        **FAST_LEASE,
        **extra,
    )


@pytest.fixture
def slow_audit(upstream_settings: FakeUpstream) -> Iterator[tuple[FakeUpstream, AuditRun]]:
    """A queued run of pythia-70m whose first Hub answer is slow (later ones are not)."""
    project = load("pythia-70m")
    upstream_settings.override(
        MODEL, json=upstream_settings.document(MODEL), delay=SLOW_ANSWER, times=1
    )
    yield upstream_settings, auditing.start_run(project=project, trigger="manual")


def mid_audit(fake: FakeUpstream, run: AuditRun) -> float:
    """Wait until a worker holds the run and waits on the slow answer; the time it claimed it."""
    assert wait_for(
        lambda: (
            AuditRun.objects.filter(pk=run.pk, state="running").exists()
            and any(r[1] == MODEL for r in fake.requests)
        ),
        seconds=60,
    ), "no worker started the audit"
    return time.time()


def finished(run: AuditRun, seconds: float = 60) -> None:
    assert wait_for(
        lambda: AuditRun.objects.filter(pk=run.pk).exclude(state__in=["queued", "running"]),
        seconds=seconds,
    ), f"the run is still {AuditRun.objects.get(pk=run.pk).state}"


@pytest.mark.skipif(not redis_broker(), reason="redelivery of unacked messages needs Redis")
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_audit_is_taken_over_by_the_next_worker(
    slow_audit: tuple[FakeUpstream, AuditRun], start_worker: Callable[..., subprocess.Popen]
) -> None:
    fake, run = slow_audit
    env = fast_lease_env(fake)
    first = start_worker(env)
    tasks.audit_project.delay(run.pk)
    claimed = mid_audit(fake, run)

    kill_worker(first)
    # Redis gives the unacked message back once its visibility timeout has passed; a worker
    # starting then takes it at once.
    time.sleep(max(0.0, claimed + LEASE_SECONDS + 1 - time.time()))
    start_worker(env)
    finished(run)

    assert_finished_once(run)
    assert AuditRun.objects.get(pk=run.pk).attempt == 2


@pytest.mark.skipif(not redis_broker(), reason="requeueing a lost child's message needs Redis")
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_killed_pool_child_gives_its_audit_back_and_it_is_taken_over(
    slow_audit: tuple[FakeUpstream, AuditRun], start_worker: Callable[..., subprocess.Popen]
) -> None:
    fake, run = slow_audit
    worker = start_worker(fast_lease_env(fake))
    tasks.audit_project.delay(run.pk)
    mid_audit(fake, run)

    children = pool_children(worker)
    assert children, "the worker has no pool child"
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    finished(run)

    assert_finished_once(run)
    assert AuditRun.objects.get(pk=run.pk).attempt == 2
    assert worker.poll() is None, "the worker itself must survive its child"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_sweep_finishes_an_audit_whose_worker_and_message_are_gone(
    slow_audit: tuple[FakeUpstream, AuditRun],
    start_worker: Callable[..., subprocess.Popen],
    tmp_path: Path,
) -> None:
    fake, run = slow_audit
    env = fast_lease_env(fake, AUDIT_SWEEP_SECONDS="1")
    first = start_worker(env)
    tasks.audit_project.delay(run.pk)
    mid_audit(fake, run)

    kill_worker(first)
    if redis_broker():
        # As if Redis had restarted without its append-only file: the message is gone.
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("unacked", "unacked_index")
    start_worker(env, "--beat", "--schedule", str(tmp_path / "beat-schedule"))
    finished(run)

    assert_finished_once(run)
    assert AuditRun.objects.get(pk=run.pk).attempt == 2
