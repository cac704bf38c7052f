"""Audits: harvest a project's sources, evaluate the rules, store the verdict and what changed."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator

from audits import lineage, rules
from audits.harvest import (
    Clients,
    DatabaseStore,
    HarvestReport,
    declared_of,
    harvest,
    observed_pairs,
    rejected_of,
)
from audits.models import AuditRun, Change, Curation, Finding, Verdict
from audits.rules.discovered import discover, fetch_pairs
from audits.rules.types import DATA_FACETS, AuditInput
from audits.rules.types import Curation as CurationInput
from audits.rules.types import Finding as FindingResult
from audits.rules.types import Verdict as VerdictResult
from registry import licenses
from registry.models import Project

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """How an audit ended: whether its verdict became current, and whether to try again."""

    run_id: int
    complete: bool
    retryable: bool
    retry_after: float | None = None
    osaid: str = ""


def start_run(*, project: Project, trigger: str, attempt: int = 1) -> AuditRun:
    """A queued run for the project, to be claimed by a worker or run in-process."""
    return AuditRun.objects.create(project=project, trigger=trigger, attempt=attempt)


def perform_audit(
    *, run_id: int, clients: Clients | None = None, fetch: bool = True, propagate: bool = True
) -> Outcome:
    """Claim a queued run and carry it out; a run someone else claimed is left alone.

    Without `fetch` the run re-evaluates the stored snapshots: a source that failed lately is
    judged by its last good answer, and the project's stale mark is left as it is, since
    nobody asked upstream. With `propagate`, what the run changed reaches the projects derived
    from this one (audits/lineage.py).
    """
    if not AuditRun.objects.claim(run_id):
        logger.info("audit run %s was already claimed", run_id)
        run = AuditRun.objects.get(pk=run_id)
        return Outcome(run_id=run_id, complete=run.complete, retryable=False)
    # Harvest and evaluation read the artifacts several times: load them once.
    run = (
        AuditRun.objects.select_related("project")
        .prefetch_related("project__artifacts")
        .get(pk=run_id)
    )
    try:
        report = harvest(project=run.project, clients=clients) if fetch else HarvestReport()
        return evaluate_run(run=run, report=report, from_stored=not fetch, propagate=propagate)
    except Exception as error:
        AuditRun.objects.filter(pk=run.pk).update(
            state=AuditRun.State.FAILED, finished_at=timezone.now(), error=repr(error)[:2000]
        )
        _record_project_error(run.project, f"audit failed: {error!r}")
        raise


def reevaluate(
    *, project: Project, trigger: str = AuditRun.Trigger.MANUAL, propagate: bool = True
) -> Outcome:
    """Judge the project again from its stored snapshots, at once, without asking upstream."""
    run = start_run(project=project, trigger=trigger)
    return perform_audit(run_id=run.pk, fetch=False, propagate=propagate)


def evaluate_run(
    *, run: AuditRun, report: HarvestReport, from_stored: bool = False, propagate: bool = True
) -> Outcome:
    """Evaluate stored observations for the run, store findings and verdict, update the project.

    With `propagate`, the derivatives of the Hub models it changed are re-evaluated after commit.
    """
    project = run.project
    audit_input = audit_input_for(project, last_good=from_stored)
    findings = rules.evaluate(audit_input)
    result = rules.verdict(findings)
    incomplete = _incomplete_sources(audit_input)
    now = timezone.now()
    with transaction.atomic():
        verdict = _store(run=run, findings=findings, result=result)
        run.rules_version = rules.RULES_VERSION
        run.complete = not incomplete
        run.state = AuditRun.State.DONE
        run.finished_at = now
        run.error = "; ".join(incomplete)
        run.requests = report.requests
        run.save()
        sync_discovered(project, audit_input, now=now)
        _learn_kind(project, audit_input)
        changed = False
        if incomplete and not from_stored:
            _mark_stale(project, incomplete, now=now)
        elif not incomplete:
            changed = _make_current(project, verdict, now=now, confirmed=not from_stored)
        if propagate:
            lineage.announce(run=run, asked=report.asked, verdict_changed=changed)
    return Outcome(
        run_id=run.pk,
        complete=not incomplete,
        retryable=bool(incomplete) and report.transient,
        retry_after=report.retry_after,
        osaid=result.osaid,
    )


def audit_input_for(project: Project, *, last_good: bool = False) -> AuditInput:
    """The plain data the rules read: declared artifacts, what they led to, curations.

    `last_good` judges a source that failed lately by its last good answer, for re-evaluations
    that did not ask upstream.
    """
    artifacts = declared_of(project)
    observations = DatabaseStore().observations(observed_pairs(artifacts))
    if last_good:
        observations = {
            key: replace(o, state="ok") if o.state == "unreachable" and o.payload else o
            for key, o in observations.items()
        }
    curations = tuple(
        CurationInput(**c.as_rule_input())
        for c in Curation.objects.filter(project=project, active=True)
    )
    return AuditInput(
        artifacts=tuple(artifacts),
        observations=observations,
        curations=curations,
        rejected=frozenset(rejected_of(project)),
        summary=project.summary,
    )


def _learn_kind(project: Project, audit_input: AuditInput) -> None:
    """A project imported by its Hub id alone takes its kind from the model's pipeline tag."""
    from registry.importing import kind_of

    if project.kind != "other":
        return
    for artifact in audit_input.artifacts:
        observation = audit_input.observation(artifact.source, artifact.locator)
        if artifact.source == "hf-model" and observation is not None and observation.payload:
            kind = kind_of(observation.payload.get("pipeline_tag"))
            if kind != "other":
                Project.objects.filter(pk=project.pk).update(kind=kind)
                project.kind = kind
            return


