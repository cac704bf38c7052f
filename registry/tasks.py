"""Background tasks of the catalogue app."""

import socket

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from registry import submissions
from registry.models import WorkerHeartbeat


@shared_task(ignore_result=True, acks_late=True)
def record_heartbeat(name: str = "worker") -> None:
    """Record that a worker ran a scheduled task now (beat and worker are both alive)."""
    WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"hostname": socket.gethostname(), "seen_at": timezone.now()}
    )


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def build_submission_preview(submission_id: int) -> None:
    """Harvest a submission's sources and store what the auditor would say about them."""
    submissions.build_preview(submission_id=submission_id)


@shared_task(acks_late=True)
def requeue_previews(limit: int | None = None) -> int:
    """Send again the previews the broker never took, or lost, once their lease has ended."""
    return len(submissions.requeue_previews(limit=limit or settings.AUDIT_BATCH_SIZE))
