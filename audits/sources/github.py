"""GitHub's REST API for code repositories: the repository, its license, README and tree."""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

import httpx2

from audits.sources import (
    Fetched,
    GuardedTransport,
    NotFound,
    Permanent,
    Policy,
    RateLimited,
    Shape,
    Transient,
    Unauthorized,
    check_shape,
    read_capped,
)

API_VERSION = "2022-11-28"
# Larger answers are refused: a recursive tree of a huge monorepo is not evidence we can store.
MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_LICENSE_CHARS = 100_000
MAX_README_CHARS = 200_000
MAX_TREE_PATHS = 20_000

# The keys each payload is built from; an answer without them is not the file GitHub documents.
FILE_KEYS = ("path", "sha", "content", "encoding")
TREE_KEYS = ("sha", "tree")

# What the rules and the harvest read of each answer, and the JSON types it must hold there.
REPOSITORY_SHAPE: Shape = (
    ("full_name", (str,), True),
    ("html_url", (str,), True),
    ("default_branch", (str,), True),
    ("archived", (bool,), True),
    ("license", (dict,), False),
    ("description", (str,), False),
    ("pushed_at", (str,), False),
)
LICENSE_KEY_SHAPE: Shape = (
    ("key", (str,), False),
    ("spdx_id", (str,), False),
    ("name", (str,), False),
)
FILE_SHAPE: Shape = (
    ("path", (str,), True),
    ("sha", (str,), True),
    ("content", (str,), True),
    ("encoding", (str,), True),
    ("html_url", (str,), False),
)
TREE_SHAPE: Shape = (("sha", (str,), True), ("tree", (list,), True), ("truncated", (bool,), False))
TREE_ENTRY_SHAPE: Shape = (("path", (str,), True), ("type", (str,), True))


