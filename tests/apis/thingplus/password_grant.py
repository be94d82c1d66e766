"""A new Thing+ user and their token from the face's real token endpoint (the password grant
with the hex MD5 of the password, as the vendor's guide does it), for tests that use the root
fixtures or a served app rather than this package's conftest."""

from __future__ import annotations

import hashlib
import uuid

import httpx

from homecloud.core.database import Database
from homecloud.core.users import create_user
from homecloud.identity.clients import register_client

PASSWORD = "password-1"
SCOPES = "gateway site-read user-profile-read"


async def password_token(http: httpx.AsyncClient, database: Database, scope: str = SCOPES) -> str:
    """``http`` reaches the whole app (its base URL is the app's root)."""
    name = uuid.uuid4().hex[:8]
    async with database.session(write=True) as session:
        user = await create_user(session, f"{name}@example.com", PASSWORD, username=name)
    return await client_token(http, database, name, user.id, scope)


async def client_token(
    http: httpx.AsyncClient,
    database: Database,
    login: str,
    owner_id: int,
    scope: str,
    *,
    app: str = "app",
) -> str:
    """A token of ``scope`` for the user ``login`` (password ``PASSWORD``) from the real password
    grant, through a password-grant client ``app`` of their own registered for the purpose."""
    client_id = f"client-{uuid.uuid4().hex[:8]}"
    async with database.session(write=True) as session:
        await register_client(
            session,
            face="thingplus",
            name=app,
            grant_types=("password",),
            scope=scope,
            client_id=client_id,
            client_secret="client-secret",
            owner_id=owner_id,
        )
    answer = await http.post(
        "/thingplus/v2/oauth2/token",
        json={
            "grant_type": "password",
            "client_id": client_id,
            "client_secret": "client-secret",
            "username": login,
            "password": hashlib.md5(PASSWORD.encode()).hexdigest(),
        },
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])
