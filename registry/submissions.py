"""Submissions: store first, preview in the background, then a moderator decides."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.text import slugify

from audits import auditing, rules
from audits.harvest import Clients, MemoryStore, harvest_sources
from audits.models import AuditRun, Curation
from audits.rules.discovered import discover
from audits.rules.types import AuditInput, DeclaredArtifact
from registry import licenses
from registry.components import default_serves
from registry.models import Artifact, Organization, Project, Submission, SubmissionEvent

logger = logging.getLogger(__name__)

# What a submitted paper is taken to serve until a moderator says otherwise. A submitted
# repository serves what its files show (discovery reads its tree and README).
GITHUB_SERVES: tuple[str, ...] = ()
PAPER_SERVES = ("research-paper",)


class SubmissionError(ValueError):
    """An action that does not fit the submission's state."""


def record(submission: Submission, action: str, *, actor: Any = None, message: str = "") -> None:
    SubmissionEvent.objects.create(
        submission=submission, action=action, actor=actor, message=message
    )


@transaction.atomic
def submit(*, fields: dict[str, Any]) -> Submission:
    """Store a submission (pending), note duplicates, and queue its preview after commit."""
    from registry.tasks import build_submission_preview

    submission = Submission.objects.create(**fields)
    record(submission, "submitted")
    if duplicate := find_duplicate(submission):
        submission.duplicate_of = duplicate
        submission.save(update_fields=["duplicate_of", "updated_at"])
        record(submission, "duplicate-detected", message=f"Already listed as {duplicate.slug}.")
    if submission.kind == Submission.Kind.PROJECT:
        build_submission_preview.delay_on_commit(submission.pk)
    else:
        submission.preview_state = Submission.PreviewState.DONE
        submission.save(update_fields=["preview_state", "updated_at"])
    return submission


def find_duplicate(submission: Submission) -> Project | None:
    """A listed project with the same Hub model, the same slug, or (for corrections) none."""
    if submission.kind != Submission.Kind.PROJECT:
        return None
    same_model = Project.objects.listed().filter(
        artifacts__source="hf-model", artifacts__locator__iexact=submission.hub_model
    )
    if found := same_model.first():
        return found
    return Project.objects.listed().filter(slug=slugify(submission.name)).first()


def family_members(submission: Submission) -> list[Project]:
    """Listed projects from the same Hub namespace whose names share the first word."""
    namespace, _, name = submission.hub_model.partition("/")
    stem = name.split("-")[0].lower()
    if not stem:
        return []
    return list(
        Project.objects.listed()
        .filter(
            artifacts__source="hf-model",
            artifacts__locator__istartswith=f"{namespace}/{stem}",
        )
        .distinct()[:10]
    )


def declared_artifacts(submission: Submission) -> list[DeclaredArtifact]:
    artifacts = [
        DeclaredArtifact("hf-model", submission.hub_model, default_serves("hf-model")),
        *(DeclaredArtifact("github", repo, GITHUB_SERVES) for repo in submission.github),
        *(
            DeclaredArtifact("hf-dataset", dataset, ("training-datasets", "data-card"))
            for dataset in submission.datasets
        ),
    ]
    if submission.paper:
        artifacts.append(DeclaredArtifact("url", submission.paper, PAPER_SERVES))
    return artifacts


def build_preview(*, submission_id: int, clients: Clients | None = None) -> Submission:
    """Ask the Hub, GitHub and arXiv about the submitted ids (never a typed URL) and judge them.

    The preview follows what the sources lead to, as an audit does, but keeps every answer in
    memory: a listed project's sources never change, or look unreachable, because of it.
    """
    submission = Submission.objects.get(pk=submission_id)
    declared = declared_artifacts(submission)
    store = MemoryStore()
    report = harvest_sources(artifacts=declared, clients=clients, store=store)
    audit_input = AuditInput(
        artifacts=tuple(declared), observations=store.observations(report.asked)
    )
    findings = rules.evaluate(audit_input)
    verdict = rules.verdict(findings)
    discovered = discover(audit_input)
    named = [a.locator for a in discovered if a.source == "hf-dataset" and a.depth == 0]
    submission.preview = {
        "verdict": asdict(verdict),
        "findings": [asdict(f) for f in findings],
        "named_datasets": named,
        "discovered": [
            {
                "source": a.source,
                "locator": a.locator,
                "serves": list(a.serves),
                "origin": a.origin,
                "role": a.role,
            }
            for a in discovered
        ],
        "conflicts": conflicts(submission, findings, named),
        "failures": [f"{s}:{loc}: {error}" for s, loc, error in report.failures],
        "family": [p.slug for p in family_members(submission)],
        "rules_version": rules.RULES_VERSION,
        "requests": report.requests,
    }
    submission.preview_state = Submission.PreviewState.DONE
    submission.preview_error = ""
    submission.save(update_fields=["preview", "preview_state", "preview_error", "updated_at"])
    record(submission, "preview-built", message=f"Provisional verdict: {verdict.osaid}.")
    return submission


