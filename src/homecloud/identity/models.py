"""Tables of the OAuth2 / OpenID Connect provider.

Secrets never rest in clear: client secrets, authorization codes, refresh tokens and opaque
access tokens are stored as SHA-256 hashes (they are high-entropy, so a fast hash suffices);
signed access tokens are stored by their ``jti`` so they can be revoked.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from homecloud.core.models import Base, Id, NowOnInsert


class OAuthClient(Base):
    """A registered client application of one face."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(128), unique=True)
    face: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    # None for public clients (PKCE instead of a secret). SHA-256 of a generated secret, or
    # Argon2id of one a person chose.
    secret_hash: Mapped[str | None] = mapped_column(String(255))
    redirect_uris: Mapped[list[str]] = mapped_column(default=list)
    grant_types: Mapped[list[str]] = mapped_column(default=list)
    response_types: Mapped[list[str]] = mapped_column(default=list)
    scope: Mapped[str] = mapped_column(Text, default="")
    # The user who registered it through a face's own endpoint (Thing+ authClients), if any.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    allow_plain_pkce: Mapped[bool] = mapped_column(Boolean, default=False)
    # Keycloak's per-client "PKCE optional": a public client registered with it may exchange
    # a code without a verifier (a legacy app that cannot do PKCE). Off by default (RFC 9700).
    pkce_optional: Mapped[bool] = mapped_column(Boolean, default=False)
    require_consent: Mapped[bool] = mapped_column(Boolean, default=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[NowOnInsert]
    secret_rotated_at: Mapped[NowOnInsert]


class AuthorizationCode(Base):
    __tablename__ = "oauth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    face: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    nonce: Mapped[str | None] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(16))
    auth_time: Mapped[int] = mapped_column(BigInteger)  # seconds, as in the id_token claim
    session_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[NowOnInsert]
    expires_at: Mapped[int] = mapped_column(BigInteger)
    # Set on first exchange; a second exchange is refused and revokes what the first issued.
    used_at: Mapped[int | None] = mapped_column(BigInteger)


class DeviceAuthorization(Base):
    """A device's request for access (RFC 8628): the device polls with its device code, stored
    as a hash; the person types the user code on the verification page and allows or denies
    it. Used once: the first poll after approval gets the tokens, and marks it ``used``."""

    __tablename__ = "oauth_device_authorizations"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    device_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # As shown to the person (``WDJB-MJHT``); looked up without its dash and in any case.
    user_code: Mapped[str] = mapped_column(String(16), unique=True)
    face: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE")
    )
    scope: Mapped[str] = mapped_column(Text, default="")
    # "pending", then "approved" or "denied" by the person, then "used" by the first poll.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # When the person who decided signed in (seconds, as the id_token's auth_time).
    auth_time: Mapped[int | None] = mapped_column(BigInteger)
    # Seconds the device must wait between polls: raised by 5 each time it polls too fast.
    interval: Mapped[int] = mapped_column(BigInteger)
    last_polled_at: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[NowOnInsert]
    expires_at: Mapped[int] = mapped_column(BigInteger)


class Grant(Base):
    """One issued access token and, if any, its refresh token.

    Refresh tokens rotate: a refresh makes a new row in the same ``family`` and marks this one
    ``rotated_at``. Presenting a rotated refresh token again is a replay: the whole family is
    revoked (RFC 9700 §4.14.2).
    """

    __tablename__ = "oauth_grants"
    __table_args__ = (
        Index("ix_oauth_grants_family", "family"),
        Index("ix_oauth_grants_code", "code_hash"),
        Index("ix_oauth_grants_user", "user_id"),
        # For the housekeeping sweep (identity/housekeeping.py): expired rows without a scan.
        Index("ix_oauth_grants_access_expiry", "access_expires_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    face: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # jti of a signed access token, or the SHA-256 of an opaque one.
    access_key: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    family: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str | None] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(Text, default="")
    session_id: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[NowOnInsert]
    access_expires_at: Mapped[int] = mapped_column(BigInteger)
    refresh_expires_at: Mapped[int | None] = mapped_column(BigInteger)
    rotated_at: Mapped[int | None] = mapped_column(BigInteger)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger)


class Consent(Base):
    """Scopes a user granted a client; asked again only for scopes beyond these."""

    __tablename__ = "oauth_consents"
    __table_args__ = (UniqueConstraint("user_id", "client_id", name="uq_consent_user_client"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE")
    )
    scope: Mapped[str] = mapped_column(Text, default="")
    granted_at: Mapped[NowOnInsert]


class SigningKey(Base):
    """A key that signs tokens. Retired keys stop signing but stay published until every token
    they signed has expired, so verifiers holding a cached JWKS keep working through a rotation."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    # "shared" for the RS256 keys every OIDC face publishes, or a face name for a face's own
    # symmetric key (Thing+ signs HS256).
    purpose: Mapped[str] = mapped_column(String(32))
    alg: Mapped[str] = mapped_column(String(16))
    private_jwk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[NowOnInsert]
    retired_at: Mapped[int | None] = mapped_column(BigInteger)
    # When the last token this key may have signed expires; after it the key is dropped.
    publish_until: Mapped[int | None] = mapped_column(BigInteger)


class BrowserSession(Base):
    """A signed-in browser (single sign-on across faces), referenced by a cookie."""

    __tablename__ = "browser_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    auth_time: Mapped[int] = mapped_column(BigInteger)  # seconds
    created_at: Mapped[NowOnInsert]
    expires_at: Mapped[int] = mapped_column(BigInteger)
