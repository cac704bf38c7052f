"""The plain data the rules take and give: observations in, findings and verdicts out.

Pure Python: no Django. Everything here is JSON-able through `dataclasses.asdict`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

# --- Statuses ---------------------------------------------------------------------------------

Status = Literal["open", "restricted", "gated", "closed", "not-found", "unlicensed", "unknown"]
STATUSES: tuple[Status, ...] = (
    "open",
    "restricted",
    "gated",
    "closed",
    "not-found",
    "unlicensed",
    "unknown",
)
STATUS_MEANINGS: Mapping[str, str] = {
    "open": "Available under a license that is open for its kind of content.",
    "restricted": "Available, but its license limits how it may be used.",
    "gated": "Behind an access request on its source.",
    "closed": "Withheld: a source shows that it is not available (removed, private or disabled).",
    "not-found": "Looked for in the model card, the repositories and papers it links to, and found "
    "nowhere; the finding lists where.",
    "unlicensed": "Available, but no license was found.",
    "unknown": "No evidence yet, or the source could not be reached.",
}

# Access to the weights on the Hub: no gate, a gate that grants at once, or one a person reviews.
Access = Literal["none", "auto", "manual", "unknown"]

# The three facets of training-data information that OSAID 1.0 asks for.
Disclosure = Literal["disclosed", "partial", "not-disclosed", "unknown"]
DATA_FACETS: tuple[str, ...] = ("data-provenance", "data-characteristics", "data-labelling")

# How a source answered the last time it was asked.
FetchState = Literal["ok", "not-found", "unreachable"]


# --- Input ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclaredArtifact:
    """An artifact the audit judges: declared by the record, or discovered from its sources.

    `origin` says which: "record" (the catalogue file or submission declares it), "discovered"
    (a source of the project leads to it: a model card's link, tag or front matter), or
    "base" (a base model the card names, judged for lineage only). `found` is the evidence of
    how discovery found it; `depth` counts the base-model steps from the project's own model
    (0 for the project's own artifacts).
    """

    source: str  # hf-model | hf-dataset | github | url | arxiv
    locator: str
    serves: tuple[str, ...]
    license: str | None = None  # as the record writes it (a Hub id, SPDX id or LicenseRef)
    origin: str = "record"
    found: tuple[Evidence, ...] = ()
    depth: int = 0
    role: str = ""  # for papers: own | report | cited | data; for models: base


@dataclass(frozen=True)
class Observation:
    """What one source said about one locator, from the latest harvest.

    `payload` is the last good payload (from the latest snapshot) even when the latest fetch
    failed, so rules can say what was last seen; `state` says how the latest fetch went.
    Payload shapes:
    - hf-model: the Hub's `GET /api/models/{id}` JSON keys (id, sha, lastModified, gated,
      private, disabled, tags, cardData, siblings [{rfilename}], safetensors, model-index,
      config, widgetData) plus `branches`: the repo's branch names from `list_repo_refs`.
    - hf-dataset: the Hub's `GET /api/datasets/{id}` JSON keys (id, sha, lastModified, gated,
      private, disabled, tags, cardData, siblings).
    - github: GitHub's `GET /repos/{owner}/{repo}` JSON (full_name, html_url, license
      {key, name, spdx_id} or null, archived, disabled, pushed_at, description, ...).
    """

    source: str
    locator: str
    state: FetchState
    url: str  # a page a person can open
    payload: Mapping[str, Any] | None = None
    snapshot_id: int | None = None
    fetched_at: str | None = None  # ISO 8601, of the snapshot the payload comes from
    not_found_count: int = 0  # consecutive not-found answers
    unreachable_since: str | None = None  # ISO 8601, first failure of the current failing run
    error: str = ""


@dataclass(frozen=True)
class Curation:
    """A moderator's correction of one finding."""

    component: str
    status: str
    license: str | None
    reason: str
    evidence_url: str


@dataclass(frozen=True)
class AuditInput:
    artifacts: tuple[DeclaredArtifact, ...]
    # Keyed by (source, locator). Holds declared artifacts and what the model card led to
    # (datasets it names), fetched by the harvest.
    observations: Mapping[tuple[str, str], Observation] = field(default_factory=dict)
    curations: tuple[Curation, ...] = ()
    # Discovered (source, locator) pairs a moderator rejected: never judged.
    rejected: frozenset[tuple[str, str]] = frozenset()
    # The project's own words (its summary), read for open-source claims.
    summary: str = ""

    def observation(self, source: str, locator: str) -> Observation | None:
        return self.observations.get((source, locator))


# --- Output -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """Where a finding comes from: which snapshot, which field, the value seen, a link."""

    source: str  # hf-model | hf-dataset | github | url | record
    locator: str
    field: str  # e.g. "cardData.license", "gated", "license.spdx_id", "serves"
    value: Any  # JSON-able
    url: str
    snapshot_id: int | None = None
    fetched_at: str | None = None


@dataclass(frozen=True)
class Finding:
    """One judgement: a component's status, an access level, or a training-data facet."""

    component: str  # one of the 17 component ids, "access", or one of DATA_FACETS
    status: str  # Status for components, Access for "access", Disclosure for facets
    reason: str  # one plain sentence
    license: str | None = None  # canonical id or SPDX expression, when one applies
    evidence: tuple[Evidence, ...] = ()
    declared_license: str | None = None  # what the record declared, when it disagrees
    curation: Curation | None = None  # a moderator's correction, applied over the tool's view

    @property
    def effective_status(self) -> str:
        return self.curation.status if self.curation else self.status

    @property
    def effective_license(self) -> str | None:
        return self.curation.license if self.curation else self.license


@dataclass(frozen=True)
class Verdict:
    osaid: Literal["open-source-ai", "not-open-source-ai", "insufficient-evidence"]
    osaid_unmet: tuple[str, ...]  # plain sentences, one per unmet requirement
    mof_class: Literal["I", "II", "III"] | None
    # Per class: share (0..1) of its required components that are open.
    mof_progress: Mapping[str, float]
    # Per class: the required component ids not met (cumulative requirements).
    mof_unmet: Mapping[str, tuple[str, ...]]
    score: int  # 0..100
    gated: bool
    category: Literal["open-source-ai", "open-weights", "restricted-weights", "closed"]
    # The base models it derives from, nearest first (empty for an original model).
    lineage: tuple[str, ...] = ()
    # The card, a README or the summary calls it open source while its verdict is not.
    open_washing: bool = False
