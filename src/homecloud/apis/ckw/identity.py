"""Keycloak's token-endpoint habits for the CKW realm."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import JSONResponse

from homecloud.apis.ckw import ISSUER
from homecloud.core.models import now_ms
from homecloud.identity.oidc import oauth_error, oauth_token_hooks, oidc_router
from homecloud.identity.server import IssueResult, PreparedRequest
from homecloud.services import Services


def keycloak_token_extras(result: IssueResult) -> dict[str, Any]:
    """Keycloak adds the refresh token's lifetime, the SSO session and a not-before policy."""
    if not result.issued:
        return {}
    grant = result.issued[-1]
    extras: dict[str, Any] = {"not-before-policy": 0, "session_state": grant.session_id}
    if grant.refresh_expires_at is not None:
        extras["refresh_expires_in"] = max(0, (grant.refresh_expires_at - now_ms()) // 1000)
    else:
        extras["refresh_expires_in"] = 0
    return extras


def keycloak_token_request(request: PreparedRequest) -> PreparedRequest | JSONResponse:
    """The CKW seed sends ``client`` where OAuth says ``client_id``; and the realm refuses the
    password grant the way Keycloak does when direct access grants are off."""
    request.alias("client", "client_id")
    if request.payload.grant_type == "password":
        return oauth_error(
            400, "unauthorized_client", "Client not allowed for direct access grants"
        )
    return request


# The realm's token endpoint: plain OAuth JSON with Keycloak's extra fields and habits.
KEYCLOAK_TOKEN_HOOKS = oauth_token_hooks(
    extras=keycloak_token_extras, adjust=keycloak_token_request
)


def identity_router(services: Services) -> APIRouter:
    """The Keycloak realm ``CKW`` at Keycloak's paths."""
    return oidc_router(
        services.identity, ISSUER, services.rate_limiter, token_hooks=KEYCLOAK_TOKEN_HOOKS
    )
