"""Fixtures shared by the whole suite."""

import pytest

pytest_plugins = ["tests.fakes.fixtures", "tests.workers"]

# Nothing listens on the discard port: a test that forgets to start the fake upstream fails fast
# instead of reaching the real Hub or GitHub.
NOWHERE = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: pytest.FixtureRequest) -> None:
    # The manifest storage needs collectstatic to have run; pages in tests only need the URL.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _no_real_upstream(settings: pytest.FixtureRequest) -> None:
    settings.HF_ENDPOINT = NOWHERE
    settings.GITHUB_API_URL = f"{NOWHERE}/github"
    settings.HF_TOKEN = None
    settings.GITHUB_TOKEN = None
    settings.SOURCE_TIMEOUT_SECONDS = 2.0
