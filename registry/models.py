"""The catalogue's records: organizations, projects, their artifacts and the licenses they name."""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core.validators import RegexValidator
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone

from registry import licenses
from registry.components import BY_ID, KINDS, SOURCES, page_url

# Dots are allowed because model sizes are written with them (pythia-6.9b).
SLUG_PATTERN = r"[a-z0-9]+(?:[.-][a-z0-9]+)*"
SLUG_MAX_LENGTH = 100
# What make_slug answers for a text with no letter or digit it can keep.
FALLBACK_SLUG = "project"
slug_validator = RegexValidator(
    rf"\A{SLUG_PATTERN}\Z",
    "Use lowercase letters and digits in groups joined by '-' or '.', e.g. pythia-6.9b.",
)


def is_slug(text: str) -> bool:
    """Whether a text is a project slug: what the URLs, the API and the validator accept."""
    return len(text) <= SLUG_MAX_LENGTH and slug_validator.regex.match(text) is not None


def make_slug(text: str, *, fallback: str = "") -> str:
    """The slug of any text, one is_slug accepts; dots stay, as in pythia-6.9b.

    Everything that names a project by slug goes through here, so a name with "_" or "é" can
    never make a slug the project's own URL refuses. A text with no letter or digit to keep
    gives the slug of `fallback`, or "project".
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    dashed = re.sub(r"[^a-z0-9.]+", "-", ascii_text)
    # A run of separators becomes one: a dash if it holds one, else a dot.
    joined = re.sub(r"[.-]{2,}", lambda m: "-" if "-" in m.group(0) else ".", dashed)
    slug = joined.strip(".-")[:SLUG_MAX_LENGTH].strip(".-")
    if is_slug(slug):
        return slug
    return make_slug(fallback) if fallback else FALLBACK_SLUG


class Organization(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    homepage = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LicenseQuerySet(models.QuerySet["License"]):
    def ensure(self, license_id: str) -> License:
        """The License row for a canonical id, created from the license knowledge if missing."""
        if existing := self.filter(pk=license_id).first():
            return existing
        known = licenses.facts(license_id)
        license_row, _ = self.get_or_create(
            id=known.id,
            defaults={
                "name": known.name,
                "spdx": known.spdx,
                "osi_approved": known.osi_approved,
                "fsf_libre": known.fsf_libre,
                "category": known.category,
                "url": known.url,
            },
        )
        return license_row


class License(models.Model):
    """A license as the knowledge libraries describe it: an SPDX id or a LicenseRef-scancode id."""

    id = models.CharField(max_length=150, primary_key=True)
    name = models.CharField(max_length=300)
    spdx = models.BooleanField(default=False, help_text="On the SPDX license list.")
    osi_approved = models.BooleanField(default=False)
    fsf_libre = models.BooleanField(default=False)
    category = models.CharField(max_length=50, blank=True, help_text="ScanCode LicenseDB category.")
    url = models.URLField(max_length=300, blank=True)

    objects = LicenseQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.id

    def classify(self, content: licenses.ContentType) -> licenses.Classification:
        """Whether this license is open for one kind of content, and why."""
        return licenses.classify(self.id, content)


MOF_RANKS = {"": 0, "III": 1, "II": 2, "I": 3}

SEARCH_VECTOR_SQL = """
UPDATE registry_project AS p SET search_vector =
    setweight(to_tsvector('english', coalesce(p.name, '')), 'A')
    || setweight(to_tsvector('english', coalesce(o.name, '')), 'A')
    || setweight(to_tsvector('simple', replace(p.slug || ' ' || p.family, '-', ' ')), 'B')
    || setweight(to_tsvector('english', coalesce(p.summary, '')), 'C')
