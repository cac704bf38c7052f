"""License agreement: the card, the LICENSE file, GitHub and the README, compared per artifact."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from audits import auditing
from audits.models import Finding as StoredFinding
from audits.rules import evaluate
from audits.rules.license_agreement import license_agreement_finding
from audits.rules.types import AuditInput, DeclaredArtifact, Finding, Observation
from audits.sources.github import license_payload, readme_payload
from audits.sources.hub import file_payload
from registry.models import Project
from tests.audits.test_rules import seen
from tests.fakes.upstream import FakeUpstream

TESTS = Path(__file__).resolve().parent.parent
HUB = TESTS / "discovery" / "upstream" / "hub" / "models"
GITHUB = TESTS / "discovery" / "upstream" / "github" / "repos"
SAMPLE_HUB = TESTS / "fakes" / "sample_upstream" / "hub" / "models"
SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"


def _json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


# Real license texts, as GitHub's /license answers carried them.
MIT_TEXT = license_payload(_json(GITHUB / "EleutherAI__lm-evaluation-harness.license.json"))["text"]
APACHE_TEXT = license_payload(_json(GITHUB / "LLM360__amber-train.license.json"))["text"]
LLAMA_3_TEXT = (SAMPLE_HUB / "meta-llama__Meta-Llama-3-8B.files" / "LICENSE").read_text()
AMBER_CARD = (HUB / "LLM360__Amber.files" / "README.md").read_text()
GPL_SECTION = (
    "\n## License\n\nThis repository is released under the GNU GENERAL PUBLIC LICENSE Version 3, "
    "29 June 2007.\n"
)


# --- Observations in the shapes the harvest stores ----------------------------------------------


def hub_model(name: str, folder: Path = HUB, **card: Any) -> dict[str, Any]:
    """A recorded `GET /api/models/{id}` body, its card data changed by `card` (None removes)."""
    payload = copy.deepcopy(_json(folder / f"{name}.json"))
    for key, value in card.items():
        if value is None:
            payload["cardData"].pop(key, None)
        else:
            payload["cardData"][key] = value
    return payload


def with_files(payload: dict[str, Any], *paths: str) -> dict[str, Any]:
    payload["siblings"] = [*payload["siblings"], *({"rfilename": p} for p in paths)]
    return payload


def hub_file(repo_id: str, path: str, text: str) -> Observation:
    payload = file_payload(repo_type="model", repo=repo_id, path=path, revision="a" * 40, text=text)
    return seen("hf-file", f"models/{repo_id}:{path}", payload)


def github_repo(name: str, **changes: Any) -> dict[str, Any]:
    return {**_json(GITHUB / f"{name}.json"), **changes}


def github_license(name: str, text: str | None = None) -> dict[str, Any]:
    payload = license_payload(_json(GITHUB / f"{name}.license.json"))
    return payload if text is None else {**payload, "text": text}


def github_readme(name: str, extra: str = "") -> dict[str, Any]:
    payload = readme_payload(_json(GITHUB / f"{name}.readme.json"))
    return {**payload, "text": payload["text"] + extra}


def audit_of(artifacts: list[tuple[str, str, str]], observations: list[Observation]) -> AuditInput:
    """(source, locator, origin) artifacts and what their sources answered."""
    return AuditInput(
        artifacts=tuple(
            DeclaredArtifact(source, locator, (), origin=origin, depth=int(origin == "base"))
            for source, locator, origin in artifacts
        ),
        observations={(o.source, o.locator): o for o in observations},
    )


AMBER = ("hf-model", "LLM360/Amber", "record")
AMBER_TRAIN = ("github", "LLM360/amber-train", "discovered")


def amber(payload: dict[str, Any], *files: Observation) -> list[Observation]:
    return [
        seen("hf-model", "LLM360/Amber", payload),
        hub_file("LLM360/Amber", "README.md", AMBER_CARD),
        *files,
    ]


def amber_train(
    *, license_text: str | None = None, readme: str = "", **repo: Any
) -> list[Observation]:
    name = "LLM360__amber-train"
    return [
        seen("github", "LLM360/amber-train", github_repo(name, **repo)),
        seen("github-license", "LLM360/amber-train", github_license(name, license_text)),
        seen("github-readme", "LLM360/amber-train", github_readme(name, readme)),
    ]


# --- The table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    audit: Callable[[], AuditInput]
    status: str
    reason: tuple[str, ...] = ()  # phrases the reason must hold
    not_in_reason: tuple[str, ...] = ()
    evidence: tuple[tuple[str, str], ...] = ()  # (source, field) pairs the evidence must hold
    pairs: int | None = None  # how many contradictions a `disagree` names


CASES: dict[str, Case] = {
    "card and LICENSE file name the same license": Case(
        lambda: audit_of(
            [("hf-model", "meta-llama/Meta-Llama-3-8B", "record")],
            [
                seen(
                    "hf-model",
                    "meta-llama/Meta-Llama-3-8B",
                    hub_model("meta-llama__Meta-Llama-3-8B", SAMPLE_HUB),
                ),
                hub_file("meta-llama/Meta-Llama-3-8B", "LICENSE", LLAMA_3_TEXT),
            ],
        ),
        "agree",
        reason=(
            "The model card of meta-llama/Meta-Llama-3-8B and its LICENSE file agree on "
            "Meta Llama 3 Community License Agreement.",
        ),
        evidence=(
            ("hf-model", "cardData.license"),
            ("hf-model", "cardData.license_name"),
            ("hf-file", "text"),
        ),
    ),
    "card says Apache, its LICENSE file is MIT": Case(
        lambda: audit_of(
            [AMBER],
            amber(
                with_files(hub_model("LLM360__Amber"), "LICENSE"),
                hub_file("LLM360/Amber", "LICENSE", MIT_TEXT),
            ),
        ),
        "disagree",
        reason=(
            "The model card of LLM360/Amber says apache-2.0 (Apache License 2.0) but its "
            "LICENSE file reads as MIT License.",
        ),
        evidence=(("hf-model", "cardData.license"), ("hf-file", "text")),
        pairs=1,
    ),
    "card names a license its License section contradicts": Case(
        lambda: audit_of(
            [AMBER],
            [
                seen("hf-model", "LLM360/Amber", hub_model("LLM360__Amber")),
                hub_file(
                    "LLM360/Amber",
                    "README.md",
                    AMBER_CARD + "\n## License\n\nLlama 2 is licensed under the LLAMA 2 "
                    "Community License, Copyright (c) Meta Platforms, Inc.\n",
                ),
            ],
        ),
        "disagree",
        reason=(
            "but its model card's License section reads as Llama 2 Community License Agreement.",
        ),
        pairs=1,
    ),
    "GitHub detects Apache, the README's License section is the GPL": Case(
        lambda: audit_of(
            [AMBER, AMBER_TRAIN],
            [*amber(hub_model("LLM360__Amber")), *amber_train(readme=GPL_SECTION)],
        ),
        "disagree",
        reason=(
            "GitHub's license for LLM360/amber-train is Apache-2.0 (Apache License 2.0) but its "
            "README reads as GNU General Public License v3.0 only.",
        ),
        not_in_reason=("LLM360/Amber ",),
        evidence=(("github", "license.spdx_id"), ("github-readme", "text")),
        pairs=1,
    ),
    "NOASSERTION resolved by the file's text, then compared with the README": Case(
        lambda: audit_of(
            [AMBER, AMBER_TRAIN],
            [
                *amber(hub_model("LLM360__Amber")),
                *amber_train(
                    license_text=MIT_TEXT,
                    readme=GPL_SECTION,
                    license={"key": "other", "name": "Other", "spdx_id": "NOASSERTION"},
                ),
            ],
        ),
        "disagree",
        reason=(
            "The license file of LLM360/amber-train reads as MIT License but its README reads as "
            "GNU General Public License v3.0 only.",
        ),
        evidence=(("github-license", "text"), ("github-readme", "text")),
    ),
    "a card's only statement is nothing to compare": Case(
        lambda: audit_of([AMBER], amber(hub_model("LLM360__Amber"))),
        "unknown",
        reason=(
            "Nothing to compare",
            "The model card of LLM360/Amber says apache-2.0 (Apache License 2.0).",
        ),
        evidence=(("hf-model", "cardData.license"),),
    ),
    "nothing readable at all is unknown with where it looked": Case(
        lambda: audit_of(
            [AMBER], [seen("hf-model", "LLM360/Amber", hub_model("LLM360__Amber", license=None))]
        ),
        "unknown",
        reason=("Nothing to compare",),
        evidence=(("hf-model", "looked"),),
    ),
    "an unmatched LICENSE text states nothing": Case(
        lambda: audit_of(
            [AMBER],
            amber(
                with_files(hub_model("LLM360__Amber"), "LICENSE"),
                hub_file(
                    "LLM360/Amber", "LICENSE", "Copyright (c) 2023 LLM360. All rights reserved."
                ),
            ),
        ),
        "unknown",
        not_in_reason=("LICENSE file",),
    ),
    "other without a name and an unidentified GitHub license state nothing": Case(
        lambda: audit_of(
            [AMBER, AMBER_TRAIN],
            [
                *amber(
                    with_files(hub_model("LLM360__Amber", license="other"), "LICENSE"),
                    hub_file("LLM360/Amber", "LICENSE", MIT_TEXT),
                ),
                *amber_train(
                    license_text="Use it as you like, but ask us first.",
                    readme=GPL_SECTION,
                    license={"key": "other", "name": "Other", "spdx_id": "NOASSERTION"},
                ),
            ],
        ),
        "unknown",
        not_in_reason=("says other",),
    ),
    "artifacts under different licenses are not compared": Case(
        lambda: audit_of(
            [AMBER, AMBER_TRAIN],
            [
                *amber(
                    with_files(hub_model("LLM360__Amber"), "LICENSE"),
                    hub_file("LLM360/Amber", "LICENSE", APACHE_TEXT),
                ),
                *amber_train(
                    readme=GPL_SECTION,
                    license={"key": "gpl-3.0", "name": "GPL 3", "spdx_id": "GPL-3.0"},
                ),
            ],
        ),
        "agree",
        reason=(
            "The model card of LLM360/Amber and its LICENSE file agree on Apache License 2.0.",
            "GitHub's license for LLM360/amber-train and its README agree on GNU General Public "
            "License v3.0 only.",
        ),
    ),
    "a repository of another organisation is not the project's": Case(
        lambda: audit_of(
            [AMBER, ("github", "EleutherAI/lm-evaluation-harness", "discovered")],
            [
                *amber(hub_model("LLM360__Amber")),
                seen(
                    "github",
                    "EleutherAI/lm-evaluation-harness",
                    _json(GITHUB / "EleutherAI__lm-evaluation-harness.json"),
                ),
                seen(
                    "github-readme",
                    "EleutherAI/lm-evaluation-harness",
                    github_readme("EleutherAI__lm-evaluation-harness", GPL_SECTION),
                ),
            ],
        ),
        "unknown",
        not_in_reason=("EleutherAI",),
    ),
    "a base model's contradiction is not the project's": Case(
        lambda: audit_of(
            [AMBER, ("hf-model", "org/base", "base")],
            [
                *amber(hub_model("LLM360__Amber")),
                seen(
                    "hf-model",
                    "org/base",
                    with_files(hub_model("LLM360__Amber", license="mit"), "LICENSE")
                    | {"id": "org/base"},
                ),
                hub_file("org/base", "LICENSE", APACHE_TEXT),
            ],
        ),
        "unknown",
        not_in_reason=("org/base",),
    ),
    "a section naming two licenses agrees with either": Case(
        lambda: audit_of(
            [AMBER, AMBER_TRAIN],
            [
                *amber(hub_model("LLM360__Amber")),
                *amber_train(
                    readme="\n## License\n\nThe code is under the GNU GENERAL PUBLIC LICENSE "
                    "Version 3, 29 June 2007.\n\nThe weights are under the LLAMA 2 COMMUNITY "
                    "LICENSE AGREEMENT.\n",
                    license={"key": "gpl-3.0", "name": "GPL 3", "spdx_id": "GPL-3.0"},
                ),
            ],
        ),
        "agree",
        reason=("GNU General Public License v3.0 only and Llama 2 Community License Agreement",),
    ),
    "the openrail family tag agrees with a member's text": Case(
        lambda: audit_of(
            [AMBER],
            amber(
                with_files(hub_model("LLM360__Amber", license="openrail"), "LICENSE"),
                hub_file(
                    "LLM360/Amber", "LICENSE", "CreativeML Open RAIL-M\ndated August 22, 2022\n"
                ),
            ),
        ),
        "agree",
    ),
    "a card listing two licenses agrees with a LICENSE file of one": Case(
        lambda: audit_of(
            [AMBER],
            amber(
                with_files(hub_model("LLM360__Amber", license=["apache-2.0", "mit"]), "LICENSE"),
                hub_file("LLM360/Amber", "LICENSE", MIT_TEXT),
            ),
        ),
        "agree",
        reason=("agree on Apache License 2.0 and MIT License.",),
    ),
    "card data of the wrong type states nothing and does not fail": Case(
        lambda: audit_of(
            [AMBER],
            amber(
                with_files(hub_model("LLM360__Amber", license={"id": 42}), "LICENSE"),
                hub_file("LLM360/Amber", "LICENSE", MIT_TEXT),
            ),
        ),
        "unknown",
        reason=("The LICENSE file of LLM360/Amber reads as MIT License.",),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_license_agreement(name: str) -> None:
    case = CASES[name]

    found = license_agreement_finding(case.audit())

    assert found.component == "license-agreement"
    assert found.status == case.status, found.reason
    for phrase in case.reason:
        assert phrase in found.reason
    for phrase in case.not_in_reason:
        assert phrase not in found.reason
    assert found.reason.endswith(".")
    assert found.evidence, "every status carries evidence"
    shown = {(e.source, e.field) for e in found.evidence}
    assert set(case.evidence) <= shown, shown
    if case.pairs is not None:
        assert found.reason.count(" but ") == case.pairs


def test_disagreement_evidence_points_at_both_snapshots() -> None:
    found = license_agreement_finding(CASES["card says Apache, its LICENSE file is MIT"].audit())

    card, text = found.evidence
    assert (card.locator, card.value, card.snapshot_id) == ("LLM360/Amber", "apache-2.0", 41)
    assert card.url == "https://huggingface.co/LLM360/Amber"
    assert text.locator == "models/LLM360/Amber:LICENSE"
    assert "Permission is hereby granted" in text.value


def test_a_renamed_hub_repo_is_read_under_its_new_id() -> None:
    payload = with_files(hub_model("LLM360__Amber"), "LICENSE") | {"id": "LLM360/Amber-7B"}
    audit = audit_of(
        [AMBER],
        [
            seen("hf-model", "LLM360/Amber", payload),
            hub_file("LLM360/Amber-7B", "LICENSE", MIT_TEXT),
        ],
    )

    assert license_agreement_finding(audit).status == "disagree"


def test_evaluate_ends_with_the_license_agreement() -> None:
    audit = CASES["card says Apache, its LICENSE file is MIT"].audit()

    findings: tuple[Finding, ...] = evaluate(audit)

    assert [f.component for f in findings[-3:]] == [
        "lineage",
        "open-source-claim",
        "license-agreement",
    ]
    assert findings[-1].status == "disagree"


# --- Stored, shown and served -------------------------------------------------------------------


def _audited(fake: FakeUpstream, client: Client) -> tuple[StoredFinding, str, dict[str, Any]]:
    call_command("load_catalogue", str(SEED / "llama-3-8b.yaml"))
    project = Project.objects.get(slug="llama-3-8b")
    run = auditing.start_run(project=project, trigger="manual")
    assert auditing.perform_audit(run_id=run.pk).complete
    stored = StoredFinding.objects.get(run=run, component="license-agreement")
    page = client.get("/projects/llama-3-8b/")
    assert page.status_code == 200
    served = client.get(f"/api/v1/audits/{run.pk}/").json()
    return stored, page.text, served


@pytest.mark.django_db
def test_a_disagreement_is_stored_shown_near_the_verdict_and_served(
    upstream_settings: FakeUpstream, client: Client
) -> None:
    upstream_settings.patch_file("hub/models/meta-llama__Meta-Llama-3-8B.files/LICENSE", MIT_TEXT)

    stored, page, served = _audited(upstream_settings, client)

    assert stored.status == "disagree"
    assert "but its LICENSE file reads as MIT License" in stored.reason
    assert {e["source"] for e in stored.evidence} == {"hf-model", "hf-file"}
    assert "<dt>License statements</dt>" in page
    assert escape(stored.reason, quote=False) in page
    (row,) = [f for f in served["findings"] if f["component"] == "license-agreement"]
    assert (row["status"], row["reason"]) == ("disagree", stored.reason)
    assert row["label"] == "License agreement"


@pytest.mark.django_db
def test_an_agreement_is_stored_but_not_shown(
    upstream_settings: FakeUpstream, client: Client
) -> None:
    stored, page, served = _audited(upstream_settings, client)

    assert stored.status == "agree"
    assert "License statements" not in page
    assert any(f["component"] == "license-agreement" for f in served["findings"])
