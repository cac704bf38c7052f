"""Loading catalogue files: validation errors name the file and field, and loading is idempotent."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.loading import load_catalogue, validate_files
from registry.models import Artifact, License, Organization, Project

GOOD = """\
slug: pythia-6.9b
name: Pythia 6.9B
kind: language-model
organization: EleutherAI
summary: One of a suite of 16 models trained on the Pile in the same order.
homepage: https://www.eleuther.ai/
family: pythia
artifacts:
  - source: hf-model
    locator: EleutherAI/pythia-6.9b
    license: apache-2.0
  - source: github
    locator: EleutherAI/gpt-neox
    serves: [training-code, inference-code]
    license: Apache-2.0
  - source: url
    locator: https://arxiv.org/abs/2304.01373
    serves: [research-paper]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def with_change(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new)


BAD_FILES = [
    # (case id, file content, field the error names, words the message holds)
    ("broken-yaml", "slug: [unclosed\nname: x\n", "", "broken YAML at line"),
    ("not-a-mapping", "- just\n- a list\n", "", "expected a mapping"),
    ("empty-file", "", "", "expected a mapping"),
    ("unknown-field", GOOD + "stars: 5\n", "stars", "unknown field"),
    (
        "unknown-artifact-field",
        with_change("    license: apache-2.0\n", "    licence: apache-2.0\n"),
        "artifacts[0].licence",
        "unknown field",
    ),
    ("missing-name", with_change("name: Pythia 6.9B\n", ""), "name", "Field required"),
    ("unknown-kind", with_change("kind: language-model", "kind: chatbot"), "kind", "chatbot"),
    (
        "unknown-component",
        with_change("[training-code, inference-code]", "[training-code, weights]"),
        "artifacts[1].serves[1]",
        "model-architecture",
    ),
    (
        "unknown-source",
        with_change("source: github", "source: gitlab"),
        "artifacts[1].source",
        "gitlab",
    ),
    (
        "hub-locator-without-namespace",
        with_change("locator: EleutherAI/pythia-6.9b", "locator: pythia-6.9b"),
        "artifacts[0].locator",
        "not a Hub repo id",
    ),
    (
        "hub-locator-path-traversal",
        with_change("locator: EleutherAI/pythia-6.9b", "locator: ../etc/passwd"),
        "artifacts[0].locator",
        "not a Hub repo id",
    ),
    (
        "github-locator-url",
        with_change("locator: EleutherAI/gpt-neox", "locator: https://github.com/x/y"),
        "artifacts[1].locator",
        "not a GitHub repository",
    ),
    (
        "url-locator-not-a-url",
        with_change("locator: https://arxiv.org/abs/2304.01373", "locator: javascript:alert(1)"),
        "artifacts[2].locator",
        "not a web address",
    ),
    (
        "github-without-serves",
        with_change("    serves: [training-code, inference-code]\n", ""),
        "artifacts[1]",
        "serves is required",
    ),
    (
        "unknown-license",
        with_change("license: apache-2.0", "license: do-what-you-like"),
        "artifacts[0].license",
        "not a license we recognise",
    ),
    ("bad-slug", with_change("slug: pythia-6.9b", "slug: Pythia 6.9B"), "slug", "not a valid"),
    (
        "slug-differs-from-file-name",
        with_change("slug: pythia-6.9b", "slug: pythia-7b"),
        "slug",
        "differs from the file name",
    ),
    ("key-written-twice", GOOD + "name: Again\n", "", "written twice"),
    (
        "artifact-listed-twice",
        GOOD + "  - source: hf-model\n    locator: EleutherAI/pythia-6.9b\n",
        "artifacts",
        "listed twice",
    ),
    ("no-artifacts", GOOD.split("artifacts:")[0] + "artifacts: []\n", "artifacts", "at least 1"),
    ("bad-homepage", with_change("https://www.eleuther.ai/", "not a url"), "homepage", "URL"),
]