def sync_discovered(project: Project, audit_input: AuditInput, *, now: datetime) -> None:
    """Keep one row per discovered artifact, with how it was found; reviews survive re-audits."""
    from registry.models import DiscoveredArtifact

    found = {(a.source, a.locator): a for a in discover(audit_input)}
    known = {(d.source, d.locator): d for d in DiscoveredArtifact.objects.filter(project=project)}
    for key, artifact in found.items():
        fields = {
            "serves": list(artifact.serves),
            "origin": artifact.origin,
            "role": artifact.role,
            "depth": artifact.depth,
            "found": [asdict(e) for e in artifact.found],
            "last_seen_at": now,
            "still_found": True,
        }
        if (row := known.get(key)) is None:
            DiscoveredArtifact.objects.create(
                project=project, source=key[0], locator=key[1], first_seen_at=now, **fields
            )
        else:
            DiscoveredArtifact.objects.filter(pk=row.pk).update(**fields)
    gone = [d.pk for key, d in known.items() if key not in found and d.still_found]
    DiscoveredArtifact.objects.filter(pk__in=gone).update(still_found=False)


def _incomplete_sources(audit_input: AuditInput) -> list[str]:
    """Sources whose latest answer cannot support a verdict; a confirmed 'gone' can.

    A dataset that only a model card names and the Hub does not know is a stale hint on the
    card (ids get renamed), not a failure of the audit. arXiv's "no such record" is its final
    word: papers are never renamed.
    """
    declared = {pair for a in audit_input.artifacts for pair in fetch_pairs(a)}
    problems = []
    for key, observation in audit_input.observations.items():
        gone = (
            observation.state == "not-found"
            and observation.not_found_count >= rules.NOT_FOUND_LIMIT
        )
        if observation.state == "not-found" and (key not in declared or key[0] == "arxiv"):
            continue
        if observation.state != "ok" and not gone:
            problems.append(
                f"{observation.source}:{observation.locator} {observation.state} since "
                f"{observation.unreachable_since}: {observation.error}"
            )
    return problems


def _store(*, run: AuditRun, findings: tuple[FindingResult, ...], result: VerdictResult) -> Verdict:
    curations = {c.component: c for c in Curation.objects.filter(project=run.project, active=True)}
    Finding.objects.bulk_create(
        [
            Finding(
                run=run,
                position=position,
                component=f.component,
                status=f.status,
                license=f.license or "",
                reason=f.reason,
                evidence=[asdict(e) for e in f.evidence],
                declared_license=f.declared_license or "",
                curation=curations.get(f.component) if f.curation else None,
            )
            for position, f in enumerate(findings)
        ]
    )
    return Verdict.objects.create(
        run=run,
        project=run.project,
        osaid=result.osaid,
        osaid_unmet=list(result.osaid_unmet),
        mof_class=result.mof_class or "",
        mof_progress=dict(result.mof_progress),
        mof_unmet={k: list(v) for k, v in result.mof_unmet.items()},
        score=result.score,
        gated=result.gated,
        category=result.category,
        lineage=list(result.lineage),
        open_washing=result.open_washing,
    )


