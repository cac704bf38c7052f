"""Audit records: snapshots of sources, runs, their findings and verdicts, changes, curations."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, When
from django.utils import timezone

from registry.components import BY_ID, SNAPSHOT_SOURCES


class Snapshot(models.Model):
    """A source's answer about one locator, stored as evidence. Unchanged answers are not stored."""

    class Origin(models.TextChoices):
        LIVE = "live", "Fetched from the source"
        SEED = "seed", "Shipped with the seed catalogue"

    source = models.CharField(max_length=20, choices=SNAPSHOT_SOURCES)
    locator = models.CharField(max_length=300)
    fetched_at = models.DateTimeField(default=timezone.now)
    revision = models.CharField(max_length=100, blank=True, help_text="Upstream commit sha.")
    etag = models.CharField(max_length=200, blank=True)
    payload = models.JSONField()
    payload_hash = models.CharField(max_length=64)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.LIVE)
    origin_note = models.CharField(
        max_length=500, blank=True, help_text="Where a shipped snapshot came from."
    )

    class Meta:
        ordering = ["-fetched_at", "-pk"]
        indexes = [models.Index(fields=["source", "locator", "-fetched_at"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.locator} @ {self.fetched_at:%Y-%m-%d %H:%M}"


class SourceState(models.Model):
    """How a source answered lately about one locator: the current failing streak, if any."""

    class State(models.TextChoices):
        OK = "ok", "Answered"
        NOT_FOUND = "not-found", "Not found"
        UNREACHABLE = "unreachable", "Unreachable"

    source = models.CharField(max_length=20, choices=SNAPSHOT_SOURCES)
    locator = models.CharField(max_length=300)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OK)
    latest_snapshot = models.ForeignKey(
        Snapshot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    not_found_count = models.PositiveIntegerField(default=0)
    unreachable_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "locator"], name="unique_source_state")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.locator} ({self.state})"


def run_lease() -> timedelta:
    """How long a claimed run may stay running before another worker may take it over.

    A quarter longer than a task's hard time limit: by then the worker that claimed it has either
    finished or been killed, and the margin covers clocks that differ between hosts.
    """
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT * 1.25)


# How perform_audit records a run that failed because the database was away (`repr(error)`).
DATABASE_FAILURES = Q(error__regex=r"^(OperationalError|InterfaceError)\(")


class AuditRunQuerySet(models.QuerySet["AuditRun"]):
    def claim(self, run_id: int, *, now: datetime | None = None) -> bool:
        """Move a queued run to running, or take over one whose worker died; False otherwise.

        A running run whose lease ended was left by a worker that died (a SIGKILL, a lost pool
        child): it is taken over as a further attempt while attempts remain. One conditional
        UPDATE decides, so two workers never both hold a run.
        """
        now = now or timezone.now()
        abandoned = Q(
            state=AuditRun.State.RUNNING,
            started_at__lt=now - run_lease(),
            attempt__lt=settings.AUDIT_MAX_ATTEMPTS,
        )
        return bool(
            self.filter(Q(state=AuditRun.State.QUEUED) | abandoned, pk=run_id).update(
                state=AuditRun.State.RUNNING,
                started_at=now,
                attempt=Case(
                    When(state=AuditRun.State.RUNNING, then=F("attempt") + 1),
                    default=F("attempt"),
                    output_field=models.PositiveSmallIntegerField(),
                ),
            )
        )

    def reopen_after_database_error(self, run_id: int) -> bool:
        """Queue again a run that failed because the database was away, for its task's retry.

        Only a task that retries after a database error reopens a run, and a run another worker
        failed for any other reason stays failed.
        """
        return bool(
            self.filter(DATABASE_FAILURES, pk=run_id, state=AuditRun.State.FAILED).update(
                state=AuditRun.State.QUEUED, started_at=None, finished_at=None, error=""
            )
        )

    def in_flight(self) -> AuditRunQuerySet:
        return self.filter(state__in=[AuditRun.State.QUEUED, AuditRun.State.RUNNING])

    def past_lease(self, *, now: datetime, queued_for: timedelta) -> AuditRunQuerySet:
        """In-flight runs nobody is going to finish, stalest first.

        Queued longer than `queued_for`: their message was lost. Running past their lease:
        their worker died.
        """
        return self.filter(
            Q(state=AuditRun.State.QUEUED, queued_at__lt=now - queued_for)
            | Q(state=AuditRun.State.RUNNING, started_at__lt=now - run_lease())
        ).order_by("queued_at", "pk")


