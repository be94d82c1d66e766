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
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homecloud.apis.nuheat.timefmt import round_trip
from homecloud.core.errors import ApiError
from homecloud.core.ratelimit import RateLimitDecision, RateLimiter, RateLimitPolicy
from homecloud.identity.provider import IdentityProvider, Principal, bearer_token

SCOPES = ("openapi",)


# Where the gate leaves the rate-limit headers for RateLimitHeaders (in the request's state).
STATE_KEY = "nuheat_rate_limit_headers"


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: int

    def json(self, content: Any) -> Response:
        return Response(orjson.dumps(content), media_type="application/json")

    def no_content(self) -> Response:
        return Response(status_code=204)


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


def limit_headers(decision: RateLimitDecision) -> list[tuple[bytes, bytes]]:
    longest = decision.longest
    return [
        (b"x-rate-limit-limit", longest.window.period.encode()),
        (b"x-rate-limit-remaining", str(longest.remaining).encode()),
        (b"x-rate-limit-reset", round_trip(longest.reset_at).encode()),
    ]


class RateLimitHeaders:
    """Puts the headers of an allowed call on whatever the route answers, errors included,
    as AspNetCoreRateLimit does; a call the gate refused (401, 403, 429) gets none."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = scope.get("state", {}).get(STATE_KEY)
                if headers:
                    message = {**message, "headers": [*message.get("headers", ()), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
        setattr(request.state, STATE_KEY, limit_headers(decision))
        return Caller(principal.user_id)
