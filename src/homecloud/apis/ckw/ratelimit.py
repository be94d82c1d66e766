"""CKW's per-user rate limit, as MuleSoft's Rate-Limiting policy with exposed headers
answers: ``x-ratelimit-limit``, ``-remaining`` and ``-reset`` (milliseconds until the window
resets) on every data response, and 429 with ``Retry-After`` (seconds) once spent.

:class:`DataGate` authenticates and counts every ``/api/`` call before it is routed, so a
call that is refused for its parameters (400, 404) is counted and carries the headers too.
The counter is the user's, whichever app or API (client or backend) calls for them.
"""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homecloud.apis.ckw import names
from homecloud.core.errors import ApiError, ErrorShape
from homecloud.core.ratelimit import RateLimitDecision, RateLimiter, RateLimitPolicy, WindowState
from homecloud.identity.guard import Guard


def deciding_window(decision: RateLimitDecision) -> WindowState:
    """The window the headers describe: the one that blocks, else the one nearest to."""
    if decision.blocked_by is not None:
        return decision.blocked_by
    return min(decision.states, key=lambda state: (state.remaining, -state.window.seconds))


def limit_headers(decision: RateLimitDecision) -> list[tuple[bytes, bytes]]:
    state = deciding_window(decision)
    reset_ms = math.ceil(state.reset_in(decision.now) * 1000)
    return [
        (names.RATE_LIMIT.encode(), str(state.window.amount).encode()),
        (names.RATE_REMAINING.encode(), str(state.remaining).encode()),
        (names.RATE_RESET.encode(), str(reset_ms).encode()),
    ]


def quota_exceeded(decision: RateLimitDecision) -> ApiError:
    state = deciding_window(decision)
    return ApiError(
        status=429,
        messages=[
            f"Rate limit of {state.window.amount} calls per {state.window.period} exceeded;"
            f" retry in {decision.retry_after} s."
        ],
        code="rate_limited",
        headers={"Retry-After": str(decision.retry_after)},
    )


class DataGate:
    def __init__(
        self,
        app: ASGIApp,
        guard: Guard,
        limiter: RateLimiter,
        policy: RateLimitPolicy,
        shape: ErrorShape,
        prefix: str,
    ) -> None:
        self.app = app
        self.guard = guard
        self.limiter = limiter
        self.policy = policy
        self.shape = shape
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        mount = scope.get("root_path", "")
        local = path[len(mount) :] if mount and path.startswith(mount) else path
        if scope["type"] != "http" or not local.startswith(self.prefix + "/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        headers: list[tuple[bytes, bytes]] = []
        try:
            principal = await self.guard.caller(request)
            decision = await self.limiter.hit(self.policy, f"user:{principal.user_id}")
            headers = limit_headers(decision)
            if not decision.allowed:
                raise quota_exceeded(decision)
        except ApiError as error:
            response = self.shape(error)
            response.headers.update(error.headers)
            for name, value in headers:
                response.headers[name.decode()] = value.decode()
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
