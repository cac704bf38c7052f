"""Submissions: store first, preview in the background, then a moderator decides."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import Truncator
from kombu.exceptions import KombuError

from audits import auditing, rules
from audits.harvest import Clients, MemoryStore, harvest_sources
from audits.models import AuditRun, Curation
from audits.rules import discovery
from audits.rules.discovered import card_text, discover
from audits.rules.types import AuditInput, DeclaredArtifact
from registry import licenses
from registry.components import default_serves
from registry.importing import organization_for, unique_slug
from registry.models import Artifact, Project, Submission, SubmissionEvent, make_slug

logger = logging.getLogger(__name__)

# What a submitted paper is taken to serve until a moderator says otherwise. A submitted
# repository serves what its files show (discovery reads its tree and README).
GITHUB_SERVES: tuple[str, ...] = ()
PAPER_SERVES = ("research-paper",)

# A preview handed to the broker is not sent again for this long. It outlasts the preview task's
# hard time limit (180 s), so a preview still being built is never sent twice; one the broker
# lost, or never took, is sent again by the sweep once the lease ends.
PREVIEW_LEASE = timedelta(minutes=4)
# What sending raises when the broker cannot take a message: kombu's errors (OperationalError
# when Redis is down), or the socket's and the filesystem transport's own.
BROKER_ERRORS: tuple[type[Exception], ...] = (KombuError, OSError)


class SubmissionError(ValueError):
    """An action that does not fit the submission's state."""


def record(submission: Submission, action: str, *, actor: Any = None, message: str = "") -> None:
    SubmissionEvent.objects.create(
        submission=submission, action=action, actor=actor, message=message
    )


@transaction.atomic
def submit(*, fields: dict[str, Any]) -> Submission:
    """Store a submission (pending), note duplicates, and send its preview after commit.

    The submission is accepted once stored: a broker that cannot take the preview leaves it
    queued for `requeue_previews`. A retry with an `idempotency_key` already used answers the
    submission it made and stores nothing.
    """
    key = fields.get("idempotency_key", "")
    try:
        with transaction.atomic():
            submission = Submission.objects.create(**fields)
    except IntegrityError:
        if not key:
            raise
        return Submission.objects.get(idempotency_key=key)
    record(submission, "submitted")
    if duplicate := find_duplicate(submission):
        submission.duplicate_of = duplicate
        submission.save(update_fields=["duplicate_of", "updated_at"])
        record(submission, "duplicate-detected", message=f"Already listed as {duplicate.slug}.")
    if submission.kind == Submission.Kind.PROJECT:
        transaction.on_commit(partial(send_preview, submission.pk))
    else:
        submission.preview_state = Submission.PreviewState.DONE
        submission.save(update_fields=["preview_state", "updated_at"])
    return submission


def send_task(task: Any, *args: Any) -> bool:
    """Hand a task to the broker; False when it cannot take it, so the row's sweep sends it."""
    try:
        task.delay(*args)
    except BROKER_ERRORS:
        logger.warning("the broker did not take %s%r; a sweep sends it later", task.name, args)
        return False
    return True


def send_preview(submission_id: int) -> bool:
    """Hand the submission's preview to the broker (see `send_task`)."""
    from registry.tasks import build_submission_preview

    return send_task(build_submission_preview, submission_id)


def requeue_previews(*, limit: int, now: datetime | None = None) -> list[int]:
    """Send again, stalest first, the previews still queued when their lease ended.

    The outbox's relay: a preview the broker never took (it was down), or lost, or that a worker
    dropped (the database was down) is sent again. Each is claimed first by moving its lease on
    with a conditional UPDATE, so two sweeps (two beats by mistake) never both send it. While
    the broker still refuses, the rest of the batch waits for the next sweep.
    """
    now = now or timezone.now()
    due = (
        Submission.objects.filter(
            kind=Submission.Kind.PROJECT,
            preview_state=Submission.PreviewState.QUEUED,
            updated_at__lt=now - PREVIEW_LEASE,
        )
        .order_by("updated_at", "pk")
        .values_list("pk", "updated_at")[:limit]
    )
    sent = []
    for submission_id, leased_at in list(due):
        claimed = Submission.objects.filter(
            pk=submission_id, preview_state=Submission.PreviewState.QUEUED, updated_at=leased_at
        ).update(updated_at=now)
        if not claimed:
            continue
        if not send_preview(submission_id):
            break
        sent.append(submission_id)
    return sent


