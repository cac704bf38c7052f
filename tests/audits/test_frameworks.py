"""The frameworks as rules: OSAID 1.0, MOF classes, score, access flag and category."""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import pytest

from audits.rules import evaluate, verdict
from audits.rules.frameworks import MOF_CLASSES, SCORE_WEIGHTS
from audits.rules.types import DATA_FACETS, Curation, Evidence, Finding
from registry.components import COMPONENTS
from tests.audits.test_rules import (
    audit_of,
    finding,
    llama2,
    pythia,
    seen,
    stable_diffusion_v1_4,
)


@pytest.fixture(autouse=True)
def _plain_static_storage() -> None:
    # Replaces the suite-wide fixture that needs Django settings: these tests are pure.
    return None


DECLARED = Evidence(
    "record", "org/libs", "serves", ["supporting-libraries"], "https://github.com/org/libs"
)


def findings_with(
    statuses: dict[str, str] | None = None,
    *,
    components: str = "open",
    facets: str = "disclosed",
    access: str = "none",
) -> tuple[Finding, ...]:
    """A full set of findings: every component and facet at one status, with some overridden."""
    statuses = statuses or {}
    made = [
        Finding(
            c.id, statuses.get(c.id, components), f"{c.label} is {statuses.get(c.id, components)}."
        )
        for c in COMPONENTS
    ]
    # Undeclared supporting libraries carry no record evidence, as the rules make them.
    made = [
        replace(f, status="closed")
        if f.component == "supporting-libraries" and "supporting-libraries" not in statuses
        else f
        for f in made
    ]
    made.append(Finding("access", statuses.get("access", access), "Access."))
    made += [
        Finding(f, statuses.get(f, facets), f"{f} is {statuses.get(f, facets)}.")
        for f in DATA_FACETS
    ]
    return tuple(made)


def curated(findings: tuple[Finding, ...], component: str, status: str) -> tuple[Finding, ...]:
    curation = Curation(component, status, None, "A moderator checked it.", "https://example.org")
    return tuple(replace(f, curation=curation) if f.component == component else f for f in findings)


# --- OSAID 1.0 -------------------------------------------------------------------------------

OSAID_CASES = [
    # (case, overrides, osaid, unmet count)
    ("everything open and disclosed", {}, "open-source-ai", 0),
    ("restricted weights", {"final-weights": "restricted"}, "not-open-source-ai", 1),
    ("gated weights", {"final-weights": "gated"}, "not-open-source-ai", 1),
    ("unlicensed code", {"training-code": "unlicensed"}, "not-open-source-ai", 1),
    ("closed preprocessing code", {"data-preprocessing-code": "closed"}, "not-open-source-ai", 1),
    ("partial provenance", {"data-provenance": "partial"}, "not-open-source-ai", 1),
    ("labelling not disclosed", {"data-labelling": "not-disclosed"}, "not-open-source-ai", 1),
    ("only unknowns fail", {"final-weights": "unknown", "data-labelling": "unknown"},
     "insufficient-evidence", 2),
    ("an unknown and a closed", {"final-weights": "unknown", "evaluation-code": "closed"},
     "not-open-source-ai", 2),
    ("MOF-only components do not matter", {"training-datasets": "restricted",
     "research-paper": "unlicensed", "model-card": "closed"}, "open-source-ai", 0),
]  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "osaid", "unmet"),
    [case[1:] for case in OSAID_CASES],
    ids=[case[0] for case in OSAID_CASES],
)
def test_osaid(overrides: dict[str, str], osaid: str, unmet: int) -> None:
    result = verdict(findings_with(overrides))
    assert result.osaid == osaid
    assert len(result.osaid_unmet) == unmet


def test_unmet_requirements_are_plain_sentences() -> None:
    findings = findings_with({"final-weights": "restricted"})
    findings = tuple(
        replace(f, reason="Llama 2 Community License limits use.")
        if f.component == "final-weights"
        else f
        for f in findings
    )
    assert verdict(findings).osaid_unmet == (
        "Final weights: restricted — Llama 2 Community License limits use.",
    )


def test_supporting_libraries_count_only_when_declared() -> None:
    undeclared = findings_with({"supporting-libraries": "closed"})
    declared = tuple(
        replace(f, status="restricted", evidence=(DECLARED,))
        if f.component == "supporting-libraries"
        else f
        for f in undeclared
    )
    assert verdict(undeclared).osaid == "open-source-ai"
    assert verdict(declared).osaid == "not-open-source-ai"
    assert verdict(declared).osaid_unmet[0].startswith("Supporting libraries and tools: restricted")


