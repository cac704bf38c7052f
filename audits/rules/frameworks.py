"""The frameworks as rules: OSAID 1.0, the MOF classes, a score and a category, from findings."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Literal

from audits.rules.types import DATA_FACETS, Finding, Verdict
from registry.components import BY_ID, COMPONENTS
from registry.licenses import mof_open

# --- OSAID 1.0 --------------------------------------------------------------------------------

OSAID_COMPONENTS: tuple[str, ...] = (
    "final-weights",
    "model-architecture",
    "training-code",
    "inference-code",
    "evaluation-code",
    "data-preprocessing-code",
)
# "Where applicable": required, and then open, only when the record declares them.
OSAID_WHEN_DECLARED: tuple[str, ...] = ("supporting-libraries",)
FACET_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "data-provenance": "Data provenance",
        "data-characteristics": "Data characteristics",
        "data-labelling": "Data labelling and cleaning",
    }
)

# --- MOF --------------------------------------------------------------------------------------

# What each class adds to the one below it; classes are cumulative, III the first step.
MOF_CLASSES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "III": (
            "model-architecture",
            "final-weights",
            "model-card",
            "data-card",
            "technical-report",
            "evaluation-results",
        ),
        "II": ("training-code", "inference-code", "evaluation-code", "evaluation-data"),
        "I": (
            "training-datasets",
            "data-preprocessing-code",
            "intermediate-checkpoints",
            "research-paper",
        ),
    }
)
MOF_OPTIONAL: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"III": ("sample-outputs",), "II": ("supporting-libraries",), "I": ("model-metadata",)}
)
# The MOF lets the research paper stand in for the technical report.
MOF_STANDS_IN: Mapping[str, str] = MappingProxyType({"technical-report": "research-paper"})
_MOF_ORDER: tuple[Literal["III", "II", "I"], ...] = ("III", "II", "I")

# --- Score ------------------------------------------------------------------------------------

# Follows the openness order of the statuses; nothing unproven earns points.
SCORE_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "open": 1.0,
        "gated": 0.75,
        "restricted": 0.5,
        "unlicensed": 0.25,
        "closed": 0.0,
        "not-found": 0.0,
        "unknown": 0.0,
    }
)


def required_by(component: str) -> tuple[str, ...]:
    """Which frameworks and classes ask for a component, in words for the methodology page."""
    needs: list[str] = []
    if component in OSAID_COMPONENTS:
        needs.append("OSAID 1.0")
    if component in OSAID_WHEN_DECLARED:
        needs.append("OSAID 1.0 (when declared)")
    for mof_class in _MOF_ORDER:
        if component in MOF_CLASSES[mof_class]:
            needs.append(f"MOF Class {mof_class}")
        if component in MOF_OPTIONAL[mof_class]:
            needs.append(f"MOF Class {mof_class} (optional)")
    return tuple(needs)


def _by_component(findings: Sequence[Finding]) -> dict[str, Finding]:
    return {f.component: f for f in findings}


def _status(found: Mapping[str, Finding], component: str) -> str:
    finding = found.get(component)
    return finding.effective_status if finding is not None else "unknown"


def _reason(finding: Finding | None) -> str:
    if finding is None:
        return "No finding was made."
    return finding.curation.reason if finding.curation else finding.reason


def _label(component: str) -> str:
    return BY_ID[component].label if component in BY_ID else FACET_LABELS.get(component, component)


def declares(finding: Finding | None) -> bool:
    """Whether a finding rests on an artifact the record declared for its component."""
    if finding is None:
        return False
    return any(e.source == "record" and e.field == "serves" for e in finding.evidence)


def osaid(
    findings: Sequence[Finding],
) -> tuple[
    Literal["open-source-ai", "not-open-source-ai", "insufficient-evidence"], tuple[str, ...]
]:
    """The OSAID 1.0 status and one plain sentence per unmet requirement."""
    found = _by_component(findings)
    required = list(OSAID_COMPONENTS)
    required += [c for c in OSAID_WHEN_DECLARED if declares(found.get(c))]
    unmet: list[tuple[str, str]] = [
        (c, _status(found, c)) for c in required if _status(found, c) != "open"
    ]
    unmet += [(f, _status(found, f)) for f in DATA_FACETS if _status(found, f) != "disclosed"]
    sentences = tuple(f"{_label(c)}: {status} — {_reason(found.get(c))}" for c, status in unmet)
    if not unmet:
        return "open-source-ai", ()
    if all(status == "unknown" for _, status in unmet):
        return "insufficient-evidence", sentences
    return "not-open-source-ai", sentences


def _mof_accepts(finding: Finding | None) -> bool:
    """MOT's acceptance: available under a license it counts as open, whatever its content type.

    An `open` status already needs a license open for the component's content type. MOT also
    accepts an open license that is not the type's own (CC-BY on code) and ignores access gates,
    so a `gated` or `restricted` component still counts when its license is one MOT accepts.
    """
    if finding is None:
        return False
    status = finding.effective_status
    if status == "open":
        return True
    license_id = finding.effective_license
    return status in ("gated", "restricted") and bool(license_id) and mof_open(license_id or "")


def _slots(found: Mapping[str, Finding], required: Sequence[str]) -> tuple[int, list[str]]:
    """How many of a class's cumulative requirements are met, and the ids of those unmet.

    As in MOT, the research paper may take the technical report's place: when the report is
    not met and the paper is, the report is not asked for (and in Class I, where the paper is
    required too, the paper is counted once).
    """
    met = {c for c in required if _mof_accepts(found.get(c))}
    stand_in = MOF_STANDS_IN["technical-report"]
    waived = (
        "technical-report" in required
        and "technical-report" not in met
        and _mof_accepts(found.get(stand_in))
    )
    asked = [c for c in required if not (waived and c == "technical-report")]
    if waived and stand_in not in asked:
        # Classes III and II do not require the paper: it fills the report's slot.
        met.add("technical-report")
        asked = list(required)
    unmet = [c for c in asked if c not in met]
    return len(asked) - len(unmet), unmet


def mof(
    findings: Sequence[Finding],
) -> tuple[Literal["I", "II", "III"] | None, Mapping[str, float], Mapping[str, tuple[str, ...]]]:
    """The best MOF class met, per class its progress as MOT computes it, and what is unmet.

    MOT's progress: a class's share of its cumulative requirements met, but 0 while a class
    below it (III before II before I) is not complete.
    """
    found = _by_component(findings)
    cumulative: list[str] = []
    progress: dict[str, float] = {}
    unmet: dict[str, tuple[str, ...]] = {}
    lower_complete = True
    for mof_class in _MOF_ORDER:
        cumulative.extend(MOF_CLASSES[mof_class])
        met, missing = _slots(found, cumulative)
        unmet[mof_class] = tuple(missing)
        share = met / (met + len(missing))
        progress[mof_class] = share if lower_complete else 0.0
        lower_complete = lower_complete and not missing
    best = next((c for c in reversed(_MOF_ORDER) if not unmet[c]), None)
    return best, progress, unmet


def score(findings: Sequence[Finding]) -> int:
    """0..100: the SCORE_WEIGHTS of the 17 components' statuses, averaged, rounded half up."""
    found = _by_component(findings)
    total = sum(SCORE_WEIGHTS.get(_status(found, c.id), 0.0) for c in COMPONENTS)
    return math.floor(100 * total / len(COMPONENTS) + 0.5)


