"""The whole submission flow with a real worker: submit, preview, approve, audited and listed."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from registry.models import Project, Submission
from tests.factories import make_moderator
from tests.fakes.upstream import FakeUpstream
from tests.workers import wait_for, worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_submit_preview_approve_audit_list(
    client: Client, upstream_settings: FakeUpstream, start_worker: Callable[..., subprocess.Popen]
) -> None:
    start_worker(
        worker_env(
            HF_ENDPOINT=upstream_settings.url,
            GITHUB_API_URL=upstream_settings.github_url,
            ARXIV_API_URL=upstream_settings.arxiv_url,
        )
    )
    moderator = make_moderator("moderator")
    as_moderator = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=moderator).key}")

    created = client.post(
        "/api/v1/submissions/",
        json.dumps(
            {
                "hub_model": "EleutherAI/pythia-160m",
                "github": ["EleutherAI/gpt-neox"],
                "name": "Pythia 160M via the queue",
                "kind": "language-model",
                "contact": "producer@example.org",
            }
        ),
        content_type="application/json",
    ).json()
    token = created["id"]

    previewed = wait_for(
        lambda: Submission.objects.filter(token=token, preview_state="done").first()
    )
    assert previewed, "the worker did not build the preview"
    assert previewed.preview["verdict"]["osaid"]

    approved = as_moderator.post(f"/api/v1/submissions/{token}/moderate/", {"action": "approve"})
    assert approved.status_code == 200, approved.content
    slug = approved.json()["created_project"]

    audited = wait_for(
        lambda: Project.objects.filter(slug=slug).exclude(current_verdict=None).first()
    )
    assert audited, "the worker did not audit the approved project"
    listed = client.get("/api/v1/projects/", {"q": "Pythia 160M via the queue"}).json()
    assert [row["slug"] for row in listed["results"]] == [slug]
    assert listed["results"][0]["verdict"]["osaid"] == audited.osaid