class AuditRun(models.Model):
    """One audit of one project: queued → running → done / failed."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Manual"
        RETRY = "retry", "Retry after a source failure"
        RULES = "rules", "New rules version"
        SEED = "seed", "Seed snapshots"
        LINEAGE = "lineage", "A base model changed"

    project = models.ForeignKey(
        "registry.Project", on_delete=models.CASCADE, related_name="audit_runs"
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.QUEUED, db_index=True
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    rules_version = models.CharField(max_length=40, blank=True)
    complete = models.BooleanField(
        default=False, help_text="Every source answered, so its verdict may become current."
    )
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    requests = models.PositiveIntegerField(
        default=0, help_text="Upstream requests the run's harvest made."
    )

    objects = AuditRunQuerySet.as_manager()

    class Meta:
        ordering = ["-queued_at", "-pk"]

    def __str__(self) -> str:
        return f"audit #{self.pk} of {self.project_id} ({self.state})"

    @property
    def lease_ends_at(self) -> datetime | None:
        """When another worker may take this run over; None unless a worker holds it."""
        if self.state != self.State.RUNNING or self.started_at is None:
            return None
        return self.started_at + run_lease()

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class Finding(models.Model):
    """One judgement of a run: a component's status, the access level, or a training-data facet."""

    run = models.ForeignKey(AuditRun, on_delete=models.CASCADE, related_name="findings")
    position = models.PositiveSmallIntegerField()
    component = models.CharField(max_length=40)
    status = models.CharField(max_length=20)
    license = models.CharField(max_length=300, blank=True)
    reason = models.TextField()
    evidence = models.JSONField(default=list)
    declared_license = models.CharField(max_length=300, blank=True)
    curation = models.ForeignKey(
        "Curation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        help_text="A moderator's correction applied over the tool's status.",
    )

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "component"], name="unique_finding_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.component}: {self.status}"

    @property
    def effective_status(self) -> str:
        return self.curation.status if self.curation_id and self.curation else self.status

    @property
    def effective_license(self) -> str:
        return self.curation.license if self.curation_id and self.curation else self.license

    @property
    def label(self) -> str:
        if component := BY_ID.get(self.component):
            return component.label
        return self.component.replace("-", " ").capitalize()


class Verdict(models.Model):
    """The frameworks' view of one run's findings."""

    run = models.OneToOneField(AuditRun, on_delete=models.CASCADE, related_name="verdict")
    project = models.ForeignKey(
        "registry.Project", on_delete=models.CASCADE, related_name="verdicts"
    )
    osaid = models.CharField(max_length=30)
    osaid_unmet = models.JSONField(default=list)
    mof_class = models.CharField(max_length=3, blank=True)
    mof_progress = models.JSONField(default=dict)
    mof_unmet = models.JSONField(default=dict)
    score = models.PositiveSmallIntegerField()
    gated = models.BooleanField()
    category = models.CharField(max_length=30)
    lineage = models.JSONField(
        default=list, help_text="Base models it derives from, nearest first."
    )
    open_washing = models.BooleanField(
        default=False, help_text="Called open source while not open source AI."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.osaid}, MOF {self.mof_class or '-'}"


class Change(models.Model):
    """A difference between a project's verdict and the one before it."""

    class Kind(models.TextChoices):
        FIRST = "first-verdict", "First verdict"
        STATUS = "status", "Component status"
        LICENSE = "license", "License"
        ACCESS = "access", "Access gate"
        DATA = "data-information", "Training-data information"
        OSAID = "osaid", "OSAID status"
        MOF = "mof-class", "MOF class"
        CATEGORY = "category", "Category"

    project = models.ForeignKey(
        "registry.Project", on_delete=models.CASCADE, related_name="changes"
    )
    run = models.ForeignKey(AuditRun, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    component = models.CharField(max_length=40, blank=True)
    before = models.CharField(max_length=300, blank=True)
    after = models.CharField(max_length=300, blank=True)
    summary = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.summary


class Curation(models.Model):
    """A moderator's correction of one finding, kept apart from what the tool found."""

    project = models.ForeignKey(
        "registry.Project", on_delete=models.CASCADE, related_name="curations"
    )
    component = models.CharField(max_length=40)
    status = models.CharField(max_length=20)
    license = models.CharField(max_length=300, blank=True)
    reason = models.TextField()
    evidence_url = models.URLField(max_length=500)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "component"],
                condition=models.Q(active=True),
                name="one_active_curation_per_component",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.component} → {self.status}"

    def as_rule_input(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "status": self.status,
            "license": self.license or None,
            "reason": self.reason,
            "evidence_url": self.evidence_url,
        }


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 text of a moment, for evidence stored as JSON."""
    return moment.isoformat() if moment else None
