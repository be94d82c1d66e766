"""A person at the sign-in and consent pages, for every suite that registers a client and
signs in: the page-driving steps are ``homecloud.identity.person`` (the benches and the Thing+
simulator use them too); this adds the tests' one-call way to an access token."""

from __future__ import annotations

import httpx

from homecloud.core.database import Database
from homecloud.identity.person import (
    CKW,
    NUHEAT,
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
    "PageError",
    "allow",
    "back_to_the_app",
    "code_flow",
    "field",
    "fill_sign_in",
    "hidden_fields",
    "pkce_pair",
    "register_code_app",
    "sign_in",
    "signed_in_token",
    "submit_sign_in",
]

REDIRECT = "https://client.example/cb"


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
