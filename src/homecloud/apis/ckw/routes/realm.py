"""The realm's own endpoints beside OpenID Connect's, as Keycloak serves them:
``GET /auth/realms/CKW`` (the realm representation its client libraries read for the public
key and service URLs) and ``GET /auth/realms/CKW/account`` (the account service, answering
JSON to a bearer token as Keycloak's account REST API does)."""

from __future__ import annotations

from fastapi import APIRouter
from joserfc.jwk import RSAKey
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.ckw import ISSUER
from homecloud.apis.ckw.routes import json_response
from homecloud.core.errors import ApiError
from homecloud.core.users import get_user
from homecloud.identity.keys import SHARED
from homecloud.identity.provider import IdentityProvider
from homecloud.services import Services

REALM = "CKW"
LOCAL_REALM_PATH = ISSUER.issuer_path.removeprefix("/" + ISSUER.face)  # /auth/realms/CKW


def public_key_text(key: RSAKey) -> str:
    """The key as Keycloak publishes it: base64 DER SubjectPublicKeyInfo, without PEM lines."""
    pem = key.as_pem(private=False).decode()
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


def router(services: Services) -> APIRouter:
    identity: IdentityProvider = services.identity
    router = APIRouter(tags=["realm"])

    @router.get(LOCAL_REALM_PATH, include_in_schema=False)
    async def realm() -> Response:
        await identity.keys.refresh_if_stale()
        key = identity.keys.active(SHARED, "RS256").key
        assert isinstance(key, RSAKey)
        issuer = identity.issuer(ISSUER)
        return json_response(
            {
                "realm": REALM,
                "public_key": public_key_text(key),
                "token-service": issuer + "/protocol/openid-connect",
                "account-service": issuer + "/account",
                "tokens-not-before": 0,
            },
            headers={"Access-Control-Allow-Origin": "*"},
        )

    @router.get(LOCAL_REALM_PATH + "/account", include_in_schema=False)
    async def account(request: Request) -> Response:
        principal = await identity.authenticate(ISSUER, request)
        if principal.user_id is None:
            raise ApiError.of(403, "The token does not act for a user.", "no_user")
        async with identity.database.session() as session:
            user = await get_user(session, principal.user_id)
        if user is None:
            raise ApiError.of(401, "The token's account is gone.", "invalid_token")
        return json_response(
            {
                "id": str(user.id),
                "username": user.username or user.email,
                "firstName": user.first_name,
                "lastName": user.last_name,
                "email": user.email,
                "emailVerified": True,
            }
        )

    return router
