"""``GET /Actions/{id}`` and ``POST /Actions``: a switched-off meter draws no power, at once
and in the simulation that follows."""

from __future__ import annotations

import httpx
import pytest

from homecloud.apis.smartme import obis
from homecloud.apis.smartme.simulation import Simulation
from homecloud.core.events import InProcessBus
from homecloud.core.models import now_ms
from homecloud.services import Services
from homecloud.sim.clock import ManualClock
from tests.apis.smartme.conftest import CredentialMaker, SmartMeUser, UserMaker

PREFIXES = ("/smartme/api", "/smartme")


@pytest.fixture
async def ann(make_user: UserMaker) -> SmartMeUser:
    return await make_user("three_phase", "single_phase", "water", "charging_station")


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_actions_list_what_each_family_switches(
    face: httpx.AsyncClient, ann: SmartMeUser, prefix: str
) -> None:
    house = await face.get(f"{prefix}/Actions/{ann.meter('three_phase').guid}", headers=ann.basic)
    assert house.status_code == 200
    assert [(a["ObisCode"], a["ActionType"]) for a in house.json()] == [
        ("63000C0000FF", 0),
        ("63000C0001FF", 0),
        ("63000C0002FF", 0),
        ("63000C0003FF", 0),
        ("63000C0101FF", 0),
        ("63000C0102FF", 0),
    ]
    assert all(set(action) == {"Name", "ObisCode", "ActionType"} for action in house.json())
    single = await face.get(f"{prefix}/actions/{ann.meter('single_phase').guid}", headers=ann.basic)
    assert [a["ObisCode"] for a in single.json()] == ["63000C0001FF", "63000C0000FF"]
    water = await face.get(f"{prefix}/Actions/{ann.meter('water').guid}", headers=ann.basic)
    assert water.json() == []


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_switching_off_means_no_power_until_switched_on(
    face: httpx.AsyncClient, face_services: Services, ann: SmartMeUser, prefix: str
) -> None:
    guid = ann.meter("single_phase").guid
    before = (await face.get(f"{prefix}/Devices/{guid}", headers=ann.basic)).json()
    assert before["SwitchOn"] is True
    # The wiki's own example: lower-case property names, the phase-1 relay.
    off = await face.post(
        f"{prefix}/actions",
        headers=ann.basic,
        json={"deviceID": guid, "actions": [{"obisCode": "63000C0001FF", "value": 0.0}]},
    )
    assert off.status_code == 204
    assert off.content == b""
    device = (await face.get(f"{prefix}/Devices/{guid}", headers=ann.basic)).json()
    assert device["SwitchOn"] is False
    assert device["ActivePower"] == 0.0
    assert device["Current"] == 0.0
    assert device["CounterReading"] >= before["CounterReading"]
    values = (await face.get(f"{prefix}/Values/{guid}", headers=ann.basic)).json()
    assert {"Obis": obis.SWITCH_L1.hex, "Value": 0.0} in values["Values"]
    # The simulation keeps it dark: its next readings draw nothing either.
    clock = ManualClock(now_ms())
    simulation = Simulation(face_services.database, InProcessBus(), clock, interval_seconds=5)
    for _ in range(3):
        clock.advance(5_000)
        await simulation.step()
        device = (await face.get(f"{prefix}/Devices/{guid}", headers=ann.basic)).json()
        assert device["ActivePower"] == 0.0
    on = await face.post(
        f"{prefix}/Actions",
        headers=ann.basic,
        json={"DeviceID": guid, "Actions": [{"ObisCode": "63000C0000FF", "Value": 1}]},
    )
    assert on.status_code == 204
    device = (await face.get(f"{prefix}/Devices/{guid}", headers=ann.basic)).json()
    assert device["SwitchOn"] is True


async def test_the_charging_station_stops_charging_when_switched_off(
    face: httpx.AsyncClient, ann: SmartMeUser
) -> None:
    guid = ann.meter("charging_station").guid
    response = await face.post(
        "/smartme/Actions",
        headers=ann.basic,
        json={"DeviceID": guid, "Actions": [{"ObisCode": "63000C0000FF", "Value": 0}]},
    )
    assert response.status_code == 204
    device = (await face.get(f"/smartme/Devices/{guid}", headers=ann.basic)).json()
    assert device["SwitchOn"] is False
    assert device["ActivePower"] == 0.0


