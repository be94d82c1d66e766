"""v2: the same thermostats as v1, its own shape, and the Mode endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.apis.nuheat.conftest import UserMaker

V1 = "/nuheat/api/v1/Thermostat"
V2 = "/nuheat/api/v2/Thermostat"
MODE = "/nuheat/api/v2/Mode"


async def test_v2_lists_the_same_thermostats_in_its_own_shape(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user()
    v1 = (await face.get(V1, headers=account.auth)).json()
    v2 = (await face.get(V2, headers=account.auth)).json()
    assert [t["serialNumber"] for t in v2] == [t["serialNumber"] for t in v1]
    assert set(v2[0]) == {
        "serialNumber",
        "name",
        "currentTemperature",
        "online",
        "isHeating",
        "setPointTemperature",
        "holdUntil",
        "mode",
        "errorState",
    }
    for one, two in zip(v1, v2, strict=True):
        assert two["setPointTemperature"] == one["setPointTemp"]
        assert two["currentTemperature"] == one["currentTemperature"]
        assert two["mode"] == 1
    single = await face.get(f"{V2}/{account.serials[1]}", headers=account.auth)
    assert single.json()["serialNumber"] == account.serials[1]


async def test_v2_of_a_user_without_thermostats_is_an_empty_list(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user(thermostats=0)
    response = await face.get(V2, headers=account.auth)
    assert (response.status_code, response.json()) == (200, [])


async def test_hold_then_auto_as_v1_sees_them(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user()
    serial = account.serials[0]
    until = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    hold = await face.put(
        f"{MODE}/Hold",
        json={"serialNumber": serial, "temperature": 2500, "holdUntil": until.isoformat()},
        headers=account.auth,
    )
    assert hold.status_code == 204
    v2 = (await face.get(f"{V2}/{serial}", headers=account.auth)).json()
    assert (v2["mode"], v2["setPointTemperature"]) == (2, 2500)
    assert datetime.fromisoformat(v2["holdUntil"]) == until
    v1 = (await face.get(f"{V1}/{serial}", headers=account.auth)).json()
    assert (v1["scheduleMode"], v1["setPointTemp"]) == (2, 2500)
    assert v1["holdSetPointDateTime"] == until.strftime("%Y-%m-%dT%H:%M:%SZ")
    auto = await face.put(f"{MODE}/Auto", json={"serialNumber": serial}, headers=account.auth)
    assert auto.status_code == 204
    v1 = (await face.get(f"{V1}/{serial}", headers=account.auth)).json()
    assert (v1["scheduleMode"], v1["operatingMode"], v1["holdSetPointDateTime"]) == (1, 1, None)


async def test_manual_turns_the_schedule_off_and_v1_updates_only_change_its_set_point(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user()
    serial = account.serials[0]
    manual = await face.put(
        f"{MODE}/Manual", json={"serialNumber": serial, "temperature": 2300}, headers=account.auth
    )
    assert manual.status_code == 204
    v1 = (await face.get(f"{V1}/{serial}", headers=account.auth)).json()
    assert (v1["operatingMode"], v1["setPointTemp"]) == (2, 2300)
    assert (await face.get(f"{V2}/{serial}", headers=account.auth)).json()["mode"] == 3
    # In Manual, scheduleMode and the hold time of a v1 update are ignored.
    put = await face.put(
        V1,
        json={"serialNumber": serial, "setPointTemp": 2600, "scheduleMode": 1},
        headers=account.auth,
    )
    assert put.status_code == 204
    v1 = (await face.get(f"{V1}/{serial}", headers=account.auth)).json()
    assert (v1["operatingMode"], v1["scheduleMode"], v1["setPointTemp"]) == (2, 1, 2600)


async def test_a_relative_temperature_is_added_to_the_current_one(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user()
    serial = account.serials[0]
    response = await face.put(
        f"{MODE}/Manual",
        json={"serialNumber": serial, "temperature": 150, "temperatureType": 1},
        headers=account.auth,
    )
    assert response.status_code == 204
    v2 = (await face.get(f"{V2}/{serial}", headers=account.auth)).json()
    assert v2["setPointTemperature"] == v2["currentTemperature"] + 150


async def test_bad_mode_requests(face: httpx.AsyncClient, make_user: UserMaker) -> None:
    account = await make_user()
    serial = account.serials[0]
    empty = await face.put(f"{MODE}/Auto", json={"serialNumber": ""}, headers=account.auth)
    assert empty.status_code == 400
    assert empty.json()["messages"]
    kind = await face.put(
        f"{MODE}/Hold",
        json={"serialNumber": serial, "temperature": 2000, "temperatureType": 5},
        headers=account.auth,
    )
    assert kind.json() == {"messages": ["temperatureType must be 0 (absolute) or 1 (relative)."]}
    unknown = await face.put(
        f"{MODE}/Auto", json={"serialNumber": "12345678"}, headers=account.auth
    )
    assert unknown.status_code == 404
    mode = await face.put(f"{MODE}/Away", json={"serialNumber": serial}, headers=account.auth)
    assert mode.status_code in (404, 405)


async def test_v2_account(face: httpx.AsyncClient, make_user: UserMaker) -> None:
    account = await make_user()
    response = await face.get("/nuheat/api/v2/account", headers=account.auth)
    assert response.json() == {
        "userName": account.email,
        "temperatureScale": "Celsius",
        "language": "en",
    }
