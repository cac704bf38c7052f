"""The seed catalogue's records keep only what discovery cannot find.

A record declares an artifact, a license or a component only where the audit of the Hub id,
and of what the sources lead to, would not find it: dropping any of them changes a finding. So a
record shows at a glance what a curator had to add, and a declaration that discovery has made
redundant fails here.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from audits import rules
from audits.auditing import audit_input_for
from audits.rules.types import AuditInput, DeclaredArtifact
from registry.components import default_serves
from registry.models import Project
from tests.audits.test_seed_verdicts import SEED, audited  # noqa: F401 (the module fixture)


def _judged(audit: AuditInput) -> dict[str, tuple[str, str | None]]:
    findings = rules.evaluate(audit)
    result = rules.verdict(findings)
    judged = {f.component: (f.status, f.license) for f in findings}
    judged["verdict"] = (result.osaid, result.mof_class)
    return judged


def _without(audit: AuditInput, index: int, artifact: DeclaredArtifact | None) -> AuditInput:
    artifacts = list(audit.artifacts)
    if artifact is None:
        del artifacts[index]
    else:
        artifacts[index] = artifact
    return replace(audit, artifacts=tuple(artifacts))


def _trials(audit: AuditInput) -> list[tuple[str, AuditInput]]:
    """Each declaration dropped in turn: an artifact, its license, a component not by default."""
    trials = []
    for index, artifact in enumerate(audit.artifacts):
        if artifact.origin != "record":
            continue
        what = f"{artifact.source}:{artifact.locator}"
        if index:
            trials.append((what, _without(audit, index, None)))
        if artifact.license:
            trials.append(
                (f"{what} license", _without(audit, index, replace(artifact, license=None)))
            )
        default = default_serves(artifact.source)
        for component in (
            c for c in artifact.serves if artifact.source.startswith("hf-") and c not in default
        ):
            rest = tuple(c for c in artifact.serves if c != component)
            trials.append(
                (
                    f"{what} serves {component}",
                    _without(audit, index, replace(artifact, serves=rest)),
                )
            )
    return trials


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
@pytest.mark.parametrize("slug", sorted(p.stem for p in SEED.glob("*.yaml")))
def test_every_declaration_in_a_seed_record_is_one_discovery_cannot_make(slug: str) -> None:
    audit = audit_input_for(Project.objects.get(slug=slug))
    baseline = _judged(audit)
    redundant = [what for what, trial in _trials(audit) if _judged(trial) == baseline]
    assert redundant == [], f"{slug}: discovery finds these by itself, drop them: {redundant}"


def test_the_trials_cover_every_kind_of_declaration() -> None:
    audit = AuditInput(
        artifacts=(
            DeclaredArtifact(
                "hf-model", "o/m", ("final-weights", "intermediate-checkpoints"), "mit"
            ),
            DeclaredArtifact("github", "o/code", ("training-code",), "MIT"),
        ),
        observations={},
    )
    assert [what for what, _ in _trials(audit)] == [
        "hf-model:o/m license",
        "hf-model:o/m serves intermediate-checkpoints",
        "github:o/code",
        "github:o/code license",
    ]
