"""The seed catalogue against the verdicts published for it: OSI's validation and MOT's classes.

The published verdicts are the app's own (registry/published_verdicts.yaml, keyed by Hub model
id); each seed project finds its entry through its catalogue record's Hub model. Where we differ
from MOT, `DIFFERS` names the components and the entry's `differs.mot` says why; the test checks
that these components are exactly what stands between our class and MOT's, so the difference
stays visible.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from registry.models import Project
from registry.published import for_hub_id
from tests.audits.test_seed_verdicts import audited  # noqa: F401 (the module fixture)

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"


def _hub_id(path: Path) -> str:
    record = yaml.safe_load(path.read_text())
    return next(a["locator"] for a in record["artifacts"] if a["source"] == "hf-model")


def _published() -> list[dict[str, Any]]:
    """Per seed project (slug, its Hub model), the published entry, as plain data."""
    entries = []
    for path in sorted(SEED.glob("*.yaml")):
        hub_id = _hub_id(path)
        entry = for_hub_id(hub_id)
        assert entry is not None, f"{path.name}: no published entry for {hub_id}"
        entries.append(
            {"slug": path.stem, "hub_id": hub_id, "published": entry.model_dump(mode="json")}
        )
    return entries


PUBLISHED: list[dict[str, Any]] = _published()
MOF_ORDER = ("III", "II", "I")
# Where our class differs from MOT's: the components that stand between. Why: each entry's
# `differs.mot` in registry/published_verdicts.yaml (the Pile's `license: other`, evaluation data
# named only as benchmarks).
DIFFERS: dict[str, tuple[str, ...]] = {
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
    "olmo-7b": ("evaluation-data",),
}


def _rank(mof_class: str | None) -> int:
    return MOF_ORDER.index(mof_class) + 1 if mof_class else 0


def test_every_seed_project_has_one_published_entry() -> None:
    assert len(PUBLISHED) == len(list(SEED.glob("*.yaml")))
    assert len({e["hub_id"].lower() for e in PUBLISHED}) == len(PUBLISHED)


def test_each_named_difference_says_why_and_only_those() -> None:
    explained = {e["slug"] for e in PUBLISHED if e["published"]["differs"]["mot"]}
    assert explained == set(DIFFERS)


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
