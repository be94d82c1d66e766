"""Geofences, schedules, thermostat modes and heating profiles: shapes, query options on
their collections, and what bad bodies and other users' controllers get."""

from __future__ import annotations

import orjson

from homecloud.apis.mclimate import repository
from homecloud.apis.mclimate.demo import geofence
from homecloud.services import Services
from tests.apis.mclimate.conftest import Api, Login, assert_problem

SCHEDULE = {"days": "1111100", "from_time": 650, "to_time": 1020, "action": "command"}


async def add_geofence(services: Services, api: Api, serial: str) -> None:
    row = await repository.controller(services.database, api.user.id, serial)
    assert row is not None
    async with services.database.session(write=True) as session:
        await repository.add_record(
            session, api.user.id, repository.GEOFENCE, row.id, geofence(api.user.id, serial)
        )


async def test_geofences_link_per_item(login: Login, services: Services) -> None:
    api = await login("melissa", "melissa")
    for serial in api.user.serials["melissa"]:
        await add_geofence(services, api, serial)
    others = await login("melissa")
    await add_geofence(services, others, others.user.serial())
    body = (await api.get("/geofences")).json()
    assert body["total"] == 2
    items = body["_embedded"]["geofence"]
    assert [item["controller_id"] for item in items] == api.user.serials["melissa"]
    first = items[0]
    assert first["_links"] == {"self": {"href": f"/v1/geofences/{first['id']}"}}
    assert isinstance(first["enter_command_fields"], str)
    assert orjson.loads(first["enter_command_fields"])["mode"] == "3"
    one = (await api.get(f"/geofences/{first['id']}")).json()
    assert one["geofence"]["controller_id"] == first["controller_id"]
    assert one["_links"] == {"self": {"href": f"/v1/geofences/{first['id']}"}}
    serial = api.user.serials["melissa"][1]
    filtered = (await api.get("/geofences", controller_id=serial, fields="id,radius")).json()
    assert filtered["total"] == 1
    assert set(filtered["_embedded"]["geofence"][0]) == {"id", "radius", "_links"}
    ordered = (await api.get("/geofences", sort="-id", limit="1")).json()
    assert ordered["_embedded"]["geofence"][0]["controller_id"] == serial
    assert ordered["_links"]["next"] == {"href": "/v1/geofences?sort=-id&limit=1&page=2"}
    picked = (await api.get(f"/geofences/{first['id']}", fields="radius,active")).json()
    assert set(picked["geofence"]) == {"radius", "active"}
    assert_problem(await api.get(f"/geofences/{first['id']}", fields="colour"), 400, '"colour"')
    assert_problem(await api.get(f"/geofences/{first['id']}", sort="id"), 400)
    assert_problem(await api.get("/geofences", foo="1"), 400, '"foo"')
    theirs = (await others.get("/geofences")).json()["_embedded"]["geofence"][0]["id"]
    assert_problem(await api.get(f"/geofences/{theirs}"), 404)
    assert_problem(await api.get("/geofences/abc"), 404)


async def test_schedules_add_and_list(login: Login) -> None:
    api = await login("smart_plug", "melissa")
    serial = api.user.serial("smart_plug")
    answer = await api.post(
        "/schedules", {**SCHEDULE, "controller_id": serial, "target": "1", "push": 1, "x": 2}
    )
    assert answer.status_code == 201, answer.text
    saved = answer.json()["schedules"]
    controller_id = (await api.get(f"/controllers/{serial}")).json()["controller"]["id"]
    assert saved["controller_id"] == controller_id
    assert saved["from_time"] == "10:50:00"
    assert saved["to_time"] == "17:00:00"
    assert saved["target"] == 1
    assert saved["default_state"] == "do_nothing"
    assert saved["user_time_offset"] == 0
    assert isinstance(saved["id"], int)
    await api.post("/schedules", {**SCHEDULE, "controller_id": serial, "days": "0000011"})
    await api.post("/schedules", {**SCHEDULE, "controller_id": api.user.serial()})
    listed = (await api.get(f"/schedules/{serial}")).json()
    assert listed["total"] == 2
    assert listed["_links"]["self"] == {"href": f"/v1/schedules/{serial}"}
    weekend = (await api.get(f"/schedules/{serial}", days="0000011")).json()
    assert [item["days"] for item in weekend["_embedded"]["schedules"]] == ["0000011"]
    combined = (
        await api.get(f"/schedules/{serial}", active="1", sort="-days", limit="1", fields="days")
    ).json()
    assert combined["total"] == 2
    assert combined["_embedded"]["schedules"] == [
        {"days": "1111100", "_links": {"self": {"href": f"/v1/schedules/{serial}"}}}
    ]
    assert combined["_links"]["next"]["href"].endswith("&page=2")
    assert_problem(await api.get(f"/schedules/{serial}", colour="red"), 400, '"colour"')
    assert_problem(await api.get(f"/schedules/{serial}", target="warm"), 400, "target")


