"""The Thing+ face on both databases, and users holding tokens issued by its real token
endpoint (password grant with the MD5 of the password, as the vendor's guide does it)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

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

PASSWORD = "password-1"
ALL_GATEWAY_SCOPES = "gateway site-read user-profile-read"
BASE = "/thingplus/v2"


@dataclass
class Api:
    """One user's view of the face: their token's requests, relative to ``/thingplus/v2``."""

    http: httpx.AsyncClient
    token: str
    user_id: int

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
async def face(database: Database, settings: Settings) -> AsyncIterator[Services]:
    services = Services(
        settings=settings,
        database=database,
        events=InProcessBus(),
        rate_limiter=RateLimiter(),
        metrics=Metrics(database.pool_status),
        identity=IdentityProvider(database, settings),
    )
    await services.start()
    return services


@pytest.fixture
async def http(face: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(face.settings, face))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


UserMaker = Callable[..., Coroutine[Any, Any, Api]]


@pytest.fixture
def make_user(face: Services, http: httpx.AsyncClient) -> UserMaker:
    """A new user with a token of ``scope`` from the real password grant."""

    async def make(scope: str = ALL_GATEWAY_SCOPES) -> Api:
        name = uuid.uuid4().hex[:8]
        async with face.database.session(write=True) as session:
            user = await create_user(session, f"{name}@example.com", PASSWORD, username=name)
            issued = await register_client(
                session,
                face="thingplus",
                name="gateway app",
                grant_types=("password",),
                scope=scope,
                client_id=f"client-{name}",
                client_secret="client-secret",
                owner_id=user.id,
            )
        token = await http.post(
            "/thingplus/v2/oauth2/token",
            json={
                "grant_type": "password",
                "client_id": issued.client.client_id,
                "client_secret": "client-secret",
                "username": name,
                "password": hashlib.md5(PASSWORD.encode()).hexdigest(),
            },
        )
        assert token.status_code == 200, token.text
        return Api(http, token.json()["access_token"], user.id)

    return make


@pytest.fixture
async def owner(make_user: UserMaker) -> Api:
    return await make_user()


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
