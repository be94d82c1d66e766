"""smart-me's OAuth 2.0 server: ``/api/oauth/authorize`` and ``/api/oauth/token`` (also served
without ``/api``, as api.smart-me.com does), the sign-in pages behind the authorize endpoint, and
the metadata document api.smart-me.com publishes.

Grants: authorization code (PKCE with S256; public clients must use it), refresh token (rotated
on every use; a reused one revokes its family), client credentials for "Device" apps:
confidential clients registered with only that grant and an owner, for whom their tokens act,
and the device code grant the wiki lists (RFC 8628: ``/api/oauth/device``, the person types
the code at ``/api/oauth/device/verify``).
A request without ``scope`` gets the scopes the app was registered with. Opaque tokens, access
1 hour, refresh 30 days (the ``[issuer]`` of its manifest).

``/api/oauth/revoke`` (RFC 7009; revoking a refresh token revokes its family) and
``/api/oauth/introspect`` (RFC 7662, for confidential clients) are the endpoints the OIDC faces
serve, at smart-me's paths and in its metadata; smart-me documents neither.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from homecloud.apis.smartme import ISSUER
from homecloud.core.ratelimit import RateLimiter
from homecloud.identity.authorize import FacePages, authorization_endpoint
from homecloud.identity.clients import DEVICE_CODE
from homecloud.identity.oidc import device_flow_router, oauth_token_hooks, token_management
from homecloud.identity.provider import IdentityProvider
from homecloud.identity.signin import signin_router
from homecloud.identity.token_endpoint import token_endpoint

AUTHORIZE = "/api/oauth/authorize"
TOKEN = "/api/oauth/token"
REVOKE = "/api/oauth/revoke"
INTROSPECT = "/api/oauth/introspect"
PAGES = FacePages(
    login="/smartme/api/oauth/login",
    consent="/smartme/api/oauth/consent",
    authorize="/smartme" + AUTHORIZE,
)
LOGOUT = "/smartme/api/oauth/logout"


def metadata(issuer: str) -> dict[str, Any]:
    """RFC 8414 authorization-server metadata, with the new host's un-prefixed endpoints."""
    return {
        "issuer": issuer,
        "authorization_endpoint": issuer + "/oauth/authorize",
        "token_endpoint": issuer + "/oauth/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "revocation_endpoint": issuer + "/oauth/revoke",
        "revocation_endpoint_auth_methods_supported": [
            "client_secret_post",
            "client_secret_basic",
            "none",
        ],
        "introspection_endpoint": issuer + "/oauth/introspect",
        "introspection_endpoint_auth_methods_supported": [
            "client_secret_post",
            "client_secret_basic",
        ],
        "scopes_supported": list(ISSUER.scopes_supported),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            DEVICE_CODE,
        ],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        "device_authorization_endpoint": issuer + ISSUER.device.authorization.removeprefix("/api"),
    }


def identity_router(provider: IdentityProvider, rate_limiter: RateLimiter) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/.well-known/openid-configuration")
    @router.get("/.well-known/oauth-authorization-server")
    async def discovery() -> JSONResponse:
        return JSONResponse(
            metadata(provider.issuer(ISSUER)), headers={"Access-Control-Allow-Origin": "*"}
        )

    @router.api_route(AUTHORIZE, methods=["GET", "POST"])
    async def authorize(request: Request) -> Response:
        return await authorization_endpoint(provider, ISSUER, PAGES, request)

    router.add_api_route(
        TOKEN,
        token_endpoint(provider, ISSUER, rate_limiter, oauth_token_hooks()),
        methods=["POST"],
    )
    router.add_api_route(REVOKE, token_management(provider, ISSUER, "revocation"), methods=["POST"])
    router.add_api_route(
        INTROSPECT, token_management(provider, ISSUER, "introspection"), methods=["POST"]
    )
    router.include_router(signin_router(provider, ISSUER, PAGES, rate_limiter, logout=LOGOUT))
    router.include_router(device_flow_router(provider, ISSUER, rate_limiter, PAGES.login))
    return router
