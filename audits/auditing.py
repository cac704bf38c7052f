"""Audits: harvest a project's sources, evaluate the rules, store the verdict and what changed."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audits import rules
from audits.harvest import Clients, HarvestReport, harvest, named_datasets, sources_of, states_for
from audits.models import AuditRun, Change, Curation, Finding, SourceState, Verdict
from audits.rules.types import DATA_FACETS, AuditInput, DeclaredArtifact, Observation
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


def perform_audit(*, run_id: int, clients: Clients | None = None, fetch: bool = True) -> Outcome:
    """Claim a queued run and carry it out; a run someone else claimed is left alone."""
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
        return evaluate_run(run=run, report=report)
    except Exception as error:
        AuditRun.objects.filter(pk=run.pk).update(
            state=AuditRun.State.FAILED, finished_at=timezone.now(), error=repr(error)[:2000]
        )
        _record_project_error(run.project, f"audit failed: {error!r}")
        raise


def evaluate_run(*, run: AuditRun, report: HarvestReport) -> Outcome:
    """Evaluate stored observations for the run, store findings and verdict, update the project."""
    project = run.project
    audit_input = audit_input_for(project)
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
        run.save()
        if incomplete:
            _mark_stale(project, incomplete, now=now)
        else:
            _make_current(project, verdict, now=now)
    return Outcome(
        run_id=run.pk,
        complete=not incomplete,
        retryable=bool(incomplete) and report.transient,
        retry_after=report.retry_after,
        osaid=result.osaid,
    )


def audit_input_for(project: Project) -> AuditInput:
    """The plain data the rules read: declared artifacts, observations, active curations."""
    artifacts = list(project.artifacts.all())
    pairs = [*sources_of(project), *[("hf-dataset", d) for d in named_datasets(project)]]
    observations = {key: observation_of(state) for key, state in states_for(pairs).items()}
    curations = tuple(
        CurationInput(**c.as_rule_input())
        for c in Curation.objects.filter(project=project, active=True)
    )
    return AuditInput(
        artifacts=tuple(
            DeclaredArtifact(
                source=a.source,
                locator=a.locator,
                serves=tuple(a.serves),
                license=a.declared_license_text or None,
            )
            for a in artifacts
        ),
        observations=observations,
        curations=curations,
    )


def observation_of(state: SourceState) -> Observation:
    snapshot = state.latest_snapshot
    base = "https://github.com" if state.source == "github" else settings.HF_ENDPOINT.rstrip("/")
    prefix = "/datasets" if state.source == "hf-dataset" else ""
    return Observation(
        source=state.source,
        locator=state.locator,
        state=state.state,  # type: ignore[arg-type]
        url=f"{base}{prefix}/{state.locator}",
        payload=snapshot.payload if snapshot else None,
        snapshot_id=snapshot.pk if snapshot else None,
        fetched_at=snapshot.fetched_at.isoformat() if snapshot else None,
        not_found_count=state.not_found_count,
        unreachable_since=state.unreachable_since.isoformat() if state.unreachable_since else None,
        error=state.last_error,
    )


def _incomplete_sources(audit_input: AuditInput) -> list[str]:
    """Sources whose latest answer cannot support a verdict; a confirmed 'gone' can.

    A dataset that only a model card names and the Hub does not know is a stale hint on the
    card (ids get renamed), not a failure of the audit.
    """
    declared = {(a.source, a.locator) for a in audit_input.artifacts}
    problems = []
    for key, observation in audit_input.observations.items():
        gone = (
            observation.state == "not-found"
            and observation.not_found_count >= rules.NOT_FOUND_LIMIT
        )
        if observation.state == "not-found" and key not in declared:
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
    )


def _make_current(project: Project, verdict: Verdict, *, now: datetime) -> None:
    previous = project.current_verdict
    Change.objects.bulk_create(changes_between(previous, verdict))
    project.adopt_verdict(verdict, license_ids=license_ids_of(verdict))
    project.audited_at = now
    project.stale_since = None
    project.stale_reason = ""
    project.last_error = ""
    project.error_count = 0
    project.next_audit_at = now + timedelta(hours=settings.AUDIT_INTERVAL_HOURS)
    project.save(
        update_fields=[
            "current_verdict",
            "osaid",
            "mof_class",
            "mof_rank",
            "category",
            "score",
            "gated",
            "audited_at",
            "stale_since",
            "stale_reason",
            "last_error",
            "error_count",
            "next_audit_at",
            "updated_at",
        ]
    )


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
    return changes


def _kind_of(component: str) -> str:
    if component == "access":
        return Change.Kind.ACCESS
    if component in DATA_FACETS:
        return Change.Kind.DATA
    return Change.Kind.STATUS
