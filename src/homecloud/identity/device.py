"""The verification page of the device authorization grant (RFC 8628 §3.3), one look for every
face that offers the grant: the person signs in (the shared browser session), types the code
their device shows, sees which application asks for what, and allows or denies it.

A user code is a key to the person's account for the few minutes it lives, so guesses are
limited (per address and person), every form carries the CSRF token, and a code is decided
once: it must still be pending and unexpired when the answer arrives.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select, update
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from homecloud.core.models import now_ms
from homecloud.core.ratelimit import RateLimiter, RateLimitPolicy
from homecloud.identity.models import DeviceAuthorization, OAuthClient
from homecloud.identity.profiles import IssuerProfile
from homecloud.identity.provider import IdentityProvider
from homecloud.identity.server.device import APPROVED, DENIED, PENDING, user_code_key
from homecloud.identity.web import (
    CSRF_FIELD,
    csrf_valid,
    current_session,
    form_field,
    form_page,
    page,
    with_query,
)

# Per client address and person: enough for typing mistakes, far too few to guess a code.
CODE_LIMIT = RateLimitPolicy.parse("device-code", "10/1m, 50/1h")


def device_router(
    provider: IdentityProvider, profile: IssuerProfile, rate_limiter: RateLimiter, *, login: str
) -> APIRouter:
    """The verification page of ``profile``'s device flow; ``login`` is the face's sign-in
    page (an absolute path)."""
    verification = profile.issuer_path + profile.device.verification
    router = APIRouter(include_in_schema=False)
    local = verification.removeprefix("/" + profile.face)

    def sign_in_first(user_code: str) -> Response:
        back = with_query(verification, user_code=user_code) if user_code else verification
        return RedirectResponse(with_query(login, ReturnUrl=back), status_code=302)

    def code_form(request: Request, user_code: str = "", error: str | None = None) -> Response:
        status = 400 if error else 200
        return form_page(
            request, "device.html", status, title=profile.title, user_code=user_code, error=error
        )

    @router.get(local)
    async def verification_page(request: Request, user_code: str = "") -> Response:
        typed = user_code[:32]
        if await current_session(provider, request) is None:
            return sign_in_first(typed)
        return code_form(request, typed)

    @router.post(local)
    async def verification_answer(request: Request) -> Response:
        form = await request.form()
        typed = (form_field(form, "user_code") or "")[:32]
        signed_in = await current_session(provider, request)
        if signed_in is None:
            return sign_in_first(typed)
        if not csrf_valid(request, form_field(form, CSRF_FIELD)):
            return code_form(request, typed, "The form expired. Please try again.")
        address = request.client.host if request.client else "-"
        decision = await rate_limiter.hit(CODE_LIMIT, f"{address}:{signed_in.user.id}")
        if not decision.allowed:
            return code_form(
                request, typed, f"Too many attempts. Try again in {decision.retry_after} seconds."
            )
        key = user_code_key(typed)
        found = await _pending(provider, profile, key) if key else None
        if found is None:
            return code_form(request, typed, "That code is not valid, or it has expired.")
        row, client_name = found
        answer = form_field(form, "button")
        if answer not in ("yes", "no"):
            scopes = row.scope.split()
            return form_page(
                request,
                "device.html",
                title=profile.title,
                user_code=row.user_code,
                client_name=client_name,
                described=[(scope, profile.describe(scope)) for scope in scopes],
            )
        allowed = answer == "yes"
        async with provider.database.session(write=True) as session:
            result: Any = await session.execute(
                update(DeviceAuthorization)
                .where(
                    DeviceAuthorization.id == row.id,
                    DeviceAuthorization.status == PENDING,
                    DeviceAuthorization.expires_at > now_ms(),
                )
                .values(
                    status=APPROVED if allowed else DENIED,
                    user_id=signed_in.user.id,
                    auth_time=signed_in.auth_time,
                )
            )
        if result.rowcount != 1:
            return code_form(request, "", "That code is not valid, or it has expired.")
        return page(
            "device_done.html", title=profile.title, client_name=client_name, allowed=allowed
        )

    return router


async def _pending(
    provider: IdentityProvider, profile: IssuerProfile, user_code: str
) -> tuple[DeviceAuthorization, str] | None:
    """The face's pending, unexpired authorization with this user code, and its client's name."""
    async with provider.database.session() as session:
        found = (
            await session.execute(
                select(DeviceAuthorization, OAuthClient.name)
                .join(OAuthClient, OAuthClient.client_id == DeviceAuthorization.client_id)
                .where(
                    DeviceAuthorization.user_code == user_code,
                    DeviceAuthorization.face == profile.face,
                    DeviceAuthorization.status == PENDING,
                    DeviceAuthorization.expires_at > now_ms(),
                )
            )
        ).first()
    return (found[0], found[1]) if found else None
