"""The authorization server bound to a face's profile; see the package docs."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidClientError, InvalidScopeError
from sqlalchemy import select
from sqlalchemy.orm import Session

from homecloud.core.models import User, now_ms
from homecloud.identity.keys import SHARED, KeyStore
from homecloud.identity.models import Grant
from homecloud.identity.profiles import IssuerProfile
from homecloud.identity.secrets import digest, new_hex, new_secret
from homecloud.identity.server.adapters import (
    ClientView,
    CodeView,
    GrantView,
    client_authentication_help,
)
from homecloud.identity.server.device import DeviceEndpoint, DeviceGrant
from homecloud.identity.server.endpoints import Introspection, Revocation
from homecloud.identity.server.grants import (
    ClientCredentialsGrant,
    CodeGrant,
    ImplicitGrant,
    PasswordGrant,
    RefreshGrant,
    StrictCodeChallenge,
)
from homecloud.identity.server.openid import HomecloudOpenIDCode, OpenIDHybrid, OpenIDImplicit
from homecloud.identity.server.records import (
    CLIENT_BY_ID,
    GRANT_BY_ACCESS_KEY,
    GRANT_BY_REFRESH_HASH,
    INSERT_GRANT,
    MARK_REVOKED,
    REVOKE_FAMILY,
    USER_BY_ID,
    ClientRecord,
    GrantRecord,
    Person,
    Prechecked,
    UserRecord,
)
from homecloud.identity.server.requests import PreparedRequest


@dataclass
class AuthorizationContext:
    """What the authorization endpoint knows beyond the request: who signed in, and when."""

    user: User | None = None
    auth_time: int = 0
    session_id: str | None = None


@dataclass
class IssueResult:
    """Authlib's (status, body, headers), plus the grant rows this call created."""

    status: int
    body: Any
    headers: list[tuple[str, str]]
    issued: list[GrantRecord] = field(default_factory=list)