def _downloadable(found: Mapping[str, Finding]) -> bool:
    """Whether weight files were seen on a source, even where their license could not be judged."""
    weights = found.get("final-weights")
    if weights is None or weights.effective_status in ("closed", "not-found"):
        return False
    return any(e.field == "siblings" and e.value for e in weights.evidence)


def verdict(findings: Sequence[Finding]) -> Verdict:
    """Roll findings up into OSAID, MOF, score, access flag and category (curations applied)."""
    found = _by_component(findings)
    osaid_status, osaid_unmet = osaid(findings)
    mof_class, progress, mof_unmet = mof(findings)
    weights = _status(found, "final-weights")
    gated = _status(found, "access") in ("auto", "manual") or weights == "gated"
    category: Literal["open-source-ai", "open-weights", "restricted-weights", "closed"]
    if osaid_status == "open-source-ai":
        category = "open-source-ai"
    elif weights == "open":
        category = "open-weights"
    elif weights in ("restricted", "gated", "unlicensed") or _downloadable(found):
        # Weights anyone can download are never "closed", whatever their terms say.
        category = "restricted-weights"
    else:
        category = "closed"
    lineage = found.get("lineage")
    chain = next(
        (tuple(e.value) for e in (lineage.evidence if lineage else ()) if e.field == "chain"), ()
    )
    claimed = _status(found, "open-source-claim") == "claimed"
    return Verdict(
        lineage=chain,
        open_washing=claimed and osaid_status != "open-source-ai",
        osaid=osaid_status,
        osaid_unmet=osaid_unmet,
        mof_class=mof_class,
        # Plain dicts: dataclasses.asdict cannot copy a mappingproxy.
        mof_progress=progress,
        mof_unmet=mof_unmet,
        score=score(findings),
        gated=gated,
        category=category,
    )
