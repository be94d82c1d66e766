"""Who may call an MClimate resource: a bearer token issued to a user (``/v1/auth/login``,
``/v1/token``), counted against the vendor's two rate limits.

The vendor limits requests per application (client id, whatever the user) and per token;
each is a policy of :class:`MClimateSettings`. Every call counts against both, and a call
over either is refused with a 429 problem and ``Retry-After``. The token's counter is keyed
by a digest of the token, so no token is kept in the limiter's storage (Redis, say).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated

from starlette.requests import Request

from homecloud.apis.mclimate import ISSUER
from homecloud.core.errors import ApiError
from homecloud.core.ratelimit import RateLimiter, RateLimitPolicy
from homecloud.identity.guard import Guard
from homecloud.identity.provider import IdentityProvider, Principal, bearer_token

FACE = ISSUER.face


@dataclass(frozen=True)
class ApiLimits:
    limiter: RateLimiter
    per_client: RateLimitPolicy
    per_token: RateLimitPolicy

    async def count(self, principal: Principal, token: str) -> None:
        token_key = hashlib.sha256(token.encode()).hexdigest()[:32]
        for policy, key in (
            (self.per_client, principal.client_id or "-"),
            (self.per_token, token_key),
        ):
            decision = await self.limiter.hit(policy, key)
            if not decision.allowed:
                raise ApiError(
                    status=429,
                    messages=["Rate limit exceeded: too many requests, retry later."],
                    headers={"Retry-After": str(decision.retry_after)},
                )


def bind_limits(state: object, limits: ApiLimits) -> None:
    """Lets :func:`authenticate` find the face's limits: ``state`` is ``app.state``."""
    state.mclimate_limits = limits  # type: ignore[attr-defined]


async def authenticate(request: Request) -> Principal:
    identity: IdentityProvider = request.app.state.identity
    token = bearer_token(request)
    principal = await identity.authenticate(ISSUER, request, token=token)
    limits: ApiLimits = request.app.state.mclimate_limits
    await limits.count(principal, token or "")
    return principal


guard = Guard(authenticate)

# A route's caller. MClimate's tokens carry no scope (``scope: null``): any user token will do.
Caller = Annotated[Principal, guard.requires()]
