"""MClimate users with controllers, and access tokens from the face's real login endpoint
(the password grant with the built-in client pair, as Home Assistant's library signs in).

- ``face``: the whole app over ``httpx.ASGITransport`` (base URL ``http://testserver``);
- ``make_user``: a new user, with the controllers asked for (``make_user("melissa", "vicki")``);
- ``token_for``: an access token for a user, from ``POST /mclimate/v1/auth/login``.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from homecloud.apis.mclimate.provision import add_controller
from homecloud.app import create_app
from homecloud.core.users import create_user
from homecloud.services import Services
from homecloud.settings import Settings

PASSWORD = "password-1"
API = "/mclimate/v1"
PUBLIC_PAIR = {"client_id": "mclimate", "client_secret": "mclimate_core"}
PROBLEM_TYPE = "http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"

_numbers = itertools.count(1)


@dataclass
class McUser:
    id: int
    email: str
    serials: dict[str, list[str]] = field(default_factory=dict)

    def serial(self, kind: str = "melissa") -> str:
        return self.serials[kind][0]


@dataclass
class Api:
    """One user's calls, relative to ``/mclimate/v1``, with their bearer token."""

    http: httpx.AsyncClient
    user: McUser
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def get(self, path: str, **options: Any) -> httpx.Response:
        headers = {**self.headers, **options.pop("headers", {})}
        return await self.http.get(API + path, headers=headers, params=options or None)

    async def post(self, path: str, body: Any) -> httpx.Response:
        return await self.http.post(API + path, headers=self.headers, json=body)

    async def patch(self, path: str, body: Any) -> httpx.Response:
        return await self.http.patch(API + path, headers=self.headers, json=body)

    async def fetch(self, serial: str) -> dict[str, Any]:
        answer = await self.post("/provider/fetch", {"serial_number": serial})
        assert answer.status_code == 200, answer.text
        provider: dict[str, Any] = answer.json()["provider"]
        return provider

    async def send(self, serial: str, command: str, **fields: Any) -> httpx.Response:
        return await self.post(
            "/provider/send", {"serial_number": serial, "command": command, **fields}
        )


MakeUser = Callable[..., Awaitable[McUser]]
TokenFor = Callable[[McUser], Awaitable[str]]
Login = Callable[..., Awaitable[Api]]


@pytest.fixture
async def face(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(settings, services))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def make_user(services: Services) -> MakeUser:
    """A new user owning one controller of each type named (repeat a type for more)."""

    async def make(*kinds: str, seed: int = 7) -> McUser:
        number = next(_numbers)
        email = f"mc{number}@example.com"
        async with services.database.session(write=True) as session:
            user = await create_user(session, email, PASSWORD, first_name="Ann", last_name="Lee")
            made = McUser(user.id, email)
            for index, kind in enumerate(kinds):
                serial = f"{kind[:3].upper()}{number:04d}X{index:03d}"
                await add_controller(session, user.id, kind, serial, seed=seed)
                made.serials.setdefault(kind, []).append(serial)
        return made

    return make


@pytest.fixture
def token_for(face: httpx.AsyncClient) -> TokenFor:
    async def token(user: McUser) -> str:
        answer = await face.post(
            API + "/auth/login", data={**PUBLIC_PAIR, "username": user.email, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["auth"]["access_token"])

    return token


@pytest.fixture
def login(face: httpx.AsyncClient, make_user: MakeUser, token_for: TokenFor) -> Login:
    """A new user with these controllers, signed in."""

    async def make(*kinds: str, **options: Any) -> Api:
        user = await make_user(*kinds, **options)
        return Api(face, user, await token_for(user))

    return make


def assert_problem(answer: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert body["type"] == PROBLEM_TYPE
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    for word in words:
        assert word in body["detail"], body
    return body
