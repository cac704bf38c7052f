"""GitHub's REST API for code repositories: the repository and its license, asked conditionally."""

from __future__ import annotations

import time

import httpx2

from audits.sources import Fetched, NotFound, Permanent, RateLimited, Transient, Unauthorized

API_VERSION = "2022-11-28"


class GitHubClient:
    """Reads `GET /repos/{owner}/{repo}` from `base_url` (api.github.com, or a fake)."""

    def __init__(self, *, base_url: str, token: str | None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # Redirects are followed for renamed repositories; the host is ours to configure, never
        # a user's.
        self.http = httpx2.Client(headers=headers, timeout=timeout, follow_redirects=True)

    def repository(self, full_name: str, *, etag: str = "") -> Fetched:
        """The repository's JSON; `not_modified` when it matches `etag` (a free 304)."""
        url = f"{self.base_url}/repos/{full_name}"
        headers = {"If-None-Match": etag} if etag else {}
        try:
            response = self.http.get(url, headers=headers)
        except httpx2.TimeoutException as error:
            raise Transient(f"GitHub did not answer in time for {full_name}") from error
        except httpx2.TransportError as error:
            raise Transient(f"cannot reach GitHub for {full_name}: {error}") from error
        page = f"https://github.com/{full_name}"
        if response.status_code == 304:
            return Fetched(payload=None, url=page, etag=etag)
        _raise_for_status(full_name, response)
        try:
            payload = response.json()
        except ValueError as error:
            raise Transient(f"GitHub sent a malformed answer for {full_name}") from error
        if not isinstance(payload, dict):
            raise Transient(f"GitHub sent an unexpected answer for {full_name}")
        return Fetched(
            payload=payload,
            url=payload.get("html_url") or page,
            revision=str(payload.get("pushed_at") or ""),
            etag=response.headers.get("ETag", ""),
        )

    def close(self) -> None:
        self.http.close()


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
