"""The OAuth 2 grants homecloud issues tokens with: code (PKCE S256), refresh (rotation with
reuse detection), client credentials, password and implicit."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
)
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy import select

from homecloud.core.models import User, now_ms
from homecloud.identity.models import AuthorizationCode
from homecloud.identity.secrets import digest
from homecloud.identity.server.adapters import ClientView, CodeView, GrantView
from homecloud.identity.server.records import (
    MARK_ROTATED,
    REFRESHABLE_GRANT,
    GrantRecord,
    UserRecord,
)

if TYPE_CHECKING:
    from homecloud.identity.server.profile_server import ProfileServer


CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


def server_of(grant: Any) -> ProfileServer:
    server: ProfileServer = grant.server
    return server


def with_id_token(grant: Any, token: dict[str, Any]) -> None:
    """Adds an id_token to ``token`` when its scope holds openid on an OpenID issuer (a token
    response outside the code flow: a refresh, a device). It is made of what the exchange
    already read, so its RS256 signature (~0.4 ms) waits until the exchange has committed."""
    server = server_of(grant)
    if not server.profile.openid or "openid" not in str(token.get("scope", "")).split():
        return
    request = grant.request

    def sign_id_token() -> None:
        token["id_token"] = server.id_token(token, request)

    server.after_commit.append(sign_id_token)


class StrictCodeChallenge(CodeChallenge):
    """PKCE with S256 only: a challenge without a method would mean ``plain`` (RFC 7636 §4.3),
    which exposes the verifier, so it is refused unless the client was registered for it.
    Public clients must use PKCE unless registered with ``pkce_optional``."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256", "plain"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        super().validate_code_challenge(grant, redirect_uri)
        data = grant.request.payload.data
        plain = data.get("code_challenge") and data.get("code_challenge_method", "plain") != "S256"
        if plain and not grant.request.client.row.allow_plain_pkce:
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        row = grant.request.client.row
        if row.secret_hash is None and not row.pkce_optional and not data.get("code_challenge"):
            raise InvalidRequestError("A public client must send a PKCE code_challenge.")

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        # A code issued without a challenge to a client registered "PKCE optional" is
        # exchanged without a verifier (Keycloak's per-client setting); a code issued with a
        # challenge still needs its verifier, and every other public client still needs PKCE.
        request = grant.request
        code: CodeView = request.authorization_code
        if (
            request.client.row.pkce_optional
            and code.row.code_challenge is None
            and not request.form.get("code_verifier")
        ):
            return
        super().validate_code_verifier(grant, result)

    def get_authorization_code_challenge(self, authorization_code: CodeView) -> str | None:
        return authorization_code.row.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: CodeView) -> str | None:
        return authorization_code.row.code_challenge_method


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        server = server_of(self)
        data = request.payload.data
        scope = request.client.get_allowed_scope(request.payload.scope)
        server.session.add(
            AuthorizationCode(
                code_hash=digest(code),
                face=server.profile.face,
                client_id=request.client.get_client_id(),
                user_id=request.user.id,
                redirect_uri=request.payload.redirect_uri or "",
                scope=scope,
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method")
                or ("plain" if data.get("code_challenge") else None),
                auth_time=server.context.auth_time,
                session_id=server.context.session_id,
                expires_at=now_ms() + server.profile.code_lifetime * 1000,
            )
        )
        server.session.flush()

    def query_authorization_code(self, code: str, client: ClientView) -> CodeView | None:
        server = server_of(self)
        row = server.session.scalar(
            select(AuthorizationCode)
            .where(AuthorizationCode.code_hash == digest(code))
            .with_for_update()
        )
        if row is None or row.client_id != client.get_client_id():
            return None
        if row.used_at is not None:
            # A replayed code: whoever holds it may be an attacker, so everything the first
            # exchange issued is revoked too (RFC 6749 §4.1.2, RFC 9700 §4.2.1).
            server.revoke_issued_from_code(row.code_hash)
            return None
        if row.expires_at <= now_ms():
            return None
        # Tokens from this code describe the sign-in that produced it (auth_time, session).
        server.context.auth_time = row.auth_time
        server.context.session_id = row.session_id
        return CodeView(row)

    def delete_authorization_code(self, authorization_code: CodeView) -> None:
        # Kept, marked used, so that a replay can be recognised and answered.
        authorization_code.row.used_at = now_ms()

    def authenticate_user(self, authorization_code: CodeView) -> UserRecord | None:
        return server_of(self).user(authorization_code.row.user_id)


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> GrantView | None:
        server = server_of(self)
        found = (
            server.session.connection()
            .execute(REFRESHABLE_GRANT, {"key": digest(refresh_token), "face": server.profile.face})
            .first()
        )
        if found is None:
            return None
        *columns, auth_time = found
        row = GrantRecord(*columns)
        if row.rotated_at is not None or row.revoked_at is not None:
            # Reuse of a spent refresh token: revoke the whole family (RFC 9700 §4.14.2).
            server.revoke_family(row.family)
            return None
        if row.refresh_expires_at is not None and row.refresh_expires_at <= now_ms():
            return None
        # Refreshed tokens still describe the original sign-in.
        server.context.session_id = row.session_id
        server.context.auth_time = auth_time or server.context.auth_time
        return GrantView(row)

    def authenticate_user(self, refresh_token: GrantView) -> UserRecord | None:
        return server_of(self).user(refresh_token.row.user_id)

    def revoke_old_credential(self, refresh_token: GrantView) -> None:
        server_of(self).session.connection().execute(
            MARK_ROTATED, {"grant_id": refresh_token.row.id, "at": now_ms()}
        )

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        status, token, headers = super().create_token_response()
        # OIDC refresh responses carry a new id_token (OpenID Connect Core §12.2), as both
        # IdentityServer and Keycloak send.
        with_id_token(self, token)
        return status, token, headers


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def generate_token(self, *args: Any, scope: str | None = None, **kwargs: Any) -> Any:
        # Authlib passes the requested scope through unchecked; a client gets at most the
        # scopes it was registered with, as in the code flow.
        return super().generate_token(
            *args, scope=self.request.client.get_allowed_scope(scope), **kwargs
        )


class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def authenticate_user(self, username: str, password: str) -> User:
        from homecloud.identity.passwords import check_login

        server = server_of(self)
        person = server.prechecked.person
        if (
            person is not None
            and person[0] == username
            and hmac.compare_digest(person[1], password)
        ):
            user = person[2]
        else:
            user = check_login(server.session, server.profile, username, password)
        if user is None:
            # RFC 6749 §5.2 names wrong resource-owner credentials invalid_grant; Authlib
            # answers invalid_request, which faces could not tell from a missing parameter.
            raise InvalidGrantError("The user name or password is incorrect.")
        return user

    def generate_token(self, *args: Any, scope: str | None = None, **kwargs: Any) -> Any:
        # As for client credentials: at most the scopes the client was registered with.
        return super().generate_token(
            *args, scope=self.request.client.get_allowed_scope(scope), **kwargs
        )


class FrontChannelClient:
    """Implicit responses travel through the browser, where no client secret is sent: the
    client is identified by its id and bound by its registered redirect URI (RFC 6749 §4.2),
    whether or not it also holds a secret for the token endpoint."""

    server: ProfileServer
    request: OAuth2Request

    def authenticate_token_endpoint_client(self) -> ClientView:
        client = self.server.query_client(self.request.payload.client_id)
        if client is None:
            raise InvalidClientError(description="The client is not registered.")
        self.request.client = client
        self.request.auth_method = "none"
        return client


class ImplicitGrant(FrontChannelClient, grants.ImplicitGrant):
    pass
