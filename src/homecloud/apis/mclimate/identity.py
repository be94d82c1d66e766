"""MClimate's token service, in the vendor's ``auth`` envelope.

- ``POST /v1/auth/login``: the password grant, with the client's id and secret in the body
  (JSON or form). Home Assistant's client library sends the public pair ``mclimate`` /
  ``mclimate_core``, which is a built-in client of every deployment.
- ``POST /v1/auth/renew``: a new access token for a refresh token. The vendor documents that
  the refresh token stays valid, and its own clients renew with the same one for ever, so
  renew neither rotates it nor issues a new one (the secure default, rotation, still holds on
  ``/v1/token``).
- ``GET /auth/`` (the authorize page) and ``POST /v1/token`` (``authorization_code`` and
  ``refresh_token``): the authorization-code flow of the developer portal's clients.

The vendor limits requests "per application based on Client ID" and answers 429, without
numbers: the three token endpoints count every request per client id (:data:`CLIENT_LIMIT`),
on top of the per-login throttle of password logins.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749.errors import OAuth2Error
from fastapi import APIRouter
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from homecloud.apis.mclimate import ISSUER
from homecloud.core.database import Database
from homecloud.core.ratelimit import RateLimitPolicy
from homecloud.identity.authorize import FacePages, authorization_endpoint
from homecloud.identity.clients import ClientError, get_client, register_client
from homecloud.identity.server import (
    GrantView,
    IssueResult,
    PreparedRequest,
    ProfileServer,
    RefreshGrant,
)
from homecloud.identity.signin import signin_router
from homecloud.identity.token_endpoint import TokenHooks, token_endpoint
from homecloud.services import Services

# py-melissa-climate (the library Home Assistant pins) hard-codes this pair.
BUILTIN_CLIENT_ID = "mclimate"
BUILTIN_CLIENT_SECRET = "mclimate_core"

PAGES = FacePages(
    login="/mclimate/auth/login",
    consent="/mclimate/auth/consent",
    authorize="/mclimate/auth/",
)
LOGOUT = "/mclimate/auth/logout"

# The vendor's paths, as its ``_links.self.href`` gives them (without homecloud's prefix).
LOGIN, RENEW, TOKEN = "/v1/auth/login", "/v1/auth/renew", "/v1/token"

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

# Token requests per client id, whatever the user. The vendor gives no numbers; these leave
# room for every user of a deployment behind one shared client (the built-in public pair of
# Home Assistant and Homebridge) while stopping a runaway or hostile client.
CLIENT_LIMIT = RateLimitPolicy.parse("mclimate-token-client", "300/1m, 5000/1h")


class RenewGrant(RefreshGrant):
    """The refresh grant without rotation: the presented refresh token stays valid and no new
    one is issued. A refresh token already rotated through ``/v1/token`` is still refused, and
    its family revoked, by the shared grant."""

    INCLUDE_NEW_REFRESH_TOKEN = False

    def revoke_old_credential(self, refresh_token: GrantView) -> None:
        """Nothing to revoke: MClimate's refresh tokens are reusable until they expire."""


def run_grant(server: ProfileServer, grant_class: type[Any], request: PreparedRequest) -> Any:
    """What ``create_token_response`` does, with ``grant_class`` instead of the registered
    grant for the request's ``grant_type``."""
    grant = grant_class(request, server)
    try:
        grant.validate_token_request()
        return server.handle_response(*grant.create_token_response())
    except OAuth2Error as error:
        return server.handle_error_response(request, error)


def renew(server: ProfileServer, request: PreparedRequest) -> IssueResult:
    result: IssueResult = run_grant(server, RenewGrant, request)
    return result


def issue(server: ProfileServer, request: PreparedRequest) -> IssueResult:
    result: IssueResult = server.create_token_response(request)
    return result


def as_grant(prepared: PreparedRequest, grant_type: str) -> PreparedRequest:
    """The request as the OAuth grant its endpoint stands for, whatever ``grant_type`` it
    sent (MClimate's clients send none)."""
    body = {key: [value] for key, value in prepared.form.items()}
    body["grant_type"] = [grant_type]
    query = {key: [value] for key, value in prepared.args.items()}
    return PreparedRequest(prepared.method, prepared.uri, prepared.headers, query, body)