FROM registry_organization AS o
WHERE o.id = p.organization_id AND p.id = ANY(%s)
"""


# facet name → the field its counts group by (None: computed specially)
FACETS: dict[str, str | None] = {
    "osaid": "osaid",
    "category": "category",
    "kind": "kind",
    "mof_class": "mof_class",
    "gated": "gated",
    "open_washing": "open_washing",
    "stale": None,
    "organization": "organization__slug",
    "family": "family",
    "license": "licenses__id",
    "license_category": "licenses__category",
}


class ProjectQuerySet(models.QuerySet["Project"]):
    def facet_counts(self, names: list[str], *, limit: int = 50) -> dict[str, list[dict[str, Any]]]:
        """For each facet, its values in these projects and how many have each, commonest first."""
        base = self.order_by()
        counts: dict[str, list[dict[str, Any]]] = {}
        for name in names:
            field = FACETS[name]
            if field is None:  # stale: a state, not a column
                rows = base.aggregate(
                    true=models.Count("pk", filter=models.Q(stale_since__isnull=False)),
                    false=models.Count("pk", filter=models.Q(stale_since__isnull=True)),
                )
                counts[name] = [{"value": k, "count": v} for k, v in rows.items() if v]
                continue
            grouped = (
                base.values(field)
                .annotate(count=models.Count("pk", distinct=True))
                .order_by("-count", field)[:limit]
            )
            counts[name] = [{"value": r[field], "count": r["count"]} for r in grouped]
        return counts

    def refresh_search_vectors(self) -> None:
        """Recompute the weighted search vectors (name and organization weigh most)."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(SEARCH_VECTOR_SQL, [list(self.values_list("pk", flat=True))])

    def search(self, query: str) -> ProjectQuerySet:
        """Projects matching a free-text query; on PostgreSQL ranked, words matched as prefixes."""
        words = re.findall(r"[a-z0-9]+", query.lower())[:10]
        if not words:
            return self.none()
        # A name or slug typed as-is (pythia-6.9, llama-2-7b) always finds its project.
        typed = models.Q(name__icontains=query.strip()) | models.Q(slug__icontains=query.strip())
        if connection.vendor == "postgresql":
            # People type the start of a word ("pyth"): every word must begin a lexeme.
            terms = SearchQuery(
                " & ".join(f"{word}:*" for word in words), search_type="raw", config="english"
            )
            return (
                self.filter(models.Q(search_vector=terms) | typed)
                .annotate(rank=SearchRank(models.F("search_vector"), terms))
                .order_by("-rank", "slug")
            )
        matches = models.Q()
        for word in words:
            matches &= (
                models.Q(name__icontains=word)
                | models.Q(organization__name__icontains=word)
                | models.Q(slug__icontains=word)
                | models.Q(family__icontains=word)
                | models.Q(summary__icontains=word)
            )
        return self.filter(matches | typed)

    def listed(self) -> ProjectQuerySet:
        """Projects shown in the public catalogue."""
        return self.filter(review_state=Project.ReviewState.LISTED)

    def due_for_audit(self, now: datetime | None = None) -> ProjectQuerySet:
        """Listed projects whose next audit time has come, stalest first."""
        return (
            self.listed()
            .filter(next_audit_at__lte=now or timezone.now())
            .order_by("next_audit_at", "pk")
        )