def test_a_curation_overrides_the_verdict_but_not_the_tools_status() -> None:
    findings = curated(findings_with({"final-weights": "unknown"}), "final-weights", "open")
    assert finding(findings, "final-weights").status == "unknown"
    assert verdict(findings).osaid == "open-source-ai"
    reopened = curated(findings_with(), "data-provenance", "partial")
    assert verdict(reopened).osaid == "not-open-source-ai"
    assert verdict(reopened).osaid_unmet == ("Data provenance: partial — A moderator checked it.",)


def test_a_missing_finding_counts_as_unknown() -> None:
    findings = tuple(f for f in findings_with() if f.component != "evaluation-code")
    result = verdict(findings)
    assert result.osaid == "insufficient-evidence"
    assert result.osaid_unmet == ("Evaluation code: unknown — No finding was made.",)


# --- MOF -------------------------------------------------------------------------------------

MOF_CASES = [
    # (case, overrides, class, progress III, II, I)
    ("everything open", {}, "I", (1.0, 1.0, 1.0)),
    ("no checkpoints", {"intermediate-checkpoints": "closed"}, "II", (1.0, 1.0, 13 / 14)),
    # MOT's progress: a class shows 0 while the class below it is incomplete.
    ("no evaluation data", {"evaluation-data": "closed"}, "III", (1.0, 0.9, 0.0)),
    ("gated weights with no license named", {"final-weights": "gated"}, None, (5 / 6, 0.0, 0.0)),
    ("weights not found", {"final-weights": "not-found"}, None, (5 / 6, 0.0, 0.0)),
    ("paper stands in for the report", {"technical-report": "closed"}, "I", (1.0, 1.0, 1.0)),
    ("neither report nor paper", {"technical-report": "closed", "research-paper": "unlicensed"},
     None, (5 / 6, 0.0, 0.0)),
    ("optional ones do not count", {"sample-outputs": "closed", "supporting-libraries": "closed",
     "model-metadata": "closed"}, "I", (1.0, 1.0, 1.0)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "mof_class", "progress"),
    [case[1:] for case in MOF_CASES],
    ids=[case[0] for case in MOF_CASES],
)
def test_mof(
    overrides: dict[str, str], mof_class: str | None, progress: tuple[float, float, float]
) -> None:
    result = verdict(findings_with(overrides))
    assert result.mof_class == mof_class
    assert [result.mof_progress[c] for c in ("III", "II", "I")] == pytest.approx(list(progress))


def test_mof_accepts_an_open_license_behind_a_gate_as_mot_does() -> None:
    findings = tuple(
        replace(f, license="Apache-2.0") if f.component == "final-weights" else f
        for f in findings_with({"final-weights": "gated"})
    )
    assert verdict(findings).mof_class == "I"


@pytest.mark.parametrize(
    ("status", "license", "met"),
    [("restricted", "CC-BY-4.0", True), ("restricted", "LicenseRef-scancode-llama-2-license-2023",
      False), ("unlicensed", None, False), ("not-found", None, False), ("unknown", "MIT", False)],
)  # fmt: skip
def test_mof_takes_licenses_mot_counts_as_open(status: str, license: str | None, met: bool) -> None:
    findings = tuple(
        replace(f, status=status, license=license) if f.component == "training-code" else f
        for f in findings_with()
    )
    assert ("training-code" not in verdict(findings).mof_unmet["II"]) is met


def test_mof_unmet_lists_are_cumulative() -> None:
    result = verdict(findings_with({"model-card": "restricted", "evaluation-data": "closed"}))
    assert result.mof_unmet == {
        "III": ("model-card",),
        "II": ("model-card", "evaluation-data"),
        "I": ("model-card", "evaluation-data"),
    }


def test_mof_classes_name_14_components_once() -> None:
    required = [c for added in MOF_CLASSES.values() for c in added]
    assert len(required) == len(set(required)) == 14


# --- Score, access flag, category ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "score"),
    [("open", 100), ("gated", 75), ("restricted", 50), ("unlicensed", 25), ("closed", 0),
     ("unknown", 0)],
)  # fmt: skip
def test_score_weights_each_status(status: str, score: int) -> None:
    findings = findings_with(components=status, statuses={"supporting-libraries": status})
    assert verdict(findings).score == score == round(100 * SCORE_WEIGHTS[status])


def test_score_averages_over_the_17_components() -> None:
    # 16 open, 1 closed: 16/17 = 94.1 %.
    assert verdict(findings_with({"supporting-libraries": "closed"})).score == 94


