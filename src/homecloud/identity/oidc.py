"""OpenID Connect providers, at the endpoint paths a face's issuer profile gives (IdentityServer's
for Nuheat, Keycloak's for CKW), and the sign-in and consent pages every face with an
authorization endpoint shares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from homecloud.core.errors import ApiError
from homecloud.core.ratelimit import RateLimiter, RateLimitPolicy
from homecloud.identity.authorize import FacePages, authorization_endpoint
from homecloud.identity.clients import DEVICE_CODE, get_client
from homecloud.identity.device import device_router
from homecloud.identity.keys import InvalidToken
from homecloud.identity.profiles import IssuerProfile, OidcLayout
from homecloud.identity.provider import IdentityProvider, basic_credentials
from homecloud.identity.secrets import digest
from homecloud.identity.server import IssueResult, PreparedRequest, ProfileServer, user_info
from homecloud.identity.signin import signin_router
from homecloud.identity.token_endpoint import (
    Adjust,
    TokenHooks,
    token_endpoint,
    too_many_attempts,
)
from homecloud.identity.web import (
    MalformedRequest,
    end_session,
    page,
    prepare,
)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
ANY_ORIGIN = {"Access-Control-Allow-Origin": "*"}


def oauth_json(result: IssueResult, extra: dict[str, Any] | None = None) -> JSONResponse:
    body = dict(result.body) if isinstance(result.body, dict) else {}
    if extra and result.status == 200:
        body.update(extra)
    headers = {key: value for key, value in result.headers}
    headers.update(NO_STORE)
    headers.pop("Content-Type", None)
    return JSONResponse(body, status_code=result.status, headers=headers)


def oauth_error(
    status: int, error: str, description: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={**NO_STORE, **(headers or {})},
    )


def oauth_token_hooks(
    *,
    extras: Callable[[IssueResult], dict[str, Any]] | None = None,
    adjust: Adjust | None = None,
) -> TokenHooks:
    """A token endpoint answering in plain OAuth 2 JSON (RFC 6749 §5), readable by browser
    apps of any origin (the response holds nothing a request without credentials could
    not get). ``extras`` adds vendor fields to a successful response."""

    def refuse(status: int, error: str, description: str, headers: dict[str, str]) -> Response:
        return oauth_error(status, error, description, {**ANY_ORIGIN, **headers})

    def render(result: IssueResult, _request: PreparedRequest) -> Response:
        response = oauth_json(result, extras(result) if extras is not None else None)
        response.headers.update(ANY_ORIGIN)
        return response

    return TokenHooks(refuse=refuse, render=render, adjust=adjust)


Endpoint = Callable[[Request], Awaitable[Response]]


def oauth_endpoint(
    handler: Callable[[Request, PreparedRequest], Awaitable[Response]],
) -> Endpoint:
    """``handler`` as a route handler: the request prepared as Authlib reads it, and a
    malformed one (a body that is neither a form nor a JSON object) answered with OAuth's 400
    ``invalid_request`` before the handler sees it."""

    async def handle(request: Request) -> Response:
        try:
            prepared = await prepare(request)
        except MalformedRequest as exc:
            return oauth_error(400, "invalid_request", str(exc))
        return await handler(request, prepared)

    return handle


# Checked before an endpoint runs: a refusal to answer instead, or None to go on.
Throttle = Callable[[Request, PreparedRequest], Awaitable[Response | None]]


def token_management(
    provider: IdentityProvider,
    profile: IssuerProfile,
    endpoint: str,
    *,
    throttle: Throttle | None = None,
) -> Endpoint:
    """RFC 7009 revocation (``endpoint="revocation"``), RFC 7662 introspection
    (``"introspection"``) or RFC 8628 device authorization (``"device_authorization"``) for
    ``profile``: the Authlib endpoint of that name, as a route handler any face can mount at
    its own path."""

    @oauth_endpoint
    async def handle(request: Request, prepared: PreparedRequest) -> Response:
        refused = await throttle(request, prepared) if throttle is not None else None
        if refused is not None:
            return refused
        result = await provider.run(
            profile,
            prepared,
            lambda server, req: server.create_endpoint_response(endpoint, req),
        )
        return oauth_json(result)

    return handle


def discovery_document(issuer: str, layout: OidcLayout, profile: IssuerProfile) -> dict[str, Any]:
    grant_types = ["authorization_code", "client_credentials", "refresh_token"]
    if profile.device_flow is not None:
        grant_types.append(DEVICE_CODE)
    response_types = ["code"]
    if profile.implicit_and_hybrid:
        grant_types.append("implicit")
        response_types += [
            "token",
            "id_token",
            "id_token token",
            "code id_token",
            "code token",
            "code id_token token",
        ]
    document: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": issuer + layout.authorize,
        "token_endpoint": issuer + layout.token,
        "userinfo_endpoint": issuer + layout.userinfo,
        "jwks_uri": issuer + layout.jwks,
        "end_session_endpoint": issuer + layout.end_session,
        "revocation_endpoint": issuer + layout.revocation,
        "introspection_endpoint": issuer + layout.introspection,
        "scopes_supported": list(profile.scopes_supported),
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "at_hash",
            "c_hash",
            "name",
            "given_name",
            "family_name",
            "preferred_username",
            "email",
            "email_verified",
        ],
        "grant_types_supported": grant_types,
        "response_types_supported": response_types,
        "response_modes_supported": ["query", "fragment", "form_post"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
        ],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        # Only S256: plain would expose the verifier (identity.md: advertise plain only where a
        # known client needs it; none of the faces' known clients does).
        "code_challenge_methods_supported": ["S256"],
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "claims_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "frontchannel_logout_supported": False,
        "backchannel_logout_supported": False,
    }
    document.update(device_flow_metadata(issuer, profile))
    if profile.keycloak:
        # Keycloak publishes the older introspection name too. Its check_session_iframe is
        # left out: homecloud serves no session iframe, and discovery names only what is served.
        document["token_introspection_endpoint"] = issuer + layout.introspection
    return document


def oidc_router(
    provider: IdentityProvider,
    profile: IssuerProfile,
    rate_limiter: RateLimiter,
    *,
    token_hooks: TokenHooks | None = None,
) -> APIRouter:
    """Every endpoint of an OIDC issuer, at the paths its profile's ``endpoints`` give, relative
    to the face's mount point. The token endpoint answers in plain OAuth JSON unless the face
    gives its own ``token_hooks`` (see :func:`oauth_token_hooks`)."""
    layout = profile.provider
    mount = "/" + profile.face
    local = profile.issuer_path.removeprefix(mount)
    pages = FacePages(
        login=profile.issuer_path + layout.login,
        consent=profile.issuer_path + layout.consent,
        authorize=profile.issuer_path + layout.authorize,
    )
    router = APIRouter(include_in_schema=False)

    @router.get(local + "/.well-known/openid-configuration")
    async def discovery() -> JSONResponse:
        document = discovery_document(provider.issuer(profile), layout, profile)
        return JSONResponse(document, headers={"Access-Control-Allow-Origin": "*"})

    @router.get(local + layout.jwks)
    async def jwks() -> JSONResponse:
        await provider.keys.refresh_if_stale()
        return JSONResponse(
            provider.keys.public_jwks(),
            headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"},
        )

    @router.api_route(local + layout.authorize, methods=["GET", "POST"])
    async def authorize(request: Request) -> Response:
        return await authorization_endpoint(provider, profile, pages, request)

    router.add_api_route(
        local + layout.token,
        token_endpoint(provider, profile, rate_limiter, token_hooks or oauth_token_hooks()),
        methods=["POST"],
    )

    @router.api_route(local + layout.userinfo, methods=["GET", "POST"])
    @oauth_endpoint
    async def userinfo(request: Request, prepared: PreparedRequest) -> Response:
        try:
            principal = await provider.authenticate(
                profile, request, ("openid",), token=prepared.form.get("access_token")
            )
        except ApiError as error:
            code = "insufficient_scope" if error.status == 403 else "invalid_token"
            return oauth_error(error.status, code, error.messages[0], dict(error.headers))
        async with provider.database.session() as session:
            from homecloud.core.users import get_user

            user = (
                await get_user(session, principal.user_id)
                if principal.user_id is not None
                else None
            )
        if user is None:
            return oauth_error(401, "invalid_token", "The token does not belong to a user.")
        return JSONResponse(
            dict(user_info(profile, user, " ".join(principal.scopes))), headers=NO_STORE
        )

    router.add_api_route(
        local + layout.revocation,
        token_management(provider, profile, "revocation"),
        methods=["POST"],
    )
    router.add_api_route(
        local + layout.introspection,
        token_management(provider, profile, "introspection"),
        methods=["POST"],
    )

    @router.api_route(local + layout.end_session, methods=["GET", "POST"])
    @oauth_endpoint
    async def end_session_endpoint(request: Request, prepared: PreparedRequest) -> Response:
        data = prepared.payload.data
        refresh_token = prepared.form.get("refresh_token")
        if request.method == "POST" and refresh_token:
            # Keycloak's back-channel logout: the client ends its session with its refresh token.
            result = await provider.run(
                profile,
                prepared,
                lambda server, req: _revoke_refresh_family(server, req, refresh_token),
            )
            if result.status != 204:
                return oauth_json(result)
            response: Response = Response(status_code=204)
        else:
            target = await post_logout_target(provider, profile, data)
            response = (
                RedirectResponse(target, status_code=302)
                if target
                else page("signed_out.html", title=profile.title)
            )
        await end_session(provider, request, response)
        return response

    router.include_router(
        signin_router(
            provider, profile, pages, rate_limiter, logout=profile.issuer_path + layout.logout
        )
    )
    if profile.device_flow is not None:
        router.include_router(device_flow_router(provider, profile, rate_limiter, pages.login))
    return router


# Device authorizations a client may start: a device starts a few, a script in a loop many
# (each is a stored row until it expires).
DEVICE_START_LIMIT = RateLimitPolicy.parse("device-authorization", "20/1m, 200/1h")


def device_flow_router(
    provider: IdentityProvider, profile: IssuerProfile, rate_limiter: RateLimiter, login: str
) -> APIRouter:
    """The device authorization endpoint and the verification page of ``profile``'s device
    flow (RFC 8628), relative to the face's mount point."""
    local = profile.issuer_path.removeprefix("/" + profile.face)
    router = APIRouter(include_in_schema=False)

    async def per_client(request: Request, prepared: PreparedRequest) -> Response | None:
        client_id = basic_credentials(request)[0] or prepared.form.get("client_id") or ""
        decision = await rate_limiter.hit(DEVICE_START_LIMIT, digest(client_id))
        if decision.allowed:
            return None
        return oauth_error(*too_many_attempts(decision.retry_after))

    router.add_api_route(
        local + profile.device.authorization,
        token_management(provider, profile, "device_authorization", throttle=per_client),
        methods=["POST"],
    )
    router.include_router(device_router(provider, profile, rate_limiter, login=login))
    return router


