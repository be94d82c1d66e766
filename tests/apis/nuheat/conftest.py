"""The Nuheat face's fixtures, named as in every face's conftest: ``face`` (the whole app over
``httpx.ASGITransport``), ``make_user`` (an account with a group ``Home`` and thermostats,
signed in) and ``token_for`` (an access token through the authorization-code flow on the face's
own sign-in and consent pages, as real clients get one)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from homecloud.apis.nuheat.provision import add_group, add_thermostat
from homecloud.core.database import Database
from homecloud.core.models import now_ms
from homecloud.core.users import create_user
from homecloud.services import Services
from homecloud.settings import Settings
from tests.conftest import app_client
from tests.identity.person import NUHEAT, signed_in_token
from tests.identity.test_browser import chromium  # noqa: F401  (headless Chromium, shared)

PASSWORD = "password-1"
TOKEN = NUHEAT.token
# The scopes the tests' client may ask for; each token asks for what its test needs.
CLIENT_SCOPE = "openid openapi offline_access"


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
    http: httpx.AsyncClient, database: Database, email: str, scope: str = "openid openapi"
) -> str:
    """Signs ``email`` in through the authorization-code flow with PKCE; the access token."""
    return await signed_in_token(
        http, database, NUHEAT, email, PASSWORD, scope, client_scope=CLIENT_SCOPE
    )


@pytest.fixture
async def face(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(settings, services) as http:
        yield http


TokenFor = Callable[..., Awaitable[str]]


@pytest.fixture
def token_for(face: httpx.AsyncClient, services: Services) -> TokenFor:
    """An access token of a user (an ``Account`` or an email) for ``scope``."""

    async def token(user: Account | str, scope: str = "openid openapi") -> str:
        email = user if isinstance(user, str) else user.email
        return await issue_token(face, services.database, email, scope)

    return token


UserMaker = Callable[..., Awaitable[Account]]


@pytest.fixture
def make_user(services: Services, token_for: TokenFor) -> UserMaker:
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
        token = await token_for(email, scope)
        return Account(user.id, email, token, group.id, serials)

    return make
