"""The rate limits of Nuheat's resources per user and client, as AspNetCoreRateLimit enforces
them for the vendor (every window counted; the headers describe the longest one).

:class:`ApiGate` lets the face's guard (``auth.py``) authenticate every ``/api/`` request
before it is routed, as ASP.NET's authentication and rate-limit middleware do before model
binding, and then counts it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homecloud.apis.nuheat.auth import SCOPES
from homecloud.apis.nuheat.paths import local_path
from homecloud.apis.nuheat.timefmt import round_trip
from homecloud.core.errors import ApiError, ErrorShape
from homecloud.core.ratelimit import RateLimitDecision, RateLimiter, RateLimitPolicy
from homecloud.identity.guard import Guard


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


class ApiGate:
    """Middleware of the Nuheat app: authenticates and counts every ``/api/`` call, answers
    the refused ones (401, 403, 429) in the face's error shape, and puts the rate-limit
    headers of an allowed call on whatever its route answers, errors included."""

    def __init__(
        self,
        app: ASGIApp,
        guard: Guard,
        limiter: RateLimiter,
        policy: RateLimitPolicy,
        shape: ErrorShape,
    ) -> None:
        self.app = app
        self.guard = guard
        self.limiter = limiter
        self.policy = policy
        self.shape = shape

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not local_path(scope).startswith("/api/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            # The guard keeps the principal on the request for the route's ``Caller``.
            principal = await self.guard.caller(request, SCOPES)
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
        headers = limit_headers(decision)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
