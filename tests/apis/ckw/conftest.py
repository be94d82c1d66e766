"""CKW customers with their metering points and values, and tokens issued the way real apps
get them: the authorization-code flow through the realm's own sign-in and consent pages."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from homecloud.apis.ckw import repository, service
from homecloud.apis.ckw.query import ZONE
from homecloud.apis.ckw.settings import CkwSettings
from homecloud.app import create_app
from homecloud.core import migrations
from homecloud.core.database import Database
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.core.users import create_user
from homecloud.identity.clients import register_client
from homecloud.services import Services
from homecloud.settings import Settings
from tests.identity.person import field, pkce_pair, sign_in

PASSWORD = "password-1"
REDIRECT = "https://app.example/callback"
REALM = "/ckw/auth/realms/CKW"
TOKEN = REALM + "/protocol/openid-connect/token"
AUTHORIZE = REALM + "/protocol/openid-connect/auth"
CONSENT = REALM + "/login-actions/consent"
CORE_DATA = "/ckw/api/v1/core-data"
METER_DATA = "/ckw/api/v1/meter-data"
QUARTER = 900_000


def local_ms(day: date, hour: int = 0) -> int:
    return int(datetime.combine(day, time(hour), ZONE).timestamp() * 1000)


@dataclass
class Customer:
    """A user of the face: their login, and their metering points (consumption first)."""

    user_id: int
    login: str
    points: list[str]
    database: Database
    series: dict[str, tuple[int, int]] = dataclass_field(
        default_factory=dict
    )  # id -> (energy, estimated)

    @property
    def consumption(self) -> str:
        return self.points[0]

    async def write(
        self,
        point: str,
        start_ms: int,
        values: Sequence[float | None],
        *,
        estimated: Sequence[int] = (),
        delivered_until: int | None = None,
    ) -> None:
        """Quarter-hour values from ``start_ms`` (None: missing), then marks the meter
        delivered up to ``delivered_until`` (default: the end of the values)."""
        until = delivered_until or start_ms + len(values) * QUARTER
        meter = await repository.meter_of_user(self.database, self.user_id, point)
        assert meter is not None
        async with self.database.session(write=True) as session:
            await service.record_values(
                session,
                meter,
                start_ms,
                until,
                [
                    (start_ms + index * QUARTER, value)
                    for index, value in enumerate(values)
                    if value is not None
                ],
                [start_ms + index * QUARTER for index in estimated],
            )


CustomerMaker = Callable[..., Coroutine[Any, Any, Customer]]
TokenMaker = Callable[..., Coroutine[Any, Any, str]]


def settings_with(settings: Settings, **ckw: Any) -> Settings:
    values = {"simulation": False, **ckw}
    return settings.model_copy(update={"ckw": CkwSettings(**values)})


@pytest.fixture
def ckw_settings() -> dict[str, Any]:
    """What a test module changes in the face's settings (override it)."""
    return {}


@pytest.fixture
async def face_services(
    database: Database, settings: Settings, ckw_settings: dict[str, Any]
) -> Services:
    """The core on the ``database`` fixture (SQLite, then PostgreSQL)."""
    settings = settings_with(settings, **ckw_settings)
    services = Services.over(database, settings)
    await services.start()
    return services


@pytest.fixture
async def sqlite_services(
    settings: Settings, ckw_settings: dict[str, Any]
) -> AsyncIterator[Services]:
    services = Services.from_settings(settings_with(settings, **ckw_settings))
    await migrations.upgrade(services.database)
    await services.start()
    yield services
    await services.close()


@pytest.fixture
def core(sqlite_services: Services) -> Services:
    """The services the face runs on; SQLite unless a module overrides it with
    ``face_services`` (both databases)."""
    return sqlite_services


@pytest.fixture
async def face(core: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(core.settings, core))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def make_user(core: Services) -> CustomerMaker:
    """A new CKW customer: one installation with a consumption point and, ``with_pv``, a
    production point, valid from ``valid_from`` (default 2024-01-01), without values."""

    async def make(*, with_pv: bool = False, valid_from: date = date(2024, 1, 1)) -> Customer:
        name = "u" + uuid.uuid4().hex[:8]
        async with core.database.session(write=True) as session:
            user = await create_user(session, f"{name}@example.com", PASSWORD, username=name)
        async with UnitOfWork.begin(core.database, core.events) as work:
            points = await service.provision_customer(
                work, user.id, valid_from_ms=local_ms(valid_from), with_pv=with_pv, seed=None
            )
            series = {
                p.metering_point_id: (p.energy_series_id, p.estimated_series_id) for p in points
            }
        return Customer(user.id, name, [p.metering_point_id for p in points], core.database, series)

    return make


async def code_flow_tokens(
    http: httpx.AsyncClient,
    database: Database,
    login: str,
    scope: str = "openid",
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
) -> dict[str, Any]:
    """The token response of a code flow with PKCE through the sign-in and consent pages,
    for a new confidential client unless ``client_id`` names one."""
    if client_id is None:
        async with database.session(write=True) as session:
            issued = await register_client(
                session,
                face="ckw",
                name="Energy app",
                redirect_uris=[REDIRECT],
                grant_types=["authorization_code", "refresh_token"],
                scope="openid profile email offline_access",
            )
        client_id, client_secret = issued.client.client_id, issued.client_secret
    verifier, challenge = pkce_pair()
    query = {
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": scope,
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    http.cookies.clear()
    signed_in = await sign_in(http, AUTHORIZE + "?" + urlencode(query), login, PASSWORD)
    assert signed_in.status_code == 302, signed_in.text
    consent = await http.get(signed_in.headers["location"])
    if consent.status_code == 200:
        # Remembered, as Keycloak keeps a granted consent until the user revokes it.
        consent = await http.post(
            CONSENT,
            data={
                "ReturnUrl": field(consent.text, "ReturnUrl"),
                "button": "yes",
                "RememberConsent": "true",
                "__RequestVerificationToken": field(consent.text, "__RequestVerificationToken"),
            },
        )
    assert consent.status_code == 302, consent.text
    code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    auth = (client_id, client_secret) if client_secret else None
    if auth is None:
        data["client_id"] = client_id
    response = await http.post(TOKEN, data=data, auth=auth or httpx.USE_CLIENT_DEFAULT)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


@pytest.fixture
def token_for(face: httpx.AsyncClient, core: Services) -> TokenMaker:
    """An access token of the realm for ``customer``, from the code flow."""

    async def make(customer: Customer, scope: str = "openid") -> str:
        tokens = await code_flow_tokens(face, core.database, customer.login, scope)
        token: str = tokens["access_token"]
        return token

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