def find_duplicate(submission: Submission) -> Project | None:
    """A listed project with the same Hub model, the same slug, or (for corrections) none."""
    if submission.kind != Submission.Kind.PROJECT:
        return None
    same_model = Project.objects.listed().filter(
        artifacts__source="hf-model", artifacts__locator__iexact=submission.hub_model
    )
    if found := same_model.first():
        return found
    return Project.objects.listed().filter(slug=slug_for(submission)).first()


def slug_for(submission: Submission) -> str:
    """The slug approval gives the submitted project (or the next free one after it)."""
    return make_slug(submission.name, fallback=submission.hub_model.partition("/")[2])


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
    A preview already built, or taken by another worker at this moment, is left alone; taking
    it moves its lease on, so the sweep does not send it again while it is being built.
    """
    submission = Submission.objects.get(pk=submission_id)
    taken = Submission.objects.filter(
        pk=submission.pk,
        preview_state=Submission.PreviewState.QUEUED,
        updated_at=submission.updated_at,
    ).update(updated_at=timezone.now())
    if not taken:
        logger.info("the preview of submission %s is built or being built", submission_id)
        return submission
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
        # What approval makes the project's summary: the card's words, never the note.
        "summary": card_summary(card_text(audit_input, "model", submission.hub_model)),
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


# A card paragraph shorter than this is a caption, a badge row or a link, not a description.
SUMMARY_MIN_WORDS = 4
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]*>")
_EMPHASIS = re.compile(r"[*_`]{1,3}")
_LIST_ITEM = re.compile(r"([-*+]|\d+[.)])\s")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def card_summary(card: str) -> str:
    """What the project is, in its card's words: the front matter's `description`, or else the
    first paragraph of prose (no heading, list, table, quote, image or code), fitted to size."""
    front, body = discovery.split_card(card)
    description = front.get("description")
    if isinstance(description, str) and _plain(description):
        return fitted_summary(_plain(description))
    for paragraph in _paragraphs(body):
        text = _plain(paragraph)
        if len(text.split()) >= SUMMARY_MIN_WORDS:
            return fitted_summary(text)
    return ""


def _paragraphs(body: str) -> Iterator[str]:
    """Runs of plain lines between blank lines, outside code fences."""
    lines: list[str] = []
    fenced = False
    for line in body.splitlines():
        stripped = line.strip()
        opens_fence = stripped.startswith(("```", "~~~"))
        fenced = fenced != opens_fence
        plain = bool(stripped) and not (
            opens_fence
            or fenced
            or stripped.startswith(("#", "|", ">"))
            or _LIST_ITEM.match(stripped)
        )
        if plain:
            lines.append(stripped)
        elif lines:
            yield " ".join(lines)
            lines = []
    if lines:
        yield " ".join(lines)


def _plain(text: str) -> str:
    """Markdown and HTML reduced to the words a reader sees."""
    text = _LINK.sub(r"\1", _IMAGE.sub("", text))
    return " ".join(_EMPHASIS.sub("", _TAG.sub("", text)).split())


def fitted_summary(text: str) -> str:
    """The text if it fits Project.summary; else the whole sentences that fit; else cut with
    an ellipsis."""
    limit = Project._meta.get_field("summary").max_length
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in _SENTENCE_END.split(text):
        longer = f"{kept} {sentence}".strip()
        if len(longer) > limit:
            break
        kept = longer
    return kept or Truncator(text).chars(limit)


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

        # A broker that is down leaves the run queued; once its lease ends, the audit sweep
        # audits the project.
        transaction.on_commit(partial(send_task, audit_project, run.pk))
    _decide(submission, Submission.State.APPROVED, moderator=moderator, message=message)
    return submission


def _create_project(submission: Submission) -> Project:
    namespace = submission.hub_model.split("/")[0]
    project = Project.objects.create(
        slug=unique_slug(slug_for(submission)),
        name=submission.name or submission.hub_model,
        kind=submission.project_kind or "other",
        organization=organization_for(namespace),
        # The note is for the moderators only; the summary comes from the card (via the
        # preview), or a moderator writes one later.
        summary=fitted_summary(
            submission.preview.get("summary") or f"Submitted for review: {submission.hub_model}."
        ),
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
