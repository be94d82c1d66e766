"""The rate limits of Nuheat's resources per user and client, as AspNetCoreRateLimit enforces
them for the vendor (every window counted; the headers describe the longest one).

:class:`ApiGate` is core's :class:`~homecloud.core.ratelimit_gate.RateLimitGate` in Nuheat's
words: the face's guard (``auth.py``) authenticates every ``/api/`` request before it is
routed, as ASP.NET's authentication and rate-limit middleware do before model binding, and
then it is counted.
"""

from __future__ import annotations

from starlette.requests import Request

from homecloud.apis.nuheat.auth import SCOPES
from homecloud.apis.nuheat.timefmt import round_trip
from homecloud.core.errors import ApiError
from homecloud.core.ratelimit import RateLimitDecision
from homecloud.core.ratelimit_gate import Headers, RateLimitGate
from homecloud.identity.guard import Guard


class ApiGate(RateLimitGate[Guard]):
    """Middleware of the Nuheat app: authenticates and counts every ``/api/`` call, per user
    and client; a refused call (401, 403, 429) carries no rate-limit headers."""

    async def counter_key(self, request: Request) -> str:
        # The guard keeps the principal on the request for the route's ``Caller``.
        principal = await self.guard.caller(request, SCOPES)
        return f"{principal.user_id}:{principal.client_id}"

    def limit_headers(self, decision: RateLimitDecision) -> Headers:
        """The longest window's headers (names in lower case, as every header here goes out)."""
        longest = decision.longest
        return [
            (b"x-rate-limit-limit", longest.window.period.encode()),
            (b"x-rate-limit-remaining", str(longest.remaining).encode()),
            (b"x-rate-limit-reset", round_trip(longest.reset_at).encode()),
        ]

    def quota_exceeded(self, decision: RateLimitDecision) -> ApiError:
        assert decision.blocked_by is not None
        window = decision.blocked_by.window
        return ApiError(
            status=429,
            messages=[
                f"API calls quota exceeded! maximum admitted {window.amount} per {window.period}."
            ],
            code="rate_limited",
            headers={"Retry-After": str(decision.retry_after)},
        )
