"""Every resource route with every kind of credential smart-me takes: Basic (all scopes), an
API key and an OAuth token with the scopes asked for, and a card access token (read, switch,
profile); each refused with 403 without its scope and 401 without credentials."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.apis.smartme.conftest import (
    CredentialMaker,
    MeterRef,
    SmartMeUser,
    TokenMaker,
    UserMaker,
)

READ, WRITE, SWITCH, PROFILE = "read", "write", "switch", "profile"
# The scopes that grant each kind of route.
GRANTING = {
    READ: ("device.read", "device.readwrite", "device.readswitch"),
    WRITE: ("device.readwrite",),
    SWITCH: ("device.readswitch", "device.readwrite"),
    PROFILE: ("user.read",),
}
# The scope that grants none of a kind (to be refused with).
OTHER = {
    READ: "user.read",
    WRITE: "device.readswitch",
    SWITCH: "device.read",
    PROFILE: "device.read",
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    kind: str
    body: Callable[[MeterRef], Any] | None = None
    ok: int = 200


def switch_body(meter: MeterRef) -> Any:
    return {"DeviceID": meter.guid, "Actions": [{"ObisCode": "63000C0000FF", "Value": 1}]}


ROUTES = (
    Route("GET", "/Devices", READ),
    Route("GET", "/Devices/{guid}", READ),
    Route("POST", "/Devices", WRITE, lambda m: {"Id": m.guid, "Name": "Renamed"}),
    Route("PUT", "/Devices/{guid}?switchState=true", SWITCH),
    Route("GET", "/DeviceBySerial?serial={serial}", READ),
    Route("GET", "/DevicesByEnergy?meterEnergyType=MeterTypeElectricity", READ),
    Route("GET", "/DevicesBySubType?meterSubType=MeterSubTypeElectricity", READ),
    Route("GET", "/Values/{guid}", READ),
    Route("GET", "/ValuesInPast/{guid}?date=2026-07-25T12:00:00Z", READ),
    Route(
        "GET",
        "/ValuesInPastMultiple/{guid}?startDate=2026-07-25T10:00:00Z&endDate=2026-07-25T11:00:00Z",
        READ,
    ),
    Route("GET", "/MeterValues/{guid}?date=2026-07-25T12:00:00Z", READ),
    Route("GET", "/Actions/{guid}", READ),
    Route("POST", "/Actions", SWITCH, switch_body, ok=204),
    Route("GET", "/User", PROFILE),
    Route("GET", "/AdditionalDeviceInformation/{guid}", READ),
    Route("GET", "/CustomDevice", READ),
    Route("POST", "/CustomDevice", WRITE, lambda m: {"Name": "Sensor"}),
    Route("GET", "/Folder/{guid}", READ),
)
PREFIXES = ("/smartme/api", "/smartme")


async def call(
    face: httpx.AsyncClient, route: Route, prefix: str, meter: MeterRef, headers: dict[str, str]
) -> httpx.Response:
    path = prefix + route.path.format(guid=meter.guid, serial=meter.serial)
    body = route.body(meter) if route.body else None
    return await face.request(route.method, path, headers=headers, json=body)


@pytest.fixture
async def ann(make_user: UserMaker) -> SmartMeUser:
    return await make_user("three_phase")


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_basic_reaches_every_route_and_nothing_reaches_it_without_credentials(
    face: httpx.AsyncClient, ann: SmartMeUser, prefix: str
) -> None:
    meter = ann.meter("three_phase")
    for route in ROUTES:
        allowed = await call(face, route, prefix, meter, ann.basic)
        assert allowed.status_code == route.ok, (route, allowed.text)
        denied = await call(face, route, prefix, meter, {})
        assert denied.status_code == 401, route
        assert denied.json() == {"Message": "Authorization has been denied for this request."}
        assert denied.headers["www-authenticate"] == 'Basic realm="smart-me"'


@pytest.mark.parametrize("scheme", ["apikey", "bearer"])
async def test_api_keys_and_tokens_need_a_granting_scope(
    face: httpx.AsyncClient,
    ann: SmartMeUser,
    api_key_for: CredentialMaker,
    token_for: TokenMaker,
    scheme: str,
) -> None:
    meter = ann.meter("three_phase")

    async def credentials(scope: str) -> dict[str, str]:
        if scheme == "apikey":
            return await api_key_for(ann, scope)
        return {"Authorization": f"Bearer {await token_for(ann, scope)}"}

    by_scope = {
        scope: await credentials(scope)
        for scope in ("user.read", "device.read", "device.readwrite", "device.readswitch")
    }
    for index, route in enumerate(ROUTES):
        prefix = PREFIXES[index % 2]
        for scope in GRANTING[route.kind]:
            allowed = await call(face, route, prefix, meter, by_scope[scope])
            assert allowed.status_code == route.ok, (route, scope, allowed.text)
        refused = await call(face, route, prefix, meter, by_scope[OTHER[route.kind]])
        assert refused.status_code == 403, (route, OTHER[route.kind])
        assert "permission" in refused.json()["Message"] or "scope" in refused.json()["Message"]


async def test_a_card_reads_and_switches_but_never_writes(
    face: httpx.AsyncClient, ann: SmartMeUser, card_for: CredentialMaker
) -> None:
    meter = ann.meter("three_phase")
    card = await card_for(ann)
    for index, route in enumerate(ROUTES):
        response = await call(face, route, PREFIXES[index % 2], meter, card)
        expected = 403 if route.kind == WRITE else route.ok
        assert response.status_code == expected, (route, response.text)


async def test_every_credential_only_ever_sees_its_own_users_meters(
    face: httpx.AsyncClient,
    make_user: UserMaker,
    api_key_for: CredentialMaker,
    token_for: TokenMaker,
    card_for: CredentialMaker,
) -> None:
    ann = await make_user("three_phase")
    bob = await make_user("water")
    theirs = bob.meter("water")
    for headers in (
        ann.basic,
        await api_key_for(ann),
        {"Authorization": f"Bearer {await token_for(ann)}"},
        await card_for(ann),
    ):
        listed = (await face.get("/smartme/Devices", headers=headers)).json()
        assert [device["Id"] for device in listed] == [ann.meter("three_phase").guid]
        for route in ROUTES:
            if "{guid}" in route.path or "{serial}" in route.path:
                response = await call(face, route, "/smartme", theirs, headers)
                assert response.status_code in (403, 404), route
                if response.status_code == 403:
                    assert route.kind == WRITE  # a card is refused before the lookup
