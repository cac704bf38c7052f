"""Bad input answers 4xx with a clear error, never 5xx: dates, NUL bytes, deep JSON, CSV cells."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
import schemathesis
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from schemathesis import checks

from audits import auditing
from audits.models import Change
from registry import submissions
from registry.models import License, Project, Submission
from registry.renderers import ProjectCSVRenderer, neutralise_formula
from registry.submission_serializers import SubmissionCreateSerializer
from tests.factories import ProjectFactory, make_moderator

pytestmark = pytest.mark.django_db

NEW_PROJECT = {
    "hub_model": "EleutherAI/pythia-410m",
    "name": "Pythia 410M",
    "kind": "language-model",
    "contact": "producer@example.org",
}
DATE_PARAMETERS = [
    ("/api/v1/projects/", "audited_since"),
    ("/api/v1/projects/", "changed_since"),
    ("/api/v1/changes/", "since"),
]


@pytest.fixture(autouse=True)
def _no_throttle_carry_over() -> None:
    cache.clear()


def moderator_client() -> Client:
    user = make_moderator("moderator")
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


def stored_submission() -> Submission:
    """A pending submission of a new project, as the API stores one."""
    serializer = SubmissionCreateSerializer(data=NEW_PROJECT)
    serializer.is_valid(raise_exception=True)
    return submissions.submit(fields=serializer.submission_fields())


def changed_project(slug: str, at: datetime) -> Project:
    """A listed project audited and changed at `at`."""
    project = ProjectFactory(slug=slug, audited_at=at)
    run = auditing.start_run(project=project, trigger="manual")
    Change.objects.create(
        project=project, run=run, kind=Change.Kind.FIRST, summary="First verdict.", created_at=at
    )
    return project


# ---- Dates with any time-zone offset -------------------------------------------------------

VALID_DATES = [
    # PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 (and Python) accept.
    "2024-01-01T00:00:00-20:29",
    "2024-01-01T00:00:00-23:59",
    "2024-01-01T00:00:00+05:30",
    "2024-01-01T00:00:00+0530",
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00.123456+01:00",
    "2024-01-01",
    "20240101T000000Z",
    # Offsets that take the moment outside the years Python counts.
    "0001-01-01T00:00:00+05:30",
    "9999-12-31T23:59:59-23:59",
]


@pytest.mark.parametrize("value", VALID_DATES)
@pytest.mark.parametrize(("path", "parameter"), DATE_PARAMETERS)
def test_any_iso_8601_offset_is_accepted(
    client: Client, path: str, parameter: str, value: str
) -> None:
    response = client.get(path, {parameter: value})

    assert response.status_code == 200, response.content


@pytest.mark.parametrize(("path", "parameter"), DATE_PARAMETERS)
def test_an_offset_beyond_postgresqls_range_means_the_same_moment(
    client: Client, path: str, parameter: str
) -> None:
    changed_project("changed", datetime(2024, 1, 2, tzinfo=UTC))

    # 2024-01-01T03:00-20:29 is 2024-01-01T23:29Z; 04:00-20:29 is 2024-01-02T00:29Z.
    before = client.get(path, {parameter: "2024-01-01T03:00:00-20:29"}).json()["results"]
    after = client.get(path, {parameter: "2024-01-01T04:00:00-20:29"}).json()["results"]

    assert len(before) == 1 and after == []


INVALID_DATES = [
    "garbage",
    "2024-13-01",
    "2024-02-30T00:00:00Z",
    "2024-01-01T25:00:00Z",
    "2024-01-01T00:00:00+24:00",
    "2024-01-01T00:00:00+99:99",
    "2024-01-01T00:00:00\x00",
    "-2024-01-01",
]


@pytest.mark.parametrize("value", INVALID_DATES)
@pytest.mark.parametrize(("path", "parameter"), DATE_PARAMETERS)
def test_an_invalid_date_names_the_parameter_and_the_format(
    client: Client, path: str, parameter: str, value: str
) -> None:
    response = client.get(path, {parameter: value})

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert parameter in error["message"]
    assert "ISO 8601" in " ".join(error["fields"][parameter])


# ---- NUL bytes, which PostgreSQL refuses in text -------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/licenses/MIT%00/",
        "/api/v1/submissions/abc%00/",
        "/api/v1/projects/a%00b/",
        "/licenses/MIT%00/",
        "/submissions/abc%00/",
        "/projects/a%00b/",
        "/projects/a%00b/feed/",
        "/organizations/a%00b/feed/",
    ],
)
def test_a_nul_in_a_path_is_not_found(client: Client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_a_nul_in_a_badge_path_is_the_badges_plain_not_found(client: Client) -> None:
    ProjectFactory(slug="pythia-70m")

    response = client.get("/badge/pythia-70m%00.svg")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")


def test_a_nul_in_a_moderation_path_is_not_found() -> None:
    response = moderator_client().post(
        "/api/v1/submissions/abc%00/moderate/", {"action": "approve"}
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/projects/", "q"),
        ("/api/v1/projects/", "organization"),
        ("/api/v1/projects/", "family"),
        ("/api/v1/projects/", "license"),
        ("/api/v1/changes/", "project"),
    ],
)
def test_a_nul_in_a_query_parameter_is_a_400(client: Client, path: str, parameter: str) -> None:
    response = client.get(path, {parameter: "pythia\x00"})

    assert response.status_code == 400
    assert parameter in response.json()["error"]["fields"]


@pytest.mark.parametrize("query", [{"q": "pythia\x00"}, {"organization": "a\x00"}])
def test_a_nul_in_the_catalogues_search_is_shown_as_a_problem(
    client: Client, query: dict[str, str]
) -> None:
    response = client.get("/", query)

    assert response.status_code == 200
    assert "Null characters are not allowed" in response.text


def test_a_nul_in_a_compared_slug_is_no_such_project(client: Client) -> None:
    ProjectFactory(slug="pythia-70m")
    ProjectFactory(slug="pythia-160m")

    response = client.get("/compare/", {"p": ["pythia-70m", "pythia-160m\x00"]})

    assert response.status_code == 200
    assert "No project is called" in response.text


FORM_FIELDS = [
    *("hub_model", "paper", "name", "kind", "contact", "note", "github", "datasets"),
    *("project", "component", "proposed_status", "proposed_license", "evidence_url"),
]


@pytest.mark.parametrize("field", FORM_FIELDS)
def test_a_nul_in_any_submit_form_field_is_a_form_error_and_stores_nothing(
    client: Client, field: str
) -> None:
    ProjectFactory(slug="pythia-70m")
    form = {**NEW_PROJECT, field: f"{NEW_PROJECT.get(field, 'pythia-70m')}\x00"}

    response = client.post("/submit/", form)

    assert response.status_code == 400, response.content
    assert not Submission.objects.exists()


@pytest.mark.parametrize("field", FORM_FIELDS)
def test_a_nul_in_any_api_submission_field_is_a_400_and_stores_nothing(
    client: Client, field: str
) -> None:
    ProjectFactory(slug="pythia-70m")
    value = f"{NEW_PROJECT.get(field, 'pythia-70m')}\x00"
    body = {**NEW_PROJECT, field: [value] if field in ("github", "datasets") else value}

    response = client.post(
        "/api/v1/submissions/", json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Submission.objects.exists()


def test_a_nul_in_a_moderation_form_is_not_found_or_a_problem(client: Client) -> None:
    submission = stored_submission()
    client.force_login(make_moderator("mod"))

    unknown = client.post("/moderation/", {"token": "abc\x00", "action": "approve"})
    duplicate = client.post(
        "/moderation/", {"token": submission.token, "action": "duplicate", "duplicate_of": "a\x00"}
    )

    assert unknown.status_code == 404
    assert duplicate.status_code == 200 and "duplicate_of" in duplicate.text
    assert Submission.objects.get().state == Submission.State.PENDING


def test_a_nul_in_a_moderation_body_is_a_400() -> None:
    submission = stored_submission()

    response = moderator_client().post(
        f"/api/v1/submissions/{submission.token}/moderate/",
        {"action": "duplicate", "duplicate_of": "a\x00"},
    )

    assert response.status_code == 400
    assert "duplicate_of" in response.json()["error"]["fields"]


def cursor(position: str) -> str:
    """A cursor as DRF encodes one, for a position a client made up."""
    return base64.b64encode(urlencode({"p": position}).encode("ascii")).decode("ascii")


@pytest.mark.parametrize(
    ("path", "position"),
    [
        ("/api/v1/licenses/", "MIT\x00"),
        ("/api/v1/organizations/", "a\x00"),
        ("/api/v1/projects/", "a\x00"),
        ("/api/v1/changes/", "garbage"),
        ("/api/v1/changes/", "2024-01-01T00:00:00-20:29"),
        ("/api/v1/changes/", "2024-01-01\x00"),
    ],
)
def test_a_made_up_cursor_position_is_not_a_server_error(
    client: Client, path: str, position: str
) -> None:
    changed_project("changed", datetime(2024, 1, 2, tzinfo=UTC))
    License.objects.create(id="MIT", name="MIT License")

    response = client.get(path, {"cursor": cursor(position)})

    assert response.status_code in (200, 404), response.content


# ---- JSON nested too deep ------------------------------------------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [3_000, 100_000])
def test_a_json_body_nested_thousands_deep_is_a_400(client: Client, depth: int) -> None:
    response = client.post("/api/v1/submissions/", nested(depth), content_type="application/json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parse_error" and "nested" in error["message"]
    assert not Submission.objects.exists()


def test_a_json_value_nested_past_the_limit_is_a_400_even_if_python_parses_it(
    client: Client,
) -> None:
    body = {**NEW_PROJECT, "note": json.loads(nested(200))}

    response = client.post(
        "/api/v1/submissions/", json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400
    assert "nested" in response.json()["error"]["message"]


def test_a_deep_body_to_a_moderators_endpoint_is_a_400() -> None:
    ProjectFactory(slug="pythia-70m")
    deep = '{"component": ' + nested(3_000) + "}"

    response = moderator_client().post(
        "/api/v1/projects/pythia-70m/curations/", deep, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_ordinary_json_bodies_still_parse(client: Client) -> None:
    body = {**NEW_PROJECT, "github": ["EleutherAI/pythia"], "datasets": ["EleutherAI/pile"]}

    response = client.post(
        "/api/v1/submissions/", json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    assert Submission.objects.get().github == ["EleutherAI/pythia"]


# ---- SubmissionStatus: the fields that may be null say so ----------------------------------


def openapi(client: Client) -> dict[str, Any]:
    return json.loads(client.get("/api/v1/schema/", {"format": "json"}).content)


@pytest.mark.parametrize("field", ["duplicate_of", "created_project"])
def test_submission_status_schema_says_which_fields_may_be_null(client: Client, field: str) -> None:
    properties = openapi(client)["components"]["schemas"]["SubmissionStatus"]["properties"]

    assert properties[field].get("nullable") is True
    assert properties[field]["readOnly"] is True


def test_a_submission_status_with_nulls_conforms_to_the_schema(client: Client) -> None:
    submission = stored_submission()
    path = f"/api/v1/submissions/{submission.token}/"
    response = client.get(path)
    body = response.json()
    assert body["duplicate_of"] is None and body["created_project"] is None

    schema = schemathesis.openapi.from_dict(openapi(client))
    operation = schema["/api/v1/submissions/{token}/"]["GET"]
    case = operation.Case(path_parameters={"token": submission.token})
    checked = schemathesis.Response(
        status_code=response.status_code,
        headers={name: [value] for name, value in response.headers.items()},
        content=response.content,
        request=requests.Request("GET", f"http://testserver{path}").prepare(),
        elapsed=0.0,
        verify=True,
    )

    case.validate_response(checked, checks=[checks.response_schema_conformance])


# ---- CSV cells that a spreadsheet would run as formulas ------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Pythia 6.9B", "Pythia 6.9B"),
        ("pythia-6.9b", "pythia-6.9b"),
        ("a=b", "a=b"),
        ("", ""),
        (62, 62),
        (None, None),
        (True, True),
    ],
)
def test_neutralise_formula_follows_owasp(cell: Any, written: Any) -> None:
    assert neutralise_formula(cell) == written


def test_csv_export_neutralises_every_text_cell() -> None:
    row = {
        "slug": "evil",
        "name": "=cmd|' /C calc'!A0",
        "kind": "language-model",
        "organization": "@evil",
        "family": "-x",
        "verdict": {"osaid": "open-source-ai", "score": 62, "gated": False, "stale": False},
        "audited_at": None,
        "url": "+http://evil.example",
    }

    rendered = ProjectCSVRenderer().render([row]).decode()

    (written,) = csv.DictReader(io.StringIO(rendered))
    assert written["name"] == "'=cmd|' /C calc'!A0"
    assert written["organization"] == "'@evil"
    assert written["family"] == "'-x"
    assert written["url"] == "'+http://evil.example"
    assert (written["slug"], written["score"], written["gated"]) == ("evil", "62", "False")


def test_the_csv_list_neutralises_a_submitted_formula_name(client: Client) -> None:
    ProjectFactory(slug="evil", name="=1+1", audited_at=timezone.now())

    response = client.get("/api/v1/projects/", {"format": "csv"})

    (written,) = csv.DictReader(io.StringIO(response.content.decode()))
    assert written["name"] == "'=1+1"