async def test_outputs_switch_without_touching_the_relays(
    face: httpx.AsyncClient, ann: SmartMeUser
) -> None:
    guid = ann.meter("three_phase").guid
    response = await face.post(
        "/smartme/Actions",
        headers=ann.basic,
        json={
            "DeviceID": guid,
            "Actions": [
                {"ObisCode": "63000C0102FF", "Value": 1},
                {"ObisCode": "63-00-0C-01-01-FF", "Value": 1},
            ],
        },
    )
    assert response.status_code == 204
    device = (await face.get(f"/smartme/Devices/{guid}", headers=ann.basic)).json()
    assert device["DigitalOutput1"] is True
    assert device["DigitalOutput2"] is True
    assert device["SwitchOn"] is True


async def test_a_card_switches_but_a_read_only_key_does_not(
    face: httpx.AsyncClient,
    ann: SmartMeUser,
    card_for: CredentialMaker,
    api_key_for: CredentialMaker,
) -> None:
    guid = ann.meter("three_phase").guid
    body = {"DeviceID": guid, "Actions": [{"ObisCode": "63000C0003FF", "Value": 0}]}
    card = await card_for(ann)
    assert (await face.post("/smartme/Actions", headers=card, json=body)).status_code == 204
    reader = await api_key_for(ann, "device.read")
    refused = await face.post("/smartme/Actions", headers=reader, json=body)
    assert refused.status_code == 403
    assert refused.json() == {
        "Message": "These credentials grant none of the permissions "
        "device.readswitch device.readwrite."
    }


async def test_bad_actions_are_400_and_switch_nothing(
    face: httpx.AsyncClient, ann: SmartMeUser
) -> None:
    guid = ann.meter("three_phase").guid
    water = ann.meter("water").guid
    for body, words in (
        ({}, "DeviceID is required"),
        ({"DeviceID": guid}, "Actions must be a list"),
        ({"DeviceID": guid, "Actions": []}, "Actions must be a list"),
        ({"DeviceID": guid, "Actions": [1]}, "Each action"),
        ({"DeviceID": guid, "Actions": [{"Value": 1}]}, "ObisCode is required"),
        ({"DeviceID": guid, "Actions": [{"ObisCode": "1.8.0", "Value": 1}]}, "12 hexadecimal"),
        ({"DeviceID": guid, "Actions": [{"ObisCode": "63000C0000FF", "Value": 2}]}, "0 or 1"),
        ({"DeviceID": guid, "Actions": [{"ObisCode": "63000C0000FF"}]}, "Value must be a number"),
        ({"DeviceID": guid, "Actions": [{"ObisCode": "0100010800FF", "Value": 1}]}, "no action"),
        ({"DeviceID": water, "Actions": [{"ObisCode": "63000C0000FF", "Value": 0}]}, "no action"),
        ({"DeviceID": "nope", "Actions": [{"ObisCode": "63000C0000FF", "Value": 0}]}, "GUID"),
        (
            {
                "DeviceID": guid,
                "Actions": [
                    {"ObisCode": "63000C0001FF", "Value": 0},
                    {"ObisCode": "63000C0001FF", "Value": 7},
                ],
            },
            "0 or 1",
        ),
    ):
        response = await face.post("/smartme/Actions", headers=ann.basic, json=body)
        assert response.status_code == 400, body
        assert words in response.json()["Message"], (body, response.json())
    device = (await face.get(f"/smartme/Devices/{guid}", headers=ann.basic)).json()
    assert device["SwitchPhaseL1On"] is True  # the half-good request changed nothing
    not_json = await face.post(
        "/smartme/Actions", headers={**ann.basic, "Content-Type": "text/plain"}, content=b"x"
    )
    assert not_json.status_code == 415
    broken = await face.post(
        "/smartme/Actions",
        headers={**ann.basic, "Content-Type": "application/json"},
        content=b"{",
    )
    assert broken.status_code == 400
