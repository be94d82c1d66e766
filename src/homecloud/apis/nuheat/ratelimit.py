"""Who calls a Nuheat resource, and whether they may: the bearer token with the ``openapi``
scope, then the rate limits per user and client, as AspNetCoreRateLimit enforces them for the
vendor (every window counted; the headers describe the longest one).

A token that passed the check is trusted for a few seconds more (``nuheat.token_cache_seconds``,
never past its expiry) without asking the identity provider again: integrations poll, and the
check (signature, token row, account) costs more than the rest of a read. The vendor's access
tokens cannot be revoked at all; here a revoked token or a disabled account stops working
within those seconds.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.nuheat.timefmt import round_trip
from homecloud.core.errors import ApiError
from homecloud.core.ratelimit import RateLimitDecision, RateLimiter, RateLimitPolicy
from homecloud.identity.provider import IdentityProvider, Principal, bearer_token

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


class TrustedTokens:
    """Tokens that passed the identity check lately, with whom they stand for."""

    def __init__(self, seconds: float, size: int = 10_000) -> None:
        self.seconds = seconds
        self.size = size
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    def get(self, token: str) -> Principal | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        if entry[0] <= time.time():
            del self._entries[token]
            return None
        return entry[1]

    def put(self, token: str, principal: Principal) -> None:
        if self.seconds <= 0:
            return
        until = time.time() + self.seconds
        expires = principal.claims.get("exp")
        if isinstance(expires, int | float):
            until = min(until, float(expires))
        self._entries[token] = (until, principal)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)


class Gate:
    """The dependency every resource route has: authenticated, in quota, or an error."""

    def __init__(
        self,
        identity: IdentityProvider,
        limiter: RateLimiter,
        policy: RateLimitPolicy,
        trusted: TrustedTokens,
    ) -> None:
        self.identity = identity
        self.limiter = limiter
        self.policy = policy
        self.trusted = trusted

    async def __call__(self, request: Request) -> Caller:
        token = bearer_token(request)
        principal = self.trusted.get(token) if token else None
        if principal is None:
            # Only tokens with the scope get here a second time: the check raises otherwise.
            principal = await self.identity.authenticate("nuheat", request, SCOPES)
            if token:
                self.trusted.put(token, principal)
        if principal.user_id is None:
            # A client's own token (client credentials) acts for no account.
            raise ApiError.of(403, "The access token is not issued for a user.")
        decision = await self.limiter.hit(self.policy, f"{principal.user_id}:{principal.client_id}")
        if not decision.allowed:
            raise quota_exceeded(decision)
        return Caller(principal.user_id, limit_headers(decision))
