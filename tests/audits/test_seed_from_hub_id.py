"""The seed catalogue from Hub ids alone: discovery must reach what the records declare.

Each seed project is imported as `import_hub` would import it, with its Hub model as its only
declared artifact, and audited against the recorded upstream answers. Its verdicts must equal
the published ones (registry/published_verdicts.yaml), or the components that stand between
must be the ones named in `FROM_HUB_ID_DIFFERS`, so a fix or a regression of discovery shows at
once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from audits import auditing
from audits.models import AuditRun, Snapshot, SourceState
from registry.components import BY_ID
from registry.importing import project_from_hub
from registry.models import License, Organization, Project
from tests.audits.test_seed_published import DIFFERS, PUBLISHED
from tests.fakes.upstream import FakeUpstream

SEED = Path(__file__).resolve().parents[2] / "registry" / "catalogue"
# Beyond the record-based differences (DIFFERS): what only a record can say today.
FROM_HUB_ID_DIFFERS: dict[str, dict[str, tuple[str, ...]]] = {
    # OLMo's data preprocessing code is the Dolma toolkit (allenai/dolma on GitHub). The record
    # names it; from the Hub id, only the card of the allenai/dolma dataset links it, and that
    # card's README is not recorded (the model card and the OLMo repository do not link it).
    "olmo-7b": {
        "osi": ("data-preprocessing-code",),
        "mot": ("evaluation-data", "data-preprocessing-code"),
    },
}


def _hub_id(slug: str) -> tuple[str, str]:
    record = yaml.safe_load((SEED / f"{slug}.yaml").read_text())
    hub = next(a["locator"] for a in record["artifacts"] if a["source"] == "hf-model")
    return hub, record["kind"]


@pytest.fixture(scope="module")
def from_hub_ids(django_db_setup: None, django_db_blocker: Any) -> dict[str, int]:
    """Every seed project imported from its Hub id and audited once; the project per slug."""
    with FakeUpstream() as fake, django_db_blocker.unblock():
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(settings, "HF_ENDPOINT", fake.url)
            patch.setattr(settings, "GITHUB_API_URL", fake.github_url)
            patch.setattr(settings, "ARXIV_API_URL", fake.arxiv_url)
            projects: dict[str, int] = {}
            for entry in PUBLISHED:
                hub_id, kind = _hub_id(entry["slug"])
                project = project_from_hub(model_id=hub_id, kind=kind)
                run = auditing.start_run(project=project, trigger=AuditRun.Trigger.MANUAL)
                auditing.perform_audit(run_id=run.pk)
                projects[entry["slug"]] = project.pk
        yield projects
        for model in (Project, Snapshot, SourceState, Organization, License):
            model.objects.all().delete()


def _verdict(projects: dict[str, int], slug: str) -> Any:
    verdict = (
        Project.objects.select_related("current_verdict").get(pk=projects[slug]).current_verdict
    )
    assert verdict is not None, f"{slug} from its Hub id got no verdict"
    return verdict


@pytest.mark.django_db
@pytest.mark.parametrize(
    "entry", [e for e in PUBLISHED if e["published"]["osi"]], ids=lambda e: e["slug"]
)
def test_osaid_from_the_hub_id_alone_equals_osis(
    from_hub_ids: dict[str, int], entry: dict[str, Any]
) -> None:
    verdict = _verdict(from_hub_ids, entry["slug"])
    gap = FROM_HUB_ID_DIFFERS.get(entry["slug"], {}).get("osi")
    if gap is None:
        assert verdict.osaid == entry["published"]["osi"], verdict.osaid_unmet
        return
    assert verdict.osaid != entry["published"]["osi"]
    held = {line.split(":")[0] for line in verdict.osaid_unmet}
    assert held == {BY_ID[component].label for component in gap}, verdict.osaid_unmet


@pytest.mark.django_db
@pytest.mark.parametrize(
    "entry", [e for e in PUBLISHED if e["published"].get("mot_listed")], ids=lambda e: e["slug"]
)
def test_mof_class_from_the_hub_id_alone_equals_mots_or_the_named_components_differ(
    from_hub_ids: dict[str, int], entry: dict[str, Any]
) -> None:
    verdict = _verdict(from_hub_ids, entry["slug"])
    published = entry["published"]["mot_class"]
    gap = FROM_HUB_ID_DIFFERS.get(entry["slug"], {}).get("mot") or DIFFERS.get(entry["slug"])
    if gap is None:
        assert (verdict.mof_class or None) == published, verdict.mof_unmet
        return
    assert (verdict.mof_class or None) != published
    assert set(verdict.mof_unmet[published]) == set(gap), verdict.mof_unmet


@pytest.mark.django_db
def test_an_audit_from_a_hub_id_asks_a_bounded_number_of_questions(
    from_hub_ids: dict[str, int],
) -> None:
    asked = list(
        AuditRun.objects.filter(project_id__in=from_hub_ids.values()).values_list(
            "requests", flat=True
        )
    )
    assert len(asked) == len(PUBLISHED)
    assert max(asked) <= 80, asked
