"""The token service on SQLite and on PostgreSQL: the same exchanges, the same guarantees."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import AsyncIterator
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from homecloud.app import create_app
from homecloud.core.database import Database
from homecloud.core.events import InProcessBus
from homecloud.core.observability import Metrics
from homecloud.core.ratelimit import RateLimiter
from homecloud.core.users import create_user
from homecloud.identity.clients import register_client
from homecloud.identity.provider import IdentityProvider
from homecloud.services import Services
from homecloud.settings import Settings

REDIRECT = "https://app.example/cb"
TOKEN = "/nuheat/identity/connect/token"


@pytest.fixture
async def http_on(
    database: Database, settings: Settings
) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    services = Services(
        settings=settings,
        database=database,
        events=InProcessBus(),
        rate_limiter=RateLimiter(),
        metrics=Metrics(database.pool_status),
        identity=IdentityProvider(database, settings),
    )
    await services.start()
    transport = httpx.ASGITransport(app=create_app(settings, services))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client, services


def field(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert match is not None
    return unescape(match.group(1))


async def test_code_flow_rotation_and_replays(http_on: tuple[httpx.AsyncClient, Services]) -> None:
    http, services = http_on
    async with services.database.session(write=True) as session:
        await create_user(session, "ann@example.com", "password-1")
        issued = await register_client(
            session,
            face="nuheat",
            name="App",
            redirect_uris=[REDIRECT],
            require_consent=False,
            scope="openid openapi offline_access",
        )
    assert issued.client_secret is not None
    auth = (issued.client.client_id, issued.client_secret)
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": issued.client.client_id,
            "redirect_uri": REDIRECT,
            "scope": "openid openapi offline_access",
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    to_login = await http.get(f"/nuheat/identity/connect/authorize?{query}")
    form = await http.get(to_login.headers["location"])
    signed_in = await http.post(
        "/nuheat/identity/Account/Login",
        data={
            "ReturnUrl": field(form.text, "ReturnUrl"),
            "Username": "ann@example.com",
            "Password": "password-1",
            "__RequestVerificationToken": field(form.text, "__RequestVerificationToken"),
        },
    )
    redirected = await http.get(signed_in.headers["location"])
    code = parse_qs(urlsplit(redirected.headers["location"]).query)["code"][0]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }

    first = (await http.post(TOKEN, data=exchange, auth=auth)).json()
    assert set(first) >= {"access_token", "refresh_token", "id_token"}
    replay = await http.post(TOKEN, data=exchange, auth=auth)
    assert replay.json()["error"] == "invalid_grant"
    # The replay revoked what the first exchange issued.
    assert (
        await http.get(
            "/nuheat/identity/connect/userinfo",
            headers={"Authorization": f"Bearer {first['access_token']}"},
        )
    ).status_code == 401
    refused = await http.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=auth,
    )
    assert refused.json()["error"] == "invalid_grant"


async def test_refresh_reuse_revokes_the_family(
    http_on: tuple[httpx.AsyncClient, Services],
) -> None:
    http, services = http_on
    async with services.database.session(write=True) as session:
        await create_user(session, "ann@example.com", "password-1")
        issued = await register_client(
            session,
            face="ckw",
            name="App",
            redirect_uris=[REDIRECT],
            grant_types=["authorization_code", "refresh_token", "password"],
            scope="openid profile",
        )
    assert issued.client_secret is not None
    # CKW refuses the password grant; mint the first refresh token through the code flow.
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    auth = (issued.client.client_id, issued.client_secret)
    base = "/ckw/auth/realms/CKW"
    query = urlencode(
        {
            "response_type": "code",
            "client_id": issued.client.client_id,
            "redirect_uri": REDIRECT,
            "scope": "openid profile",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    to_login = await http.get(f"{base}/protocol/openid-connect/auth?{query}")
    form = await http.get(to_login.headers["location"])
    signed_in = await http.post(
        f"{base}/login-actions/authenticate",
        data={
            "ReturnUrl": field(form.text, "ReturnUrl"),
            "Username": "ann@example.com",
            "Password": "password-1",
            "__RequestVerificationToken": field(form.text, "__RequestVerificationToken"),
        },
    )
    consent = await http.get(signed_in.headers["location"])
    allowed = await http.post(
        f"{base}/login-actions/consent",
        data={
            "ReturnUrl": field(consent.text, "ReturnUrl"),
            "button": "yes",
            "__RequestVerificationToken": field(consent.text, "__RequestVerificationToken"),
        },
    )
    code = parse_qs(urlsplit(allowed.headers["location"]).query)["code"][0]
    token_url = f"{base}/protocol/openid-connect/token"
    first = (
        await http.post(
            token_url,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
            },
            auth=auth,
        )
    ).json()
    second = (
        await http.post(
            token_url,
            data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
            auth=auth,
        )
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    reused = await http.post(
        token_url,
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=auth,
    )
    assert reused.json()["error"] == "invalid_grant"
    after = await http.post(
        token_url,
        data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]},
        auth=auth,
    )
    assert after.json()["error"] == "invalid_grant"
