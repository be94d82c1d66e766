"""OBIS-coded values: the latest (``Values``), the last before a date (``ValuesInPast``,
``MeterValues``) and a period (``ValuesInPastMultiple``, at most 1,000 values)."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from homecloud.apis.smartme import obis
from tests.apis.smartme.conftest import SmartMeUser, UserMaker

PREFIXES = ("/smartme/api", "/smartme")
HEX = re.compile(r"^[0-9A-F]{12}$")


@pytest.fixture
async def ann(make_user: UserMaker) -> SmartMeUser:
    # Readings every 15 minutes from 10:00 to 12:00 UTC on 2026-07-25.
    return await make_user("three_phase", "water")


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_values_are_the_latest_reading_in_obis_codes(
    face: httpx.AsyncClient, ann: SmartMeUser, prefix: str
) -> None:
    guid = ann.meter("three_phase").guid
    response = await face.get(f"{prefix}/Values/{guid}", headers=ann.basic)
    assert response.status_code == 200
    body = response.json()
    assert body["DeviceId"] == guid
    assert body["Date"] == "2026-07-25T12:00:00.0000000Z"
    values = {item["Obis"]: item["Value"] for item in body["Values"]}
    assert all(HEX.match(code) for code in values)
    for code in (obis.ENERGY_IMPORT, obis.ENERGY_EXPORT, obis.POWER_L1, obis.VOLTAGE_L3):
        assert code.hex in values
    # Midday in July with 8 kW of PV: the house exports, the signed total is negative.
    assert values[obis.POWER_EXPORT.hex] > 0
    assert values[obis.POWER_TOTAL.hex] == -values[obis.POWER_EXPORT.hex]
    device = (await face.get(f"{prefix}/Devices/{guid}", headers=ann.basic)).json()
    assert device["CounterReadingExport"] == pytest.approx(values[obis.ENERGY_EXPORT.hex] / 1000)
    water = (await face.get(f"{prefix}/Values/{ann.meter('water').guid}", headers=ann.basic)).json()
    assert {item["Obis"] for item in water["Values"]} == {
        obis.WATER_VOLUME.hex,
        obis.WATER_FLOW.hex,
    }


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_values_in_past_and_meter_values_take_the_last_reading_before_the_date(
    face: httpx.AsyncClient, ann: SmartMeUser, prefix: str
) -> None:
    guid = ann.meter("three_phase").guid
    for date, expected in (
        ("2026-07-25T11:00:00Z", "2026-07-25T10:45:00.0000000Z"),
        ("2026-07-25T11:00:00.0000010Z", "2026-07-25T11:00:00.0000000Z"),
        ("2026-07-25T13:07:00+02:00", "2026-07-25T11:00:00.0000000Z"),
        ("2026-07-25 11:07", "2026-07-25T11:00:00.0000000Z"),  # no zone: UTC
        ("2030-01-01", "2026-07-25T12:00:00.0000000Z"),
    ):
        past = await face.get(
            f"{prefix}/ValuesInPast/{guid}", params={"date": date}, headers=ann.basic
        )
        assert past.status_code == 200, date
        assert past.json()["Date"] == expected, date
        counters = await face.get(
            f"{prefix}/MeterValues/{guid}", params={"DATE": date}, headers=ann.basic
        )
        assert counters.status_code == 200
        body = counters.json()
        assert body["Date"] == expected
        assert body["Id"] == guid
        assert body["Serial"] == ann.meter("three_phase").serial
        assert body["CounterReadingUnit"] == "kWh"
        assert body["CounterReadingImport"] == body["CounterReading"]
        assert body["CounterReadingExport"] > 0
    before = await face.get(
        f"{prefix}/ValuesInPast/{guid}", params={"date": "2026-07-25T10:00:00Z"}, headers=ann.basic
    )
    assert before.status_code == 404
    assert before.json() == {"Message": "The device has no values before this date."}


async def test_counters_never_go_down_over_the_period(
    face: httpx.AsyncClient, ann: SmartMeUser
) -> None:
    guid = ann.meter("three_phase").guid
    response = await face.get(
        f"/smartme/ValuesInPastMultiple/{guid}",
        params={"startDate": "2026-07-25T10:00:00Z", "endDate": "2026-07-25T12:00:00Z"},
        headers=ann.basic,
    )
    assert response.status_code == 200
    readings = response.json()
    assert [r["Date"][11:16] for r in readings] == [
        "10:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30", "11:45", "12:00"
    ]  # fmt: skip
    for code in obis.COUNTERS:
        series = [{v["Obis"]: v["Value"] for v in r["Values"]}.get(code) for r in readings]
        known = [value for value in series if value is not None]
        assert known == sorted(known), code


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_values_in_past_multiple_samples_each_interval(
    face: httpx.AsyncClient, ann: SmartMeUser, prefix: str
) -> None:
    guid = ann.meter("three_phase").guid
    response = await face.get(
        f"{prefix}/ValuesInPastMultiple/{guid}",
        params={
            "startDate": "2026-07-25T10:00:00Z",
            "endDate": "2026-07-25T12:00:00Z",
            "interval": "40",
        },
        headers=ann.basic,
    )
    assert response.status_code == 200
    # Slots end at 10:00, 10:40, 11:20 and 12:00; each holds the last reading up to its end.
    assert [r["Date"][11:16] for r in response.json()] == ["10:00", "10:30", "11:15", "12:00"]
    empty = await face.get(
        f"{prefix}/ValuesInPastMultiple/{guid}",
        params={"startDate": "2020-01-01T00:00:00Z", "endDate": "2020-01-02T00:00:00Z"},
        headers=ann.basic,
    )
    assert empty.json() == []


async def test_values_in_past_multiple_refuses_more_than_1000_values(
    face: httpx.AsyncClient, ann: SmartMeUser
) -> None:
    guid = ann.meter("water").guid
    base = {"startDate": "2026-01-01T00:00:00Z"}
    ok = await face.get(
        f"/smartme/ValuesInPastMultiple/{guid}",
        params={**base, "endDate": "2026-01-01T16:39:00Z", "interval": 1},
        headers=ann.basic,
    )
    assert ok.status_code == 200  # 1,000 slots
    for params in (
        {**base, "endDate": "2026-01-01T16:40:00Z", "interval": 1},  # 1,001 slots
        {**base, "endDate": "2027-01-01T00:00:00Z", "interval": 15},
    ):
        response = await face.get(
            f"/smartme/ValuesInPastMultiple/{guid}", params=params, headers=ann.basic
        )
        assert response.status_code == 400
        assert "at most 1000 values" in response.json()["Message"]


async def test_values_in_past_multiple_with_interval_0_counts_the_readings(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    bob = await make_user()
    created = await face.post(
        "/smartme/Devices",
        headers=bob.basic,
        json={"DeviceEnergyType": 1, "CounterReading": 0, "ValueDate": "2026-01-01T00:00:00Z"},
    )
    guid = created.json()["Id"]
    for second in range(1, 1001):
        minutes, seconds = divmod(second, 60)
        response = await face.post(
            "/smartme/Devices",
            headers=bob.basic,
            json={
                "Id": guid,
                "CounterReading": second,
                "ValueDate": f"2026-01-01T00:{minutes:02d}:{seconds:02d}Z",
            },
        )
        assert response.status_code == 200
    params = {"startDate": "2026-01-01T00:00:00Z", "endDate": "2026-01-01T00:16:39Z"}
    exactly = await face.get(
        f"/smartme/ValuesInPastMultiple/{guid}", params=params, headers=bob.basic
    )
    assert len(exactly.json()) == 1000
    params["endDate"] = "2026-01-01T00:16:40Z"
    too_many = await face.get(
        f"/smartme/ValuesInPastMultiple/{guid}", params=params, headers=bob.basic
    )
    assert too_many.status_code == 400


async def test_value_routes_refuse_bad_parameters(
    face: httpx.AsyncClient, ann: SmartMeUser
) -> None:
    guid = ann.meter("three_phase").guid
    for path, words in (
        ("/smartme/Values/12345", "not a GUID"),
        (f"/smartme/ValuesInPast/{guid}", "date is required"),
        (f"/smartme/ValuesInPast/{guid}?date=25.07.2026", "not a date"),
        (f"/smartme/ValuesInPast/{guid}?date=2026-02-30T00:00:00Z", "no such date"),
        (f"/smartme/ValuesInPast/{guid}?date=2026-01-01&date=2026-01-02", "more than once"),
        (f"/smartme/MeterValues/{guid}?date=%EF%BC%92026-01-01", "not a date"),
        (f"/smartme/ValuesInPastMultiple/{guid}?startDate=2026-01-01", "endDate is required"),
        (
            f"/smartme/ValuesInPastMultiple/{guid}?startDate=2026-01-02&endDate=2026-01-01",
            "endDate lies before startDate",
        ),
        (
            f"/smartme/ValuesInPastMultiple/{guid}?startDate=2026-01-01&endDate=2026-01-02"
            "&interval=-5",
            "interval",
        ),
        (
            f"/smartme/ValuesInPastMultiple/{guid}?startDate=2026-01-01&endDate=2026-01-02"
            "&interval=1.5",
            "interval",
        ),
    ):
        response = await face.get(path, headers=ann.basic)
        assert response.status_code == 400, path
        assert words in response.json()["Message"], (path, response.json())


@pytest.mark.parametrize(
    "path",
    [
        "/smartme/Devices/{id}",
        "/smartme/CustomDevice/{id}",
        "/smartme/Values/{id}",
        "/smartme/ValuesInPast/{id}?date=2026-01-01T00:00:00Z",
        "/smartme/ValuesInPastMultiple/{id}?startDate=2026-01-01&endDate=2026-01-02",
        "/smartme/MeterValues/{id}?date=2026-01-01T00:00:00Z",
        "/smartme/Actions/{id}",
        "/smartme/AdditionalDeviceInformation/{id}",
        "/smartme/Folder/{id}",
        "/smartme/RegisterForRealtimeApi/{id}",
    ],
)
async def test_every_path_id_is_read_one_way(
    face: httpx.AsyncClient, ann: SmartMeUser, path: str
) -> None:
    """The path's {id} is parsed where it enters (routes.common.PathGuid): no credentials is
    401 whatever the id, a text that is no GUID is 400, a GUID of no meter of the caller's
    is 404, all in smart-me's shape."""
    anonymous = await face.get(path.format(id="12345"))
    assert anonymous.status_code == 401, path
    bad = await face.get(path.format(id="12345"), headers=ann.basic)
    assert bad.status_code == 400, path
    assert "not a GUID" in bad.json()["Message"]
    missing = await face.get(path.format(id=uuid.uuid4()), headers=ann.basic)
    assert missing.status_code == 404, path
    assert set(missing.json()) == {"Message"}


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_fast_send_is_204_for_the_callers_meter_only(
    face: httpx.AsyncClient, ann: SmartMeUser, make_user: UserMaker, prefix: str
) -> None:
    guid = ann.meter("three_phase").guid
    sent = await face.get(f"{prefix}/FastSendDeviceValues/{guid}", headers=ann.basic)
    assert sent.status_code == 204
    assert sent.content == b""
    bob = await make_user()
    for headers, status in ((bob.basic, 404), ({}, 401)):
        refused = await face.get(f"{prefix}/fastsenddevicevalues/{guid}", headers=headers)
        assert refused.status_code == status
        assert "Message" in refused.json()
    bad = await face.get(f"{prefix}/FastSendDeviceValues/not-a-guid", headers=ann.basic)
    assert bad.status_code == 400
    assert "Message" in bad.json()
