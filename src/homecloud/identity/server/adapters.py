"""homecloud's stored clients, codes and grants as Authlib's model mixins."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import TYPE_CHECKING

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin

from homecloud.core.models import now_ms
from homecloud.identity.models import AuthorizationCode, OAuthClient
from homecloud.identity.secrets import matches
from homecloud.identity.server.records import ClientRecord, GrantRecord

if TYPE_CHECKING:
    pass


LOOPBACK_HOSTS = ("127.0.0.1", "[::1]", "localhost")


class ClientView(ClientMixin):
    def __init__(
        self,
        row: OAuthClient | ClientRecord,
        *,
        scope_defaults_to_client: bool = False,
        checked_secret: tuple[str, bool] | None = None,
        default_scopes: tuple[str, ...] = (),
    ) -> None:
        self.row = row
        self.client_id = row.client_id
        self.scope_defaults_to_client = scope_defaults_to_client
        self.default_scopes = default_scopes
        self.checked_secret = checked_secret

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.row.redirect_uris[0] if len(self.row.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope and self.scope_defaults_to_client:
            return self.row.scope
        allowed = set(self.row.scope.split())
        granted = [s for s in (scope or "").split() if s in allowed]
        # The profile's default scopes come with every request, where the client has them.
        granted += [s for s in self.default_scopes if s in allowed and s not in granted]
        return " ".join(granted)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        if "#" in redirect_uri:  # RFC 6749 §3.1.2: never with a fragment, even on loopback
            return False
        if redirect_uri in self.row.redirect_uris:
            return True
        # RFC 8252 §7.3: a native app's loopback redirect may use any port.
        return any(_same_except_loopback_port(redirect_uri, uri) for uri in self.row.redirect_uris)

    def check_client_secret(self, client_secret: str) -> bool:
        checked = self.checked_secret
        if checked is not None and hmac.compare_digest(checked[0], client_secret):
            return checked[1]
        return matches(client_secret, self.row.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.row.secret_hash is None:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type in self.row.response_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.row.grant_types


_AUTH_METHOD_WORDS = {
    "client_secret_basic": "its id and secret in HTTP Basic authentication",
    "client_secret_post": "client_id and client_secret in the request body",
    "none": "only its client_id (a public client)",
}


def client_authentication_help(methods: Sequence[str]) -> str:
    """What a client that failed to authenticate should send, in words."""
    ways = [_AUTH_METHOD_WORDS.get(method, method) for method in methods]
    return "The client could not be authenticated. Send " + ", or ".join(ways) + "."


def _same_except_loopback_port(candidate: str, registered: str) -> bool:
    from urllib.parse import urlsplit

    a, b = urlsplit(candidate), urlsplit(registered)
    if a.scheme != "http" or b.scheme != "http" or a.hostname not in ("127.0.0.1", "::1"):
        return False
    return (a.hostname, a.path, a.query) == (b.hostname, b.path, b.query)


class CodeView:
    def __init__(self, row: AuthorizationCode) -> None:
        self.row = row

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    def get_nonce(self) -> str | None:
        return self.row.nonce

    def get_auth_time(self) -> int:
        return self.row.auth_time

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str] | None:
        return ["pwd"]


class GrantView(TokenMixin):
    def __init__(self, row: GrantRecord) -> None:
        self.row = row

    def check_client(self, client: ClientView) -> bool:
        return self.row.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return max(0, (self.row.access_expires_at - now_ms()) // 1000)

    def is_expired(self) -> bool:
        return self.row.access_expires_at <= now_ms()

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None

    def get_user(self) -> int | None:
        return self.row.user_id

    def get_client(self) -> str:
        return self.row.client_id
