"""Throttles that fail open: their counters live in Redis, and a login or a sign-up
must not answer 500 because Redis is down. Without Redis the request is let through
(the rate is not enforced meanwhile) and a warning is logged for each such request."""

from __future__ import annotations

from typing import Any

import redis
import structlog
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle

log = structlog.get_logger(__name__)

THROTTLE_CACHE_UNAVAILABLE = "throttle_cache_unavailable"


class FailOpenScopedRateThrottle(ScopedRateThrottle):
    """DRF's ScopedRateThrottle (`throttle_scope` on the view, rates in settings)."""

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except redis.RedisError as exc:
            log.warning(THROTTLE_CACHE_UNAVAILABLE, scope=self.scope, error=str(exc))
            return True
