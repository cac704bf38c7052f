"""Pytest fixtures that start the loopback fake upstream (Hub + GitHub) and point settings at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.upstream import FakeUpstream


@pytest.fixture
def fake_upstream() -> Iterator[FakeUpstream]:
    """A fresh fake Hub + GitHub on 127.0.0.1, stopped after the test."""
    with FakeUpstream() as fake:
        yield fake


@pytest.fixture
def upstream_settings(fake_upstream: FakeUpstream, settings: Any) -> Iterator[FakeUpstream]:
    """Django settings aimed at the fake, anonymous (no tokens), yielding the fake."""
    settings.HF_ENDPOINT = fake_upstream.url
    settings.GITHUB_API_URL = fake_upstream.github_url
    settings.ARXIV_API_URL = fake_upstream.arxiv_url
    settings.HF_TOKEN = None
    settings.GITHUB_TOKEN = None
    yield fake_upstream
