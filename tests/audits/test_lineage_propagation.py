"""Lineage propagation: a base model's change reaches its derivatives' verdicts, from snapshots."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from audits import auditing, lineage, tasks
from audits.models import AuditRun, Change, Snapshot
from registry.models import DiscoveredArtifact, Project
from tests.audits.test_auditing import audit, load
from tests.factories import ArtifactFactory, ProjectFactory
from tests.fakes.upstream import FakeUpstream

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
MISTRAL = "mistralai/Mistral-7B-v0.1"
MISTRAL_MODEL = f"/api/models/{MISTRAL}"
TASKS = {task.name: task for task in (tasks.propagate_lineage, tasks.reevaluate_project)}

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Any, ...]]]:
    """The messages the lineage tasks send, recorded instead of reaching a broker."""
    messages: list[tuple[str, tuple[Any, ...]]] = []
    for name, task in TASKS.items():

        def record(args: Any = None, kwargs: Any = None, _name: str = name, **_: Any) -> None:
            messages.append((_name, tuple(args or ())))

        monkeypatch.setattr(task, "apply_async", record)
    return messages


@pytest.fixture
def work_off(
    sent: list[tuple[str, tuple[Any, ...]]], django_capture_on_commit_callbacks: Capture
) -> Callable[[], list[str]]:
    """Run every sent message's task eagerly, as a worker would, until none is left."""

    def run() -> list[str]:
        ran = []
        while sent:
            name, args = sent.pop(0)
            with django_capture_on_commit_callbacks(execute=True):
                TASKS[name].apply(args, throw=True)
            ran.append(name)
            assert len(ran) < 100, "propagation does not end"
        return ran

    return run


def current(slug: str) -> Project:
    return Project.objects.select_related("current_verdict__run").get(slug=slug)


@pytest.fixture
def mistral_and_zephyr(upstream_settings: FakeUpstream) -> Iterator[FakeUpstream]:
    """Mistral 7B and Zephyr 7B beta (fine-tuned from it), both audited against the fake."""
    load("mistral-7b-v0.1", "zephyr-7b-beta")
    assert audit("mistral-7b-v0.1").complete
    assert audit("zephyr-7b-beta").complete
    assert current("zephyr-7b-beta").current_verdict.lineage == [MISTRAL]
    yield upstream_settings


def relicense_mistral(fake: FakeUpstream, license_id: str = "cc-by-nc-4.0") -> None:
    fake.patch_json(MISTRAL_MODEL, lambda d: d["cardData"].update(license=license_id))