async def ensure_builtin_client(database: Database) -> None:
    """Registers the public pair on its first use, so that it exists in every deployment
    without a migration (which would show it in every client listing, enabled or not)."""
    async with database.session() as session:
        if await get_client(session, BUILTIN_CLIENT_ID) is not None:
            return
    try:
        async with database.session(write=True) as session:
            await register_client(
                session,
                face="mclimate",
                name="MClimate apps (built-in public pair)",
                grant_types=("password", "refresh_token"),
                client_id=BUILTIN_CLIENT_ID,
                client_secret=BUILTIN_CLIENT_SECRET,
                require_consent=False,
                attributes={"builtin": True},
            )
    except (ClientError, IntegrityError):
        return  # a concurrent first login registered it


def envelope(
    auth: dict[str, Any], href: str, status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"auth": auth, "_links": {"self": {"href": href}}},
        status_code=status,
        headers={**NO_STORE, **(headers or {})},
    )


def token_envelope(result: IssueResult, href: str) -> JSONResponse:
    body: dict[str, Any] = result.body
    auth: dict[str, Any] = {
        "access_token": body["access_token"],
        "expires_in": body["expires_in"],
        "token_type": "Bearer",
        # The vendor's tokens always show a null scope.
        "scope": None,
    }
    if "refresh_token" in body:
        auth["refresh_token"] = body["refresh_token"]
    return envelope(auth, href)


def error_envelope(result: IssueResult, href: str, grant_type: str | None) -> JSONResponse:
    """Authlib's error in the ``auth`` envelope, with the vendor's wording where it is known.

    Bad credentials are 401 on login and on the token endpoint (Home Assistant's client then
    reports "invalid_auth"); ``/auth/renew`` answers every failure with 400, because the
    vendor's Homebridge client renews after any 401, a 401 from ``/auth/renew`` included, and
    would never stop.
    """
    body = result.body if isinstance(result.body, dict) else {}
    error = str(body.get("error", "invalid_request"))
    description = str(body.get("error_description", ""))
    status = result.status
    if error == "invalid_client":
        description, status = "The client credentials are invalid", 401
    elif error == "invalid_grant" and grant_type == "password":
        description, status = "Invalid username and password combination", 401
    elif error == "invalid_grant" and grant_type == "refresh_token":
        description = "Invalid refresh token"
    elif error == "unsupported_grant_type":
        description = (
            f'Grant type "{grant_type}" not supported'
            if grant_type
            else "The grant type was not specified in the request"
        )
    if href == RENEW:
        status = 400
    return envelope({"error": error, "error_description": description}, href, status)


def mclimate_identity_router(
    services: Services, *, client_limit: RateLimitPolicy = CLIENT_LIMIT
) -> APIRouter:
    provider = services.identity
    router = APIRouter(include_in_schema=False)

    def hooks(href: str, grant_type: str | None) -> TokenHooks:
        def refuse(status: int, error: str, description: str, headers: dict[str, str]) -> Response:
            return envelope(
                {"error": error, "error_description": description}, href, status, headers
            )

        def render(result: IssueResult, prepared: PreparedRequest) -> Response:
            if result.status != 200:
                return error_envelope(result, href, prepared.payload.grant_type)
            return token_envelope(result, href)

        async def builtin_client(client_id: str | None) -> None:
            if client_id == BUILTIN_CLIENT_ID:
                await ensure_builtin_client(services.database)

        return TokenHooks(
            refuse=refuse,
            render=render,
            adjust=(lambda prepared: as_grant(prepared, grant_type)) if grant_type else None,
            issue=renew if href == RENEW else issue,
            client_limit=client_limit,
            before_exchange=builtin_client,
        )

    for href, grant_type in ((LOGIN, "password"), (RENEW, "refresh_token"), (TOKEN, None)):
        router.add_api_route(
            href,
            token_endpoint(provider, ISSUER, services.rate_limiter, hooks(href, grant_type)),
            methods=["POST"],
        )

    @router.get("/auth/")
    async def authorize(request: Request) -> Response:
        return await authorization_endpoint(provider, ISSUER, PAGES, request)

    router.include_router(
        signin_router(provider, ISSUER, PAGES, services.rate_limiter, logout=LOGOUT)
    )
    return router