class Project(models.Model):
    class ReviewState(models.TextChoices):
        LISTED = "listed", "Listed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    slug = models.CharField(max_length=SLUG_MAX_LENGTH, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=KINDS)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="projects"
    )
    summary = models.TextField(max_length=500)
    homepage = models.URLField(max_length=300, blank=True)
    family = models.CharField(
        max_length=100,
        blank=True,
        db_index=True,
        validators=[slug_validator],
        help_text="Groups the sizes and versions of one model family.",
    )
    released = models.DateField(null=True, blank=True)
    review_state = models.CharField(
        max_length=20, choices=ReviewState.choices, default=ReviewState.LISTED, db_index=True
    )
    next_audit_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    current_verdict = models.ForeignKey(
        "audits.Verdict",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The last verdict made from a complete audit.",
    )
    audited_at = models.DateTimeField(
        null=True, blank=True, help_text="When the current verdict's audit finished."
    )
    stale_since = models.DateTimeField(
        null=True, blank=True, help_text="Since when the latest audits could not be completed."
    )
    stale_reason = models.TextField(blank=True)
    # The current verdict, copied onto the project so the catalogue filters without joins.
    osaid = models.CharField(max_length=30, blank=True, db_index=True)
    mof_class = models.CharField(max_length=3, blank=True)
    mof_rank = models.PositiveSmallIntegerField(
        default=0, db_index=True, help_text="0 no class, 1 Class III, 2 Class II, 3 Class I."
    )
    category = models.CharField(max_length=30, blank=True, db_index=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    gated = models.BooleanField(null=True, blank=True)
    open_washing = models.BooleanField(
        default=False,
        db_index=True,
        help_text="Its card, a README or its summary calls it open source, but it is not.",
    )
    licenses = models.ManyToManyField(
        "License", blank=True, related_name="projects", help_text="Licenses its findings name."
    )
    # PostgreSQL full-text search; its GIN index is created by a PostgreSQL-only migration.
    search_vector = SearchVectorField(null=True, editable=False)
    catalogue_file = models.CharField(
        max_length=300, blank=True, help_text="The catalogue file this record was loaded from."
    )
    record_hash = models.CharField(
        max_length=64, blank=True, help_text="Hash of the loaded record, to skip unchanged files."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [("moderate", "Can moderate submissions and curate findings")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("project-detail", kwargs={"slug": self.slug})

    # The columns adopt_verdict copies from a verdict, for save(update_fields=...).
    VERDICT_FIELDS = (
        "current_verdict",
        "osaid",
        "mof_class",
        "mof_rank",
        "category",
        "score",
        "gated",
        "open_washing",
    )

    def adopt_verdict(self, verdict: Any, *, license_ids: list[str]) -> None:
        """Make a verdict current and copy what the catalogue filters on."""
        self.current_verdict = verdict
        self.osaid = verdict.osaid
        self.mof_class = verdict.mof_class
        self.mof_rank = MOF_RANKS.get(verdict.mof_class, 0)
        self.category = verdict.category
        self.score = verdict.score
        self.gated = verdict.gated
        self.open_washing = verdict.open_washing
        self.licenses.set([License.objects.ensure(i) for i in license_ids])

    @property
    def stale(self) -> bool:
        """The current verdict could not be confirmed by the latest audit."""
        return self.stale_since is not None

    def family_members(self) -> ProjectQuerySet:
        """The other listed projects of the same family."""
        if not self.family:
            return Project.objects.none()
        return Project.objects.listed().filter(family=self.family).exclude(pk=self.pk)


class ServesComponents:
    """What declared and discovered artifacts share: a public page and the components served."""

    source: str
    locator: str
    serves: list[str]

    @property
    def url(self) -> str:
        """A page a person can open for this artifact."""
        return page_url(self.source, self.locator)

    def served_components(self) -> list[str]:
        """Human labels of the components this artifact serves."""
        return [BY_ID[c].label for c in self.serves if c in BY_ID]


class Artifact(ServesComponents, models.Model):
    """One thing a project publishes at a source: a Hub repo, a GitHub repo, a paper."""

    class Source(models.TextChoices):
        HF_MODEL = "hf-model", dict(SOURCES)["hf-model"]
        HF_DATASET = "hf-dataset", dict(SOURCES)["hf-dataset"]
        GITHUB = "github", dict(SOURCES)["github"]
        URL = "url", dict(SOURCES)["url"]

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="artifacts")
    position = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=20, choices=Source.choices)
    locator = models.CharField(max_length=300)
    serves = models.JSONField(default=list, help_text="Component ids this artifact serves.")
    declared_license_text = models.CharField(
        max_length=150, blank=True, help_text="The license as the record writes it."
    )
    declared_license = models.ForeignKey(
        License,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="artifacts",
        help_text="The declared license resolved to an SPDX or LicenseRef id, when one exists.",
    )

    class Meta:
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "source", "locator"], name="unique_artifact_per_project"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.locator}"


class DiscoveredArtifactQuerySet(models.QuerySet["DiscoveredArtifact"]):
    def followed(self) -> DiscoveredArtifactQuerySet:
        """The ones the audit judges: all but those a moderator rejected."""
        return self.exclude(review=DiscoveredArtifact.Review.REJECTED)