def device_flow_metadata(issuer: str, profile: IssuerProfile) -> dict[str, Any]:
    """What discovery adds for a profile with a device flow: its endpoint (RFC 8628 §4)."""
    if profile.device_flow is None:
        return {}
    return {"device_authorization_endpoint": issuer + profile.device_flow.authorization}


def _revoke_refresh_family(
    server: ProfileServer, request: PreparedRequest, refresh_token: str
) -> IssueResult:
    client = server.authenticate_client(
        request, ["client_secret_basic", "client_secret_post", "none"], "revocation"
    )
    row = server.find_grant(refresh_token, "refresh_token")
    if row is None or row.client_id != client.get_client_id():
        return IssueResult(
            400, {"error": "invalid_grant", "error_description": "Invalid refresh token"}, []
        )
    server.revoke_family(row.family)
    return IssueResult(204, None, [])


async def post_logout_target(
    provider: IdentityProvider, profile: IssuerProfile, data: dict[str, str]
) -> str | None:
    """Where to send the browser after signing out: only to a URI registered for the client
    the ``id_token_hint`` (or ``client_id``) names."""
    target = data.get("post_logout_redirect_uri") or data.get("redirect_uri")
    if not target:
        return None
    client_id = data.get("client_id")
    hint = data.get("id_token_hint")
    if hint:
        try:
            claims = provider.keys.verify(hint).claims
        except InvalidToken:
            return None
        audience = claims.get("aud")
        named = audience[0] if isinstance(audience, list) and audience else audience
        client_id = str(named) if named else None
    if not client_id:
        return None
    async with provider.database.session() as session:
        client = await get_client(session, str(client_id), profile.face)
    allowed = (
        set(client.redirect_uris) | set(client.attributes.get("post_logout_redirect_uris", []))
        if client
        else set()
    )
    if target not in allowed:
        return None
    state = data.get("state")
    return (
        f"{target}{'&' if '?' in target else '?'}{urlencode({'state': state})}" if state else target
    )
