"""Every admin page a moderator uses opens, including the curation form."""

import pytest
from django.contrib import admin
from django.test import Client

from audits.models import Curation
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

MODELS = [
    f"{model._meta.app_label}/{model._meta.model_name}"
    for model in admin.site._registry
    if model._meta.app_label in {"registry", "audits"}
]


@pytest.mark.parametrize("path", MODELS)
def test_changelist_and_add_pages_open(admin_client: Client, path: str) -> None:
    assert admin_client.get(f"/admin/{path}/").status_code == 200
    assert admin_client.get(f"/admin/{path}/add/").status_code == 200


def test_moderator_records_a_curation_with_its_author(admin_client: Client) -> None:
    project = ProjectFactory()

    response = admin_client.post(
        "/admin/audits/curation/add/",
        {
            "project": project.pk,
            "component": "final-weights",
            "status": "restricted",
            "license": "CC-BY-NC-4.0",
            "reason": "The weights page adds a non-commercial clause.",
            "evidence_url": "example.org/terms",
            "active": "on",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    curation = Curation.objects.get()
    assert curation.created_by.is_superuser
    assert curation.evidence_url == "https://example.org/terms"


def test_curation_refuses_an_unknown_component(admin_client: Client) -> None:
    project = ProjectFactory()

    response = admin_client.post(
        "/admin/audits/curation/add/",
        {
            "project": project.pk,
            "component": "weights",
            "status": "open",
            "reason": "x",
            "evidence_url": "https://example.org",
            "active": "on",
        },
    )

    assert response.status_code == 200
    assert not Curation.objects.exists()
