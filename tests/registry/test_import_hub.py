"""`import_hub`: projects from Hub ids alone, added once, audited from what discovery finds."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.importing import make_slug
from registry.models import SLUG_PATTERN, Artifact, Project
from tests.fakes.upstream import FakeUpstream

pytestmark = pytest.mark.django_db


def test_an_authors_models_are_added_once_and_audited(upstream_settings: FakeUpstream) -> None:
    out = StringIO()
    call_command("import_hub", "--author", "EleutherAI", "--limit", "3", "--now", stdout=out)

    imported = list(Project.objects.order_by("slug"))
    assert len(imported) == 3, out.getvalue()
    assert "added 3 projects, skipped 0" in out.getvalue()
    for project in imported:
        artifacts = list(project.artifacts.all())
        assert [(a.source, a.serves) for a in artifacts] == [("hf-model", [])]
        assert artifacts[0].locator.startswith("EleutherAI/")
        assert project.current_verdict is not None, project.slug
        assert project.kind == "language-model"
    # A second run adds only what is new: nothing here.
    again = StringIO()
    call_command("import_hub", "--author", "EleutherAI", "--limit", "3", stdout=again)
    assert "added 0 projects, skipped 3" in again.getvalue()
    assert Project.objects.count() == 3
    # The listing came from the Hub's own API, sorted by downloads.
    listing = [r for r in upstream_settings.requests if r.path == "/api/models"]
    assert listing and listing[0].query.get("author") == ["EleutherAI"]


def test_top_n_takes_the_most_downloaded(upstream_settings: FakeUpstream) -> None:
    call_command("import_hub", "--top", "2", stdout=StringIO())
    assert Artifact.objects.filter(source="hf-model").count() == 2


@pytest.mark.parametrize(
    "args", [[], ["--author", "x", "--top", "3"], ["--top", "0"], ["--top", "20000"]]
)
def test_bad_arguments_are_refused_and_nothing_is_stored(args: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("import_hub", *args, stdout=StringIO())
    assert Project.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("pythia-6.9b", "pythia-6.9b"),
        ("OLMo-2-1124-13B", "olmo-2-1124-13b"),
        ("phi-1_5", "phi-1-5"),
        ("Qwen2.5-7B", "qwen2.5-7b"),
        ("stable_diffusion..v1", "stable-diffusion.v1"),
        ("-._weird__name._-", "weird-name"),
        ("Ünïcode Módel", "unicode-model"),
        ("___", "project"),
    ],
)
def test_any_name_yields_a_valid_slug(text: str, slug: str) -> None:
    import re

    made = make_slug(text)
    assert made == slug
    assert re.fullmatch(SLUG_PATTERN, made)
