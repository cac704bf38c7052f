"""Celery tasks of the audit engine: thin wrappers that take ids and call one function."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from audits import auditing, lineage, rules
from audits.models import AuditRun
from registry.models import Project

logger = logging.getLogger(__name__)

# A project handed to a worker is not due again for this long, so a sweep does not enqueue it
# twice; if its message is lost, its run is sent again after the lease (`recover_abandoned`).
LEASE = timedelta(minutes=30)
# Runs these triggers start judge stored snapshots; the others ask upstream.
FROM_STORED = frozenset({AuditRun.Trigger.RULES, AuditRun.Trigger.LINEAGE, AuditRun.Trigger.SEED})

# The audit tasks are acked once done (acks_late) and given back to the broker when their worker
# dies under them (reject_on_worker_lost): the run's claim, not the broker, makes them run once.
# Every task also retries while the database is away (registry.task_class.Task).
RUN_TASK: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": settings.CELERY_TASK_SOFT_TIME_LIMIT,
    "time_limit": settings.CELERY_TASK_TIME_LIMIT,
}


@shared_task(**RUN_TASK)
def audit_project(self: Task, run_id: int) -> str:
    """Carry out one queued audit run; schedule a later attempt when sources failed transiently."""
    if (held := prepare_claim(self, run_id)) is not None:
        return held
    try:
        outcome = auditing.perform_audit(run_id=run_id)
    except SoftTimeLimitExceeded:
        return "time limit"
    if outcome.retryable:
        schedule_retry(run_id=run_id, retry_after=outcome.retry_after)
    return outcome.osaid or "claimed elsewhere"


def prepare_claim(task: Task, run_id: int) -> str | None:
    """Ready the run for this delivery to claim it, or say why this delivery stops here.

    A retry after a database error first queues its run again if that error failed it. A run a
    worker still holds is sent again for when its lease ends: had that worker died (the message
    came back from the broker), the run is taken over then; had it not (a duplicate delivery),
    the run is finished by then and the later delivery stops.
    """
    if task.request.retries:
        AuditRun.objects.reopen_after_database_error(run_id)
    run = AuditRun.objects.filter(pk=run_id).only("state", "started_at").first()
    if run is None:
        return "no such run"
    now = timezone.now()
    if (lease_ends := run.lease_ends_at) is None or lease_ends <= now:
        return None
    if task.request.is_eager:
        return "held by another worker"
    task.apply_async((run_id,), countdown=(lease_ends - now).total_seconds() + 1)
    logger.info("audit run %s is held until %s; sent again for then", run_id, lease_ends)
    return "held by another worker"


def schedule_retry(*, run_id: int, retry_after: float | None) -> int | None:
    """Queue the next attempt after exponential backoff with jitter, while attempts remain."""
    run = AuditRun.objects.get(pk=run_id)
    if run.attempt >= settings.AUDIT_MAX_ATTEMPTS:
        return None
    ceiling = settings.AUDIT_RETRY_BASE_SECONDS * 2 ** (run.attempt - 1)
    delay = max(random.uniform(ceiling / 2, ceiling), retry_after or 0)  # noqa: S311
    with transaction.atomic():
        retry = auditing.start_run(
            project=run.project, trigger=AuditRun.Trigger.RETRY, attempt=run.attempt + 1
        )
        transaction.on_commit(lambda: audit_project.apply_async((retry.pk,), countdown=delay))
    return retry.pk


@shared_task(acks_late=True)
def enqueue_due_audits(limit: int | None = None) -> int:
    """Send again the runs nobody finished, then enqueue the stalest due projects (bounded)."""
    limit = limit or settings.AUDIT_BATCH_SIZE
    recover_abandoned(limit=limit)
    return len(enqueue_due(limit=limit))


def recover_abandoned(*, limit: int, now: datetime | None = None) -> list[int]:
    """Queue again, stalest first, the runs left queued or running past their lease.

    Their message was lost or their worker died. Each goes back to `queued` as a further attempt
    and its task is sent again; a run out of attempts fails with the reason and marks its project
    stale. Each is moved with a conditional UPDATE on what the sweep saw, so two sweeps (two
    beats by mistake) or a worker taking the run over never both act on it.
    """
    now = now or timezone.now()
    recovered = []
    past = AuditRun.objects.past_lease(now=now, queued_for=LEASE).values_list(
        "pk", "project_id", "trigger", "state", "attempt", "queued_at", "started_at"
    )
    for run_id, project_id, trigger, state, attempt, queued_at, started_at in list(past[:limit]):
        seen = AuditRun.objects.filter(
            pk=run_id, state=state, attempt=attempt, queued_at=queued_at, started_at=started_at
        )
        with transaction.atomic():
            if attempt >= settings.AUDIT_MAX_ATTEMPTS:
                give_up(seen, project_id=project_id, attempts=attempt, now=now)
                continue
            if not seen.update(
                state=AuditRun.State.QUEUED, attempt=attempt + 1, queued_at=now, started_at=None
            ):
                continue
            task = reevaluate_project if trigger in FROM_STORED else audit_project
            task.delay_on_commit(run_id)
            recovered.append(run_id)
    if recovered:
        logger.warning("sent again %d audit runs nobody finished: %s", len(recovered), recovered)
    return recovered


def give_up(seen: QuerySet[AuditRun], *, project_id: int, attempts: int, now: datetime) -> None:
    """Fail a run no worker finished in its attempts, and mark its project stale for it."""
    reason = (
        f"abandoned after {attempts} attempts: no worker finished the audit within its lease "
        "(workers died or its messages were lost)"
    )
    if not seen.update(state=AuditRun.State.FAILED, finished_at=now, error=reason):
        return
    auditing._mark_stale(Project.objects.get(pk=project_id), [reason], now=now)


def enqueue_due(*, limit: int) -> list[int]:
    now = timezone.now()
    queued = []
    due = Project.objects.due_for_audit(now).values_list("pk", "next_audit_at")[:limit]
    for project_id, due_at in list(due):
        with transaction.atomic():
            # Two sweeps (two beats by mistake) race here; only one moves the due time.
            if not Project.objects.filter(pk=project_id, next_audit_at=due_at).update(
                next_audit_at=now + LEASE
            ):
                continue
            if AuditRun.objects.in_flight().filter(project_id=project_id).exists():
                continue
            run = AuditRun.objects.create(project_id=project_id, trigger=AuditRun.Trigger.SCHEDULE)
            audit_project.delay_on_commit(run.pk)
            queued.append(run.pk)
    return queued


@shared_task(acks_late=True)
def reevaluate_outdated(limit: int | None = None) -> int:
    """Re-evaluate, from stored snapshots, the verdicts that older rules produced."""
    outdated = (
        Project.objects.listed()
        .exclude(current_verdict=None)
        .exclude(current_verdict__run__rules_version=rules.RULES_VERSION)
        # A run still in flight (one the sweep sends again, say) judges it with these rules too.
        .exclude(audit_runs__state__in=[AuditRun.State.QUEUED, AuditRun.State.RUNNING])
        .values_list("pk", flat=True)[: limit or settings.AUDIT_BATCH_SIZE]
    )
    count = 0
    for project_id in list(outdated):
        run = AuditRun.objects.create(project_id=project_id, trigger=AuditRun.Trigger.RULES)
        auditing.perform_audit(run_id=run.pk, fetch=False)
        count += 1
    return count


@shared_task(acks_late=True)
def propagate_lineage(locators: list[str], origin_id: int | None = None) -> int:
    """Queue re-evaluations of the projects derived from these changed Hub models."""
    return len(lineage.propagate(locators=locators, origin_id=origin_id))


@shared_task(**RUN_TASK)
def reevaluate_project(self: Task, run_id: int) -> str:
    """Carry out one queued re-evaluation from stored snapshots; it propagates nothing further."""
    if (held := prepare_claim(self, run_id)) is not None:
        return held
    try:
        outcome = auditing.perform_audit(run_id=run_id, fetch=False, propagate=False)
    except SoftTimeLimitExceeded:
        return "time limit"
    return outcome.osaid or "claimed elsewhere"
