"""Published verdicts beside ours: the file, compare(), the project page, the API, agreement."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings
from django.test import Client

from audits.models import Finding
from registry import published
from registry.models import Project
from registry.published import (
    Published,
    PublishedVerdictsError,
    compare,
    for_hub_id,
    load_published,
    published_verdicts,
    source_url,
    tally,
)
from tests.audits.test_seed_published import DIFFERS, PUBLISHED
from tests.audits.test_seed_verdicts import audited  # noqa: F401 (the module fixture)
from tests.factories import ArtifactFactory, ProjectFactory

SYSTEMS = Path(settings.BASE_DIR) / "tests" / "discovery" / "systems.yaml"
MOT = "lfai/model_openness_tool@8b5d30e90a7c62d7d6ece48b91e69ff495920a4d:models/Pythia-6.9B.yml"
OSI = "https://opensource.org/ai"
# The same rule the file's comments state, written out again so the test does not trust the code.
REFERENCE = re.compile(r"\A[\w.-]+/[\w.-]+@[0-9a-f]{40}:\S.*\Z")


def entry(**fields: Any) -> dict[str, Any]:
    """A valid entry: judged by OSI and MOT, no EU index; fields override."""
    return {
        "osi": "open-source-ai",
        "osi_source": OSI,
        "mot_class": "I",
        "mot_listed": True,
        "mot_source": MOT,
        "mot_reasoning": "III 6/6, II 10/10, I 13/13 -> I",
        "eu_index": None,
        "eu_source": None,
        **fields,
    }


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "published.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


# --- The file -----------------------------------------------------------------------------------


def test_the_shipped_file_loads_and_covers_the_seed_and_the_discovery_suite() -> None:
    entries = published_verdicts()
    systems = yaml.safe_load(SYSTEMS.read_text())

    assert {e["hub_id"] for e in PUBLISHED} <= set(entries)
    assert {s["hub_id"] for s in systems} <= set(entries)
    assert len(entries) == len(PUBLISHED) + len(systems)


def test_the_discovery_suite_and_the_registry_say_the_same() -> None:
    # The suite keeps its own copy (systems.yaml also holds the expected notes): they must agree.
    for system in yaml.safe_load(SYSTEMS.read_text()):
        ours = published_verdicts()[system["hub_id"]].model_dump(mode="json")
        theirs = system["published"]
        for key in ("osi", "osi_source", "mot_class", "mot_source", "eu_index", "eu_source"):
            assert ours[key] == theirs[key], f"{system['hub_id']}: {key}"
        assert ours["mot_listed"] == bool(theirs["mot_source"])


def test_every_source_is_a_url_or_a_repository_file_at_a_commit() -> None:
    for hub_id, item in published_verdicts().items():
        for name in ("osi_source", "mot_source", "eu_source"):
            value = getattr(item, name)
            if value is None:
                continue
            assert value.strip(), f"{hub_id}: {name} is empty"
            parts = urlsplit(value)
            is_url = parts.scheme in ("http", "https") and bool(parts.netloc)
            assert is_url or REFERENCE.match(value), f"{hub_id}: {name} = {value!r}"


def test_every_published_verdict_names_its_source() -> None:
    for hub_id, item in published_verdicts().items():
        assert (item.osi is None) == (item.osi_source is None), hub_id
        assert item.mot_listed == (item.mot_source is not None), hub_id
        assert (item.eu_index is None) == (item.eu_source is None), hub_id
        assert item.mot_reasoning, hub_id


def test_a_repository_source_links_the_file_at_its_commit() -> None:
    assert source_url(MOT) == (
        "https://github.com/lfai/model_openness_tool/blob/"
        "8b5d30e90a7c62d7d6ece48b91e69ff495920a4d/models/Pythia-6.9B.yml"
    )
    assert source_url(OSI) == OSI
    assert source_url(None) is None


def test_a_hub_id_is_found_in_any_case() -> None:
    assert for_hub_id("eleutherai/PYTHIA-6.9B") is published_verdicts()["EleutherAI/pythia-6.9b"]
    assert for_hub_id("lab/not-published") is None
    assert for_hub_id(None) is None


def test_a_valid_file_loads(tmp_path: Path) -> None:
    eu = {
        "entry": "AmberChat",
        "llmbase": "Amber",
        "parameters": {"opencode": "open", "datasheet": "partial", "preprint": "closed"},
    }
    loaded = load_published(
        write(
            tmp_path,
            {
                "LLM360/Amber": entry(
                    eu_index=eu,
                    eu_source="owner/repo@" + "a" * 40 + ":projects/amber.yaml",
                    differs={"mot": "Why."},
                )
            },
        )
    )

    amber = loaded["LLM360/Amber"]
    assert (amber.osi, amber.mot_class, amber.differs.mot) == ("open-source-ai", "I", "Why.")
    assert amber.eu_index is not None
    assert amber.eu_index.summary == "1 open, 1 partial, 1 closed of its 3 parameters"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"a/b": entry(mot_klass="I")}, "a/b.mot_klass: unknown field"),
        ({"a/b": entry(mot_class="IV")}, "a/b.mot_class: 'IV' is not one of 'I', 'II' or 'III'"),
        ({"a/b": entry(osi="open-weights")}, "a/b.osi: 'open-weights' is not one of"),
        ({"a/b": entry(osi_source=None)}, "osi is given, so osi_source must say where"),
        ({"a/b": entry(osi=None)}, "osi_source is given, but osi is not"),
        ({"a/b": entry(mot_listed=False)}, "mot_source is given, but mot_listed is not"),
        (
            {"a/b": entry(mot_listed=False, mot_source=None)},
            "mot_class is given, so mot_listed must be true",
        ),
        ({"a/b": entry(osi_source="opensource.org/ai")}, "'opensource.org/ai' is not a source"),
        (
            {"a/b": entry(mot_source="lfai/model_openness_tool@8b5d30e:models/X.yml")},
            "a/b.mot_source: 'lfai/model_openness_tool@8b5d30e:models/X.yml' is not a source",
        ),
        ({"a/b": entry(mot_reasoning="")}, "a/b.mot_reasoning: String should have at least"),
        ({"a/b": {k: v for k, v in entry().items() if k != "eu_source"}}, "eu_source: Field"),
        (
            {"a/b": entry(osi=None, osi_source=None, differs={"osi": "Why."})},
            "differs.osi explains a difference from no published OSI verdict",
        ),
        ({"a/b": entry(differs={"mof": "Why."})}, "a/b.differs.mof: unknown field"),
        (
            {"a/b": entry(eu_index={"entry": "X", "llmbase": "Y", "parameters": {"a": "half"}})},
            "a/b.eu_index.parameters.a: 'half' is not one of",
        ),
        ({"pythia-6.9b": entry()}, "'pythia-6.9b' is not a Hub model id"),
        ({"a/b": entry(), "A/B": entry()}, "A/B: the Hub ignores case, and a/b is the same model"),
        ("a/b: {osi: null}\na/b: {osi: null}\n", "key 'a/b' is written twice"),
        ("a/b: [unclosed\n", "broken YAML at line"),
        ([entry()], "expected a mapping of Hub model ids to verdicts"),
    ],
)
def test_a_bad_file_is_refused_with_the_entry_and_field_named(
    tmp_path: Path, data: Any, says: str
) -> None:
    path = write(tmp_path, data)

    with pytest.raises(PublishedVerdictsError) as error:
        load_published(path)

    assert says in str(error.value)
    assert str(path) in str(error.value)


def test_a_missing_file_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(PublishedVerdictsError, match="cannot read the file"):
        load_published(tmp_path / "nowhere.yaml")


# --- compare() ----------------------------------------------------------------------------------


@dataclass
class Verdict:
    osaid: str = "open-source-ai"
    osaid_unmet: list[str] = field(default_factory=list)
    mof_class: str = "I"
    mof_unmet: dict[str, list[str]] = field(default_factory=dict)


PYTHIA = Published.model_validate(entry(differs={"mot": "The Pile says license other."}))
LLAMA = Published.model_validate(entry(osi="not-open-source-ai", mot_class=None))
UNJUDGED = Published.model_validate(
    entry(osi=None, osi_source=None, mot_class=None, mot_listed=False, mot_source=None)
)
LOWER = Verdict(
    osaid="not-open-source-ai",
    osaid_unmet=[
        "Training code: not-found — No repository holds it.",
        "Data provenance: not-disclosed — The card names no source.",
    ],
    mof_class="III",
    mof_unmet={"III": [], "II": ["evaluation-data"], "I": ["evaluation-data", "training-datasets"]},
)


@pytest.mark.parametrize(
    ("entry_", "verdict", "statuses", "expected"),
    [
        pytest.param(
            PYTHIA,
            Verdict(),
            None,
            {"osi": (True, (), ""), "mot": (True, (), "")},
            id="agree",
        ),
        pytest.param(
            PYTHIA,
            LOWER,
            {"evaluation-data": "not-found", "training-datasets": "restricted"},
            {
                "osi": (
                    False,
                    (("training-code", "not-found"), ("data-provenance", "not-disclosed")),
                    "",
                ),
                "mot": (
                    False,
                    (("evaluation-data", "not-found"), ("training-datasets", "restricted")),
                    "The Pile says license other.",
                ),
            },
            id="ours-lower-with-components",
        ),
        pytest.param(
            PYTHIA,
            LOWER,
            None,
            {
                "osi": (
                    False,
                    (("training-code", "not-found"), ("data-provenance", "not-disclosed")),
                    "",
                ),
                "mot": (
                    False,
                    (("evaluation-data", None), ("training-datasets", None)),
                    "The Pile says license other.",
                ),
            },
            id="ours-lower-statuses-unknown-without-findings",
        ),
        pytest.param(
            LLAMA,
            Verdict(osaid="open-source-ai", mof_class="III"),
            None,
            {"osi": (False, (), ""), "mot": (False, (), "")},
            id="ours-higher",
        ),
        pytest.param(
            LLAMA,
            Verdict(osaid="not-open-source-ai", mof_class="", mof_unmet={"III": ["final-weights"]}),
            None,
            {"osi": (True, (), ""), "mot": (True, (), "")},
            id="agree-on-no-class",
        ),
        pytest.param(
            UNJUDGED,
            LOWER,
            None,
            {"osi": (None, (), ""), "mot": (None, (), "")},
            id="no-published-verdict",
        ),
        pytest.param(
            PYTHIA,
            None,
            None,
            {"osi": (None, (), ""), "mot": (None, (), "")},
            id="not-audited",
        ),
    ],
)
def test_compare(
    entry_: Published,
    verdict: Verdict | None,
    statuses: dict[str, str] | None,
    expected: dict[str, tuple[Any, ...]],
) -> None:
    comparison = compare(entry_, verdict, statuses=statuses)

    for item in comparison.frameworks:
        agrees, gaps, note = expected[item.framework]
        assert item.agrees is agrees, item.framework
        assert tuple((g.component, g.status) for g in item.gaps) == gaps, item.framework
        assert item.note == note, item.framework


def test_a_difference_links_each_component_to_its_finding() -> None:
    comparison = compare(PYTHIA, LOWER, statuses={"evaluation-data": "not-found"})

    assert [(g.label, g.anchor, g.status_words) for g in comparison.mot.gaps] == [
        ("Evaluation data", "finding-evaluation-data", "not found"),
        ("Training datasets", "finding-training-datasets", ""),
    ]
    assert [g.component for g in comparison.gaps] == [
        "training-code",
        "data-provenance",
        "evaluation-data",
        "training-datasets",
    ]
    assert comparison.mot.source_url == source_url(MOT)
    assert (comparison.mot.published_words, comparison.mot.ours_words) == ("Class I", "Class III")


def test_tally_counts_only_what_both_sides_judged() -> None:
    comparisons = [
        compare(PYTHIA, Verdict()),
        compare(PYTHIA, LOWER),
        compare(LLAMA, Verdict(osaid="not-open-source-ai", mof_class="")),
        compare(UNJUDGED, LOWER),
        compare(PYTHIA, None),
    ]

    counts = tally(comparisons)

    assert (counts.osi_agree, counts.osi_judged) == (2, 3)
    assert (counts.mot_agree, counts.mot_judged) == (2, 3)


# --- The project page and the API, on the seed catalogue audited against the fake upstream --------


def _statuses(slug: str) -> dict[str, str]:
    project = Project.objects.select_related("current_verdict").get(slug=slug)
    return {
        f.component: f.effective_status
        for f in Finding.objects.filter(run_id=project.current_verdict.run_id).select_related(
            "curation"
        )
    }


def _box(page: str) -> str:
    match = re.search(r'<section class="published".*?</section>', page, re.S)
    assert match, "no published verdicts box"
    return match.group(0)


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
def test_the_page_names_the_components_where_we_differ_with_their_status(client: Client) -> None:
    page = client.get("/projects/pythia-6.9b/").text
    box = _box(page)
    statuses = _statuses("pythia-6.9b")

    assert "OSI</abbr>:</strong>" in box and "Open source AI" in box and "we agree." in box
    assert "Class I (" in box and "we find Class III" in box
    for component in DIFFERS["pythia-6.9b"]:
        assert f'href="#finding-{component}"' in box
        assert f'<tr id="finding-{component}">' in page
        assert f"({statuses[component].replace('-', ' ')})" in box
    assert "see the findings" in box and "Why we differ: MOT gives the Pile" in box
    assert f'href="{source_url(MOT)}"' in box
    assert 'href="https://opensource.org/blog/2024-end-of-year-review' in box


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
def test_the_page_says_when_we_agree_and_when_nothing_was_published(client: Client) -> None:
    llama = _box(client.get("/projects/llama-2-7b/").text)
    bark = _box(client.get("/projects/bark/").text)

    assert "Not open source AI" in llama and llama.count("we agree.") == 2
    assert "No class (" in llama and "Why we differ" not in llama
    assert "published no verdict for this model." in bark
    assert "does not list this model." in bark and "no file for this model" in bark


@pytest.mark.django_db
def test_a_project_without_a_published_entry_has_no_box(client: Client) -> None:
    project = ProjectFactory(slug="unpublished-1b")
    ArtifactFactory(project=project, locator="lab/unpublished-1b")

    page = client.get("/projects/unpublished-1b/").text

    assert "Published verdicts" not in page


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
def test_the_api_sets_the_published_verdicts_beside_ours(client: Client) -> None:
    body = client.get("/api/v1/projects/pythia-6.9b/").json()
    llama = client.get("/api/v1/projects/llama-2-7b/").json()["published"]

    mot = body["published"]["mot"]
    assert (mot["published"], mot["listed"], mot["ours"], mot["agrees"]) == (
        "I",
        True,
        "III",
        False,
    )
    assert sorted(mot["differs_on"]) == sorted(DIFFERS["pythia-6.9b"])
    assert mot["source"] == source_url(MOT) and mot["note"].startswith("MOT gives the Pile")
    osi = body["published"]["osi"]
    assert (osi["published"], osi["ours"], osi["agrees"], osi["differs_on"]) == (
        "open-source-ai",
        "open-source-ai",
        True,
        [],
    )
    assert llama["osi"]["agrees"] is True and llama["mot"] == {
        "published": None,
        "listed": True,
        "ours": None,
        "agrees": True,
        "source": for_hub_id("meta-llama/Llama-2-7b-hf").mot_url,  # type: ignore[union-attr]
        "differs_on": [],
        "note": "",
    }


@pytest.mark.django_db
def test_an_imported_project_gets_its_hub_models_entry_and_others_none(client: Client) -> None:
    imported = ProjectFactory(slug="pythia-70m-import")
    ArtifactFactory(project=imported, locator="eleutherai/Pythia-70M")
    ArtifactFactory(project=ProjectFactory(slug="other-1b"), locator="lab/other-1b")

    body = client.get("/api/v1/projects/pythia-70m-import/").json()["published"]
    other = client.get("/api/v1/projects/other-1b/").json()

    assert body["osi"] == {
        "published": "open-source-ai",
        "listed": True,
        "ours": None,
        "agrees": None,
        "source": for_hub_id("EleutherAI/pythia-70m").osi_url,  # type: ignore[union-attr]
        "differs_on": [],
        "note": "",
    }
    assert "published" in other and other["published"] is None


@pytest.mark.django_db
def test_the_schema_documents_the_published_field(client: Client) -> None:
    schema = json.loads(client.get("/api/v1/schema/", {"format": "json"}).content)
    components = schema["components"]["schemas"]

    detail = components["ProjectDetail"]["properties"]["published"]
    assert detail["description"] and detail.get("nullable") is True
    verdict = components["PublishedVerdict"]["properties"]
    assert set(verdict) == {
        "published",
        "listed",
        "ours",
        "agrees",
        "source",
        "differs_on",
        "note",
    }
    assert verdict["agrees"]["nullable"] is True
    assert verdict["differs_on"]["type"] == "array"
    assert set(components["PublishedComparison"]["properties"]) == {"osi", "mot"}


# --- The agreement page -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
def test_the_agreement_page_counts_what_both_judged(client: Client) -> None:
    osi = [e for e in PUBLISHED if e["published"]["osi"]]
    mot = [e for e in PUBLISHED if e["published"]["mot_listed"]]

    page = client.get("/methodology/agreement/").text

    assert (
        f"OSAID: agrees on {len(osi)} of {len(osi)} judged; "
        f"MOF: agrees on {len(mot) - len(DIFFERS)} of {len(mot)} listed."
    ) in page
    assert (len(osi), len(mot)) == (15, 21)
    judged = {e["slug"] for e in osi + mot}
    assert set(re.findall(r'<tr id="project-([^"]+)">', page)) == judged
    assert 'href="/projects/pythia-6.9b/#finding-evaluation-data"' in page
    assert 'href="/projects/bark/"' not in page
    assert '<div class="table-scroll">' in page


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
def test_a_project_not_audited_is_listed_but_not_counted(client: Client) -> None:
    before = client.get("/methodology/agreement/").text
    imported = ProjectFactory(slug="pythia-70m-import", name="Pythia 70M (imported)")
    ArtifactFactory(project=imported, locator="EleutherAI/pythia-70m")

    after = client.get("/methodology/agreement/").text

    totals = re.compile(r"OSAID: agrees on .*? listed\.")
    assert totals.search(after).group(0) == totals.search(before).group(0)  # type: ignore[union-attr]
    row = re.search(r'<tr id="project-pythia-70m-import">.*?</tr>', after, re.S)
    assert row and "not audited" in row.group(0)


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
def test_the_agreement_page_makes_one_query(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    published_verdicts()  # read once per process, before counting

    with django_assert_max_num_queries(1):
        page = client.get("/methodology/agreement/")

    assert page.status_code == 200


def test_the_methodology_page_links_the_agreement_page(client: Client, db: None) -> None:
    assert 'href="/methodology/agreement/"' in client.get("/methodology/").text


def test_reading_the_file_is_cached() -> None:
    assert published.published_verdicts() is published.published_verdicts()
