"""The face's SQL on SQLite and PostgreSQL alike, through its HTTP surface: the plain-SQL
page read with every option, the live read, commands, records, history, owner scoping."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from homecloud.apis.mclimate.provision import add_controller
from homecloud.apis.mclimate.simulation import Simulation
from homecloud.app import create_app
from homecloud.core.models import now_ms
from homecloud.core.users import create_user
from homecloud.services import Services
from homecloud.sim.clock import ManualClock
from tests.apis.mclimate.conftest import API, PASSWORD, PUBLIC_PAIR, assert_problem


@pytest.fixture
async def http(face_services: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(face_services.settings, face_services))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def signed_in(
    http: httpx.AsyncClient, services: Services, email: str, kinds: list[str]
) -> tuple[dict[str, str], list[str]]:
    serials = []
    async with services.database.session(write=True) as session:
        user = await create_user(session, email, PASSWORD)
        for index, kind in enumerate(kinds):
            serial = f"{email[:3].upper()}{index:03d}"
            await add_controller(session, user.id, kind, serial)
            serials.append(serial)
    login = await http.post(
        API + "/auth/login", data={**PUBLIC_PAIR, "username": email, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['auth']['access_token']}"}, serials


async def test_the_face_on_both_databases(http: httpx.AsyncClient, face_services: Services) -> None:
    kinds = ["melissa", "bobbie", "smart_plug", "vicki"] * 9  # 36: two pages
    auth, serials = await signed_in(http, face_services, "ann@example.com", kinds)
    other_auth, other_serials = await signed_in(http, face_services, "bob@example.com", ["melissa"])

    async def listed(**options: str) -> dict:
        answer = await http.get(API + "/controllers", headers=auth, params=options)
        assert answer.status_code == 200, answer.text
        return answer.json()

    first = await listed()
    assert first["total"] == 36
    assert len(first["_embedded"]["controller"]) == 30
    second = await listed(page="2")
    assert len(second["_embedded"]["controller"]) == 6
    assert (await listed(page="5"))["total"] == 36
    plugs = await listed(type="smart_plug", relay_state="true", sort="-name", limit="4")
    names = [item["name"] for item in plugs["_embedded"]["controller"]]
    assert plugs["total"] == 9
    assert names == sorted(names, reverse=True)[:4]
    assert (await listed(online="false"))["total"] == 0
    assert (await listed(brand_id="null", room_id="null"))["total"] == 27
    created = first["_embedded"]["controller"][0]["created"]
    assert (await listed(created=created))["total"] >= 1
    assert (await listed(serial_number=other_serials[0]))["total"] == 0
    assert_problem(await http.get(API + "/controllers", headers=auth, params={"x": "1"}), 400)

    ac = serials[0]
    sent = await http.post(
        API + "/provider/send",
        headers=auth,
        json={"serial_number": ac, "command": "send_ir_code", "state": 1, "mode": 3, "temp": 18},
    )
    assert sent.status_code == 200, sent.text
    entity = (await http.get(f"{API}/controllers/{ac}", headers=auth)).json()
    assert entity["controller"]["_relation"]["command_log"]["temp"] == 18
    fetched = await http.post(API + "/provider/fetch", headers=auth, json={"serial_number": ac})
    assert "temp" in fetched.json()["provider"]
    renamed = await http.patch(f"{API}/controllers/{ac}", headers=auth, json={"name": "Den"})
    assert renamed.json()["controller"]["name"] == "Den"
    assert_problem(await http.get(f"{API}/controllers/{ac}", headers=other_auth), 404)

    schedule = await http.post(
        API + "/schedules",
        headers=auth,
        json={"controller_id": ac, "days": "1111111", "from_time": 60, "to_time": 120},
    )
    assert schedule.status_code == 201, schedule.text
    assert (await http.get(f"{API}/schedules/{ac}", headers=auth)).json()["total"] == 1
    # A controller with a schedule is read with it: the second query, on this database.
    fetched = await http.post(API + "/provider/fetch", headers=auth, json={"serial_number": ac})
    assert "temp" in fetched.json()["provider"]
    profile = await http.post(API + "/schedule-profile", headers=auth, json={"name": "Home"})
    profile_id = profile.json()["schedule_profiles"]["id"]
    ids = [item["id"] for item in first["_embedded"]["controller"][:2]]
    assigned = await http.patch(
        f"{API}/schedule-profile/{profile_id}", headers=auth, json={"controller_id": ids}
    )
    assert assigned.json()["schedule_profiles"]["controller_ids"] == sorted(ids)

    clock = ManualClock(now_ms() + 600_000)
    simulation = Simulation(face_services.database, face_services.events, clock)
    assert len(await simulation.step()) >= 1
    history = (await http.get(f"{API}/controllers/{ac}/logs", headers=auth)).json()
    assert history["total"] == 1
