"""Who may call a Nuheat resource: a bearer token of a user with the ``openapi`` scope.

:class:`~homecloud.apis.nuheat.ratelimit.ApiGate` asks :data:`guard` about every ``/api/``
call before it is routed, as ASP.NET's authentication middleware does before model binding (a
call without a valid token is a 401 whatever body it sends), then counts it. The principal is
kept on the request, so a route's ``caller: Caller`` is the same guard answering from that
memory: one mechanism, one check per request.

By default every call is checked anew (the identity provider remembers verified signatures,
so the check is one indexed read), and a revoked token or a disabled account stops at once. An
operator may trust a checked token for a few seconds more (``nuheat.token_cache_seconds``,
never past its expiry) for a little more read throughput; revocation then takes that long.
"""

from __future__ import annotations

import time
from typing import Annotated

from cachetools import TLRUCache
from starlette.requests import Request

from homecloud.apis.nuheat import ISSUER
from homecloud.core.errors import ApiError
from homecloud.identity.guard import Guard, once_per_request
from homecloud.identity.provider import IdentityProvider, Principal, bearer_token

FACE = ISSUER.face
SCOPE = "openapi"
SCOPES = (SCOPE,)

# Where the principal is kept for the rest of the request (the request's state).
PRINCIPAL_KEY = "nuheat_caller"


class TrustedTokens:
    """Tokens that passed the identity check lately, with whom they stand for; each trusted
    for ``seconds`` at most, and never past its own expiry."""

    def __init__(self, seconds: float, size: int = 10_000) -> None:
        self.seconds = seconds
        self._entries: TLRUCache[str, tuple[float, Principal]] = TLRUCache(
            maxsize=size, ttu=lambda _token, entry, _now: entry[0], timer=time.time
        )

    def get(self, token: str) -> Principal | None:
        entry = self._entries.get(token)
        return entry[1] if entry is not None else None

    def put(self, token: str, principal: Principal) -> None:
        if self.seconds <= 0:
            return
        until = time.time() + self.seconds
        expires = principal.claims.get("exp")
        if isinstance(expires, int | float):
            until = min(until, float(expires))
        self._entries[token] = (until, principal)


def bind_trusted_tokens(state: object, trusted: TrustedTokens) -> None:
    """Lets the guard find the app's trusted tokens: ``state`` is ``app.state``."""
    state.trusted_tokens = trusted  # type: ignore[attr-defined]


async def _checked(request: Request) -> Principal:
    token = bearer_token(request)
    trusted: TrustedTokens = request.app.state.trusted_tokens
    principal = trusted.get(token) if token else None
    if principal is None:
        # Only tokens with the scope get here a second time: the check raises otherwise.
        identity: IdentityProvider = request.app.state.identity
        principal = await identity.authenticate(ISSUER, request, SCOPES)
        if token:
            trusted.put(token, principal)
    if principal.user_id is None:
        # A client's own token (client credentials) acts for no account.
        raise ApiError.of(403, "The access token is not issued for a user.")
    return principal


# The caller of this request, checked once (by the gate) and remembered for the route.
guard = Guard(once_per_request(PRINCIPAL_KEY, _checked))

# A route's caller: ``caller: Caller``.
Caller = Annotated[Principal, guard.requires(SCOPE)]
