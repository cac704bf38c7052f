"""Source clients: what they return and the errors they raise, whatever the upstream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2


@dataclass(frozen=True)
class Fetched:
    """One answer from a source: the payload, its upstream revision and ETag, a public page."""

    payload: dict[str, Any] | None  # None when the source answered "not modified"
    url: str
    revision: str = ""
    etag: str = ""

    @property
    def not_modified(self) -> bool:
        return self.payload is None


class SourceError(Exception):
    """A source did not give a usable answer."""

    transient = False


class NotFound(SourceError):
    """The source says the repository does not exist (or no longer does)."""


class Unauthorized(SourceError):
    """The source refuses access (401/403 without a rate limit)."""


class RateLimited(SourceError):
    """The source asks us to slow down; `retry_after` says for how long, in seconds."""

    transient = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Transient(SourceError):
    """A failure worth retrying: timeout, connection error, 5xx, a malformed answer."""

    transient = True


class Permanent(SourceError):
    """A failure retrying will not fix (an unexpected 4xx)."""


def read_capped(response: httpx2.Response, *, limit: int, source: str, what: str) -> bytes:
    """A streamed body, refused as Transient past `limit` bytes (a declared length or the bytes)."""
    too_big = Transient(f"{source} sent an answer over {limit} bytes for {what}")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)
