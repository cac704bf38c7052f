"""Source clients: what they return and the errors they raise, whatever the upstream."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
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


class OffAllowlist(Transient):
    """A source sent us (by a redirect) to a host that is not its own: nothing was sent there.

    Transient, because a misconfigured upstream may mend; the retries are bounded either way.
    """


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


# --- The shape of an answer ----------------------------------------------------------------------

# (key, the JSON types it may hold, whether it must be there); a key not required may be null.
Shape = tuple[tuple[str, tuple[type, ...], bool], ...]


def check_shape(body: Any, shape: Shape, what: str) -> dict[str, Any]:
    """`body` if it is a JSON object whose keys hold what `shape` says; ValueError if not.

    The rules read these keys without checking them: an answer that lacks one, or holds a list
    where an object belongs, must stop here rather than reach a snapshot.
    """
    if not isinstance(body, dict):
        msg = f"{what} is {json_kind(body)}, not an object"
        raise ValueError(msg)
    for key, types, required in shape:
        value = body.get(key)
        if value is None:
            if required:
                msg = f"{what} has no {key}"
                raise ValueError(msg)
            continue
        # JSON true is no number: bool is an int in Python, so it passes only where named.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            wanted = " or ".join(json_kind(t()) for t in types)
            msg = f"{what}'s {key} is {json_kind(value)}, not {wanted}"
            raise ValueError(msg)
    return body


def json_kind(value: Any) -> str:
    """What a decoded JSON value is, in JSON's words, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# --- Where a client may go, and how much it reads ---------------------------------------------

Origin = tuple[str, str, int]
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str | httpx2.URL) -> Origin:
    """A URL's scheme, host and port: what a redirect must keep to stay on the allowlist."""
    parsed = httpx2.URL(url)
    port = parsed.port or DEFAULT_PORTS.get(parsed.scheme, 0)
    return parsed.scheme, parsed.host.lower().rstrip("."), port


@dataclass(frozen=True)
class Policy:
    """The origins a source's client may send requests to, and the largest answer it reads."""

    source: str
    origins: frozenset[Origin]
    max_bytes: int

    @classmethod
    def for_urls(cls, source: str, urls: Iterable[str], *, max_bytes: int) -> Policy:
        return cls(source, frozenset(origin_of(url) for url in urls), max_bytes)

    def allows(self, url: httpx2.URL) -> bool:
        return origin_of(url) in self.origins

    def too_big(self, url: httpx2.URL) -> Transient:
        return Transient(
            f"{self.source} sent an answer over {self.max_bytes} bytes for {_shown(url)}"
        )


def _shown(url: httpx2.URL) -> str:
    # A signed download URL carries its signature in the query: an error message needs no more.
    return str(url.copy_with(query=None, fragment=None))


_current_policy: ContextVar[Policy | None] = ContextVar("source_policy", default=None)


@contextlib.contextmanager
def guarding(policy: Policy) -> Iterator[None]:
    """Apply `policy` to requests this thread sends through a shared GuardedTransport."""
    token = _current_policy.set(policy)
    try:
        yield
    finally:
        _current_policy.reset(token)


class GuardedTransport(httpx2.BaseTransport):
    """Sends requests only to allowed origins and reads no answer past the size cap.

    Every hop of a redirect passes through here, so a hop to another host is refused before
    anything is sent to it. Answers come unencoded: a cap on gzip bytes would let a small bomb
    through. Without a policy of its own the transport applies the one `guarding()` set (the
    Hub's client is shared process-wide), and none outside such a block.
    """

    def __init__(
        self, policy: Policy | None = None, *, inner: httpx2.BaseTransport | None = None
    ) -> None:
        self.policy = policy
        self.inner = inner or httpx2.HTTPTransport()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        policy = self.policy or _current_policy.get()
        if policy is None:
            return self.inner.handle_request(request)
        if not policy.allows(request.url):
            raise OffAllowlist(
                f"{policy.source} redirected a request to {_shown(request.url)}, off the "
                "allowlist of its hosts: not followed"
            )
        request.headers["Accept-Encoding"] = "identity"
        response = self.inner.handle_request(request)
        try:
            encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
            if encoding not in ("", "identity"):
                raise Transient(
                    f"{policy.source} sent an answer encoded as {encoding!r} for "
                    f"{_shown(request.url)}; we asked for none"
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > policy.max_bytes:
                raise policy.too_big(request.url)
        except Transient:
            response.close()
            raise
        return httpx2.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_CappedStream(response.stream, policy.max_bytes, policy.too_big(request.url)),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self.inner.close()


class _CappedStream(httpx2.SyncByteStream):
    def __init__(self, stream: Any, limit: int, too_big: Transient) -> None:
        self.stream = stream
        self.limit = limit
        self.too_big = too_big

    def __iter__(self) -> Iterator[bytes]:
        size = 0
        for chunk in self.stream:
            size += len(chunk)
            if size > self.limit:
                raise self.too_big
            yield chunk

    def close(self) -> None:
        self.stream.close()
