"""A person at the sign-in and consent pages, for every suite that registers a client and
signs in: the page-driving steps are ``homecloud.identity.person`` (the benches and the Thing+
simulator use them too); this adds the tests' one-call way to an access token."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from homecloud.apis import ckw, nuheat
from homecloud.core.database import Database
from homecloud.identity.clients import register_client
from homecloud.identity.person import (
    CodeApp,
    Issuer,
    PageError,
    allow,
    back_to_the_app,
    code_flow,
    field,
    fill_sign_in,
    hidden_fields,
    pkce_pair,
    register_code_app,
    sign_in,
    submit_sign_in,
)

__all__ = [
    "CKW",
    "NUHEAT",
    "REDIRECT",
    "CodeApp",
    "Issuer",
    "MachineApp",
    "PageError",
    "allow",
    "back_to_the_app",
    "code_flow",
    "field",
    "fill_sign_in",
    "hidden_fields",
    "machine_token",
    "pkce_pair",
    "register_code_app",
    "register_machine_app",
    "sign_in",
    "signed_in_token",
    "submit_sign_in",
]

REDIRECT = "https://client.example/cb"
NUHEAT = Issuer.of(nuheat.ISSUER)
CKW = Issuer.of(ckw.ISSUER)


@dataclass(frozen=True)
class MachineApp:
    """A confidential client with the client-credentials grant: a backend, or a device app
    acting for the account that owns it."""

    client_id: str
    client_secret: str


async def register_machine_app(
    database: Database,
    face: str,
    scope: str,
    *,
    owner_id: int | None = None,
    client_secret: str | None = None,
    name: str = "Backend",
) -> MachineApp:
    async with database.session(write=True) as session:
        issued = await register_client(
            session,
            face=face,
            name=name,
            grant_types=["client_credentials"],
            scope=scope,
            owner_id=owner_id,
            client_secret=client_secret,
        )
    assert issued.client_secret is not None  # a confidential client always has one
    return MachineApp(issued.client.client_id, issued.client_secret)


async def machine_token(
    http: httpx.AsyncClient, token_url: str, app: MachineApp, scope: str | None = None
) -> str:
    """An access token of ``app`` (client_secret_basic), ``scope`` asked for if given."""
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    response = await http.post(token_url, data=data, auth=(app.client_id, app.client_secret))
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def signed_in_token(
    http: httpx.AsyncClient,
    database: Database,
    issuer: Issuer,
    login: str,
    password: str,
    scope: str,
    *,
    client_scope: str | None = None,
) -> str:
    """An access token of ``login`` for ``scope``, the way a real app gets one: a new client
    (asking for consent) is registered, the person signs in and allows it on the pages, and
    the code is exchanged with PKCE. ``http`` leaves with no cookies, as it came."""
    async with database.session(write=True) as session:
        app = await register_code_app(
            session, issuer, scope, REDIRECT, name="Test app", client_scope=client_scope
        )
    http.cookies.clear()
    try:
        return str((await code_flow(http, app, login, password))["access_token"])
    finally:
        http.cookies.clear()