CATEGORY_CASES = [
    # (case, overrides, category, gated)
    ("open source AI", {}, "open-source-ai", False),
    ("open weights, closed code", {"training-code": "closed"}, "open-weights", False),
    ("restricted weights", {"training-code": "closed", "final-weights": "restricted"},
     "restricted-weights", False),
    ("gated weights", {"final-weights": "gated", "access": "manual"}, "restricted-weights", True),
    ("auto gate on restricted weights", {"final-weights": "restricted", "access": "auto"},
     "restricted-weights", True),
    # Weights anyone can download are never "closed".
    ("unlicensed weights", {"final-weights": "unlicensed"}, "restricted-weights", False),
    ("withheld weights", {"final-weights": "closed"}, "closed", False),
    ("no weights found", {"final-weights": "not-found"}, "closed", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "category", "gated"),
    [case[1:] for case in CATEGORY_CASES],
    ids=[case[0] for case in CATEGORY_CASES],
)
def test_category_and_gated(overrides: dict[str, str], category: str, gated: bool) -> None:
    result = verdict(findings_with(overrides))
    assert (result.category, result.gated) == (category, gated)


def test_verdict_is_json_able() -> None:
    result = verdict(evaluate(pythia()))
    assert json.loads(json.dumps(asdict(result)))["osaid"] == "open-source-ai"


# --- Projects, end to end --------------------------------------------------------------------


def test_llama_2_is_not_open_source_ai_for_its_weights_and_undisclosed_data() -> None:
    result = verdict(evaluate(llama2()))
    assert result.osaid == "not-open-source-ai"
    assert result.osaid_unmet[0].startswith("Final weights: restricted — ")
    assert "Llama 2 Community License" in result.osaid_unmet[0]
    assert "700 million monthly active users" in result.osaid_unmet[0]
    for label in ("Data provenance", "Data characteristics", "Data labelling and cleaning"):
        assert f"{label}: not-disclosed — No training data is named" in "\n".join(
            result.osaid_unmet
        )
    assert (result.category, result.gated, result.mof_class) == ("restricted-weights", True, None)


def test_stable_diffusion_v1_4_discloses_its_data_but_restricts_its_weights() -> None:
    findings = evaluate(stable_diffusion_v1_4())
    assert finding(findings, "final-weights").status == "restricted"
    assert finding(findings, "final-weights").license == (
        "LicenseRef-scancode-stable-diffusion-2022-08-22"
    )
    assert {finding(findings, f).status for f in DATA_FACETS} == {"disclosed"}
    result = verdict(findings)
    assert result.osaid == "not-open-source-ai"
    facets = ("Data provenance", "Data characteristics", "Data labelling")
    assert not any(line.startswith(facets) for line in result.osaid_unmet)
    assert any(line.startswith("Data preprocessing code: not-found") for line in result.osaid_unmet)
    assert (result.category, result.gated) == ("restricted-weights", False)


def test_pythia_is_open_source_ai_and_its_unread_papers_hold_the_mof_back() -> None:
    findings = evaluate(pythia())
    result = verdict(findings)
    assert (result.osaid, result.osaid_unmet) == ("open-source-ai", ())
    assert (result.category, result.gated) == ("open-source-ai", False)
    assert result.mof_class is None
    assert result.mof_unmet["III"] == ("data-card", "technical-report")
    assert result.mof_unmet["I"] == (
        "data-card",
        "technical-report",
        "evaluation-data",
        "training-datasets",
        "research-paper",
    )
    assert result.mof_progress["III"] == pytest.approx(4 / 6)
    # 10 open, the papers unknown (arXiv not read here), the rest not found: 10 / 17.
    assert result.score == 59


def test_curating_pythias_papers_reaches_class_iii_and_keeps_the_tools_view() -> None:
    base = pythia()
    curations = (
        Curation("research-paper", "open", "CC-BY-4.0", "Published under CC BY 4.0.", "https://arxiv.org/abs/2304.01373"),
        Curation("data-card", "open", "CC-BY-4.0", "Published under CC BY 4.0.", "https://arxiv.org/abs/2101.00027"),
    )  # fmt: skip
    findings = evaluate(audit_of(list(base.artifacts), list(base.observations.values()), curations))
    assert finding(findings, "research-paper").status == "unknown"
    result = verdict(findings)
    assert result.mof_class == "III"
    assert result.mof_unmet["II"] == ("evaluation-data",)


def test_pythia_with_its_model_unreachable_has_insufficient_evidence() -> None:
    changed = pythia(
        **{
            "EleutherAI/pythia-6.9b": seen(
                "hf-model",
                "EleutherAI/pythia-6.9b",
                None,
                state="unreachable",
                unreachable_since="2026-11-19T03:00:00Z",
                error="HTTP 503",
            )
        }
    )
    result = verdict(evaluate(changed))
    assert result.osaid == "insufficient-evidence"
    assert result.osaid_unmet == (
        "Final weights: unknown — Source unreachable since 2026-11-19T03:00:00Z: HTTP 503.",
    )
