"""The identity provider as the rest of homecloud sees it: run a profile's token service on a
request, and tell resource routes who is calling."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from urllib.parse import unquote

from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from sqlalchemy.orm import Session
from starlette.requests import Request

from homecloud.core.database import Database
from homecloud.core.errors import ApiError
from homecloud.core.models import User, now_ms
from homecloud.identity.clients import client_with_owner
from homecloud.identity.keys import SHARED, InvalidToken, KeyStore
from homecloud.identity.models import Grant
from homecloud.identity.passwords import verify_login
from homecloud.identity.profiles import IssuerProfile
from homecloud.identity.secrets import digest, is_person_chosen, matches
from homecloud.identity.server import (
    CLIENT_BY_ID_SQL,
    AuthorizationContext,
    ClientRecord,
    Prechecked,
    PreparedRequest,
    ProfileServer,
)
from homecloud.settings import Settings

# RFC 6749 limits error_description to %x20-21 / %x23-5B / %x5D-7E; Authlib raises this
# ValueError (instead of an OAuth2Error) when a description it builds from the request's own
# redirect_uri, response_type or scope would hold '"', '\\' or a non-ASCII character.
_UNSPEAKABLE = "Error description contains forbidden characters"
UNSPEAKABLE_DESCRIPTION = (
    "The request holds characters that OAuth 2.0 does not allow in these parameters "
    "(redirect_uri, response_type, scope): quotes, backslashes or non-ASCII text."
)


def is_unspeakable_error(exc: ValueError) -> bool:
    return str(exc).startswith(_UNSPEAKABLE)


# Keys every deployment needs: the RS256 key the OIDC faces publish, and Thing+'s HS256 secret.
T = TypeVar("T")

REQUIRED_KEYS = ((SHARED, "RS256"), ("thingplus", "HS256"))


@dataclass(frozen=True)
class Principal:
    """Who is calling a resource route: the user (None for client-credentials tokens), the
    client application, and the scopes the token carries."""

    face: str
    user_id: int | None
    client_id: str
    scopes: frozenset[str]
    claims: dict[str, Any]


# Grants whose exchange spends nothing it reads (no code, no refresh token): the only write
# is the new grant row.
ADDING_ONLY_GRANTS = frozenset({"client_credentials", "password"})

_GRANT_OF_TOKEN = (
    "SELECT g.user_id, g.client_id, g.scope, g.revoked_at, g.access_expires_at, u.is_active"
    f" FROM {Grant.__tablename__} g LEFT JOIN {User.__tablename__} u ON u.id = g.user_id"
    " WHERE g.access_key = ? AND g.face = ?"
)


class IdentityProvider:
    def __init__(
        self, database: Database, settings: Settings, keys: KeyStore | None = None
    ) -> None:
        self.database = database
        self.settings = settings
        self.keys = keys or KeyStore(database)

    async def start(self) -> None:
        await self.keys.load(ensure=REQUIRED_KEYS)

    def issuer(self, profile: IssuerProfile) -> str:
        return self.settings.base_url + profile.issuer_path

    async def run(
        self,
        profile: IssuerProfile,
        request: PreparedRequest,
        action: Callable[[ProfileServer, PreparedRequest], T],
        context: AuthorizationContext | None = None,
        *,
        defer_writes: bool = False,
        prechecked: Prechecked | None = None,
        inline: bool = False,
    ) -> T:
        """Runs ``action`` on a server for ``profile`` inside one write transaction, then the
        server's ``after_commit`` work (signatures that need nothing from the database).

        With ``defer_writes`` the action reads in a transaction of its own, outside the
        writers' turns (on the event loop if ``inline``), and the grants it issued are
        written in a short one after (see :meth:`exchange`).
        """
        await self.keys.refresh_if_stale()
        issuer = self.issuer(profile)
        servers: list[ProfileServer] = []

        def work(session: Session) -> T:
            server = ProfileServer(
                profile, session, self.keys, issuer, context, defer_writes, prechecked
            )
            servers.append(server)
            try:
                return action(server, request)
            except ValueError as exc:
                if not is_unspeakable_error(exc):
                    raise
                # Authlib quoted the client's own text into an error description and then
                # refused to build it: answer the same error class, minus the quote.
                error = InvalidRequestError(description=UNSPEAKABLE_DESCRIPTION)
                return cast(T, server.handle_error_response(request, error))

        if defer_writes:
            result = await self.database.run_read_only(work, inline=inline)
            if servers[0].deferred_writes:
                await self.database.run_in_transaction(servers[0].write_deferred)
        else:
            result = await self.database.run_in_transaction(work)
        for finish in servers[0].after_commit:
            finish()
        return result

    async def exchange(
        self,
        profile: IssuerProfile,
        request: PreparedRequest,
        action: Callable[[ProfileServer, PreparedRequest], T],
    ) -> T:
        """Runs a token endpoint's ``action``.

        Codes and refresh tokens are spent, so those grants read and write under one lock.
        Grants that only add a row (:data:`ADDING_ONLY_GRANTS`) defer their write: nothing
        they read is spent, so no lock needs to span the read and the write. Their slow checks
        are done first, here: the client is read with one plain statement, and an Argon2 check
        (a password, a client secret a person chose: a tenth of a second of CPU) runs on a
        thread, so that it never stalls the event loop. What is left (a signature, dict
        look-ups) then runs on the event loop, cheaper than a hop to a thread and back.
        """
        grant_type = request.payload.grant_type
        if grant_type not in ADDING_ONLY_GRANTS:
            return await self.run(profile, request, action)
        checked = await self.precheck(profile, request, grant_type)
        client = checked.client
        # Inline only when no Argon2 check is left for Authlib's code to do.
        inline = client is None or (
            (checked.client_secret is not None or not is_person_chosen(client.secret_hash))
            and (checked.person is not None or grant_type != "password")
        )
        return await self.run(
            profile, request, action, defer_writes=True, prechecked=checked, inline=inline
        )

    async def precheck(
        self, profile: IssuerProfile, request: PreparedRequest, grant_type: str
    ) -> Prechecked:
        """The slow checks of an adding-only grant, done before Authlib's code (see
        :meth:`exchange`)."""
        client = await self.client_of(profile, request)
        if client is None:
            return Prechecked()  # Authlib answers invalid_client without a slow check
        client_secret, authenticated = None, client.secret_hash is None
        presented = extract_basic_authorization(request.headers)[1] or request.form.get(
            "client_secret"
        )
        if presented and client.secret_hash is not None:
            if is_person_chosen(client.secret_hash):
                right = await asyncio.to_thread(matches, presented, client.secret_hash)
            else:
                right = matches(presented, client.secret_hash)
            client_secret, authenticated = (presented, right), right
        person = None
        login, password = request.form.get("username"), request.form.get("password")
        # No password is checked for a client that failed its own check: Authlib refuses it
        # first (invalid_client), and the check would be a tenth of a second spent for nothing.
        if (
            grant_type == "password"
            and authenticated
            and "password" in client.grant_types
            and login
            and password
        ):
            user = await verify_login(self.database, profile, login, password)
            person = (login, password, user)
        return Prechecked(client, client_secret, person)

    async def client_of(
        self, profile: IssuerProfile, request: PreparedRequest
    ) -> ClientRecord | None:
        """The client a token request names (Basic credentials, else ``client_id``)."""
        client_id = extract_basic_authorization(request.headers)[0] or request.form.get("client_id")
        if not client_id:
            return None
        rows = await self.database.fetch(CLIENT_BY_ID_SQL, (client_id, profile.face))
        return ClientRecord.from_plain_row(rows[0]) if rows else None

    # ------------------------------------------------------------------ resource-route checks

    async def authenticate(
        self,
        profile: IssuerProfile,
        request: Request,
        scopes: Iterable[str] = (),
        *,
        token: str | None = None,
    ) -> Principal:
        """The caller of a resource route of ``profile``'s face, from its bearer token.

        Raises :class:`ApiError` 401 (``invalid_token``, with ``WWW-Authenticate: Bearer``) for a
        missing, malformed, forged, expired or revoked token, and 403
        (``insufficient_scope``) when the token lacks one of ``scopes``. Each face renders it
        in its own error shape.
        """
        face = profile.face
        token = token or bearer_token(request)
        if not token:
            raise unauthorized(
                "Authorization header with a Bearer token is missing.", code="missing_token"
            )
        claims: dict[str, Any] = {}
        if profile.token_format == "jwt":
            claims = self.verified_claims(profile, token)
        # Every resource call of every face comes through here, so the grant is read with
        # one plain statement (Database.fetch: inline on SQLite, no ORM), not a session.
        rows = await self.database.fetch(_GRANT_OF_TOKEN, (digest(token), face))
        if not rows:
            raise unauthorized("The access token is not known.")
        user_id, client_id, scope, revoked_at, access_expires_at, user_active = rows[0]
        if revoked_at is not None:
            raise unauthorized("The access token was revoked.")
        if access_expires_at <= now_ms():
            raise unauthorized(
                "The access token expired.", code="token_expired", expired_at=access_expires_at
            )
        if user_id is not None and not user_active:
            raise unauthorized("The account is disabled.")
        granted = frozenset(scope.split())
        missing = [scope for scope in scopes if scope not in granted]
        if missing:
            raise token_lacks_scope(missing)
        return Principal(face, user_id, client_id, granted, claims)

    async def authenticate_app(self, face: str, request: Request) -> Principal:
        """A backend calling with app credentials on behalf of the user they were issued for
        (CKW's backend API): ``client_id``/``client_secret`` headers (MuleSoft's client-ID
        enforcement) or HTTP Basic. The client must have been registered with an owner."""
        client_id = request.headers.get("client_id") or request.headers.get("client-id")
        secret = request.headers.get("client_secret") or request.headers.get("client-secret")
        if not client_id:
            client_id, secret = basic_credentials(request)
        if not client_id or not secret:
            raise unauthorized(
                "App credentials (client_id and client_secret) are missing.", code="missing_token"
            )
        async with self.database.session() as session:
            client, owner = await client_with_owner(session, client_id, face)
        if client is None or not matches(secret, client.secret_hash):
            raise unauthorized("The app credentials are not valid.")
        if owner is None or not owner.is_active:
            raise unauthorized("The app credentials are not issued for an active user.")
        return Principal(face, owner.id, client.client_id, frozenset(client.scope.split()), {})

    def verified_claims(self, profile: IssuerProfile, token: str) -> dict[str, Any]:
        purpose = SHARED if profile.signing_alg == "RS256" else profile.face
        try:
            decoded = self.keys.verify(token, purpose=purpose, algorithms=(profile.signing_alg,))
        except InvalidToken as exc:
            raise unauthorized(
                f"The access token is invalid: {exc}.", code="invalid_token", reason=exc.reason
            ) from exc
        claims = dict(decoded.claims)
        now = time.time()
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or expires <= now:
            raise unauthorized(
                "The access token expired.",
                code="token_expired",
                expired_at=int(expires * 1000) if isinstance(expires, int | float) else None,
            )
        not_before = claims.get("nbf")
        if isinstance(not_before, int | float) and not_before > now + 5:
            raise unauthorized("The access token is not valid yet.")
        if profile.openid:
            if claims.get("iss") != self.issuer(profile):
                raise unauthorized("The access token was issued by another issuer.")
            audience = claims.get("aud")
            audiences = set(audience if isinstance(audience, list) else [audience])
            if profile.audience and not audiences & set(profile.audience):
                raise unauthorized("The access token is meant for another audience.")
        return claims


def basic_credentials(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None, None
    user, sep, password = decoded.partition(":")
    return (unquote(user), unquote(password)) if sep else (None, None)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def unauthorized(
    message: str,
    *,
    code: str = "invalid_token",
    expired_at: int | None = None,
    reason: str | None = None,
) -> ApiError:
    """``details`` carry ``expired_at`` (ms) for an expired token and, for a JWT that does not
    verify, the ``reason`` of :class:`InvalidToken`, so that a face can word each case."""
    details: dict[str, Any] = {"expired_at": expired_at} if expired_at is not None else {}
    if reason is not None:
        details["reason"] = reason
    header = (
        "Bearer"
        if code == "missing_token"
        else f'Bearer error="invalid_token", error_description="{message}"'
    )
    return ApiError(
        status=401,
        messages=[message],
        code=code,
        headers={"WWW-Authenticate": header},
        details=details,
    )


def token_lacks_scope(missing: Sequence[str]) -> ApiError:
    """RFC 6750's answer to an access token without a scope the resource needs."""
    names = " ".join(missing)
    return ApiError(
        status=403,
        messages=[f"The access token lacks the scope {names}."],
        code="insufficient_scope",
        headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{names}"'},
    )