def conflicts(submission: Submission, findings: Any, named: list[str]) -> list[str]:
    """Where what the submitter declared and what the sources show disagree."""
    found = []
    if named:
        found.append(
            "The model card names datasets that were not submitted: " + ", ".join(named) + "."
        )
    for finding in findings:
        if finding.declared_license:
            found.append(
                f"{finding.component}: declared {finding.declared_license}, "
                f"the source shows {finding.license or 'no license'}."
            )
    return found


def _decide(submission: Submission, state: str, *, moderator: Any, message: str) -> None:
    if not submission.open:
        raise SubmissionError(f"This submission is already {submission.get_state_display()}.")
    submission.state = state
    submission.moderator_message = message
    submission.save(update_fields=["state", "moderator_message", "updated_at"])
    record(submission, state, actor=moderator, message=message)
    transaction.on_commit(lambda: notify(submission))


@transaction.atomic
def approve(*, submission: Submission, moderator: Any, message: str = "") -> Submission:
    """Approve: a project with its artifacts and a first audit, or a curation for a correction."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.kind == Submission.Kind.CORRECTION:
        _apply_correction(submission, moderator)
    else:
        project = _create_project(submission)
        submission.created_project = project
        submission.save(update_fields=["created_project", "updated_at"])
        run = auditing.start_run(project=project, trigger=AuditRun.Trigger.MANUAL)
        from audits.tasks import audit_project

        audit_project.delay_on_commit(run.pk)
    _decide(submission, Submission.State.APPROVED, moderator=moderator, message=message)
    return submission


def _create_project(submission: Submission) -> Project:
    namespace = submission.hub_model.split("/")[0]
    organization, _ = Organization.objects.get_or_create(
        slug=slugify(namespace), defaults={"name": namespace}
    )
    base = slugify(submission.name.replace(".", "-")) or slugify(submission.hub_model)
    slug, number = base, 1
    while Project.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    project = Project.objects.create(
        slug=slug,
        name=submission.name or submission.hub_model,
        kind=submission.project_kind or "other",
        organization=organization,
        summary=(submission.note or f"Submitted for review: {submission.hub_model}.")[:500],
    )
    for position, artifact in enumerate(declared_artifacts(submission)):
        Artifact.objects.create(
            project=project,
            position=position,
            source=artifact.source,
            locator=artifact.locator,
            serves=list(artifact.serves),
        )
    Project.objects.filter(pk=project.pk).refresh_search_vectors()
    return project


def _apply_correction(submission: Submission, moderator: Any) -> None:
    if submission.project is None:
        raise SubmissionError("The correction names no project.")
    Curation.objects.filter(
        project=submission.project, component=submission.component, active=True
    ).update(active=False)
    Curation.objects.create(
        project=submission.project,
        component=submission.component,
        status=submission.proposed_status,
        license=licenses.normalise(submission.proposed_license) or submission.proposed_license,
        reason=submission.note or "Correction proposed by the producer.",
        evidence_url=submission.evidence_url,
        created_by=moderator,
    )
    project = submission.project
    transaction.on_commit(lambda: auditing.reevaluate(project=project))


@transaction.atomic
def reject(*, submission: Submission, moderator: Any, reason: str) -> Submission:
    if not reason.strip():
        raise SubmissionError("Say why the submission is rejected.")
    _decide(submission, Submission.State.REJECTED, moderator=moderator, message=reason)
    return submission


@transaction.atomic
def mark_duplicate(*, submission: Submission, moderator: Any, of: Project) -> Submission:
    submission.duplicate_of = of
    submission.save(update_fields=["duplicate_of", "updated_at"])
    _decide(
        submission,
        Submission.State.DUPLICATE,
        moderator=moderator,
        message=f"Already listed as {of.name}: {of.get_absolute_url()}",
    )
    return submission


@transaction.atomic
def ask_for_more(*, submission: Submission, moderator: Any, message: str) -> Submission:
    if not message.strip():
        raise SubmissionError("Say what more is needed.")
    if not submission.open:
        raise SubmissionError(f"This submission is already {submission.get_state_display()}.")
    submission.state = Submission.State.NEEDS_INFO
    submission.moderator_message = message
    submission.save(update_fields=["state", "moderator_message", "updated_at"])
    record(submission, "asked-for-more", actor=moderator, message=message)
    transaction.on_commit(lambda: notify(submission))
    return submission


def notify(submission: Submission) -> None:
    """Tell the submitter the outcome by email (console backend unless SMTP is configured)."""
    status_url = settings.SITE_URL.rstrip("/") + submission.get_absolute_url()
    body = (
        f"Your submission is now: {submission.get_state_display()}.\n\n"
        f"{submission.moderator_message}\n\nIts status page: {status_url}\n"
    )
    try:
        send_mail(
            f"Glasshouse: your submission is {submission.get_state_display().lower()}",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [submission.contact],
        )
    except OSError:
        # The outcome is on the status page either way; a mail server being down loses nothing.
        logger.exception("could not email the submitter of submission %s", submission.pk)
