"""Fixtures shared by the whole suite."""

from collections.abc import Callable

import pytest
from rest_framework.throttling import SimpleRateThrottle

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


@pytest.fixture
def throttle_rate(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], None]:
    """Set one DRF throttle rate for this test; DRF's throttles read this shared dict."""

    def set_rate(scope: str, rate: str) -> None:
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, rate)

    return set_rate


@pytest.fixture(autouse=True)
def _no_real_upstream(settings: pytest.FixtureRequest) -> None:
    settings.HF_ENDPOINT = NOWHERE
    settings.GITHUB_API_URL = f"{NOWHERE}/github"
    settings.ARXIV_API_URL = f"{NOWHERE}/arxiv/oai2"
    settings.HF_TOKEN = None
    settings.GITHUB_TOKEN = None
    settings.SOURCE_TIMEOUT_SECONDS = 2.0