class ProfileServer(AuthorizationServer):
    def __init__(
        self,
        profile: IssuerProfile,
        session: Session,
        keys: KeyStore,
        issuer: str,
        context: AuthorizationContext | None = None,
        defer_writes: bool = False,
        prechecked: Prechecked | None = None,
    ) -> None:
        super().__init__(scopes_supported=list(profile.scopes_supported))
        self.profile = profile
        self.session = session
        self.keys = keys
        self.issuer = issuer
        self.context = context or AuthorizationContext()
        self.issued: list[GrantRecord] = []
        # Work that needs nothing from the database, done once the transaction has committed
        # (by IdentityProvider.run), so that the write lock is not held through it.
        self.after_commit: list[Callable[[], None]] = []
        # With defer_writes the session only reads: the grant rows save_token makes wait
        # here for write_deferred, which IdentityProvider.run calls in a write transaction.
        self.defer_writes = defer_writes
        self.deferred_writes: list[dict[str, Any]] = []
        self.prechecked = prechecked or Prechecked()
        pkce = StrictCodeChallenge(required=True)
        extensions: list[Any] = [pkce]
        if profile.openid:
            extensions.append(HomecloudOpenIDCode(self))
        self.register_grant(CodeGrant, extensions)
        self.register_grant(RefreshGrant)
        self.register_grant(ClientCredentialsGrant)
        if profile.password_grant:
            self.register_grant(PasswordGrant)
        if profile.implicit_and_hybrid:
            self.register_grant(ImplicitGrant)
            self.register_grant(OpenIDImplicit)
            self.register_grant(OpenIDHybrid)
        if profile.device_flow is not None:
            self.register_grant(DeviceGrant)
            self.register_endpoint(DeviceEndpoint)
        self.register_endpoint(Revocation)
        self.register_endpoint(Introspection)

    def create_oauth2_request(self, request: PreparedRequest) -> PreparedRequest:
        # Requests arrive already read and wrapped (the body is read asynchronously, before).
        return request

    def create_json_request(self, request: PreparedRequest) -> PreparedRequest:
        return request

    # Authlib's storage hooks ----------------------------------------------------------

    def query_client(self, client_id: str) -> ClientView | None:
        known = self.prechecked.client
        checked_secret = None
        if known is not None and known.client_id == client_id and known.face == self.profile.face:
            record, checked_secret = known, self.prechecked.client_secret
        else:
            row = (
                self.session.connection()
                .execute(CLIENT_BY_ID, {"client_id": client_id, "face": self.profile.face})
                .first()
            )
            if row is None:
                return None
            record = ClientRecord(*row)
        return ClientView(
            record,
            scope_defaults_to_client=self.profile.scope_defaults_to_client,
            checked_secret=checked_secret,
            default_scopes=self.profile.default_scopes,
        )

    def generate_token(
        self,
        grant_type: str,
        client: ClientView,
        user: Person | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        profile = self.profile
        scope = scope or ""
        lifetime = expires_in or profile.lifetime_by_grant.get(
            grant_type, profile.access_token_lifetime
        )
        now = int(time.time())
        if profile.token_format == "jwt":
            access_token = self.keys.sign(
                self.access_claims(client, user, scope, now, lifetime),
                purpose=SHARED if profile.signing_alg == "RS256" else profile.face,
                alg=profile.signing_alg,
                include_kid=profile.signing_alg == "RS256",
            )
        else:
            access_token = new_hex(40)
        token: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": scope,
        }
        wants_refresh = include_refresh_token and grant_type not in (
            "implicit",
            "client_credentials",
        )
        if profile.refresh_requires_scope is not None:
            wants_refresh = wants_refresh and profile.refresh_requires_scope in scope.split()
        if (
            wants_refresh
            and profile.refresh_token_lifetime
            and client.check_grant_type("refresh_token")
        ):
            token["refresh_token"] = (
                new_hex(40) if profile.refresh_token_style == "hex40" else new_secret(32)
            )
        return token

    def access_claims(
        self, client: ClientView, user: Person | None, scope: str, now: int, lifetime: int
    ) -> dict[str, Any]:
        profile = self.profile
        if profile.subject_claim == "userId":  # Thing+: {userId, clientId, iat, exp}
            return {
                "userId": str(user.id) if user else "",
                "clientId": client.get_client_id(),
                "iat": now,
                "exp": now + lifetime,
                # Not in the vendor's tokens, but without it two tokens for the same user and
                # client in the same second would be one string, and one stored grant.
                "jti": uuid.uuid4().hex,
            }
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "nbf": now,
            "iat": now,
            "exp": now + lifetime,
            "aud": list(profile.audience),
            "client_id": client.get_client_id(),
            "jti": uuid.uuid4().hex,
            "scope": scope.split(),
        }
        if user is not None:
            claims["sub"] = str(user.id)
            claims["auth_time"] = self.context.auth_time or now
        if profile.keycloak:  # Keycloak's access-token shape
            claims.update(
                typ="Bearer",
                azp=client.get_client_id(),
                scope=scope,
                session_state=self.context.session_id,
                sid=self.context.session_id,
            )
            if user is not None:
                claims.update(keycloak_user_claims(user))
        return claims

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        now = now_ms()
        parent: GrantView | None = request.refresh_token
        code: CodeView | None = request.authorization_code
        refresh = token.get("refresh_token")
        values: dict[str, Any] = {
            "face": self.profile.face,
            "client_id": request.client.get_client_id(),
            "user_id": request.user.id if request.user is not None else None,
            "access_key": digest(token["access_token"]),
            "refresh_hash": digest(refresh) if refresh else None,
            "family": parent.row.family if parent else uuid.uuid4().hex,
            "code_hash": code.row.code_hash if code else (parent.row.code_hash if parent else None),
            "scope": token.get("scope") or "",
            "session_id": self.context.session_id or (parent.row.session_id if parent else None),
            "issued_at": now,
            "access_expires_at": now + int(token["expires_in"]) * 1000,
            "refresh_expires_at": (now + self.profile.refresh_token_lifetime * 1000)
            if refresh and self.profile.refresh_token_lifetime
            else None,
        }
        if self.defer_writes:
            self.deferred_writes.append(values)
        else:
            self.insert_grant(self.session, values)

    def insert_grant(self, session: Session, values: dict[str, Any]) -> None:
        key = session.connection().execute(INSERT_GRANT, values).inserted_primary_key
        assert key is not None  # a single-row insert always reports its key
        self.issued.append(GrantRecord(id=key[0], **values))

    def write_deferred(self, session: Session) -> None:
        for values in self.deferred_writes:
            self.insert_grant(session, values)

    def authenticate_client(
        self, request: OAuth2Request, methods: list[str], endpoint: str = "token"
    ) -> ClientView:
        try:
            return super().authenticate_client(request, methods, endpoint)  # type: ignore[no-any-return]
        except InvalidClientError as error:
            # Authlib's own text quotes the Python list of method names.
            if str(error.description).startswith("The client cannot authenticate with"):
                error.description = client_authentication_help(methods)
            raise

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> IssueResult:
        # The server's own list: grants written after the response is made (defer_writes)
        # still show in it.
        return IssueResult(status, body, list(headers or []), self.issued)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def validate_requested_scope(self, scope: str | None) -> None:
        if scope and not set(scope.split()) <= set(self.profile.scopes_supported):
            unknown = sorted(set(scope.split()) - set(self.profile.scopes_supported))
            raise InvalidScopeError(f"Unknown scope(s): {' '.join(unknown)}")

    # Revocation ------------------------------------------------------------------------

    def revoke_family(self, family: str) -> None:
        self.session.connection().execute(REVOKE_FAMILY, {"spent_family": family, "at": now_ms()})

    def revoke_grant(self, grant: GrantRecord) -> None:
        self.session.connection().execute(MARK_REVOKED, {"grant_id": grant.id, "at": now_ms()})

    def revoke_issued_from_code(self, code_hash: str) -> None:
        families = self.session.scalars(
            select(Grant.family).where(Grant.code_hash == code_hash)
        ).all()
        for family in set(families):
            self.revoke_family(family)

    def find_grant(self, token: str, hint: str | None = None) -> GrantRecord | None:
        parameters = {"key": digest(token), "face": self.profile.face}
        order = (
            (GRANT_BY_REFRESH_HASH, GRANT_BY_ACCESS_KEY)
            if hint == "refresh_token"
            else (GRANT_BY_ACCESS_KEY, GRANT_BY_REFRESH_HASH)
        )
        connection = self.session.connection()
        for statement in order:
            row = connection.execute(statement, parameters).first()
            if row is not None:
                return GrantRecord(*row)
        return None

    def user(self, user_id: int | None) -> UserRecord | None:
        if user_id is None:
            return None
        row = self.session.connection().execute(USER_BY_ID, {"user_id": user_id}).first()
        user = UserRecord(*row) if row is not None else None
        return user if user is not None and user.is_active else None

    def id_token(self, token: dict[str, Any], request: OAuth2Request) -> str:
        """An id_token for a token response made outside the code flow (a refresh)."""
        encoded: str = HomecloudOpenIDCode(self).encode_id_token(token, request)
        return encoded


def keycloak_user_claims(user: Person) -> dict[str, Any]:
    name = f"{user.first_name} {user.last_name}".strip()
    return {
        "preferred_username": user.username or user.email,
        "email": user.email,
        "email_verified": True,
        "name": name or user.email,
        "given_name": user.first_name,
        "family_name": user.last_name,
    }
