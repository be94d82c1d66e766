"""OpenID Connect on top of the grants: id_tokens for the code, implicit and hybrid flows,
and the claims of the userinfo endpoint."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from authlib.oauth2 import OAuth2Request
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode, OpenIDHybridGrant, OpenIDImplicitGrant
from sqlalchemy import select

from homecloud.identity.keys import SHARED
from homecloud.identity.models import AuthorizationCode
from homecloud.identity.profiles import IssuerProfile
from homecloud.identity.server.adapters import ClientView
from homecloud.identity.server.grants import CodeGrant, FrontChannelClient
from homecloud.identity.server.records import Person

if TYPE_CHECKING:
    from homecloud.identity.server.profile_server import ProfileServer


class _OpenIDMixin:
    """The id_token parts shared by the code, implicit and hybrid flows."""

    server: ProfileServer

    def resolve_client_private_key(self, client: ClientView) -> Any:
        return self.server.keys.active(SHARED, "RS256").key

    def get_client_algorithm(self, client: ClientView) -> str:
        return "RS256"

    def get_encode_header(self, client: ClientView) -> dict[str, str]:
        return {"alg": "RS256", "typ": "JWT", "kid": self.server.keys.active(SHARED, "RS256").kid}

    def get_client_claims(self, client: ClientView) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": self.server.issuer,
            "aud": [client.get_client_id()],
            "iat": now,
            "exp": now + 3600,
            "auth_time": self.server.context.auth_time or now,
        }

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return (
            self.server.session.scalar(
                select(AuthorizationCode.code_hash).where(
                    AuthorizationCode.client_id == request.payload.client_id,
                    AuthorizationCode.nonce == nonce,
                )
            )
            is not None
        )

    def generate_user_info(self, user: Person, scope: str) -> UserInfo:
        return user_info(self.server.profile, user, scope)


def user_info(profile: IssuerProfile, user: Person, scope: str) -> UserInfo:
    scopes = set(scope.split())
    info = UserInfo(sub=str(user.id))
    if "profile" in scopes:
        name = f"{user.first_name} {user.last_name}".strip()
        info.update(
            name=name or user.email,
            given_name=user.first_name,
            family_name=user.last_name,
            preferred_username=user.username or user.email,
            locale=user.locale,
            zoneinfo=user.timezone,
        )
    if "email" in scopes or (profile.email_with_profile and "profile" in scopes):
        info.update(email=user.email, email_verified=True)
    return info


class HomecloudOpenIDCode(_OpenIDMixin, OpenIDCode):
    def __init__(self, server: ProfileServer) -> None:
        super().__init__(require_nonce=False)
        self.server = server


class OpenIDImplicit(FrontChannelClient, _OpenIDMixin, OpenIDImplicitGrant):
    pass


class OpenIDHybrid(_OpenIDMixin, OpenIDHybridGrant):
    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        CodeGrant.save_authorization_code(self, code, request)
