"""Who calls a Nuheat resource, and whether they may: the bearer token with the ``openapi``
scope, then the rate limits per user and client, as AspNetCoreRateLimit enforces them for the
vendor (every window counted; the headers describe the longest one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.nuheat.timefmt import round_trip
from homecloud.core.errors import ApiError
from homecloud.core.ratelimit import RateLimitDecision, RateLimiter, RateLimitPolicy
from homecloud.identity.provider import IdentityProvider

SCOPES = ("openapi",)


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: int
    headers: dict[str, str]

    def json(self, content: Any) -> Response:
        return Response(orjson.dumps(content), media_type="application/json", headers=self.headers)

    def no_content(self) -> Response:
        return Response(status_code=204, headers=self.headers)


def quota_exceeded(decision: RateLimitDecision) -> ApiError:
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


def limit_headers(decision: RateLimitDecision) -> dict[str, str]:
    longest = decision.longest
    return {
        "X-Rate-Limit-Limit": longest.window.period,
        "X-Rate-Limit-Remaining": str(longest.remaining),
        "X-Rate-Limit-Reset": round_trip(longest.reset_at),
    }


class Gate:
    """The dependency every resource route has: authenticated, in quota, or an error."""

    def __init__(
        self, identity: IdentityProvider, limiter: RateLimiter, policy: RateLimitPolicy
    ) -> None:
        self.identity = identity
        self.limiter = limiter
        self.policy = policy

    async def __call__(self, request: Request) -> Caller:
        principal = await self.identity.authenticate("nuheat", request, SCOPES)
        if principal.user_id is None:
            # A client's own token (client credentials) acts for no account.
            raise ApiError.of(403, "The access token is not issued for a user.")
        decision = await self.limiter.hit(self.policy, f"{principal.user_id}:{principal.client_id}")
        if not decision.allowed:
            raise quota_exceeded(decision)
        return Caller(principal.user_id, limit_headers(decision))