class DiscoveredArtifact(ServesComponents, models.Model):
    """Something a project's sources lead to, kept apart from what its record declares.

    The audit finds these afresh each time (a model card's links, tags and front matter); the
    row keeps how each was found and a moderator's confirmation or rejection, which survives
    re-audits. A rejected one is never followed again.
    """

    class Review(models.TextChoices):
        PROPOSED = "proposed", "Found by the audit"
        CONFIRMED = "confirmed", "Confirmed by a moderator"
        REJECTED = "rejected", "Rejected by a moderator"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="discovered")
    source = models.CharField(max_length=20, help_text="hf-model, hf-dataset, github or arxiv.")
    locator = models.CharField(max_length=300, help_text="Its id on that source.")
    serves = models.JSONField(default=list, help_text="Component ids it was found to serve.")
    origin = models.CharField(
        max_length=20, default="discovered", help_text="discovered, or base for a base model."
    )
    role = models.CharField(max_length=20, blank=True, help_text="A paper's or model's role.")
    depth = models.PositiveSmallIntegerField(default=0, help_text="Base-model steps away.")
    found = models.JSONField(default=list, help_text="Evidence of how it was found.")
    review = models.CharField(
        max_length=20,
        choices=Review.choices,
        default=Review.PROPOSED,
        help_text="proposed (found by the audit), confirmed or rejected by a moderator.",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=500, blank=True)
    first_seen_at = models.DateTimeField(
        default=timezone.now, help_text="When an audit first found it."
    )
    last_seen_at = models.DateTimeField(
        default=timezone.now, help_text="When an audit last found it."
    )
    still_found = models.BooleanField(
        default=True, help_text="Whether the latest audit found it again."
    )

    objects = DiscoveredArtifactQuerySet.as_manager()

    class Meta:
        ordering = ["project", "depth", "source", "locator"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "source", "locator"], name="unique_discovered_per_project"
            )
        ]
        # Who derives from a base model: a lookup by what was found, across projects.
        indexes = [models.Index(fields=["source", "locator"], name="discovered_locator_idx")]

    def __str__(self) -> str:
        return f"{self.source}:{self.locator} ({self.review})"

    def review_as(self, review: str, *, moderator: Any, note: str = "") -> None:
        """Record a moderator's confirmation or rejection."""
        self.review = review
        self.reviewed_by = moderator
        self.reviewed_at = timezone.now()
        self.review_note = note[:500]
        self.save(update_fields=["review", "reviewed_by", "reviewed_at", "review_note"])


class WorkerHeartbeat(models.Model):
    """The last time a worker ran the scheduled heartbeat: proof that beat and worker are alive."""

    name = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=200, blank=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


def _status_token() -> str:
    return secrets.token_urlsafe(24)


class Submission(models.Model):
    """A proposed project, or a producer's correction of a finding, waiting for a moderator."""

    class Kind(models.TextChoices):
        PROJECT = "project", "New project"
        CORRECTION = "correction", "Correction of a finding"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        NEEDS_INFO = "needs-info", "More information asked"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        DUPLICATE = "duplicate", "Duplicate"

    class PreviewState(models.TextChoices):
        QUEUED = "queued", "Queued"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    token = models.CharField(max_length=64, unique=True, default=_status_token, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PROJECT)
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.PENDING, db_index=True
    )
    name = models.CharField(max_length=200, blank=True)
    project_kind = models.CharField(max_length=30, choices=KINDS, blank=True)
    hub_model = models.CharField(max_length=200, blank=True)
    github = models.JSONField(default=list, blank=True)
    datasets = models.JSONField(default=list, blank=True)
    paper = models.CharField(max_length=300, blank=True)
    contact = models.EmailField()
    note = models.TextField(max_length=2000, blank=True)
    # A correction names the project, the component, the proposed value and its evidence.
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="corrections"
    )
    component = models.CharField(max_length=40, blank=True)
    proposed_status = models.CharField(max_length=20, blank=True)
    proposed_license = models.CharField(max_length=150, blank=True)
    evidence_url = models.URLField(max_length=500, blank=True)
    preview_state = models.CharField(
        max_length=20, choices=PreviewState.choices, default=PreviewState.QUEUED
    )
    preview = models.JSONField(default=dict, blank=True)
    preview_error = models.TextField(blank=True)
    duplicate_of = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    created_project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="submission"
    )
    moderator_message = models.TextField(blank=True)
    idempotency_key = models.CharField(
        max_length=200,
        blank=True,
        editable=False,
        help_text="The client's Idempotency-Key: a retry with it answers this submission.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="one_submission_per_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name or self.hub_model} ({self.state})"

    def get_absolute_url(self) -> str:
        return reverse("submission-status", kwargs={"token": self.token})

    @property
    def open(self) -> bool:
        return self.state in (self.State.PENDING, self.State.NEEDS_INFO)


class SubmissionEvent(models.Model):
    """Who did what to a submission, and when."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} @ {self.created_at:%Y-%m-%d %H:%M}"
