"""CKW's per-user rate limit, as MuleSoft's Rate-Limiting policy with exposed headers
answers: ``x-ratelimit-limit``, ``-remaining`` and ``-reset`` (milliseconds until the window
resets) on every data response, and 429 with ``Retry-After`` (seconds) once spent.

:class:`DataGate` is core's :class:`~homecloud.core.ratelimit_gate.RateLimitGate` in CKW's words:
it authenticates and counts every ``/api/`` call before it is routed, so a call that is refused
for its parameters (400, 404) is counted and carries the headers too.
The counter is the user's, whichever app or API (client or backend) calls for them.
"""

from __future__ import annotations

import math

from starlette.requests import Request

from homecloud.apis.ckw import names
from homecloud.core.errors import ApiError
from homecloud.core.ratelimit import RateLimitDecision, WindowState
from homecloud.core.ratelimit_gate import Headers, RateLimitGate
from homecloud.identity.guard import Guard


def deciding_window(decision: RateLimitDecision) -> WindowState:
    """The window the headers describe: the one that blocks, else the one nearest to."""
    if decision.blocked_by is not None:
        return decision.blocked_by
    return min(decision.states, key=lambda state: (state.remaining, -state.window.seconds))


class DataGate(RateLimitGate[Guard]):
    # MuleSoft puts the headers on its 429 too.
    headers_on_refusal = True

    async def counter_key(self, request: Request) -> str:
        principal = await self.guard.caller(request)
        return f"user:{principal.user_id}"

    def limit_headers(self, decision: RateLimitDecision) -> Headers:
        state = deciding_window(decision)
        reset_ms = math.ceil(state.reset_in(decision.now) * 1000)
        return [
            (names.RATE_LIMIT.encode(), str(state.window.amount).encode()),
            (names.RATE_REMAINING.encode(), str(state.remaining).encode()),
            (names.RATE_RESET.encode(), str(reset_ms).encode()),
        ]

    def quota_exceeded(self, decision: RateLimitDecision) -> ApiError:
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