@pytest.mark.parametrize(
    ("content", "field", "words"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_bad_file_is_refused_with_file_and_field(
    tmp_path: Path, content: str, field: str, words: str
) -> None:
    path = write(tmp_path, "pythia-6.9b.yaml", content)

    records, errors = validate_files([path])

    assert records == {}
    assert errors, "a bad file must produce an error"
    assert all(e.path == path for e in errors)
    assert any(e.field == field and words in e.message for e in errors), [str(e) for e in errors]
    assert str(path) in str(errors[0])


@pytest.mark.django_db
def test_bad_file_loads_nothing_while_good_files_load(tmp_path: Path) -> None:
    write(tmp_path, "pythia-6.9b.yaml", GOOD)
    bad = with_change("slug: pythia-6.9b", "slug: gpt-j-6b").replace(
        "source: github", "source: gitlab"
    )
    write(tmp_path, "gpt-j-6b.yaml", bad)

    with pytest.raises(CommandError, match="1 files rejected"):
        call_command("load_catalogue", str(tmp_path))

    assert list(Project.objects.values_list("slug", flat=True)) == ["pythia-6.9b"]
    assert not Artifact.objects.filter(locator__contains="gpt-j").exists()


def test_two_files_claiming_one_slug_are_both_refused(tmp_path: Path) -> None:
    first = write(tmp_path, "pythia-6.9b.yaml", GOOD)
    other = tmp_path / "copy"
    other.mkdir()
    second = write(other, "pythia-6.9b.yaml", GOOD)

    records, errors = validate_files([first, second])

    assert records == {}
    assert {(e.path, e.field) for e in errors} == {(first, "slug"), (second, "slug")}
    assert all("also the slug of" in e.message for e in errors)


@pytest.mark.django_db
def test_loading_creates_project_artifacts_and_licenses(tmp_path: Path) -> None:
    path = write(tmp_path, "pythia-6.9b.yaml", GOOD)

    report = load_catalogue(paths=[path])

    assert report.summary().startswith("1 projects loaded (1 created")
    project = Project.objects.get(slug="pythia-6.9b")
    assert project.organization.name == "EleutherAI"
    assert project.family == "pythia"
    artifacts = list(project.artifacts.all())
    assert [(a.source, a.locator) for a in artifacts] == [
        ("hf-model", "EleutherAI/pythia-6.9b"),
        ("github", "EleutherAI/gpt-neox"),
        ("url", "https://arxiv.org/abs/2304.01373"),
    ]
    # An hf-model artifact with no `serves` serves the source's defaults.
    assert artifacts[0].serves == ["final-weights", "model-card", "model-metadata"]
    assert artifacts[1].serves == ["training-code", "inference-code"]
    assert artifacts[0].declared_license_id == "Apache-2.0"
    assert artifacts[0].declared_license_text == "apache-2.0"
    apache = License.objects.get(pk="Apache-2.0")
    assert apache.osi_approved and apache.spdx


@pytest.mark.django_db
def test_loading_twice_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "pythia-6.9b.yaml", GOOD)
    load_catalogue(paths=[path])
    before = Project.objects.get().updated_at
    artifact_ids = sorted(Artifact.objects.values_list("pk", flat=True))

    report = load_catalogue(paths=[path])

    assert report.summary().startswith("1 projects loaded (0 created, 0 updated, 1 unchanged")
    assert Project.objects.get().updated_at == before
    assert sorted(Artifact.objects.values_list("pk", flat=True)) == artifact_ids
    assert Organization.objects.count() == 1


@pytest.mark.django_db
def test_changed_file_updates_its_record_and_artifacts(tmp_path: Path) -> None:
    path = write(tmp_path, "pythia-6.9b.yaml", GOOD)
    load_catalogue(paths=[path])
    kept = Artifact.objects.get(locator="EleutherAI/pythia-6.9b").pk
    changed = with_change("name: Pythia 6.9B", "name: Pythia 6.9 billion").replace(
        "  - source: url\n    locator: https://arxiv.org/abs/2304.01373\n"
        "    serves: [research-paper]\n",
        "  - source: hf-dataset\n    locator: EleutherAI/pile\n",
    )
    path.write_text(changed)

    report = load_catalogue(paths=[path])

    assert report.summary().startswith("1 projects loaded (0 created, 1 updated")
    project = Project.objects.get()
    assert project.name == "Pythia 6.9 billion"
    assert [a.locator for a in project.artifacts.all()] == [
        "EleutherAI/pythia-6.9b",
        "EleutherAI/gpt-neox",
        "EleutherAI/pile",
    ]
    assert project.artifacts.get(locator="EleutherAI/pile").serves == [
        "training-datasets",
        "data-card",
    ]
    assert Artifact.objects.get(locator="EleutherAI/pythia-6.9b").pk == kept


@pytest.mark.django_db
def test_command_reports_missing_path(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file or folder"):
        call_command("load_catalogue", str(tmp_path / "nowhere"))


@pytest.mark.django_db
def test_command_refuses_folder_without_yaml(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"no \.yaml files"):
        call_command("load_catalogue", str(tmp_path))


@pytest.mark.django_db
def test_every_hub_license_id_resolves_to_a_known_license(tmp_path: Path) -> None:
    path = write(
        tmp_path, "pythia-6.9b.yaml", with_change("license: apache-2.0", "license: llama3")
    )

    load_catalogue(paths=[path])

    artifact = Artifact.objects.get(locator="EleutherAI/pythia-6.9b")
    assert artifact.declared_license_text == "llama3"
    assert artifact.declared_license_id == "LicenseRef-glasshouse-llama-3"


@pytest.mark.django_db
def test_command_shows_a_progress_bar_and_the_summary(tmp_path: Path) -> None:
    write(tmp_path, "pythia-6.9b.yaml", GOOD)
    write(tmp_path, "pythia-12b.yaml", GOOD.replace("pythia-6.9b", "pythia-12b"))
    out, err = StringIO(), StringIO()

    call_command("load_catalogue", str(tmp_path), "--progress", stdout=out, stderr=err)

    assert "Loading: 100%" in err.getvalue() and "2/2" in err.getvalue()
    assert (
        "2 projects loaded (2 created, 0 updated, 0 unchanged); 0 files rejected" in out.getvalue()
    )
