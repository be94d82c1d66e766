"""Who may call a face's resource routes: one typed dependency, whatever the credentials.

Every face's ``auth.py`` makes one :class:`Guard` from the function that turns a request into a
:class:`~homecloud.identity.provider.Principal` (a bearer token for most vendors; smart-me also
takes Basic, card tokens and API keys; CKW also takes a backend's app credentials), and routes
declare what they need::

    guard = Guard(bearer(ISSUER))  # the face's IssuerProfile

    @router.get("/v1/controllers")
    async def controllers(caller: Annotated[Principal, guard.requires("controllers:read")]): ...

The authenticate function raises :class:`~homecloud.core.errors.ApiError` 401 for missing or
bad credentials; the guard raises 403 for missing scopes; each face renders both in its own
error shape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from fastapi import Depends
from starlette.requests import Request

from homecloud.core.errors import ApiError
from homecloud.identity.profiles import IssuerProfile
from homecloud.identity.provider import IdentityProvider, Principal

# Turns a request into its caller, checking its credentials (not yet its scopes).
Authenticate = Callable[[Request], Awaitable[Principal]]
# The 403 for a caller whose credentials lack scopes (the ones wanted, and whether any one
# would do), worded as the vendor words it.
RefuseScope = Callable[[Principal, Sequence[str], bool], ApiError]


def bearer(profile: IssuerProfile) -> Authenticate:
    """The caller of ``profile``'s face from an OAuth access token in ``Authorization:
    Bearer``."""

    async def authenticate(request: Request) -> Principal:
        identity: IdentityProvider = request.app.state.identity
        return await identity.authenticate(profile, request)

    return authenticate


def once_per_request(key: str, check: Authenticate) -> Authenticate:
    """``check``, run once per request and its answer kept in the request's state under
    ``key``: a face whose middleware (a rate-limit gate) authenticates before routing lets
    the route's guard answer from that memory, one check per request."""

    async def authenticate(request: Request) -> Principal:
        state = request.scope.setdefault("state", {})
        principal: Principal | None = state.get(key)
        if principal is None:
            principal = state[key] = await check(request)
        return principal

    return authenticate


def insufficient_scope(_caller: Principal, missing: Sequence[str], any_of: bool) -> ApiError:
    names = " ".join(missing)
    which = "one of the scopes" if any_of else "the scope"
    return ApiError.of(403, f"The credentials lack {which} {names}.", code="insufficient_scope")


class Guard:
    """A face's authentication, and dependencies that require scopes of its callers."""

    def __init__(
        self,
        authenticate: Authenticate,
        *,
        needs_user: bool = True,
        refuse_scope: RefuseScope = insufficient_scope,
    ) -> None:
        self.authenticate = authenticate
        self.refuse_scope = refuse_scope
        # Most vendors' resources belong to a user: a token acting for no user (a bare
        # client-credentials token) is refused unless the face says otherwise.
        self.needs_user = needs_user

    async def caller(
        self, request: Request, scopes: Iterable[str] = (), *, any_of: bool = False
    ) -> Principal:
        """The caller, if its credentials are valid and carry ``scopes`` (every one, or with
        ``any_of`` at least one)."""
        principal = await self.authenticate(request)
        wanted = tuple(scopes)
        if wanted:
            if any_of and not principal.scopes.intersection(wanted):
                raise self.refuse_scope(principal, wanted, True)
            missing = [scope for scope in wanted if scope not in principal.scopes]
            if not any_of and missing:
                raise self.refuse_scope(principal, missing, False)
        if self.needs_user and principal.user_id is None:
            raise ApiError.of(403, "These credentials do not act for a user.", code="no_user")
        return principal

    def requires(self, *scopes: str, any_of: bool = False) -> Any:
        """A dependency for a route parameter: ``Annotated[Principal, guard.requires(...)]``."""

        async def dependency(request: Request) -> Principal:
            return await self.caller(request, scopes, any_of=any_of)

        return Depends(dependency)


def bind_identity(state: object, identity: IdentityProvider) -> None:
    """Lets :func:`bearer` find the identity provider: ``state`` is the face app's ``app.state``."""
    state.identity = identity  # type: ignore[attr-defined]


def user_of(principal: Principal) -> int:
    """The account a guarded principal acts for (set unless the guard allows none)."""
    if principal.user_id is None:
        raise ApiError.of(403, "These credentials do not act for a user.", code="no_user")
    return principal.user_id
