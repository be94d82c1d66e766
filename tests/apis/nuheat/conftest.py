"""Nuheat accounts with thermostats, and access tokens issued the way real clients get them:
the authorization-code flow through the face's own sign-in and consent pages."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from homecloud.apis.nuheat.provision import add_group, add_thermostat
from homecloud.core.models import now_ms
from homecloud.core.users import create_user
from homecloud.identity.clients import register_client
from homecloud.services import Services
from tests.identity.person import allow, sign_in
from tests.identity.test_browser import chromium  # noqa: F401  (headless Chromium, shared)

PASSWORD = "password-1"
REDIRECT = "https://client.example/cb"
TOKEN = "/nuheat/identity/connect/token"


@dataclass
class Account:
    user_id: int
    email: str
    token: str
    group_id: int
    serials: list[str]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def issue_token(
    http: httpx.AsyncClient, services: Services, email: str, scope: str = "openid openapi"
) -> str:
    """Signs ``email`` in through the authorization-code flow with PKCE; the access token."""
    async with services.database.session(write=True) as session:
        issued = await register_client(
            session,
            face="nuheat",
            name="Thermostat app",
            redirect_uris=[REDIRECT],
            grant_types=["authorization_code"],
            scope="openid openapi offline_access",
        )
    assert issued.client_secret is not None
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    query = {
        "client_id": issued.client.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": scope,
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    http.cookies.clear()
    signed_in = await sign_in(
        http, "/nuheat/identity/connect/authorize?" + urlencode(query), email, PASSWORD
    )
    assert signed_in.status_code == 302, signed_in.text
    consent = await http.get(signed_in.headers["location"])
    answer = await allow(http, consent, "/nuheat/identity/consent")
    assert answer.status_code == 302, answer.text
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    token = await http.post(
        TOKEN,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        auth=(issued.client.client_id, issued.client_secret),
    )
    assert token.status_code == 200, token.text
    http.cookies.clear()
    return str(token.json()["access_token"])


MakeAccount = Callable[..., Awaitable[Account]]


@pytest.fixture
def make_account(client: httpx.AsyncClient, services: Services) -> MakeAccount:
    """An account with a group ``Home`` and ``thermostats`` thermostats, signed in."""
    counter = iter(range(1, 1000))

    async def make(
        thermostats: int = 2, tz: str = "Europe/Zurich", scope: str = "openid openapi"
    ) -> Account:
        number = next(counter)
        email = f"user{number}@example.com"
        serials = []
        async with services.database.session(write=True) as session:
            user = await create_user(
                session, email, PASSWORD, first_name="Jane", last_name="Doe", timezone=tz
            )
            group = await add_group(session, user.id, "Home")
            for index in range(thermostats):
                serial = str(20_000_000 + number * 100 + index)
                await add_thermostat(
                    session,
                    user.id,
                    serial,
                    f"Room {index}",
                    group_id=group.id,
                    tz=tz,
                    started_ms=now_ms(),
                )
                serials.append(serial)
        token = await issue_token(client, services, email, scope)
        return Account(user.id, email, token, group.id, serials)

    return make
