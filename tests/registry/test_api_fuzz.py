"""A bounded schemathesis run against the OpenAPI schema: no 5xx, no response that breaks it."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis import checks

from registry.wsgi import application

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
# Writes need a moderator and re-audit; their validation has its own tests.
schema = schema.exclude(method="POST")


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> object:
    # The WSGI app closes database connections when a request ends; inside a test transaction
    # that would close the test's own connection (Django's test client disconnects it too).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def catalogue(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> object:
    with django_db_blocker.unblock():
        call_command("load_catalogue", str(SEED), stdout=StringIO())
        call_command("seed_snapshots", str(SEED / "upstream"), stdout=StringIO())
    yield
    from registry.models import License, Organization, Project

    with django_db_blocker.unblock():
        for model in (Project, Organization, License):
            model.objects.all().delete()


@pytest.mark.slow
@pytest.mark.usefixtures("catalogue")
@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    cache.clear()  # the anonymous throttle must not turn a fuzz run into 429s
    case.call_and_validate(
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_schema_conformance,
            checks.response_headers_conformance,
        ]
    )
