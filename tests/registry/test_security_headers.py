"""Rate limits count the real client, not what it writes in X-Forwarded-For; every HTML page
answers with a Content-Security-Policy that its own markup keeps to."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audits.models import Snapshot
from registry.models import License, Project, Submission
from registry.throttles import client_address
from tests.factories import make_moderator

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
BODY = {
    "hub_model": "https://huggingface.co/EleutherAI/gpt-neox-20b",
    "name": "GPT-NeoX 20B (submitted)",
    "kind": "language-model",
    "contact": "maintainer@example.org",
}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


# --- the client address --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "client"),
    [
        # No proxies: whatever the client writes in the header is ignored.
        (0, None, "198.51.100.1", "198.51.100.1"),
        (0, "203.0.113.9", "198.51.100.1", "198.51.100.1"),
        (0, "203.0.113.9, 203.0.113.10", "198.51.100.1", "198.51.100.1"),
        # One proxy: the last hop is the one it wrote; the entries before it are the client's own.
        (1, "203.0.113.9", "10.0.0.2", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "10.0.0.2", "203.0.113.9"),
        (1, " 6.6.6.6 ,203.0.113.9 ", "10.0.0.2", "203.0.113.9"),
        # Two proxies: the client is the second entry from the end.
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.3", "10.0.0.2", "203.0.113.9"),
        # A request that went round the proxies, or a hop that is no address: the connection.
        (1, None, "198.51.100.1", "198.51.100.1"),
        (2, "203.0.113.9", "10.0.0.2", "10.0.0.2"),
        (1, "unknown", "10.0.0.2", "10.0.0.2"),
        (1, "203.0.113.9:4711", "10.0.0.2", "10.0.0.2"),
        (1, "", "10.0.0.2", "10.0.0.2"),
        # An IPv6 client is counted by its /64.
        (0, None, "2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        (1, "unknown", "2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        (1, "2001:db8:1:2:bbbb::7", "10.0.0.2", "2001:db8:1:2::/64"),
    ],
)
def test_client_address_believes_forwarded_for_only_as_far_as_the_proxies(
    settings: Any, proxies: int, forwarded: str | None, remote: str, client: str
) -> None:
    settings.NUM_PROXIES = proxies
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **headers)

    assert client_address(request) == client


def test_num_proxies_defaults_to_none_trusted() -> None:
    assert settings.NUM_PROXIES == 0
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0


def test_a_negative_num_proxies_is_refused_at_start(tmp_path: Path) -> None:
    env = {**os.environ, "NUM_PROXIES": "-1", "DATA_DIR": str(tmp_path)}
    env["DJANGO_SETTINGS_MODULE"] = "registry.settings"
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode != 0
    assert "NUM_PROXIES must be 0 or more, not -1" in done.stderr


def api_post(client: Client, n: int, **headers: str) -> int:
    body = {**BODY, "name": f"Submitted {n}"}
    return client.post(
        "/api/v1/submissions/",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"key-{n}",
        **headers,
    ).status_code


def form_post(client: Client, n: int, **headers: str) -> int:
    return client.post("/submit/", {**BODY, "name": f"Submitted {n}"}, **headers).status_code


def test_a_spoofed_forwarded_for_gets_no_fresh_api_bucket(
    client: Client, throttle_rate: Callable[[str, str], None]
) -> None:
    throttle_rate("submissions", "2/hour")

    codes = [api_post(client, n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}") for n in range(4)]

    assert codes == [201, 201, 429, 429]
    assert Submission.objects.count() == 2


def test_a_spoofed_forwarded_for_gets_no_fresh_form_bucket(client: Client, settings: Any) -> None:
    settings.SUBMISSION_RATE = "2/h"

    codes = [form_post(client, n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}") for n in range(4)]

    assert codes == [302, 302, 429, 429]
    assert Submission.objects.count() == 2


def test_behind_one_proxy_the_api_counts_the_last_hop(
    client: Client, settings: Any, throttle_rate: Callable[[str, str], None]
) -> None:
    settings.NUM_PROXIES = 1
    throttle_rate("submissions", "1/hour")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    spoofing = [
        api_post(client, n, HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 203.0.113.9", **proxy)
        for n in range(2)
    ]
    another = api_post(client, 2, HTTP_X_FORWARDED_FOR="6.6.6.1, 203.0.113.10", **proxy)

    assert spoofing == [201, 429]
    assert another == 201


def test_behind_one_proxy_the_form_counts_the_last_hop(client: Client, settings: Any) -> None:
    settings.NUM_PROXIES = 1
    settings.SUBMISSION_RATE = "1/h"
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    spoofing = [
        form_post(client, n, HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 203.0.113.9", **proxy)
        for n in range(2)
    ]
    another = form_post(client, 2, HTTP_X_FORWARDED_FOR="6.6.6.1, 203.0.113.10", **proxy)

    assert spoofing == [302, 429]
    assert another == 302


def test_the_api_and_the_form_count_one_client_alike(
    client: Client, settings: Any, throttle_rate: Callable[[str, str], None]
) -> None:
    """Both limits key on client_address: behind a proxy, each sees the same two clients."""
    settings.NUM_PROXIES = 1
    settings.SUBMISSION_RATE = "1/h"
    throttle_rate("submissions", "1/hour")
    alice = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.1"}
    bob = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.2"}

    api = [api_post(client, 0, **alice), api_post(client, 1, **alice), api_post(client, 2, **bob)]
    form = [
        form_post(client, 3, **alice),
        form_post(client, 4, **alice),
        form_post(client, 5, **bob),
    ]

    assert api == [201, 429, 201]
    assert form == [302, 429, 302]


# --- Content-Security-Policy ----------------------------------------------------------------------


def directives(header: str) -> dict[str, list[str]]:
    """A policy header as {directive: [sources]}."""
    parsed: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in header.split(";"))):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


class InlineCode(HTMLParser):
    """What a page runs or styles from its own markup: inline scripts and styles with their
    nonces, style attributes and event-handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.styles: list[str | None] = []
        self.style_attributes: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and "src" not in found:
            self.scripts.append(found.get("nonce"))
        if tag == "style":
            self.styles.append(found.get("nonce"))
        if "style" in found:
            self.style_attributes.append(tag)
        self.handlers += [f"{tag} {name}" for name in found if name.startswith("on")]


