"""The API's rate limits, kept working through a cache outage: reads go on, writes wait."""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from redis.exceptions import RedisError
from rest_framework import throttling
from rest_framework.exceptions import APIException
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

logger = logging.getLogger(__name__)

# What the cache raises when it cannot be reached: redis-py's errors, or the socket's own.
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)
# How long a client is asked to wait before writing again while the cache is down.
RETRY_AFTER_SECONDS = 30
# An IPv6 client is counted by its network: one host is usually handed a whole /64.
IPV6_PREFIX = 64


class RateLimitUnavailable(APIException):
    """A write refused because its rate limit cannot be counted right now."""

    status_code = 503
    default_detail = "The site cannot count requests right now; try again in a moment."
    default_code = "unavailable"

    def __init__(self, wait: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__()
        # DRF's exception handler turns `wait` into the Retry-After header.
        self.wait = wait


class CacheOutageMixin:
    """Fail open for reads, closed for writes, when the throttle cannot reach the cache.

    A read costs the site little and is what most people come for, so the catalogue stays
    readable; a write unlimited during an outage would let a flood through, so it is refused
    with 503 and Retry-After instead.
    """

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except CACHE_ERRORS:
            logger.warning("rate limit cache unreachable; %s %s", request.method, request.path)
            if request.method in SAFE_METHODS:
                return True
            raise RateLimitUnavailable() from None


def client_address(request: HttpRequest | Request) -> str:
    """The address every rate limit counts a request by, the API's and the forms' alike.

    Each of the site's own proxies (NUM_PROXIES of them) appends the address it was reached
    from to X-Forwarded-For, so the client is the entry NUM_PROXIES from the end; whatever
    stands before it the client wrote itself, and believing it would give anyone a fresh bucket
    per request. Without proxies, or when the header is too short or unreadable (the request
    went round the proxies), the connection's own address is the client.
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    proxies: int = settings.NUM_PROXIES
    forwarded = hops[-proxies] if 0 < proxies <= len(hops) else ""
    return _counted(forwarded) or _counted(remote) or remote


def _counted(address: str) -> str | None:
    """An address as the rate limits count it, an IPv6 one by its /64; None if it is none."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return str(parsed)


def client_key(group: str, request: HttpRequest) -> str:
    """client_address, called as django-ratelimit calls a key."""
    return client_address(request)


class ClientAddressMixin:
    """Count anonymous clients by client_address instead of DRF's own reading of the headers."""

    def get_ident(self, request: Request) -> str:
        return client_address(request)


class AnonRateThrottle(ClientAddressMixin, CacheOutageMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientAddressMixin, CacheOutageMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(ClientAddressMixin, CacheOutageMixin, throttling.ScopedRateThrottle):
    pass