class GitHubClient:
    """Reads a repository and its files from `base_url` (api.github.com, or a fake)."""

    def __init__(self, *, base_url: str, token: str | None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # Redirects are followed for renamed repositories, on the API's own host only.
        policy = Policy.for_urls("GitHub", [self.base_url], max_bytes=MAX_BODY_BYTES)
        self.http = httpx2.Client(
            headers=headers,
            timeout=timeout,
            follow_redirects=True,
            transport=GuardedTransport(policy),
        )

    def repository(self, full_name: str, *, etag: str = "") -> Fetched:
        """The repository's JSON; `not_modified` when it matches `etag` (a free 304)."""
        page = f"https://github.com/{full_name}"
        body, new_etag = self._get(f"/repos/{full_name}", full_name, etag=etag)
        if body is None:
            return Fetched(payload=None, url=page, etag=etag)
        body = _checked(repository_payload, body, full_name)
        return Fetched(
            payload=body,
            url=body.get("html_url") or page,
            revision=str(body.get("pushed_at") or ""),
            etag=new_etag,
        )

    def license(self, full_name: str, *, etag: str = "") -> Fetched:
        """The license file GitHub detected; NotFound when the repository has none."""
        return self._file(f"/repos/{full_name}/license", full_name, etag, license_payload)

    def readme(self, full_name: str, *, etag: str = "") -> Fetched:
        """The repository's README, decoded."""
        return self._file(f"/repos/{full_name}/readme", full_name, etag, readme_payload)

    def tree(self, full_name: str, branch: str, *, etag: str = "") -> Fetched:
        """Every file path on `branch`, from one recursive tree request."""
        page = f"https://github.com/{full_name}/tree/{branch}"
        path = f"/repos/{full_name}/git/trees/{branch}"
        body, new_etag = self._get(path, full_name, etag=etag, params={"recursive": "1"})
        if body is None:
            return Fetched(payload=None, url=page, etag=etag)
        payload = _checked(tree_payload, body, full_name, branch)
        return Fetched(payload=payload, url=page, revision=payload["sha"], etag=new_etag)

    def close(self) -> None:
        self.http.close()

    def _file(self, path: str, full_name: str, etag: str, convert: Any) -> Fetched:
        body, new_etag = self._get(path, full_name, etag=etag)
        if body is None:
            return Fetched(payload=None, url=f"https://github.com/{full_name}", etag=etag)
        payload = _checked(convert, body, full_name)
        return Fetched(
            payload=payload,
            url=payload.get("html_url") or f"https://github.com/{full_name}",
            revision=str(payload.get("sha") or ""),
            etag=new_etag,
        )

    def _get(
        self,
        path: str,
        full_name: str,
        *,
        etag: str,
        params: dict[str, str] | None = None,
    ) -> tuple[Any, str]:
        """The decoded JSON body and its ETag, or (None, etag) on a 304."""
        headers = {"If-None-Match": etag} if etag else {}
        try:
            with self.http.stream(
                "GET", f"{self.base_url}{path}", headers=headers, params=params
            ) as response:
                if response.status_code == 304:
                    return None, etag
                _raise_for_status(full_name, response)
                raw = read_capped(response, limit=MAX_BODY_BYTES, source="GitHub", what=full_name)
                new_etag = response.headers.get("ETag", "")
        except httpx2.TimeoutException as error:
            raise Transient(f"GitHub did not answer in time for {full_name}") from error
        except httpx2.TransportError as error:
            raise Transient(f"cannot reach GitHub for {full_name}: {error}") from error
        try:
            return json.loads(raw), new_etag
        except ValueError as error:
            raise Transient(f"GitHub sent a malformed answer for {full_name}") from error


def _checked(convert: Any, body: Any, full_name: str, *args: Any) -> dict[str, Any]:
    try:
        return convert(body, *args)
    except (KeyError, TypeError, ValueError) as error:
        raise Transient(f"GitHub sent an unexpected answer for {full_name}: {error}") from error


def repository_payload(body: Any) -> dict[str, Any]:
    """A `/repos` answer as it came, once it holds what the audit reads of it."""
    check_shape(body, REPOSITORY_SHAPE, "a repository")
    if body.get("license") is not None:
        check_shape(body["license"], LICENSE_KEY_SHAPE, "a repository's license")
    return body


def _decoded(body: dict[str, Any], cap: int) -> str:
    if not isinstance(body, dict) or any(key not in body for key in FILE_KEYS):
        msg = f"a file needs {', '.join(FILE_KEYS)}"
        raise ValueError(msg)
    check_shape(body, FILE_SHAPE, "a file")
    if body["encoding"] != "base64":
        msg = f"content encoded as {body['encoding']!r}, not base64"
        raise ValueError(msg)
    try:
        raw = base64.b64decode(body["content"], validate=False)
    except binascii.Error as error:
        msg = "content is not base64"
        raise ValueError(msg) from error
    return raw.decode("utf-8", errors="replace")[:cap]


def license_payload(body: dict[str, Any]) -> dict[str, Any]:
    """A `/license` answer without its base64 content, with the decoded text (capped)."""
    text = _decoded(body, MAX_LICENSE_CHARS)
    if "license" not in body:
        msg = "a license answer needs its license key"
        raise ValueError(msg)
    if body["license"] is not None:
        check_shape(body["license"], LICENSE_KEY_SHAPE, "a license answer's license")
    payload = {k: v for k, v in body.items() if k != "content"}
    payload["text"] = text
    return payload


def readme_payload(body: dict[str, Any]) -> dict[str, Any]:
    """A `/readme` answer as its path, page, blob sha and decoded text (capped)."""
    text = _decoded(body, MAX_README_CHARS)
    return {
        "path": body["path"],
        "html_url": body.get("html_url"),
        "sha": body["sha"],
        "text": text,
    }


def tree_payload(body: dict[str, Any], branch: str) -> dict[str, Any]:
    """A recursive `/git/trees` answer as the blob paths on `branch` (at most 20000)."""
    if not isinstance(body, dict) or any(key not in body for key in TREE_KEYS):
        msg = f"a tree needs {', '.join(TREE_KEYS)}"
        raise ValueError(msg)
    check_shape(body, TREE_SHAPE, "a tree")
    for entry in body["tree"]:
        check_shape(entry, TREE_ENTRY_SHAPE, "a tree entry")
    paths = [e["path"] for e in body["tree"] if e["type"] == "blob"]
    return {
        "sha": body["sha"],
        "branch": branch,
        # Cut here or by GitHub: either way the listing is not every file.
        "truncated": bool(body.get("truncated")) or len(paths) > MAX_TREE_PATHS,
        "paths": paths[:MAX_TREE_PATHS],
    }


def _raise_for_status(full_name: str, response: httpx2.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    remaining = response.headers.get("x-ratelimit-remaining")
    if status == 429 or (status == 403 and (remaining == "0" or "retry-after" in response.headers)):
        raise RateLimited(
            f"GitHub rate-limited us for {full_name}", retry_after=_retry_after(response)
        )
    if status == 404:
        raise NotFound(f"{full_name} was not found on GitHub")
    if status in (401, 403):
        raise Unauthorized(f"GitHub refused access to {full_name} ({status})")
    if status >= 500 or status == 408:
        raise Transient(f"GitHub answered {status} for {full_name}")
    raise Permanent(f"GitHub answered {status} for {full_name}")


def _retry_after(response: httpx2.Response) -> float | None:
    if (value := response.headers.get("retry-after", "")).isdigit():
        return float(value)
    if (reset := response.headers.get("x-ratelimit-reset", "")).isdigit():
        return max(0.0, float(reset) - time.time())
    return None