def _make_current(
    project: Project, verdict: Verdict, *, now: datetime, confirmed: bool = True
) -> bool:
    """Make the verdict current; `confirmed` when upstream answered, so the project is fresh.

    Whether it differs from the one before (a change was recorded).
    """
    previous = project.current_verdict
    changes = Change.objects.bulk_create(changes_between(previous, verdict))
    project.adopt_verdict(verdict, license_ids=license_ids_of(verdict))
    if not confirmed:
        project.save(update_fields=[*Project.VERDICT_FIELDS, "updated_at"])
        return bool(changes)
    project.audited_at = now
    project.stale_since = None
    project.stale_reason = ""
    project.last_error = ""
    project.error_count = 0
    project.next_audit_at = now + timedelta(hours=settings.AUDIT_INTERVAL_HOURS)
    project.save(
        update_fields=[
            *Project.VERDICT_FIELDS,
            "audited_at",
            "stale_since",
            "stale_reason",
            "last_error",
            "error_count",
            "next_audit_at",
            "updated_at",
        ]
    )
    return bool(changes)


def license_ids_of(verdict: Verdict) -> list[str]:
    """The known license ids the verdict's findings name, expressions split into their parts."""
    found: list[str] = []
    for finding in verdict.run.findings.select_related("curation"):
        for token in re.split(r"\s+(?:AND|OR|WITH)\s+|[()]", finding.effective_license or ""):
            if (canonical := licenses.normalise(token.strip())) is not None:
                found.append(canonical)
    return sorted(set(found))


def _mark_stale(project: Project, problems: list[str], *, now: datetime) -> None:
    project.stale_since = project.stale_since or now
    project.stale_reason = "; ".join(problems)[:2000]
    project.save(update_fields=["stale_since", "stale_reason", "updated_at"])
    _record_project_error(project, project.stale_reason, now=now)


def _record_project_error(project: Project, message: str, *, now: datetime | None = None) -> None:
    """Record the error on the project and back off: each failure doubles the wait, up to a day."""
    now = now or timezone.now()
    errors = project.error_count + 1
    backoff = timedelta(minutes=settings.AUDIT_ERROR_BACKOFF_MINUTES * 2 ** (errors - 1))
    Project.objects.filter(pk=project.pk).update(
        last_error=message[:2000],
        last_error_at=now,
        error_count=errors,
        next_audit_at=now + min(backoff, timedelta(hours=settings.AUDIT_INTERVAL_HOURS)),
    )
    project.error_count = errors


def changes_between(previous: Verdict | None, current: Verdict) -> list[Change]:
    """A Change row for every difference between two verdicts and their findings."""
    run = current.run
    project = current.project
    if previous is None:
        return [
            Change(
                project=project,
                run=run,
                kind=Change.Kind.FIRST,
                after=current.osaid,
                summary=f"First verdict: {current.osaid}, MOF class {current.mof_class or 'none'}.",
            )
        ]
    changes: list[Change] = []
    before = {f.component: f for f in previous.run.findings.select_related("curation")}
    for finding in current.run.findings.select_related("curation"):
        old = before.get(finding.component)
        if old is None:
            continue
        label = finding.label
        kind = _kind_of(finding.component)
        if old.effective_status != finding.effective_status:
            changes.append(
                Change(
                    project=project,
                    run=run,
                    kind=kind,
                    component=finding.component,
                    before=old.effective_status,
                    after=finding.effective_status,
                    summary=f"{label}: {old.effective_status} → {finding.effective_status}. "
                    f"{finding.reason}",
                )
            )
        if old.effective_license != finding.effective_license and kind == Change.Kind.STATUS:
            changes.append(
                Change(
                    project=project,
                    run=run,
                    kind=Change.Kind.LICENSE,
                    component=finding.component,
                    before=old.effective_license,
                    after=finding.effective_license,
                    summary=f"{label} license changed from {old.effective_license or 'none'} "
                    f"to {finding.effective_license or 'none'}.",
                )
            )
    for kind, attribute, name in (
        (Change.Kind.OSAID, "osaid", "OSAID status"),
        (Change.Kind.MOF, "mof_class", "MOF class"),
        (Change.Kind.CATEGORY, "category", "Category"),
    ):
        old_value, new_value = getattr(previous, attribute), getattr(current, attribute)
        if old_value != new_value:
            changes.append(
                Change(
                    project=project,
                    run=run,
                    kind=kind,
                    before=old_value,
                    after=new_value,
                    summary=f"{name} changed from {old_value or 'none'} to {new_value or 'none'}.",
                )
            )
    return [_fit_summary(change) for change in changes]


def _fit_summary(change: Change) -> Change:
    """The change with its summary cut, with an ellipsis, to what its column holds.

    A finding's reason (or a long license) quoted whole would not fit, and the failed insert
    would fail every later audit of the project.
    """
    limit = Change._meta.get_field("summary").max_length
    change.summary = Truncator(change.summary).chars(limit)
    return change


def _kind_of(component: str) -> str:
    if component == "access":
        return Change.Kind.ACCESS
    if component in DATA_FACETS:
        return Change.Kind.DATA
    return Change.Kind.STATUS
