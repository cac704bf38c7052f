"""Celery tasks of the audit engine: thin wrappers that take ids and call one function."""

from __future__ import annotations

import random
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audits import auditing, lineage, rules
from audits.models import AuditRun
from registry.models import Project

# A project handed to a worker is not due again for this long, so a sweep does not enqueue it
# twice; if its message is lost, it becomes due again after the lease.
LEASE = timedelta(minutes=30)


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def audit_project(self: object, run_id: int) -> str:
    """Carry out one queued audit run; schedule a later attempt when sources failed transiently."""
    try:
        outcome = auditing.perform_audit(run_id=run_id)
    except SoftTimeLimitExceeded:
        return "time limit"
    if outcome.retryable:
        schedule_retry(run_id=run_id, retry_after=outcome.retry_after)
    return outcome.osaid or "claimed elsewhere"


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
    """Enqueue the stalest due projects in a bounded batch; re-evaluate verdicts of old rules."""
    return len(enqueue_due(limit=limit or settings.AUDIT_BATCH_SIZE))


def enqueue_due(*, limit: int) -> list[int]:
    now = timezone.now()
    # A run whose worker died never finishes; after the lease it stops blocking its project.
    AuditRun.objects.in_flight().filter(queued_at__lt=now - LEASE).update(
        state=AuditRun.State.FAILED, finished_at=now, error="abandoned: no worker finished it"
    )
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


@shared_task(
    acks_late=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def reevaluate_project(run_id: int) -> str:
    """Carry out one queued re-evaluation from stored snapshots; it propagates nothing further."""
    try:
        outcome = auditing.perform_audit(run_id=run_id, fetch=False, propagate=False)
    except SoftTimeLimitExceeded:
        return "time limit"
    return outcome.osaid or "claimed elsewhere"
