"""The smart-me face on both databases: ``face`` (the whole app in process), ``make_user``
(a user with simulated meters of the families asked for) and ``token_for`` (an access token
from the face's real token endpoint, through a "Device" app of the user's), plus the other
credentials smart-me takes: API keys and card access tokens."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from homecloud.apis.smartme import ISSUER
from homecloud.apis.smartme.demo import add_simulated_meter
from homecloud.apis.smartme.families import FAMILIES
from homecloud.app import create_app
from homecloud.core.events import InProcessBus
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.core.users import create_user
from homecloud.identity.credentials import create_api_key, issue_card_token
from homecloud.services import Services
from tests.identity.person import machine_token, register_machine_app

PASSWORD = "meter-password-1"
ALL_SCOPES = ("user.read", "device.read", "device.readwrite", "device.readswitch")
# When the test meters' histories end: a fixed moment, so that values are repeatable.
AT = datetime(2026, 7, 25, 12, 0, tzinfo=UTC)


def basic_header(login: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


@dataclass
class MeterRef:
    guid: str
    serial: int
    family: str


@dataclass
class SmartMeUser:
    id: int
    username: str
    email: str
    password: str = PASSWORD
    meters: dict[str, MeterRef] = field(default_factory=dict)

    @property
    def basic(self) -> dict[str, str]:
        return basic_header(self.username, self.password)

    def meter(self, family: str) -> MeterRef:
        return self.meters[family]


@pytest.fixture
async def face(face_services: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(face_services.settings, face_services))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


UserMaker = Callable[..., Coroutine[Any, Any, SmartMeUser]]


@pytest.fixture
def make_user(face_services: Services) -> UserMaker:
    """A new user; each family named gets a simulated meter with two hours of readings every
    15 minutes up to :data:`AT`."""

    async def make(*families: str) -> SmartMeUser:
        name = "u" + uuid.uuid4().hex[:8]
        bus = InProcessBus()
        async with UnitOfWork.begin(face_services.database, bus) as work:
            session = await work.session()
            user = await create_user(session, f"{name}@example.com", PASSWORD, username=name)
            made = SmartMeUser(user.id, name, f"{name}@example.com")
            for family in families:
                meter = await add_simulated_meter(
                    work,
                    user.id,
                    FAMILIES[family],
                    at=AT,
                    history=AT - AT.replace(hour=10),
                )
                made.meters[family] = MeterRef(meter.guid, meter.row.serial, family)
        return made

    return make


TokenMaker = Callable[..., Coroutine[Any, Any, str]]


@pytest.fixture
def token_for(face_services: Services, face: httpx.AsyncClient) -> TokenMaker:
    """An access token for ``user`` with ``scopes``, from the face's token endpoint
    (client credentials of a "Device" app the user owns)."""

    async def issue(user: SmartMeUser, *scopes: str) -> str:
        app = await register_machine_app(
            face_services.database,
            "smartme",
            " ".join(scopes or ALL_SCOPES),
            owner_id=user.id,
            name="meter app",
        )
        return await machine_token(face, "/smartme/oauth/token", app)

    return issue


CredentialMaker = Callable[..., Coroutine[Any, Any, dict[str, str]]]


@pytest.fixture
def api_key_for(face_services: Services) -> CredentialMaker:
    async def issue(user: SmartMeUser, *scopes: str) -> dict[str, str]:
        async with face_services.database.session(write=True) as session:
            issued = await create_api_key(
                session,
                issuer=ISSUER,
                user_id=user.id,
                name="script",
                scopes=list(scopes or ALL_SCOPES),
            )
        return {"Authorization": f"ApiKey {issued.key}"}

    return issue


@pytest.fixture
def card_for(face_services: Services) -> CredentialMaker:
    async def issue(user: SmartMeUser, card_id: int = 4711) -> dict[str, str]:
        async with face_services.database.session(write=True) as session:
            token = await issue_card_token(
                session, face="smartme", user_id=user.id, card_id=card_id
            )
        return basic_header(f"cardaccesstoken_{card_id}", token)

    return issue
