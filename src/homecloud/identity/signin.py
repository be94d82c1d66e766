"""Sign-in, consent and sign-out pages, one look for every face (the face's name on it).

Any face with an authorization endpoint mounts this router with its own paths; the pages work
on the shared browser session, so signing in once serves every face (single sign-on).
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from homecloud.core.ratelimit import RateLimiter, RateLimitPolicy
from homecloud.core.users import authenticate as check_password
from homecloud.identity.authorize import FacePages, authorization_endpoint, prepared_from_return_url
from homecloud.identity.passwords import throttle_subject
from homecloud.identity.profiles import IssuerProfile
from homecloud.identity.provider import IdentityProvider
from homecloud.identity.web import (
    CSRF_FIELD,
    csrf_valid,
    end_session,
    error_page,
    form_field,
    form_page,
    page,
    safe_return_path,
    start_session,
)

# Per client address and login name: enough for typing mistakes, too few for guessing.
SIGN_IN_LIMIT = RateLimitPolicy.parse("signin", "10/1m, 50/1h")


def signin_router(
    provider: IdentityProvider,
    profile: IssuerProfile,
    pages: FacePages,
    rate_limiter: RateLimiter,
    *,
    logout: str | None = None,
) -> APIRouter:
    """Routes for ``pages`` (absolute paths), registered relative to the face's mount."""
    mount = "/" + profile.face

    def local(path: str) -> str:
        return path.removeprefix(mount)

    # After signing in, the browser may go back to any page of the face (its authorization
    # endpoint, its console pages): a path on this server, never a URL elsewhere.
    returns_below = mount + "/"
    router = APIRouter(include_in_schema=False)

    @router.get(local(pages.login))
    async def login_form(request: Request, ReturnUrl: str = "", login_hint: str = "") -> Response:
        return_url = safe_return_path(ReturnUrl, returns_below)
        if return_url is None:
            return error_page(
                profile.title, "The sign-in page was opened without a valid return address."
            )
        return login_page(request, profile, return_url, username=login_hint[:320])

    @router.post(local(pages.login))
    async def login_submit(request: Request) -> Response:
        form = await request.form()
        return_url = safe_return_path(form_field(form, "ReturnUrl"), returns_below)
        if return_url is None:
            return error_page(
                profile.title, "The sign-in form was sent without a valid return address."
            )
        if not csrf_valid(request, form_field(form, CSRF_FIELD)):
            return login_page(
                request,
                profile,
                return_url,
                error="The form expired. Please try again.",
                status=400,
            )
        username = form_field(form, "Username") or ""
        client_ip = request.client.host if request.client else "-"
        subject = await throttle_subject(provider.database, username)
        decision = await rate_limiter.hit(SIGN_IN_LIMIT, f"{client_ip}:{subject}")
        if not decision.allowed:
            return login_page(
                request,
                profile,
                return_url,
                username=username,
                status=429,
                error=f"Too many attempts. Try again in {decision.retry_after} seconds.",
            )
        async with provider.database.session(write=True) as session:
            user = await check_password(session, username, form_field(form, "Password") or "")
        if user is None:
            return login_page(
                request,
                profile,
                return_url,
                username=username,
                error="Invalid user name or password.",
            )
        response = RedirectResponse(return_url, status_code=302)
        await start_session(provider, user, response, request.url.scheme == "https")
        return response

    @router.post(local(pages.consent))
    async def consent_submit(request: Request) -> Response:
        form = await request.form()
        return_url = safe_return_path(form_field(form, "ReturnUrl"), pages.authorize)
        if return_url is None or not csrf_valid(request, form_field(form, CSRF_FIELD)):
            return error_page(profile.title, "The consent form is invalid or expired.")
        approved = form_field(form, "button") == "yes"
        remember = (form_field(form, "RememberConsent") or "").lower() in ("true", "on", "1")
        prepared = prepared_from_return_url(request, return_url)
        return await authorization_endpoint(
            provider,
            profile,
            pages,
            request,
            consented=approved,
            remember=remember,
            prepared=prepared,
        )

    if logout is None:
        return router

    @router.get(local(logout))
    async def logout_page(request: Request) -> Response:
        response = page("signed_out.html", title=profile.title)
        await end_session(provider, request, response)
        return response

    return router


def login_page(
    request: Request,
    profile: IssuerProfile,
    return_url: str,
    *,
    username: str = "",
    error: str | None = None,
    status: int = 200,
) -> Response:
    return form_page(
        request,
        "login.html",
        status,
        title=profile.title,
        return_url=return_url,
        username=username,
        error=error,
    )
