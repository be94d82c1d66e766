"""The Thing+ face's fixtures, named as in every face's conftest: ``face`` (the whole app over
``httpx.ASGITransport``, on both databases), ``make_user`` (a new user holding a token) and
``token_for`` (a token from the face's real token endpoint: the password grant with the MD5 of
the password, as the vendor's guide does it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from homecloud.core.users import create_user, find_by_login
from homecloud.services import Services
from homecloud.settings import Settings
from tests.apis.thingplus.password_grant import PASSWORD, client_token
from tests.conftest import app_client

ALL_GATEWAY_SCOPES = "gateway site-read user-profile-read"
BASE = "/thingplus/v2"


@dataclass
class Api:
    """One user's view of the face: their token's requests, relative to ``/thingplus/v2``."""

    http: httpx.AsyncClient
    token: str
    user_id: int
    login: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(BASE + path, headers=self.headers, params=params)

    async def put(self, path: str, body: Any) -> httpx.Response:
        return await self.http.put(BASE + path, headers=self.headers, json=body)

    async def post(self, path: str, body: Any) -> httpx.Response:
        return await self.http.post(BASE + path, headers=self.headers, json=body)

    async def delete(self, path: str) -> httpx.Response:
        return await self.http.delete(BASE + path, headers=self.headers)


@pytest.fixture
def services(face_services: Services) -> Services:
    """The core over the ``database`` fixture: every Thing+ test runs on SQLite and PostgreSQL."""
    return face_services


@pytest.fixture
async def face(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(settings, services) as http:
        yield http


TokenFor = Callable[..., Coroutine[Any, Any, str]]


@pytest.fixture
def token_for(face: httpx.AsyncClient, services: Services) -> TokenFor:
    """A token of ``scope`` for a user (an ``Api`` or a user name) from the real password grant
    (the MD5 of the password, as the vendor's guide does it), through a client of their own."""

    async def token(user: Api | str, scope: str = ALL_GATEWAY_SCOPES) -> str:
        login = user if isinstance(user, str) else user.login
        async with services.database.session() as session:
            owner = await find_by_login(session, login)
        assert owner is not None, login
        return await client_token(
            face, services.database, login, owner.id, scope, app="gateway app"
        )

    return token


UserMaker = Callable[..., Coroutine[Any, Any, Api]]


@pytest.fixture
def make_user(face: httpx.AsyncClient, services: Services, token_for: TokenFor) -> UserMaker:
    """A new user (Thing+ users start with no gateways: they register them through the API),
    holding a token of ``scope``."""

    async def make(scope: str = ALL_GATEWAY_SCOPES) -> Api:
        name = uuid.uuid4().hex[:8]
        async with services.database.session(write=True) as session:
            user = await create_user(session, f"{name}@example.com", PASSWORD, username=name)
        return Api(face, await token_for(name, scope), user.id, name)

    return make


def new_gateway_id() -> str:
    return uuid.uuid4().hex


async def register(api: Api, gateway_id: str | None = None, **params: Any) -> str:
    gateway_id = gateway_id or new_gateway_id()
    response = await api.post(
        "/registerGateway",
        {"reqId": gateway_id, "params": {"model": "52", "name": "Gateway", **params}},
    )
    assert response.status_code == 201, response.text
    return gateway_id


TEMPERATURE = {
    "name": "Temperature Sensor",
    "type": "temperature",
    "driverName": "openApiSensor",
    "model": "openApiTemp",
    "category": "sensor",
}


async def add_sensor(api: Api, gateway_id: str, sensor_id: str = "temp-1", **fields: Any) -> str:
    response = await api.post(
        f"/gateways/{gateway_id}/sensors", {"reqId": sensor_id, **TEMPERATURE, **fields}
    )
    assert response.status_code == 201, response.text
    return sensor_id
