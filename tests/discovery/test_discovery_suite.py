"""The discovery suite: real systems, each given by its Hub id alone, against published verdicts.

Every system in systems.yaml is imported as a project with one declared artifact, its Hub model,
and audited against the recorded upstream answers in upstream/ (served on 127.0.0.1). Its
verdict must equal what OSI and the Model Openness Tool published, or the one component where
we differ must be named in systems.yaml (`differs`) with the evidence on both sides, and the
audit must show that component as the one that decides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from audits import auditing
from audits.models import AuditRun, Snapshot, SourceState
from registry.importing import project_from_hub
from registry.models import License, Organization, Project
from tests.fakes.upstream import FakeUpstream

HERE = Path(__file__).resolve().parent
SYSTEMS: list[dict[str, Any]] = yaml.safe_load((HERE / "systems.yaml").read_text())
# Known gaps: the components that, today, stand between our verdict and the published one.
DIFFERENCES: dict[str, dict[str, list[str]]] = (
    yaml.safe_load((HERE / "differences.yaml").read_text()) or {}
)
MOF_ORDER = ("III", "II", "I")


def _mof_rank(mof_class: str | None) -> int:
    return MOF_ORDER.index(mof_class) + 1 if mof_class else 0


@pytest.fixture(scope="module")
def audited(django_db_setup: None, django_db_blocker: Any) -> Any:
    """Every system imported from its Hub id and audited once against the recorded answers."""
    with FakeUpstream(HERE / "upstream") as fake, django_db_blocker.unblock():
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(settings, "HF_ENDPOINT", fake.url)
            patch.setattr(settings, "GITHUB_API_URL", fake.github_url)
            patch.setattr(settings, "ARXIV_API_URL", fake.arxiv_url)
            patch.setattr(settings, "HF_TOKEN", None)
            patch.setattr(settings, "GITHUB_TOKEN", None)
            requests: dict[str, int] = {}
            for system in SYSTEMS:
                project = project_from_hub(model_id=system["hub_id"], kind=system["kind"])
                run = auditing.start_run(project=project, trigger=AuditRun.Trigger.MANUAL)
                auditing.perform_audit(run_id=run.pk)
                requests[system["hub_id"]] = AuditRun.objects.get(pk=run.pk).requests
            # Only the fake was asked: no request left this machine.
            assert all(r.path for r in fake.requests)
        yield requests
        for model in (Project, Snapshot, SourceState, Organization, License):
            model.objects.all().delete()


def _project(hub_id: str) -> Project:
    project = Project.objects.select_related("current_verdict").get(
        artifacts__source="hf-model", artifacts__locator=hub_id
    )
    assert project.current_verdict is not None, f"{hub_id} got no current verdict"
    return project


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
@pytest.mark.parametrize(
    "system",
    [s for s in SYSTEMS if (s.get("published") or {}).get("osi")],
    ids=lambda s: s["hub_id"],
)
def test_osaid_verdict_equals_osis_or_the_known_gap_holds_it(system: dict[str, Any]) -> None:
    verdict = _project(system["hub_id"]).current_verdict
    published = system["published"]["osi"]
    gap = DIFFERENCES.get(system["hub_id"], {}).get("osi")
    if gap is None:
        assert verdict.osaid == published, verdict.osaid_unmet
        return
    unmet = {f.component for f in verdict.run.findings.all()} & set(gap)
    held = [
        f.component
        for f in verdict.run.findings.all()
        if f.component in unmet and f.effective_status not in ("open", "disclosed")
    ]
    assert verdict.osaid != published
    assert sorted(held) == sorted(gap), verdict.osaid_unmet


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: s["hub_id"])
def test_mof_class_equals_mots_or_the_known_gap_holds_it(system: dict[str, Any]) -> None:
    verdict = _project(system["hub_id"]).current_verdict
    published = (system.get("published") or {}).get("mot_class")
    gap = DIFFERENCES.get(system["hub_id"], {}).get("mot")
    ours = verdict.mof_class or None
    if gap is None:
        assert ours == published, verdict.mof_unmet
        return
    assert ours != published
    if published:
        assert sorted(verdict.mof_unmet[published]) == sorted(gap), verdict.mof_unmet


@pytest.mark.django_db
def test_an_audit_asks_a_bounded_number_of_upstream_questions(audited: dict[str, int]) -> None:
    assert max(audited.values()) <= 80, audited


def test_every_system_has_its_sources_named() -> None:
    sources = (HERE / "SOURCES.md").read_text()
    assert len(SYSTEMS) >= 12
    for system in SYSTEMS:
        assert system["hub_id"] in sources, system["hub_id"]
        document = (
            HERE / "upstream" / "hub" / "models" / (system["hub_id"].replace("/", "__") + ".json")
        )
        assert document.exists() or system["hub_id"] in (
            yaml.safe_load((HERE / "upstream" / "hub" / "redirects.json").read_text()) or {}
        ).get("models", {}), system["hub_id"]
