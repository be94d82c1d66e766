"""One token endpoint for every face: prepare → throttle → exchange → render.

Every vendor's token endpoint runs the same sequence; only the words and envelopes differ. A
face's ``identity.py`` gives its :class:`TokenHooks` (how to refuse, how to render the
exchange's result, what to adjust in the request first), and :func:`token_endpoint` makes the
handler:

1. Parse the body (form or JSON) and query into Authlib's request (``400 invalid_request``
   for a malformed one).
2. Let the face adjust or refuse it (vendor parameter names, grants the vendor does not serve).
3. Throttle: every request per client id where the vendor limits per application, and every
   password grant against the account the login resolves to, on the sign-in page's counter,
   so guessing a password through the API is no faster than through the page.
4. Exchange (:meth:`IdentityProvider.exchange`: one transaction), then render.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from homecloud.core.ratelimit import RateLimiter, RateLimitPolicy
from homecloud.identity.passwords import throttle_subject
from homecloud.identity.profiles import IssuerProfile
from homecloud.identity.provider import IdentityProvider, basic_credentials
from homecloud.identity.secrets import digest
from homecloud.identity.server import IssueResult, PreparedRequest, ProfileServer
from homecloud.identity.signin import SIGN_IN_LIMIT
from homecloud.identity.web import MalformedRequest, prepare

# Renders a refusal in the face's shape: (status, OAuth error code, description, headers).
Refuse = Callable[[int, str, str, dict[str, str]], Response]
# Renders the exchange's result (a token response or an OAuth error) in the face's shape.
Render = Callable[[IssueResult, PreparedRequest], Response]
# Adjusts the request before anything else looks at it; a response refuses it.
Adjust = Callable[[PreparedRequest], "PreparedRequest | Response"]
# What the exchange runs on the server (the standard token response, or a face's own).
Issue = Callable[[ProfileServer, PreparedRequest], IssueResult]


@dataclass(frozen=True)
class TokenHooks:
    """What a face's token endpoint does its own way."""

    refuse: Refuse
    render: Render
    adjust: Adjust | None = None
    issue: Issue = ProfileServer.create_token_response
    # Counted per client id on every request (the vendor's per-application limit), if set.
    client_limit: RateLimitPolicy | None = None
    # Work before the exchange that needs the database, given the client id the request
    # names (e.g. making a built-in client's record on first use).
    before_exchange: Callable[[str | None], Awaitable[None]] | None = None


def too_many_attempts(retry_after: int) -> tuple[int, str, str, dict[str, str]]:
    """The refusal of a throttled request, for :data:`Refuse`."""
    return (
        429,
        "too_many_requests",
        f"Too many attempts. Try again in {retry_after} seconds.",
        {"Retry-After": str(retry_after)},
    )


def token_endpoint(
    provider: IdentityProvider,
    profile: IssuerProfile,
    rate_limiter: RateLimiter,
    hooks: TokenHooks,
) -> Callable[[Request], Awaitable[Response]]:
    """The handler of a token endpoint of ``profile`` (see the module docs)."""

    async def handle(request: Request) -> Response:
        try:
            prepared = await prepare(request)
        except MalformedRequest as exc:
            return hooks.refuse(400, "invalid_request", str(exc), {})
        if hooks.adjust is not None:
            adjusted = hooks.adjust(prepared)
            if isinstance(adjusted, Response):
                return adjusted
            prepared = adjusted
        client_id = prepared.form.get("client_id") or basic_credentials(request)[0]
        wait = await throttled(request, prepared, client_id)
        if wait:
            return hooks.refuse(*too_many_attempts(wait))
        if hooks.before_exchange is not None:
            await hooks.before_exchange(client_id)
        result = await provider.exchange(profile, prepared, hooks.issue)
        return hooks.render(result, prepared)

    async def throttled(request: Request, prepared: PreparedRequest, client_id: str | None) -> int:
        """Seconds to wait before trying again; 0 when the request may go on."""
        if hooks.client_limit is not None and client_id:
            # Digested: the key stays short whatever a caller sends as its client id.
            decision = await rate_limiter.hit(hooks.client_limit, digest(client_id))
            if not decision.allowed:
                return decision.retry_after
        if prepared.payload.grant_type == "password":
            subject = await throttle_subject(provider.database, prepared.form.get("username", ""))
            address = request.client.host if request.client else "-"
            decision = await rate_limiter.hit(SIGN_IN_LIMIT, f"{address}:{subject}")
            if not decision.allowed:
                return decision.retry_after
        return 0

    return handle
