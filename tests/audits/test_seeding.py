"""Seed snapshots give a fresh, offline install a verdict for every project at once."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from audits.models import AuditRun, Snapshot
from audits.seeding import seed_files
from registry.models import Project
from tests.fakes.upstream import FakeUpstream

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
UPSTREAM = SEED / "upstream"

pytestmark = pytest.mark.django_db


def test_every_project_gets_a_verdict_without_asking_any_source(client: Client) -> None:
    call_command("load_catalogue", str(SEED))
    out = StringIO()

    call_command("seed_snapshots", str(UPSTREAM), stdout=out)

    assert (
        f"{len(seed_files(UPSTREAM))} of {len(seed_files(UPSTREAM))} seed snapshots"
        in out.getvalue()
    )
    assert not Project.objects.filter(current_verdict=None).exists()
    assert set(AuditRun.objects.values_list("trigger", flat=True)) == {AuditRun.Trigger.SEED}
    pythia = Snapshot.objects.get(source="hf-model", locator="EleutherAI/pythia-6.9b")
    assert pythia.origin == Snapshot.Origin.SEED
    assert pythia.fetched_at.year == 2023 and "model card" in pythia.origin_note
    assert "step143000" in pythia.payload["branches"]
    page = client.get("/projects/pythia-6.9b/").text
    assert "open-source-ai" in page and "seen 2023-05" in page
    assert "Shipped with the seed catalogue" in page and "model card" in page


def test_seeding_twice_stores_and_judges_nothing_new() -> None:
    call_command("load_catalogue", str(SEED / "pythia-70m.yaml"))
    call_command("seed_snapshots", str(UPSTREAM), stdout=StringIO())
    snapshots, runs = Snapshot.objects.count(), AuditRun.objects.count()
    out = StringIO()

    call_command("seed_snapshots", str(UPSTREAM), stdout=out)

    assert out.getvalue().startswith("0 of ")
    assert (Snapshot.objects.count(), AuditRun.objects.count()) == (snapshots, runs)


def test_seed_verdicts_match_a_live_audit_of_the_same_answers(
    upstream_settings: FakeUpstream,
) -> None:
    slugs = ["llama-2-7b", "pythia-6.9b", "stable-diffusion-v1-4", "gpt-j-6b", "bert-base-uncased"]
    for slug in slugs:
        call_command("load_catalogue", str(SEED / f"{slug}.yaml"))
    call_command("seed_snapshots", str(UPSTREAM), stdout=StringIO())
    seeded = {p.slug: p.current_verdict for p in Project.objects.select_related("current_verdict")}

    call_command("audit", *slugs, "--now", stdout=StringIO())

    for project in Project.objects.select_related("current_verdict"):
        live, seed = project.current_verdict, seeded[project.slug]
        assert live.run.trigger == AuditRun.Trigger.MANUAL
        assert (live.osaid, live.mof_class, live.score, live.category) == (
            seed.osaid,
            seed.mof_class,
            seed.score,
            seed.category,
        ), project.slug