def test_a_base_license_change_reaches_the_derivative_verdict_without_fetching(
    mistral_and_zephyr: FakeUpstream,
    sent: list[tuple[str, tuple[Any, ...]]],
    work_off: Callable[[], list[str]],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    zephyr_before = current("zephyr-7b-beta")
    weights_before = zephyr_before.current_verdict.run.findings.get(component="final-weights")
    assert (weights_before.status, weights_before.license) == ("open", "MIT")
    relicense_mistral(mistral_and_zephyr)

    with django_capture_on_commit_callbacks(execute=True):
        audit("mistral-7b-v0.1")
    mistral_and_zephyr.clear_log()
    ran = work_off()

    assert ran == ["audits.tasks.propagate_lineage", "audits.tasks.reevaluate_project"]
    assert mistral_and_zephyr.requests == []  # judged from the stored snapshots
    zephyr = current("zephyr-7b-beta")
    run = zephyr.current_verdict.run
    assert run.trigger == AuditRun.Trigger.LINEAGE and run.complete
    weights = run.findings.get(component="final-weights")
    assert weights.status == "restricted" and "CC-BY-NC-4.0" in weights.license
    assert zephyr.category == "restricted-weights"
    changes = {(c.kind, c.component): (c.before, c.after) for c in run.changes.all()}
    assert changes[(Change.Kind.STATUS, "final-weights")] == ("open", "restricted")
    assert changes[(Change.Kind.LICENSE, "final-weights")] == ("MIT", weights.license)
    assert changes[(Change.Kind.CATEGORY, "")] == ("open-weights", "restricted-weights")
    # The derivative's audit time is its last fetching audit: nobody asked upstream for it.
    assert zephyr.audited_at == zephyr_before.audited_at


def test_propagation_is_queued_once_after_commit_with_the_changed_model(
    mistral_and_zephyr: FakeUpstream,
    sent: list[tuple[str, tuple[Any, ...]]],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    relicense_mistral(mistral_and_zephyr)

    with django_capture_on_commit_callbacks() as callbacks:
        audit("mistral-7b-v0.1")
        assert sent == []
    assert sent == []  # not before the transaction commits
    for callback in callbacks:
        callback()

    mistral = Project.objects.get(slug="mistral-7b-v0.1")
    assert sent == [("audits.tasks.propagate_lineage", ([MISTRAL], mistral.pk))]


def test_an_unchanged_base_propagates_nothing(
    mistral_and_zephyr: FakeUpstream,
    sent: list[tuple[str, tuple[Any, ...]]],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        audit("mistral-7b-v0.1")
        auditing.reevaluate(project=Project.objects.get(slug="mistral-7b-v0.1"))

    assert sent == []


def test_a_derivative_audit_that_stores_the_new_base_answer_tells_the_other_derivatives(
    mistral_and_zephyr: FakeUpstream,
    sent: list[tuple[str, tuple[Any, ...]]],
    work_off: Callable[[], list[str]],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # A second fine-tune of Mistral, audited while Mistral was still Apache-2.0.
    mistral_and_zephyr.patch_json(
        "/api/models/EleutherAI/pythia-70m",
        lambda d: d["cardData"].update(base_model=MISTRAL),
    )
    other = ProjectFactory(slug="mistral-tune")
    ArtifactFactory(project=other, locator="EleutherAI/pythia-70m")
    audit("mistral-tune")
    relicense_mistral(mistral_and_zephyr)

    with django_capture_on_commit_callbacks(execute=True):
        audit("mistral-tune")  # asks Mistral again and stores its new answer
    work_off()

    assert Snapshot.objects.filter(source="hf-model", locator=MISTRAL).count() == 2
    zephyr = current("zephyr-7b-beta")
    assert zephyr.current_verdict.run.trigger == AuditRun.Trigger.LINEAGE
    assert zephyr.category == "restricted-weights"
    # The base project itself is no derivative: its own next audit judges it.
    assert not AuditRun.objects.filter(
        project__slug="mistral-7b-v0.1", trigger=AuditRun.Trigger.LINEAGE
    ).exists()


def test_a_derivative_that_rejected_the_base_is_not_touched(
    mistral_and_zephyr: FakeUpstream,
    sent: list[tuple[str, tuple[Any, ...]]],
    work_off: Callable[[], list[str]],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    zephyr = current("zephyr-7b-beta")
    zephyr.discovered.get(source="hf-model", locator=MISTRAL).review_as(
        DiscoveredArtifact.Review.REJECTED, moderator=None, note="not its base"
    )
    relicense_mistral(mistral_and_zephyr)

    with django_capture_on_commit_callbacks(execute=True):
        audit("mistral-7b-v0.1")
    ran = work_off()

    assert ran == ["audits.tasks.propagate_lineage"]
    assert current("zephyr-7b-beta").current_verdict_id == zephyr.current_verdict_id
    assert not AuditRun.objects.filter(project=zephyr, trigger=AuditRun.Trigger.LINEAGE).exists()


def test_a_cycle_of_bases_ends_after_one_reevaluation(
    upstream_settings: FakeUpstream,
    sent: list[tuple[str, tuple[Any, ...]]],
    work_off: Callable[[], list[str]],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # Two cards that name each other as their base model.
    for model, base in (("pythia-70m", "pythia-160m"), ("pythia-160m", "pythia-70m")):
        upstream_settings.patch_json(
            f"/api/models/EleutherAI/{model}",
            lambda d, base=base: d["cardData"].update(base_model=f"EleutherAI/{base}"),
        )
        ArtifactFactory(project=ProjectFactory(slug=model), locator=f"EleutherAI/{model}")
    audit("pythia-70m")
    audit("pythia-160m")
    assert current("pythia-70m").current_verdict.lineage == ["EleutherAI/pythia-160m"]
    assert current("pythia-160m").current_verdict.lineage == ["EleutherAI/pythia-70m"]
    upstream_settings.patch_json(
        "/api/models/EleutherAI/pythia-70m",
        lambda d: d["cardData"].update(license="cc-by-nc-4.0"),
    )

    with django_capture_on_commit_callbacks(execute=True):
        audit("pythia-70m")
    ran = work_off()

    assert ran == ["audits.tasks.propagate_lineage", "audits.tasks.reevaluate_project"]
    lineage_runs = AuditRun.objects.filter(trigger=AuditRun.Trigger.LINEAGE)
    assert list(lineage_runs.values_list("project__slug", flat=True)) == ["pythia-160m"]
    assert current("pythia-160m").category == "restricted-weights"

    # A change on the other side of the cycle comes back once, and stops there too.
    upstream_settings.patch_json(
        "/api/models/EleutherAI/pythia-160m", lambda d: d["cardData"].update(license="mit")
    )
    with django_capture_on_commit_callbacks(execute=True):
        audit("pythia-160m")
    assert work_off() == ["audits.tasks.propagate_lineage", "audits.tasks.reevaluate_project"]

    assert sorted(lineage_runs.values_list("project__slug", flat=True)) == [
        "pythia-160m",
        "pythia-70m",
    ]


# --- finding derivatives, deduplicated and bounded ------------------------------------------------


def derive(project: Project, base: str, **fields: Any) -> DiscoveredArtifact:
    values: dict[str, Any] = {"source": "hf-model", "origin": "base", "depth": 1, **fields}
    return DiscoveredArtifact.objects.create(project=project, locator=base, **values)


def test_derivatives_are_found_in_one_query_through_the_whole_chain(
    django_assert_num_queries: Any,
) -> None:
    near, far, both = ProjectFactory(), ProjectFactory(), ProjectFactory()
    derive(near, "org/base")
    derive(far, "org/middle")
    derive(far, "org/base", depth=2)
    derive(both, "org/base")
    derive(both, "org/other")
    withdrawn = ProjectFactory(review_state=Project.ReviewState.WITHDRAWN)
    derive(withdrawn, "org/base")
    derive(ProjectFactory(), "org/base", still_found=False)
    derive(ProjectFactory(), "org/base", review=DiscoveredArtifact.Review.REJECTED)
    derive(ProjectFactory(), "org/base", origin="discovered", depth=0)
    derive(ProjectFactory(), "org/base", source="hf-dataset")

    with django_assert_num_queries(1):
        found = list(lineage.derivatives(["org/base", "org/other"], exclude=near.pk))

    assert found == sorted([far.pk, both.pk])


def test_propagation_is_bounded_and_skips_derivatives_already_waiting(
    monkeypatch: pytest.MonkeyPatch,
    sent: list[tuple[str, tuple[Any, ...]]],
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    monkeypatch.setattr(lineage, "MAX_DERIVATIVES", 3)
    projects = ProjectFactory.create_batch(5)
    for project in projects:
        derive(project, "org/base")
    waiting = AuditRun.objects.create(project=projects[0], trigger=AuditRun.Trigger.SCHEDULE)

    with caplog.at_level(logging.WARNING, logger="audits.lineage"):
        with django_capture_on_commit_callbacks(execute=True):
            first = lineage.propagate(locators=["org/base"])
        with django_capture_on_commit_callbacks(execute=True):
            again = lineage.propagate(locators=["org/base"])

    queued = AuditRun.objects.filter(trigger=AuditRun.Trigger.LINEAGE)
    assert sorted(queued.values_list("project_id", flat=True)) == [p.pk for p in projects[1:3]]
    assert sorted(sent) == sorted(("audits.tasks.reevaluate_project", (pk,)) for pk in first)
    assert again == []  # their runs are still queued: they will read the new snapshots
    assert waiting.pk not in first
    assert "5 projects derive from it; the first 3 are re-evaluated now" in caplog.text


def test_a_lineage_reevaluation_never_propagates_further(
    mistral_and_zephyr: FakeUpstream,
    sent: list[tuple[str, tuple[Any, ...]]],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # Zephyr derives from Mistral, and here Mistral (listed) from Zephyr: a cycle.
    derive(Project.objects.get(slug="mistral-7b-v0.1"), "HuggingFaceH4/zephyr-7b-beta")
    relicense_mistral(mistral_and_zephyr)
    audit("mistral-7b-v0.1")  # stores Mistral's new answer; its messages are not sent here
    run = AuditRun.objects.create(
        project=Project.objects.get(slug="zephyr-7b-beta"), trigger=AuditRun.Trigger.LINEAGE
    )

    with django_capture_on_commit_callbacks(execute=True):
        tasks.reevaluate_project.apply((run.pk,), throw=True)

    assert Change.objects.filter(run=run, kind=Change.Kind.CATEGORY).exists()
    assert sent == []
