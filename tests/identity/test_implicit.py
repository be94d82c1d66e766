"""Nuheat's front-channel flows for a client that also holds a secret (a web app that uses both
the code flow and implicit): the secret is not needed, and no refresh token leaves the browser."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from homecloud.core.users import create_user
from homecloud.identity.clients import register_client
from homecloud.services import Services
from tests.identity.person import allow, field, sign_in

REDIRECT = "https://client.example/cb"


async def sign_in_and_allow(client: httpx.AsyncClient, authorize_url: str) -> httpx.Response:
    signed_in = await sign_in(client, authorize_url, "ann@example.com", "password-1")
    consent = await client.get(signed_in.headers["location"])
    return await allow(client, consent, "/nuheat/identity/consent")


async def test_a_confidential_client_may_use_implicit_and_gets_no_refresh_token(
    client: httpx.AsyncClient, services: Services
) -> None:
    async with services.database.session(write=True) as session:
        await create_user(session, "ann@example.com", "password-1")
        issued = await register_client(
            session,
            face="nuheat",
            name="Web app",
            redirect_uris=[REDIRECT],
            grant_types=["authorization_code", "implicit", "refresh_token"],
            scope="openid openapi offline_access",
        )
    query = {
        "client_id": issued.client.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "id_token token",
        "scope": "openid openapi offline_access",
        "nonce": "n-1",
        "state": "s-1",
    }
    answer = await sign_in_and_allow(
        client, "/nuheat/identity/connect/authorize?" + urlencode(query)
    )
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    assert location.query == ""
    params = parse_qs(location.fragment)
    assert params["state"] == ["s-1"]
    assert "access_token" in params
    assert "id_token" in params
    assert "refresh_token" not in params


async def test_an_unknown_client_gets_an_error_page_not_a_redirect(
    client: httpx.AsyncClient,
) -> None:
    query = {
        "client_id": "nobody",
        "redirect_uri": REDIRECT,
        "response_type": "id_token token",
        "scope": "openid openapi",
        "nonce": "n",
    }
    answer = await client.get("/nuheat/identity/connect/authorize?" + urlencode(query))
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert "invalid_client" in answer.text


async def test_login_hint_prefills_the_user_name(
    client: httpx.AsyncClient, services: Services
) -> None:
    async with services.database.session(write=True) as session:
        issued = await register_client(session, face="nuheat", name="App", redirect_uris=[REDIRECT])
    query = {
        "client_id": issued.client.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid openapi",
        "login_hint": "ann@example.com",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
    to_login = await client.get("/nuheat/identity/connect/authorize?" + urlencode(query))
    page = await client.get(to_login.headers["location"])
    assert field(page.text, "Username") == "ann@example.com"