async def test_schedule_bodies_that_are_refused(login: Login) -> None:
    api = await login("melissa")
    serial = api.user.serial()
    for body, status, field in (
        ({**SCHEDULE}, 400, "controller_id"),
        ({**SCHEDULE, "controller_id": serial, "days": "11111"}, 422, "days"),
        ({**SCHEDULE, "controller_id": serial, "days": "1111102"}, 422, "days"),
        ({**SCHEDULE, "controller_id": serial, "from_time": 1440}, 422, "from_time"),
        ({**SCHEDULE, "controller_id": serial, "to_time": "late"}, 400, "to_time"),
        ({**SCHEDULE, "controller_id": serial, "default_state": "maybe"}, 422, "default_state"),
        ({**SCHEDULE, "controller_id": "NOPE"}, 404, "Controller"),
    ):
        assert_problem(await api.post("/schedules", body), status, field)
    assert (await api.get(f"/schedules/{serial}")).json()["total"] == 0


async def test_thermostat_mode_one_per_controller(login: Login) -> None:
    api = await login("smart_plug", "melissa")
    serial = api.user.serial("smart_plug")
    body = {
        "serial_number": serial,
        "sensor_id": api.user.serial(),
        "target_temperature": "21.5",
        "delta": 0.5,
        "active": 1,
        "state": "on",
        "default_state": "off",
        "push": 0,
    }
    first = await api.post("/thermostat_mode", body)
    assert first.status_code == 201, first.text
    mode = first.json()["thermostat_mode"]
    assert mode["target_temperature"] == 21.5
    assert mode["user_id"] == api.user.id
    assert (
        mode["controller_id"]
        == (await api.get(f"/controllers/{serial}")).json()["controller"]["id"]
    )
    again = (await api.post("/thermostat_mode", {**body, "target_temperature": 19})).json()
    assert again["thermostat_mode"]["id"] == mode["id"]
    assert again["thermostat_mode"]["target_temperature"] == 19
    assert_problem(
        await api.post("/thermostat_mode", {**body, "target_temperature": 40}),
        422,
        "target_temperature",
    )
    assert_problem(await api.post("/thermostat_mode", {**body, "delta": -1}), 422, "delta")
    assert_problem(
        await api.post("/thermostat_mode", {"serial_number": serial}), 400, "target_temperature"
    )


async def test_schedule_profiles_and_assigning_controllers(login: Login) -> None:
    api = await login("vicki", "vicki")
    other = await login("vicki")
    made = await api.post(
        "/schedule-profile",
        {
            "name": "Office hours",
            "room_id": 3,
            "is_default": 0,
            "editable": 1,
            "boost_time": 30,
            "schedules": [{"day": 1, "from": "08:00", "to": "17:00", "target": 21}],
        },
    )
    assert made.status_code == 201, made.text
    profile = made.json()["schedule_profiles"]
    assert profile["controller_ids"] == []
    assert profile["room_id"] == 3
    ids = [item["id"] for item in (await api.get("/controllers")).json()["_embedded"]["controller"]]
    one = await api.patch(f"/schedule-profile/{profile['id']}", {"controller_id": ids[0]})
    assert one.status_code == 200, one.text
    assert one.json()["schedule_profiles"]["controller_ids"] == [ids[0]]
    both = await api.patch(
        f"/schedule-profile/{profile['id']}", {"controller_id": [str(i) for i in ids]}
    )
    assert both.json()["schedule_profiles"]["controller_ids"] == sorted(ids)
    foreign = (await other.get("/controllers")).json()["_embedded"]["controller"][0]["id"]
    assert_problem(
        await api.patch(f"/schedule-profile/{profile['id']}", {"controller_id": foreign}), 404
    )
    assert_problem(
        await other.patch(f"/schedule-profile/{profile['id']}", {"controller_id": foreign}), 404
    )
    assert_problem(await api.patch(f"/schedule-profile/{profile['id']}", {}), 400, "controller_id")
    assert_problem(
        await api.patch(f"/schedule-profile/{profile['id']}", {"controller_id": []}), 422
    )
    assert_problem(await api.patch(f"/schedule-profile/{profile['id']}", {"controller_id": 0}), 422)
    assert_problem(await api.patch("/schedule-profile/x", {"controller_id": ids[0]}), 404)
    assert_problem(await api.post("/schedule-profile", {"room_id": 1}), 400, "name")
    assert_problem(
        await api.post("/schedule-profile", {"name": "x", "schedules": [1]}), 400, "schedules"
    )
    assert_problem(
        await api.post("/schedule-profile", {"name": "x", "boost_time": 9999}), 422, "boost_time"
    )
