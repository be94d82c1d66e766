"""``POST /MBus``: a meter's telegram becomes a reading of the caller's meter of that number,
made on its first telegram and typed by its medium; what each bad post gets (400, 401, 403)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from homecloud.apis.smartme import obis
from homecloud.apis.smartme.service import root_folder
from tests.apis.smartme.conftest import SmartMeUser, TokenMaker, UserMaker
from tests.apis.smartme.mbus_frames import EXAMPLE, meter_frame

PREFIXES = ("/smartme/api", "/smartme")


def water(litres: int, identification: int = 12345678) -> str:
    # DIF 04 (32-bit integer), VIF 13 (volume, litres)
    return meter_frame(identification, "PAD", 0x07, b"\x04\x13" + litres.to_bytes(4, "little"))


def heat(kwh: int, kw: int, flow_c_tenths: int) -> str:
    records = (
        b"\x04\x06"
        + kwh.to_bytes(4, "little")  # energy, kWh
        + b"\x02\x2e"
        + kw.to_bytes(2, "little")  # power, kW
        + b"\x02\x5a"
        + flow_c_tenths.to_bytes(2, "little")  # flow temperature, 0.1 °C
        + b"\x44\x06"
        + (kwh // 2).to_bytes(4, "little")  # the same energy, stored: left out
    )
    return meter_frame(87654321, "KAM", 0x04, records)


async def devices_by_serial(
    face: httpx.AsyncClient, user: SmartMeUser
) -> dict[int, dict[str, Any]]:
    listed = (await face.get("/smartme/api/Devices", headers=user.basic)).json()
    return {device["Serial"]: device for device in listed}


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_the_first_telegram_makes_the_meter_and_later_ones_add_readings(
    face: httpx.AsyncClient, make_user: UserMaker, prefix: str
) -> None:
    ann = await make_user()
    first = await face.post(
        f"{prefix}/MBus",
        headers=ann.basic,
        json={"Telegram": EXAMPLE, "Date": "2026-07-25T10:00:00Z"},
    )
    assert first.status_code == 200, first.text
    assert first.json() == {}
    meter = (await devices_by_serial(face, ann))[12345678]
    assert meter["Name"] == "PAD 12345678"
    assert (meter["DeviceEnergyType"], meter["MeterSubType"], meter["FamilyType"]) == (2, 5, 4)
    assert meter["CounterReading"] == 12.565
    assert meter["CounterReadingUnit"] == "m3"
    assert meter["ValueDate"] == "2026-07-25T10:00:00.0000000Z"

    later = await face.post(
        f"{prefix}/mbus",
        headers=ann.basic,
        data={"telegram": water(13000).replace(" ", ""), "date": "2026-07-25T11:00:00Z"},
    )
    assert later.status_code == 200, later.text
    devices = await devices_by_serial(face, ann)
    assert list(devices) == [12345678]  # the same meter, a newer reading
    assert devices[12345678]["CounterReading"] == 13.0
    values = (await face.get(f"{prefix}/Values/{meter['Id']}", headers=ann.basic)).json()
    assert {item["Obis"]: item["Value"] for item in values["Values"]} == {
        obis.WATER_VOLUME.hex: 13.0
    }
    past = await face.get(
        f"{prefix}/ValuesInPast/{meter['Id']}",
        params={"date": "2026-07-25T10:30:00Z"},
        headers=ann.basic,
    )
    assert past.json()["Values"] == [{"Obis": obis.WATER_VOLUME.hex, "Value": 12.565}]

    # A newer telegram may not count down.
    lower = await face.post(
        f"{prefix}/MBus",
        headers=ann.basic,
        json={"Telegram": water(12000), "Date": "2026-07-25T12:00:00Z"},
    )
    assert lower.status_code == 400
    assert "cannot go down" in lower.json()["Message"]


async def test_a_heat_meter_shows_its_energy_power_and_flow_temperature(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    ann = await make_user()
    posted = await face.post(
        "/smartme/api/MBus", headers=ann.basic, json={"Telegram": heat(1234, 7, 654)}
    )
    assert posted.status_code == 200, posted.text
    meter = (await devices_by_serial(face, ann))[87654321]
    assert (meter["DeviceEnergyType"], meter["MeterSubType"]) == (4, 2)
    assert meter["CounterReading"] == 1234.0
    assert meter["CounterReadingUnit"] == "kWh"
    assert meter["ActivePower"] == 7.0
    assert meter["Temperature"] == pytest.approx(65.4)
    folder = (
        await face.get(f"/smartme/api/Folder/{root_folder(ann.id)}", headers=ann.basic)
    ).json()
    assert folder["HeatCounterValue"] == 1234.0
    assert folder["HeatPower"] == 7.0
    counters = await face.get(
        f"/smartme/api/MeterValues/{meter['Id']}",
        params={"date": "2100-01-01"},
        headers=ann.basic,
    )
    assert counters.json()["CounterReading"] == 1234.0


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "Telegram is required"),
        ({"Telegram": 5}, "Telegram must be text"),
        ({"Telegram": "not hex"}, "hexadecimal"),
        ({"Telegram": EXAMPLE[:-2] + "17"}, "stop byte"),
        ({"Telegram": EXAMPLE.replace("18 16", "19 16")}, "checksum"),
        ({"Telegram": meter_frame(1, "ABC", 0x01, b"\x04\x13\x00\x00\x00\x00")}, "medium 01"),
        ({"Telegram": meter_frame(1, "ABC", 0x07, b"\x04\x6d\x00\x00\x00\x00")}, "no current"),
        ({"Telegram": meter_frame(1, "ABC", 0x07, b"", signature=b"\x01\x00")}, "encrypted"),
        ({"Telegram": EXAMPLE, "Date": "yesterday"}, "Date"),
    ],
)
async def test_a_bad_telegram_is_a_400_and_stores_nothing(
    face: httpx.AsyncClient, make_user: UserMaker, body: dict[str, object], words: str
) -> None:
    ann = await make_user()
    response = await face.post("/smartme/api/MBus", headers=ann.basic, json=body)
    assert response.status_code == 400, response.text
    assert words in response.json()["Message"]
    assert await devices_by_serial(face, ann) == {}


async def test_posting_needs_the_write_scope_and_another_users_serial_is_taken(
    face: httpx.AsyncClient, make_user: UserMaker, token_for: TokenMaker
) -> None:
    ann, bob = await make_user(), await make_user()
    body = {"Telegram": water(1000, identification=55500011)}
    assert (await face.post("/smartme/api/MBus", json=body)).status_code == 401
    reader = await token_for(ann, "device.read")
    refused = await face.post(
        "/smartme/api/MBus", headers={"Authorization": f"Bearer {reader}"}, json=body
    )
    assert refused.status_code == 403
    assert (await face.post("/smartme/api/MBus", headers=bob.basic, json=body)).status_code == 200
    taken = await face.post("/smartme/api/MBus", headers=ann.basic, json=body)
    assert taken.status_code == 400
    assert "taken" in taken.json()["Message"]
    assert await devices_by_serial(face, ann) == {}
    # A meter of the caller's own with that serial that is not this M-Bus meter: 400.
    made = await face.post(
        "/smartme/api/Devices",
        headers=ann.basic,
        json={"Name": "posted", "Serial": 55500022, "DeviceEnergyType": "MeterTypeWater"},
    )
    assert made.status_code == 200, made.text
    clash = await face.post(
        "/smartme/api/MBus",
        headers=ann.basic,
        json={"Telegram": water(1000, identification=55500022)},
    )
    assert clash.status_code == 400
    assert "not this M-Bus meter" in clash.json()["Message"]
