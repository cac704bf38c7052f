"""The seed catalogue against the verdicts published for it: OSI's validation and MOT's classes.

Where we differ from MOT, `DIFFERS` names the one component and why; the test checks that this
component is exactly what stands between our class and MOT's, so the difference stays visible.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from registry.models import Project
from tests.audits.test_seed_verdicts import audited  # noqa: F401 (the module fixture)

PUBLISHED: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).with_name("seed_published.yaml")).read_text()
)
MOF_ORDER = ("III", "II", "I")
# Where our class differs from MOT's: the components that stand between, and why.
DIFFERS: dict[str, tuple[str, ...]] = {
    # MOT gives the Pile, evaluation data and (by the distribution license) every listed
    # component Apache-2.0. The Pile's own card says `license: other`, and no card or repository
    # names the evaluation data, so we cannot find either under an open license.
    **dict.fromkeys(
        (
            "pythia-70m",
            "pythia-160m",
            "pythia-410m",
            "pythia-1b",
            "pythia-1.4b",
            "pythia-2.8b",
            "pythia-6.9b",
            "pythia-12b",
        ),
        ("evaluation-data", "training-datasets"),
    ),
    # MOT lists OLMo-7B's evaluation data under Apache-2.0; the card names its benchmarks
    # (arc_challenge, hellaswag, ...) only as rows of its results tables, and the audit does not
    # map benchmark names to datasets.
    "olmo-7b": ("evaluation-data",),
}


def _rank(mof_class: str | None) -> int:
    return MOF_ORDER.index(mof_class) + 1 if mof_class else 0


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
@pytest.mark.parametrize(
    "entry", [e for e in PUBLISHED if e["published"]["osi"]], ids=lambda e: e["slug"]
)
def test_osaid_verdict_equals_osis_validation(entry: dict[str, Any]) -> None:
    verdict = Project.objects.get(slug=entry["slug"]).current_verdict
    assert verdict.osaid == entry["published"]["osi"], verdict.osaid_unmet


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
@pytest.mark.parametrize(
    "entry", [e for e in PUBLISHED if e["published"].get("mot_listed")], ids=lambda e: e["slug"]
)
def test_mof_class_equals_mots_or_the_named_components_differ(entry: dict[str, Any]) -> None:
    verdict = Project.objects.get(slug=entry["slug"]).current_verdict
    published = entry["published"]["mot_class"]
    ours = verdict.mof_class or None
    if entry["slug"] not in DIFFERS:
        assert ours == published, verdict.mof_unmet
        return
    assert _rank(ours) < _rank(published)
    assert set(verdict.mof_unmet[published]) == set(DIFFERS[entry["slug"]]), verdict.mof_unmet
