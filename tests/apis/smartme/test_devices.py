"""``/Devices`` and its siblings on both hosts' paths: the captured wire format (PascalCase,
integer enums, nulls left out, seven-digit ValueDate), creating and updating meters, the
legacy switch, lookups by serial, energy type and sub-type, and users kept apart."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.apis.smartme.conftest import SmartMeUser, UserMaker

PREFIXES = ("/smartme/api", "/smartme")
VALUE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$")


@pytest.fixture
async def ann(make_user: UserMaker) -> SmartMeUser:
    return await make_user("three_phase", "single_phase", "water", "gas", "charging_station")


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_devices_lists_every_meter_in_the_captured_format(
    face: httpx.AsyncClient, ann: SmartMeUser, prefix: str
) -> None:
    response = await face.get(f"{prefix}/Devices", headers=ann.basic)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    devices = {device["Id"]: device for device in response.json()}
    assert set(devices) == {meter.guid for meter in ann.meters.values()}
    house = devices[ann.meter("three_phase").guid]
    assert (house["DeviceEnergyType"], house["MeterSubType"], house["FamilyType"]) == (1, 4, 12)
    assert house["Serial"] == ann.meter("three_phase").serial
    assert house["ActivePowerUnit"] == "kW"
    assert house["CounterReadingUnit"] == "kWh"
    assert VALUE_DATE.match(house["ValueDate"])
    assert house["ValueDate"] == "2026-07-25T12:00:00.0000000Z"
    assert house["SwitchOn"] is True
    assert house["SwitchPhaseL2On"] is True
    assert house["CounterReading"] >= 6330.412
    assert all(value is not None for value in house.values())
    water = devices[ann.meter("water").guid]
    assert (water["DeviceEnergyType"], water["MeterSubType"]) == (2, 5)
    assert water["CounterReadingUnit"] == "m3"
    assert water["ActivePowerUnit"] == "m3/h"
    # Nulls are left out: a water meter has no voltage, no switch.
    assert "Voltage" not in water
    assert "SwitchOn" not in water
    assert "ActivePowerL1" not in water
    station = devices[ann.meter("charging_station").guid]
    assert station["MeterSubType"] == 3
    single = devices[ann.meter("single_phase").guid]
    assert single["FamilyType"] == 14
    assert "ActivePowerL2" not in single
    assert "SwitchPhaseL1On" not in single
    assert single["SwitchOn"] is True


@pytest.mark.parametrize("path", ["/smartme/api/Devices/{id}", "/smartme/DEVICES/{id}/"])
async def test_one_device_by_id_in_any_case(
    face: httpx.AsyncClient, ann: SmartMeUser, path: str
) -> None:
    guid = ann.meter("gas").guid
    for written in (guid, guid.upper(), "{" + guid + "}", guid.replace("-", "")):
        response = await face.get(path.format(id=written), headers=ann.basic)
        assert response.status_code == 200, written
        assert response.json()["Id"] == guid
        assert response.json()["DeviceEnergyType"] == 3


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_device_by_serial_energy_and_sub_type(
    face: httpx.AsyncClient, ann: SmartMeUser, prefix: str
) -> None:
    serial = ann.meter("water").serial
    by_serial = await face.get(
        f"{prefix}/DeviceBySerial", params={"serial": serial}, headers=ann.basic
    )
    assert by_serial.status_code == 200
    assert by_serial.json()["Id"] == ann.meter("water").guid
    # Query parameter names match in any case, as ASP.NET binds them.
    upper = await face.get(f"{prefix}/devicebyserial?SERIAL={serial}", headers=ann.basic)
    assert upper.json()["Id"] == ann.meter("water").guid
    for given in ("MeterTypeElectricity", "metertypeelectricity", "1"):
        response = await face.get(
            f"{prefix}/DevicesByEnergy", params={"meterEnergyType": given}, headers=ann.basic
        )
        assert response.status_code == 200
        assert {d["Id"] for d in response.json()} == {
            ann.meter(f).guid for f in ("three_phase", "single_phase", "charging_station")
        }
    stations = await face.get(
        f"{prefix}/DevicesBySubType",
        params={"meterSubType": "MeterSubTypeChargingStation"},
        headers=ann.basic,
    )
    assert [d["Id"] for d in stations.json()] == [ann.meter("charging_station").guid]
    none = await face.get(
        f"{prefix}/DevicesByEnergy", params={"meterEnergyType": "MeterTypeHeat"}, headers=ann.basic
    )
    assert none.json() == []


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_post_devices_creates_then_updates_a_meter(
    face: httpx.AsyncClient, make_user: UserMaker, prefix: str
) -> None:
    bob = await make_user()
    created = await face.post(
        f"{prefix}/Devices",
        headers=bob.basic,
        json={
            "Name": "PV Wechselrichter",
            "Serial": 123456789,
            "DeviceEnergyType": "MeterTypeElectricity",
            "ActivePower": 3.2,
            "CounterReading": 15020.5,
            "ValueDate": "2025-01-10T11:00:00Z",
        },
    )
    assert created.status_code == 200, created.text
    body = created.json()
    guid = body["Id"]
    assert body["DeviceEnergyType"] == 1
    assert body["Serial"] == 123456789
    assert body["ValueDate"] == "2025-01-10T11:00:00.0000000Z"
    device = (await face.get(f"{prefix}/Devices/{guid}", headers=bob.basic)).json()
    assert device["Name"] == "PV Wechselrichter"
    assert device["ActivePower"] == 3.2
    assert device["CounterReading"] == 15020.5
    assert device["FamilyType"] == 20  # RestApiMeter
    # An update names the meter by Id; enums by number work too; the form binds as JSON does.
    updated = await face.post(
        f"{prefix}/Devices",
        headers=bob.basic,
        data={"id": guid, "name": "PV", "CounterReading": "15030.25", "DeviceEnergyType": "1"},
    )
    assert updated.status_code == 200, updated.text
    device = (await face.get(f"{prefix}/Devices/{guid}", headers=bob.basic)).json()
    assert device["Name"] == "PV"
    assert device["CounterReading"] == 15030.25
    assert device["ActivePower"] == 3.2  # a value not posted keeps its last value
    values = (await face.get(f"{prefix}/Values/{guid}", headers=bob.basic)).json()
    assert {"Obis": "0100010800FF", "Value": 15030250.0} in values["Values"]
    # Counters only increase.
    lower = await face.post(
        f"{prefix}/Devices", headers=bob.basic, json={"Id": guid, "CounterReading": 1.0}
    )
    assert lower.status_code == 400
    assert "cannot go down" in lower.json()["Message"]


async def test_post_devices_refusals(face: httpx.AsyncClient, make_user: UserMaker) -> None:
    bob = await make_user("water")
    cases = [
        ({"Name": "x"}, "DeviceEnergyType is required"),
        ({"DeviceEnergyType": "MeterTypeNothing"}, "is not a DeviceEnergyType"),
        ({"DeviceEnergyType": 99}, "is not a DeviceEnergyType"),
        ({"DeviceEnergyType": True}, "DeviceEnergyType"),
        ({"DeviceEnergyType": 1, "Serial": bob.meter("water").serial}, "is taken"),
        ({"DeviceEnergyType": 1, "Serial": -1}, "Serial"),
        ({"DeviceEnergyType": 1, "ActivePower": "lots"}, "ActivePower must be a number"),
        ({"DeviceEnergyType": 1, "ActivePower": 1e300}, "ActivePower must be a number"),
        ({"DeviceEnergyType": 1, "ValueDate": "yesterday"}, "not a date"),
        ({"Id": "not-a-guid"}, "not a GUID"),
        ({"Id": bob.meter("water").guid, "DeviceEnergyType": 1}, "cannot change"),
        ({"Id": bob.meter("water").guid, "Serial": 1}, "Serial cannot change"),
    ]
    for body, words in cases:
        response = await face.post("/smartme/Devices", headers=bob.basic, json=body)
        assert response.status_code == 400, body
        assert words in response.json()["Message"], (body, response.json())
    unknown = await face.post(
        "/smartme/Devices",
        headers=bob.basic,
        json={"Id": "3bd0fce9-9f8e-4183-b3d1-0c1622a22ca1", "Name": "x"},
    )
    assert unknown.status_code == 404
    devices = (await face.get("/smartme/Devices", headers=bob.basic)).json()
    assert len(devices) == 1  # nothing half-made


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_legacy_put_switches_the_meter(
    face: httpx.AsyncClient, ann: SmartMeUser, prefix: str
) -> None:
    guid = ann.meter("three_phase").guid
    off = await face.put(
        f"{prefix}/Devices/{guid}",
        params={"switchState": "false", "switchNumber": 2},
        headers=ann.basic,
    )
    assert off.status_code == 200
    assert off.json() == {}
    device = (await face.get(f"{prefix}/Devices/{guid}", headers=ann.basic)).json()
    assert device["SwitchPhaseL2On"] is False
    assert device["SwitchOn"] is False
    assert device["ActivePowerL2"] == 0.0
    assert device["CurrentL2"] == 0.0
    assert device["SwitchPhaseL1On"] is True
    on = await face.put(f"{prefix}/Devices/{guid}?SwitchState=True", headers=ann.basic)
    assert on.status_code == 200
    device = (await face.get(f"{prefix}/Devices/{guid}", headers=ann.basic)).json()
    assert device["SwitchOn"] is True
    assert device["SwitchPhaseL2On"] is True
    for query, words in (
        ("", "switchState is required"),
        ("?switchState=maybe", "true or false"),
        ("?switchState=true&switchNumber=4", "switchNumber"),
    ):
        response = await face.put(f"{prefix}/Devices/{guid}{query}", headers=ann.basic)
        assert response.status_code == 400, query
        assert words in response.json()["Message"], query
    water = await face.put(
        f"{prefix}/Devices/{ann.meter('water').guid}?switchState=false", headers=ann.basic
    )
    assert water.status_code == 400
    assert "no action" in water.json()["Message"]


async def test_users_never_see_each_others_meters(
    face: httpx.AsyncClient, ann: SmartMeUser, make_user: UserMaker
) -> None:
    eve = await make_user("water")
    theirs = ann.meter("three_phase")
    listed = (await face.get("/smartme/Devices", headers=eve.basic)).json()
    assert [device["Id"] for device in listed] == [eve.meter("water").guid]
    for method, path in (
        ("GET", f"/smartme/Devices/{theirs.guid}"),
        ("GET", f"/smartme/DeviceBySerial?serial={theirs.serial}"),
        ("GET", f"/smartme/Values/{theirs.guid}"),
        ("GET", f"/smartme/ValuesInPast/{theirs.guid}?date=2026-07-25T12:00:00Z"),
        ("GET", f"/smartme/MeterValues/{theirs.guid}?date=2026-07-25T12:00:00Z"),
        ("GET", f"/smartme/Actions/{theirs.guid}"),
        ("GET", f"/smartme/AdditionalDeviceInformation/{theirs.guid}"),
        ("GET", f"/smartme/Folder/{theirs.guid}"),
        ("GET", f"/smartme/CustomDevice/{theirs.guid}"),
        ("PUT", f"/smartme/Devices/{theirs.guid}?switchState=false"),
    ):
        response = await face.request(method, path, headers=eve.basic)
        assert response.status_code == 404, path
        assert set(response.json()) == {"Message"}
    switched = await face.post(
        "/smartme/Actions",
        headers=eve.basic,
        json={"DeviceID": theirs.guid, "Actions": [{"ObisCode": "63000C0000FF", "Value": 0}]},
    )
    assert switched.status_code == 404
    renamed = await face.post(
        "/smartme/Devices", headers=eve.basic, json={"Id": theirs.guid, "Name": "mine"}
    )
    assert renamed.status_code == 404
    mine = (await face.get(f"/smartme/Devices/{theirs.guid}", headers=ann.basic)).json()
    assert mine["Name"] == "House"
    assert mine["SwitchOn"] is True


async def test_unknown_methods_are_405_in_the_vendor_shape(
    face: httpx.AsyncClient, ann: SmartMeUser
) -> None:
    response = await face.delete("/smartme/api/Devices", headers=ann.basic)
    assert response.status_code == 405
    assert set(response.json()) == {"Message"}
    missing = await face.get("/smartme/api/NoSuchThing", headers=ann.basic)
    assert missing.status_code == 404
    assert set(missing.json()) == {"Message"}
