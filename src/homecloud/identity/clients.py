"""Registered client applications. Secrets are shown once, at creation or rotation, and stored
only as SHA-256 digests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc8628 import DEVICE_CODE_GRANT_TYPE
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.core.models import User, now_ms
from homecloud.core.statements import inserted
from homecloud.identity.models import OAuthClient
from homecloud.identity.secrets import digest, new_hex, new_secret, stored_form
from homecloud.settings import FACE_NAMES

DEVICE_CODE = DEVICE_CODE_GRANT_TYPE
GRANT_TYPES = frozenset(
    {
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "password",
        "implicit",
        DEVICE_CODE,
    }
)
# Short names a registrant may give for grant types whose real name is a URN.
GRANT_ALIASES = {"device_code": DEVICE_CODE}


class ClientError(ValueError):
    """A client registration that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class IssuedClient:
    client: OAuthClient
    client_secret: str | None  # in clear, this once


def validate_redirect_uri(uri: str) -> str:
    """Absolute and without a fragment (RFC 6749 §3.1.2). Custom schemes of native apps are
    allowed, and so is plain http: home set-ups often run on a LAN without TLS."""
    try:
        parts = urlsplit(uri)
    except ValueError:  # e.g. "http://[": a bracket that opens no IPv6 address
        raise ClientError(f"redirect URI {uri!r} is not a URI") from None
    if (
        not parts.scheme
        or "#" in uri  # an empty fragment ("...cb#") is a fragment too
        or (parts.scheme in ("http", "https") and not parts.netloc)
    ):
        raise ClientError(f"redirect URI {uri!r} must be absolute and without a fragment")
    return uri


def _response_types_for(grant_types: Iterable[str]) -> list[str]:
    grants = set(grant_types)
    types = []
    if "authorization_code" in grants:
        types.append("code")
    if "implicit" in grants:
        types += ["id_token", "id_token token", "token"]
    if {"authorization_code", "implicit"} <= grants:
        types += ["code id_token", "code token", "code id_token token"]
    return types


async def register_client(
    session: AsyncSession,
    *,
    face: str,
    name: str,
    redirect_uris: Sequence[str] = (),
    grant_types: Sequence[str] = ("authorization_code", "refresh_token"),
    scope: str = "",
    public: bool = False,
    client_id: str | None = None,
    client_secret: str | None = None,
    owner_id: int | None = None,
    allow_plain_pkce: bool = False,
    pkce_optional: bool = False,
    require_consent: bool = True,
    attributes: dict[str, Any] | None = None,
) -> IssuedClient:
    if face not in FACE_NAMES:
        raise ClientError(f"unknown face {face!r}; one of {', '.join(FACE_NAMES)}")
    if not name.strip():
        raise ClientError("a client needs a name")
    grant_types = [GRANT_ALIASES.get(grant, grant) for grant in grant_types]
    unknown = set(grant_types) - GRANT_TYPES
    if unknown:
        raise ClientError(f"unknown grant type(s): {', '.join(sorted(unknown))}")
    if {"authorization_code", "implicit"} & set(grant_types) and not redirect_uris:
        raise ClientError("a client that receives codes or tokens needs a redirect URI")
    if public and "client_credentials" in grant_types:
        raise ClientError("a public client cannot use client_credentials")
    if pkce_optional and not public:
        # A confidential client authenticates at the token endpoint; PKCE is optional for it
        # anyway, so the flag would only mislead.
        raise ClientError("PKCE optional is a setting of public clients (--public)")
    uris = [validate_redirect_uri(uri) for uri in redirect_uris]
    client_id = client_id or new_hex(24)
    if await session.scalar(select(OAuthClient.id).where(OAuthClient.client_id == client_id)):
        raise ClientError(f"client id {client_id!r} exists already")
    secret = None if public else (client_secret or new_secret(32))
    client = OAuthClient(
        client_id=client_id,
        face=face,
        name=name.strip(),
        # A secret the registrant chose may be weak: it gets a password hash.
        secret_hash=stored_form(secret, chosen_by_person=client_secret is not None)
        if secret
        else None,
        redirect_uris=uris,
        grant_types=list(grant_types),
        response_types=_response_types_for(grant_types),
        scope=" ".join(scope.split()),
        owner_id=owner_id,
        allow_plain_pkce=allow_plain_pkce,
        pkce_optional=pkce_optional,
        require_consent=require_consent,
        attributes=attributes or {},
    )
    return IssuedClient(await inserted(session, client), secret)


async def get_client(
    session: AsyncSession, client_id: str, face: str | None = None
) -> OAuthClient | None:
    statement = select(OAuthClient).where(OAuthClient.client_id == client_id)
    if face is not None:
        statement = statement.where(OAuthClient.face == face)
    return await session.scalar(statement)


async def client_with_owner(
    session: AsyncSession, client_id: str, face: str
) -> tuple[OAuthClient | None, User | None]:
    """The face's client ``client_id`` and the account it was registered for (whom a
    backend's or a device app's own credentials act for); each None where there is none."""
    client = await get_client(session, client_id, face)
    owner = await session.get(User, client.owner_id) if client and client.owner_id else None
    return client, owner


async def list_clients(
    session: AsyncSession, *, face: str | None = None, owner_id: int | None = None
) -> Sequence[OAuthClient]:
    statement = select(OAuthClient).order_by(OAuthClient.id)
    if face is not None:
        statement = statement.where(OAuthClient.face == face)
    if owner_id is not None:
        statement = statement.where(OAuthClient.owner_id == owner_id)
    return (await session.scalars(statement)).all()


async def rotate_secret(session: AsyncSession, client: OAuthClient) -> str:
    if client.secret_hash is None:
        raise ClientError(f"client {client.client_id} is public and has no secret")
    secret = new_secret(32)
    client.secret_hash = digest(secret)
    client.secret_rotated_at = now_ms()
    await session.flush()
    return secret


async def remove_client(session: AsyncSession, client: OAuthClient) -> None:
    """Removes the client and, through the foreign keys, its codes, tokens and consents."""
    await session.delete(client)
    await session.flush()


def client_record(client: OAuthClient, secret: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "client_id": client.client_id,
        "face": client.face,
        "name": client.name,
        "public": client.secret_hash is None,
        "redirect_uris": client.redirect_uris,
        "grant_types": client.grant_types,
        "response_types": client.response_types,
        "scope": client.scope,
        "pkce_optional": client.pkce_optional,
        "created_at": client.created_at,
    }
    if secret is not None:
        record["client_secret"] = secret
    return record
