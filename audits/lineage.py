"""Lineage: a base model's changes reach the projects derived from it; chains link listed bases.

A derivative's verdict reads its base models' stored snapshots (its weights are never more open
than a base allows). When an audit stores a new answer for a Hub model, or changes the verdict
of the project that declares it, every listed project whose lineage includes that model is
re-evaluated from the stored snapshots at once, without asking upstream.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower

from audits.models import AuditRun, Snapshot
from registry.components import page_url
from registry.models import Artifact, DiscoveredArtifact, Project

logger = logging.getLogger(__name__)

# One change re-evaluates at most this many derivatives; the others follow at their next audit.
MAX_DERIVATIVES = 500
BASE = "base"


def changed_models(
    *, run: AuditRun, asked: Iterable[tuple[str, str]], verdict_changed: bool
) -> list[str]:
    """The Hub models whose derivatives must be judged again after this run.

    The models this run stored a new answer for (a license, a gate or a card changed), and,
    when the project's verdict changed, the models it declares: a base that upstream removed
    changes its project's verdict without any new snapshot.
    """
    asked_models = {locator for source, locator in asked if source == Artifact.Source.HF_MODEL}
    changed: set[str] = set()
    if asked_models and run.started_at is not None:
        changed.update(
            Snapshot.objects.filter(
                source=Artifact.Source.HF_MODEL,
                locator__in=asked_models,
                fetched_at__gte=run.started_at,
            ).values_list("locator", flat=True)
        )
    if verdict_changed:
        changed.update(
            a.locator for a in run.project.artifacts.all() if a.source == Artifact.Source.HF_MODEL
        )
    return sorted(changed)


def announce(*, run: AuditRun, asked: Iterable[tuple[str, str]], verdict_changed: bool) -> None:
    """Once the run's transaction commits, queue the propagation of what it changed."""
    from audits.tasks import propagate_lineage

    locators = changed_models(run=run, asked=asked, verdict_changed=verdict_changed)
    if not locators:
        return
    origin_id = run.project_id
    # A broker that is down loses only this message, never the audit that committed: the
    # derivatives then follow at their next scheduled audit, which asks upstream itself.
    transaction.on_commit(lambda: propagate_lineage.delay(locators, origin_id), robust=True)


def derivatives(locators: Sequence[str], *, exclude: int | None = None) -> QuerySet[Any]:
    """Ids of the listed projects whose lineage includes one of these Hub models.

    Discovery keeps every step of a chain (up to its depth) as a base of the derivative, so one
    lookup by locator finds the whole family. A base a moderator rejected is not the project's,
    and one its latest audit no longer found has left its chain.
    """
    return (
        DiscoveredArtifact.objects.followed()
        .filter(
            source=Artifact.Source.HF_MODEL,
            locator__in=list(locators),
            origin=BASE,
            still_found=True,
            project__review_state=Project.ReviewState.LISTED,
        )
        .exclude(project_id=exclude)
        .order_by("project_id")
        .values_list("project_id", flat=True)
        .distinct()
    )


def propagate(*, locators: Sequence[str], origin_id: int | None = None) -> list[int]:
    """Queue a re-evaluation from stored snapshots for each derivative of these Hub models.

    A derivative whose run is still queued is left alone: that run reads the new snapshots when
    it starts. The re-evaluations never propagate in turn, so a cycle of bases ends here; a
    derivative's own derivatives are found directly, since their chains name these models too.
    Returns the ids of the queued runs.
    """
    from audits.tasks import reevaluate_project

    if not locators:
        return []
    found = list(derivatives(locators, exclude=origin_id)[: MAX_DERIVATIVES + 1])
    if len(found) > MAX_DERIVATIVES:
        logger.warning(
            "%s changed: %d projects derive from it; the first %d are re-evaluated now, the "
            "others at their next scheduled audit",
            ", ".join(locators),
            derivatives(locators, exclude=origin_id).count(),
            MAX_DERIVATIVES,
        )
        found = found[:MAX_DERIVATIVES]
    waiting = set(
        AuditRun.objects.filter(project_id__in=found, state=AuditRun.State.QUEUED).values_list(
            "project_id", flat=True
        )
    )
    with transaction.atomic():
        runs = AuditRun.objects.bulk_create(
            AuditRun(project_id=project_id, trigger=AuditRun.Trigger.LINEAGE)
            for project_id in found
            if project_id not in waiting
        )
        for run in runs:
            reevaluate_project.delay_on_commit(run.pk)
    return [run.pk for run in runs]


@dataclass(frozen=True)
class Base:
    """One base model of a lineage chain, with the listed project that publishes it, if any."""

    locator: str
    project: Project | None

    @property
    def source_url(self) -> str:
        """The base model's page on the Hub."""
        return page_url(Artifact.Source.HF_MODEL, self.locator)


def chain_of(lineage: Sequence[str], *, project: Project | None = None) -> list[Base]:
    """The chain of a verdict's lineage, each base linked to its listed project: one query.

    Hub ids are matched as the Hub does, regardless of case; the project itself is never its
    own base.
    """
    if not lineage:
        return []
    declared = (
        Artifact.objects.annotate(lowered=Lower("locator"))
        .filter(
            source=Artifact.Source.HF_MODEL,
            lowered__in=[locator.lower() for locator in lineage],
            project__review_state=Project.ReviewState.LISTED,
        )
        .exclude(project_id=project.pk if project is not None else None)
        .select_related("project")
        .order_by("project__slug")
    )
    listed: dict[str, Project] = {}
    for artifact in declared:
        listed.setdefault(artifact.lowered, artifact.project)  # type: ignore[attr-defined]
    return [Base(locator, listed.get(locator.lower())) for locator in lineage]
