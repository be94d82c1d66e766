"""Who calls a Nuheat resource, and whether they may: the bearer token with the ``openapi``
scope, then the rate limits per user and client, as AspNetCoreRateLimit enforces them for the
vendor (every window counted; the headers describe the longest one).

:class:`ApiGate` checks every ``/api/`` request before it is routed, as ASP.NET's
authentication and rate-limit middleware do before model binding: a call without a valid
token is a 401 whatever body it sends. Routes then ask :func:`caller_of` who called.

By default every call is checked anew (the identity provider remembers verified signatures,
so the check is one indexed read), and a revoked token or a disabled account stops at once. An
operator may trust a checked token for a few seconds more (``nuheat.token_cache_seconds``,
never past its expiry) for a little more read throughput; revocation then takes that long.
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

from homecloud.apis.nuheat.paths import local_path
from homecloud.apis.nuheat.timefmt import round_trip
from homecloud.core.errors import ApiError, ErrorShape
from homecloud.core.ratelimit import RateLimitDecision, RateLimiter, RateLimitPolicy
from homecloud.identity.provider import IdentityProvider, Principal, bearer_token

SCOPES = ("openapi",)


# Where the gate leaves the caller for the route (in the request's state).
CALLER_KEY = "nuheat_caller"


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: int

    def json(self, content: Any) -> Response:
        return Response(orjson.dumps(content), media_type="application/json")

    def no_content(self) -> Response:
        return Response(status_code=204)


def caller_of(request: Request) -> Caller:
    """The caller :class:`ApiGate` let through."""
    caller: Caller = request.scope["state"][CALLER_KEY]
    return caller


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
    """The longest window's headers (names in lower case, as every header here goes out)."""
    longest = decision.longest
    return [
        (b"x-rate-limit-limit", longest.window.period.encode()),
        (b"x-rate-limit-remaining", str(longest.remaining).encode()),
        (b"x-rate-limit-reset", round_trip(longest.reset_at).encode()),
    ]


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


class ApiGate:
    """Middleware of the Nuheat app: authenticates and counts every ``/api/`` call, answers
    the refused ones (401, 403, 429) in the face's error shape, and puts the rate-limit
    headers of an allowed call on whatever its route answers, errors included."""

    def __init__(
        self,
        app: ASGIApp,
        identity: IdentityProvider,
        limiter: RateLimiter,
        policy: RateLimitPolicy,
        trusted: TrustedTokens,
        shape: ErrorShape,
    ) -> None:
        self.app = app
        self.identity = identity
        self.limiter = limiter
        self.policy = policy
        self.trusted = trusted
        self.shape = shape

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not local_path(scope).startswith("/api/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            principal = await self._principal(request)
            decision = await self.limiter.hit(
                self.policy, f"{principal.user_id}:{principal.client_id}"
            )
            if not decision.allowed:
                raise quota_exceeded(decision)
        except ApiError as error:
            response = self.shape(error)
            response.headers.update(error.headers)
            await response(scope, receive, send)
            return
        assert principal.user_id is not None
        scope.setdefault("state", {})[CALLER_KEY] = Caller(principal.user_id)
        headers = limit_headers(decision)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _principal(self, request: Request) -> Principal:
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
        return principal
