"""The API's rate limits, kept working through a cache outage: reads go on, writes wait."""

from __future__ import annotations

import logging
from typing import Any

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


class AnonRateThrottle(CacheOutageMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(CacheOutageMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(CacheOutageMixin, throttling.ScopedRateThrottle):
    pass