def breaches(html: str, policy: dict[str, list[str]]) -> list[str]:
    """The inline code of a page that its policy would block, as a browser enforces it."""
    code = InlineCode()
    code.feed(html)
    scripts = policy.get("script-src", policy["default-src"])
    styles = policy.get("style-src", policy["default-src"])
    found = [
        f"script without the nonce ({n})" for n in code.scripts if f"'nonce-{n}'" not in scripts
    ]
    if "'unsafe-inline'" not in styles:
        found += [
            f"style without the nonce ({n})" for n in code.styles if f"'nonce-{n}'" not in styles
        ]
        found += [f"style attribute on <{tag}>" for tag in code.style_attributes]
    return found + [f"event handler {handler}" for handler in code.handlers]


def named_routes(
    patterns: list[URLPattern | URLResolver], namespace: str = ""
) -> Iterator[tuple[str, list[str]]]:
    """Every named route outside the admin, with the names of the arguments it takes."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from named_routes(pattern.url_patterns, inner)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", list(pattern.pattern.regex.groupindex)


@pytest.fixture
def every_page() -> list[str]:
    """The path of every route, filled in with a real project, snapshot, license and submission,
    plus the admin's pages and a page that does not exist."""
    call_command("load_catalogue", str(SEED / "pythia-70m.yaml"), stdout=StringIO())
    call_command("seed_snapshots", str(SEED / "upstream"), stdout=StringIO())
    submission = Client().post("/submit/", BODY)
    assert submission.status_code == 302, submission.content
    project = Project.objects.get(slug="pythia-70m")
    examples: dict[str, Any] = {
        "slug": project.slug,
        "token": Submission.objects.get().token,
        "snapshot_id": Snapshot.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
        "license_id": License.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
        "pk": 1,
    }
    paths = []
    for name, arguments in named_routes(get_resolver().url_patterns):
        missing = set(arguments) - set(examples)
        assert not missing, f"give {name}'s {missing} an example value in this test"
        paths.append(reverse(name, kwargs={key: examples[key] for key in arguments}))
    return [*paths, reverse("admin:index"), reverse("admin:login"), "/no-such-page/"]


def test_every_html_page_has_a_strict_policy_its_markup_keeps(
    every_page: list[str], settings: Any
) -> None:
    settings.DEBUG = False
    moderator = make_moderator("csp-moderator", password="pw-for-tests-only", is_staff=True)
    client = Client()
    client.force_login(moderator)

    pages: dict[str, dict[str, list[str]]] = {}
    problems: dict[str, list[str]] = {}
    for path in every_page:
        response = client.get(path)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        assert "Content-Security-Policy" in response, f"{path} ({response.status_code}) has no CSP"
        policy = pages[path] = directives(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"], path
        assert "'unsafe-inline'" not in policy["script-src"], path
        assert "'unsafe-eval'" not in policy["script-src"], path
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        if found := breaches(response.text, policy):
            problems[path] = found

    assert problems == {}
    # The walk reached the pages that matter, including the error page and the API docs.
    for path in ("/", "/projects/pythia-70m/", "/submit/", "/api/v1/docs/", "/no-such-page/"):
        assert path in pages, f"{path} was not checked"


def test_site_pages_allow_only_their_own_files() -> None:
    policy = directives(Client().get("/")["Content-Security-Policy"])

    # A page with no inline code names no nonce: nothing inline runs or styles at all.
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]


def test_the_swagger_page_runs_its_setup_by_nonce_alone(client: Client) -> None:
    response = client.get("/api/v1/docs/")
    policy = directives(response["Content-Security-Policy"])
    nonces = set(re.findall(r'<(?:script|style) nonce="([^"]+)"', response.text))

    assert len(nonces) == 1
    (nonce,) = nonces
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert policy["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert "SwaggerUIBundle(" in response.text
    # A new request, a new nonce: one seen once is worth nothing later.
    assert nonce not in client.get("/api/v1/docs/")["Content-Security-Policy"]


def test_only_redoc_relaxes_styles_and_workers_and_not_scripts(client: Client) -> None:
    response = client.get("/api/v1/redoc/")
    policy = directives(response["Content-Security-Policy"])

    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["worker-src"] == ["'self'", "blob:"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert re.search(r'<script nonce="[^"]+">\s*Redoc\.init\(', response.text)
    # ReDoc's page asks no other host for fonts.
    assert "fonts.googleapis.com" not in response.text
    assert "worker-src" not in directives(client.get("/api/v1/docs/")["Content-Security-Policy"])
