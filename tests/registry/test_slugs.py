"""One slug function makes and checks project slugs: any name gives one every page accepts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from audits.models import AuditRun, Change
from registry import submissions
from registry.importing import unique_slug
from registry.models import (
    FALLBACK_SLUG,
    SLUG_MAX_LENGTH,
    SLUG_PATTERN,
    Project,
    Submission,
    is_slug,
    make_slug,
    slug_validator,
)
from registry.submission_serializers import SubmissionCreateSerializer
from tests.factories import ProjectFactory, make_moderator

# Names as people type them: any text at all, and the troublesome ones on purpose.
NAMES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "my_model_v2",
            "My Model v2",
            "my-model-v2",
            "MY__MODEL__V2",
            "Pythia 6.9B",
            "pythia-6.9b",
            "..",
            "_",
            "—",
            "模型",
            "Ünïcödé",
            "a" * 300,
            "a" * 99 + "_b",
            "x." * 80,
        ]
    ),
)


@given(NAMES)
def test_any_text_makes_a_slug_the_pattern_the_validator_and_the_urls_accept(name: str) -> None:
    slug = make_slug(name)

    assert is_slug(slug)
    assert re.fullmatch(SLUG_PATTERN, slug) and len(slug) <= SLUG_MAX_LENGTH
    slug_validator(slug)
    for route in ("project-detail", "api-project-detail", "project-feed"):
        path = reverse(route, kwargs={"slug": slug})
        assert resolve(path).kwargs["slug"] == slug


@given(NAMES)
def test_a_slug_made_again_is_the_same_slug(name: str) -> None:
    slug = make_slug(name)

    assert make_slug(slug) == slug


@given(st.text(max_size=120))
def test_is_slug_agrees_with_the_validator(text: str) -> None:
    try:
        slug_validator(text)
        valid = len(text) <= SLUG_MAX_LENGTH
    except ValidationError:
        valid = False

    assert is_slug(text) == valid


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("my_model_v2", "my-model-v2"),
        ("Pythia 6.9B", "pythia-6.9b"),
        ("GPT-NeoX 20B (submitted)", "gpt-neox-20b-submitted"),
        ("Ünïcödé", "unicode"),
        ("a" * 99 + "_b", "a" * 99),
        ("模型", FALLBACK_SLUG),
    ],
)
def test_names_become_the_slugs_people_expect(name: str, slug: str) -> None:
    assert make_slug(name) == slug


def test_a_name_with_nothing_to_keep_takes_the_fallbacks_slug() -> None:
    assert make_slug("模型", fallback="Qwen_7B") == "qwen-7b"
    assert make_slug("模型", fallback="模型") == FALLBACK_SLUG


def acceptable_name(name: str) -> bool:
    """What the submission form takes as a name: 1 to 200 characters once trimmed, no NUL."""
    return 0 < len(name.strip()) <= 200 and "\x00" not in name


def submission_named(name: str, hub_model: str = "lab/some-model") -> Submission:
    serializer = SubmissionCreateSerializer(
        data={"hub_model": hub_model, "name": name, "kind": "language-model", "contact": "a@b.org"}
    )
    serializer.is_valid(raise_exception=True)
    return submissions.submit(fields=serializer.submission_fields())


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(NAMES.filter(acceptable_name), min_size=1, max_size=4))
def test_approving_any_names_gives_valid_distinct_slugs(names: list[str]) -> None:
    moderator = User.objects.filter(username="moderator").first() or make_moderator()
    before = set(Project.objects.values_list("slug", flat=True))

    created = []
    for name in names:
        submission = submissions.approve(submission=submission_named(name), moderator=moderator)
        created.append(submission.created_project.slug)

    assert all(is_slug(slug) for slug in created)
    assert len(set(created)) == len(created) and not before & set(created)


@pytest.mark.django_db
def test_unique_slug_cuts_a_long_base_to_fit_its_number() -> None:
    base = make_slug("a" * 300)
    ProjectFactory(slug=base)

    slug = unique_slug(base)

    assert slug == "a" * (SLUG_MAX_LENGTH - 2) + "-2" and is_slug(slug)


@pytest.mark.django_db
def test_a_submission_is_a_duplicate_of_the_project_its_slug_names() -> None:
    ProjectFactory(slug="my-model-v2")

    submission = submission_named("My_Model_V2")

    assert submission.duplicate_of is not None
    assert submission.duplicate_of.slug == "my-model-v2"


@pytest.mark.django_db
def test_an_approved_name_with_underscores_breaks_no_page(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    ProjectFactory(slug="pythia-70m")
    moderator = make_moderator("moderator")
    submission = submission_named("my_model_v2", hub_model="my_lab/my_model_v2")
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=moderator).key}")

    approved = api.post(f"/api/v1/submissions/{submission.token}/moderate/", {"action": "approve"})

    assert approved.status_code == 200, approved.content
    project = Project.objects.get(slug=approved.json()["created_project"])
    assert project.slug == "my-model-v2" and project.organization.slug == "my-lab"
    run = AuditRun.objects.get(project=project)
    Change.objects.create(project=project, run=run, kind=Change.Kind.FIRST, summary="First.")
    for path in (
        "/api/v1/projects/",
        "/api/v1/changes/",
        "/feeds/changes/",
        f"/submissions/{submission.token}/",
        f"/api/v1/submissions/{submission.token}/",
        "/",
        project.get_absolute_url(),
        f"/api/v1/projects/{project.slug}/",
        f"/projects/{project.slug}/feed/",
        f"/organizations/{project.organization.slug}/feed/",
        f"/badge/{project.slug}.svg",
    ):
        assert client.get(path).status_code == 200, path
