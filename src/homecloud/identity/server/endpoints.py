"""Token revocation (RFC 7009) and introspection (RFC 7662)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint

from homecloud.core.models import now_ms
from homecloud.identity.server.adapters import ClientView, GrantView
from homecloud.identity.server.grants import CLIENT_AUTH_METHODS, server_of

if TYPE_CHECKING:
    pass


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> GrantView | None:
        row = server_of(self).find_grant(token_string, token_type_hint)
        return GrantView(row) if row is not None else None

    def revoke_token(self, token: GrantView, request: OAuth2Request) -> None:
        server = server_of(self)
        server.revoke_grant(token.row)
        if token.row.refresh_hash is not None:
            server.revoke_family(token.row.family)


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string: str, token_type_hint: str | None) -> GrantView | None:
        row = server_of(self).find_grant(token_string, token_type_hint)
        return GrantView(row) if row is not None else None

    def check_permission(
        self, token: GrantView, client: ClientView, request: OAuth2Request
    ) -> bool:
        # Any confidential client of the same face may introspect (resource servers do).
        return client.row.secret_hash is not None

    def introspect_token(self, token: GrantView) -> dict[str, Any]:
        row = token.row
        server = server_of(self)
        active = row.revoked_at is None and (
            row.access_expires_at > now_ms()
            or (
                row.refresh_expires_at is not None
                and row.refresh_expires_at > now_ms()
                and row.rotated_at is None
            )
        )
        if not active:
            return {"active": False}
        return {
            "active": True,
            "client_id": row.client_id,
            "scope": row.scope,
            "sub": str(row.user_id) if row.user_id is not None else None,
            "token_type": "Bearer",
            "exp": row.access_expires_at // 1000,
            "iat": row.issued_at // 1000,
            "iss": server.issuer,
            "aud": list(server.profile.audience) or [row.client_id],
        }
