"""The seed catalogue that ships in registry/catalogue/ loads whole and covers what it promises."""

from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from registry.loading import catalogue_files, validate_files
from registry.models import Project

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"


def test_every_seed_file_is_valid() -> None:
    files = catalogue_files(SEED)

    records, errors = validate_files(files)

    assert errors == []
    assert len(records) == len(files) >= 30


@pytest.fixture
def seeded(db: None) -> None:
    call_command("load_catalogue", str(SEED))


@pytest.mark.usefixtures("seeded")
def test_seed_covers_every_kind_the_issue_names() -> None:
    kinds = Counter(Project.objects.values_list("kind", flat=True))

    assert {"language-model", "image-generation", "speech", "code", "embedding"} <= set(kinds)


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("slug", "hub_repo"),
    [
        ("llama-2-7b", "meta-llama/Llama-2-7b-hf"),
        ("llama-2-13b", "meta-llama/Llama-2-13b-hf"),
        ("llama-2-70b", "meta-llama/Llama-2-70b-hf"),
        ("stable-diffusion-v1-4", "CompVis/stable-diffusion-v1-4"),
        ("stable-diffusion-2-1", "stabilityai/stable-diffusion-2-1"),
        ("stable-diffusion-xl", "stabilityai/stable-diffusion-xl-base-1.0"),
        ("gpt-neox-20b", "EleutherAI/gpt-neox-20b"),
        ("gpt-j-6b", "EleutherAI/gpt-j-6b"),
        ("pythia-6.9b", "EleutherAI/pythia-6.9b"),
    ],
)
def test_required_projects_point_at_their_hub_repos(slug: str, hub_repo: str) -> None:
    project = Project.objects.get(slug=slug)

    assert project.artifacts.filter(source="hf-model", locator=hub_repo).exists()


@pytest.mark.usefixtures("seeded")
def test_families_group_sizes_and_versions() -> None:
    llama = set(Project.objects.filter(family="llama-2").values_list("slug", flat=True))
    pythia = Project.objects.filter(family="pythia").count()
    sd = set(Project.objects.filter(family="stable-diffusion").values_list("slug", flat=True))

    assert llama == {"llama-2-7b", "llama-2-13b", "llama-2-70b"}
    assert pythia >= 8
    assert {"stable-diffusion-v1-4", "stable-diffusion-v1-5", "stable-diffusion-2-1"} <= sd


def test_declared_licenses_resolve_to_known_ids(db: None, tmp_path: Path) -> None:
    # The seed records declare no license (every source states its own); a curator's record may.
    record = (
        (SEED / "llama-2-7b.yaml")
        .read_text()
        .replace(
            "    locator: meta-llama/Llama-2-7b-hf\n",
            "    locator: meta-llama/Llama-2-7b-hf\n    license: llama2\n",
        )
    )
    (tmp_path / "llama-2-7b.yaml").write_text(record)
    sd = (
        (SEED / "stable-diffusion-v1-4.yaml")
        .read_text()
        .replace(
            "    locator: CompVis/stable-diffusion-v1-4\n",
            "    locator: CompVis/stable-diffusion-v1-4\n    license: creativeml-openrail-m\n",
        )
    )
    (tmp_path / "stable-diffusion-v1-4.yaml").write_text(sd)
    call_command("load_catalogue", str(tmp_path))

    llama = Project.objects.get(slug="llama-2-7b").artifacts.get(source="hf-model")
    sd_model = Project.objects.get(slug="stable-diffusion-v1-4").artifacts.get(source="hf-model")

    assert llama.declared_license_id == "LicenseRef-scancode-llama-2-license-2023"
    assert sd_model.declared_license is not None
    assert sd_model.declared_license.category == "Proprietary Free"
