"""v1 thermostats: reading, the modes of the seed's Validation section, errors, isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import orjson
from sqlalchemy import update

from homecloud.apis.nuheat import repository
from homecloud.core.events import ChangeEvent
from homecloud.core.models import Device, now_ms
from homecloud.services import Services
from tests.apis.nuheat.conftest import UserMaker

URL = "/nuheat/api/v1/Thermostat"


def iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_lists_the_users_thermostats_in_the_vendors_shape(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user()
    response = await face.get(URL, headers=account.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [t["serialNumber"] for t in body] == account.serials
    first = body[0]
    assert set(first) == {
        "serialNumber",
        "name",
        "setPointTemp",
        "scheduleMode",
        "holdSetPointDateTime",
        "groupId",
        "swVersion",
        "online",
        "operatingMode",
        "isHeating",
        "currentTemperature",
        "tzOffset",
        "error",
    }
    assert first["groupId"] == str(account.group_id)
    assert first["scheduleMode"] == 1
    assert first["operatingMode"] == 1
    assert first["holdSetPointDateTime"] is None
    assert first["currentTemperature"] == 2000
    assert first["tzOffset"] in ("+01:00", "+02:00")
    assert first["setPointTemp"] in (2200, 2800)  # the default schedule's temperatures


async def test_paths_match_whatever_their_case(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user()
    lower = await face.get("/nuheat/api/v1/thermostat/" + account.serials[0], headers=account.auth)
    upper = await face.get("/nuheat/API/V1/THERMOSTAT", headers=account.auth)
    slash = await face.get("/nuheat/api/v1/Thermostat/", headers=account.auth)
    assert lower.status_code == 200
    assert upper.status_code == 200
    assert slash.status_code == 200
    assert lower.json()["serialNumber"] == account.serials[0]


async def test_an_empty_list_is_404_as_the_vendors_swagger_says(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user(thermostats=0)
    response = await face.get(URL, headers=account.auth)
    assert response.status_code == 404
    assert response.json() == {"messages": ["No thermostats were found."]}


async def test_another_users_thermostat_is_404_like_an_unknown_one(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    ann = await make_user()
    bob = await make_user()
    for serial in (bob.serials[0], "99999999"):
        assert (await face.get(f"{URL}/{serial}", headers=ann.auth)).status_code == 404
        put = await face.put(
            URL, json={"serialNumber": serial, "scheduleMode": 3}, headers=ann.auth
        )
        assert put.status_code == 404
        assert put.json()["messages"]
    assert [t["serialNumber"] for t in (await face.get(URL, headers=ann.auth)).json()] == (
        ann.serials
    )
    # Bob's thermostat was not touched.
    bobs = (await face.get(f"{URL}/{bob.serials[0]}", headers=bob.auth)).json()
    assert bobs["scheduleMode"] == 1


async def test_permanent_hold_holds_the_given_set_point(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user()
    serial = account.serials[0]
    put = await face.put(
        URL,
        json={"serialNumber": serial, "setPointTemp": 3000, "scheduleMode": 3},
        headers=account.auth,
    )
    assert put.status_code == 204
    assert put.content == b""
    view = (await face.get(f"{URL}/{serial}", headers=account.auth)).json()
    assert (view["scheduleMode"], view["setPointTemp"], view["holdSetPointDateTime"]) == (
        3,
        3000,
        None,
    )


async def test_hold_with_an_end_time_shows_it_and_without_one_ends_at_the_next_event(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user()
    serial = account.serials[0]
    until = iso(timedelta(hours=5))
    put = await face.put(
        URL,
        json={
            "serialNumber": serial,
            "setPointTemp": 2400,
            "scheduleMode": 2,
            "holdSetPointDateTime": until,
        },
        headers=account.auth,
    )
    assert put.status_code == 204
    view = (await face.get(f"{URL}/{serial}", headers=account.auth)).json()
    assert (view["scheduleMode"], view["setPointTemp"], view["holdSetPointDateTime"]) == (
        2,
        2400,
        until,
    )
    # Without an end: until the next schedule event, which lies within the next day.
    await face.put(URL, json={"serialNumber": serial, "scheduleMode": 2}, headers=account.auth)
    view = (await face.get(f"{URL}/{serial}", headers=account.auth)).json()
    assert view["scheduleMode"] == 2
    assert view["setPointTemp"] == 2400  # the last hold value is reused
    ends = datetime.fromisoformat(view["holdSetPointDateTime"])
    assert datetime.now(UTC) < ends <= datetime.now(UTC) + timedelta(hours=24)
    assert ends.minute % 15 == 0


async def test_auto_ignores_set_point_and_hold_and_accepts_the_guides_blanks(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user()
    serial = account.serials[0]
    await face.put(
        URL,
        json={"serialNumber": serial, "setPointTemp": 3000, "scheduleMode": 3},
        headers=account.auth,
    )
    put = await face.put(
        URL,
        json={
            "serialNumber": serial,
            "setPointTemp": 0,
            "scheduleMode": 1,
            "holdSetPointDateTime": "",
        },
        headers=account.auth,
    )
    assert put.status_code == 204
    view = (await face.get(f"{URL}/{serial}", headers=account.auth)).json()
    assert view["scheduleMode"] == 1
    assert view["setPointTemp"] in (2200, 2800)
    assert view["holdSetPointDateTime"] is None


async def test_rename(face: httpx.AsyncClient, make_user: UserMaker) -> None:
    account = await make_user()
    serial = account.serials[0]
    put = await face.put(
        URL, json={"serialNumber": serial, "name": "Bathroom"}, headers=account.auth
    )
    assert put.status_code == 204
    assert (await face.get(f"{URL}/{serial}", headers=account.auth)).json()["name"] == "Bathroom"


async def test_bad_updates_are_400_naming_the_problem(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user()
    serial = account.serials[0]
    cases = [
        ({"scheduleMode": 1}, "serialNumber is required."),
        ({"serialNumber": serial, "scheduleMode": 7}, "scheduleMode must be 1, 2 or 3."),
        (
            {"serialNumber": serial, "scheduleMode": 3, "setPointTemp": 9000},
            "setPointTemp must lie between 500 and 7000 (centi-°C).",
        ),
        (
            {"serialNumber": serial, "scheduleMode": 2, "holdSetPointDateTime": "tomorrow"},
            "holdSetPointDateTime must be an ISO-8601 date and time, e.g. 2018-09-14T07:58:51Z.",
        ),
        (
            {
                "serialNumber": serial,
                "scheduleMode": 2,
                "holdSetPointDateTime": iso(timedelta(hours=24)),
            },
            "holdSetPointDateTime must lie within the next 23 hours.",
        ),
        (
            {
                "serialNumber": serial,
                "scheduleMode": 2,
                "holdSetPointDateTime": iso(timedelta(hours=-1)),
            },
            "holdSetPointDateTime must lie in the future.",
        ),
        (
            {"serialNumber": serial, "setPointTemp": 2500},
            "scheduleMode is required to change setPointTemp in operating mode Auto.",
        ),
    ]
    for body, message in cases:
        response = await face.put(URL, json=body, headers=account.auth)
        assert response.status_code == 400, body
        assert response.json() == {"messages": [message]}, body
    malformed = await face.put(
        URL, content=b"{not json", headers={**account.auth, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["messages"]
    # Nothing was changed by any of them.
    view = (await face.get(f"{URL}/{serial}", headers=account.auth)).json()
    assert view["scheduleMode"] == 1


async def test_a_numeric_serial_in_the_body_is_accepted(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user()
    serial = account.serials[0]
    put = await face.put(
        URL, json={"serialNumber": int(serial), "scheduleMode": 3}, headers=account.auth
    )
    assert put.status_code == 204


async def test_a_change_is_published_after_the_commit_and_a_failed_one_is_not(
    face: httpx.AsyncClient, make_user: UserMaker, services: Services
) -> None:
    account = await make_user()
    subscription = services.events.subscribe(lambda event: event.face == "nuheat")
    serial = account.serials[0]
    await face.put(URL, json={"serialNumber": serial, "scheduleMode": 7}, headers=account.auth)
    await face.put(URL, json={"serialNumber": serial, "scheduleMode": 3}, headers=account.auth)
    change = await subscription.get()
    assert isinstance(change, ChangeEvent)
    assert (change.kind, change.owner_id, change.resource_id) == (
        "thermostat",
        account.user_id,
        serial,
    )
    assert subscription.pending() == 0  # type: ignore[attr-defined]
    subscription.close()


async def test_without_a_token_401_and_without_the_scope_403(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    missing = await face.get(URL)
    assert missing.status_code == 401
    # Authentication comes before the body is read, as on ASP.NET.
    unread = await face.put(URL, content=b"{not json")
    assert unread.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.content == b""
    garbage = await face.get(URL, headers={"Authorization": "Bearer not-a-token"})
    assert garbage.status_code == 401
    account = await make_user(scope="openid")
    forbidden = await face.get(URL, headers=account.auth)
    assert forbidden.status_code == 403
    assert forbidden.content == b""


async def test_a_write_from_elsewhere_shows_on_the_next_read(
    face: httpx.AsyncClient, services: Services, make_user: UserMaker
) -> None:
    """Reads keep decoded states per device, used only while the stored JSON is the same text:
    a change written by another process (plain SQL here) shows on the very next read."""
    account = await make_user(thermostats=1)
    before = (await face.get(URL, headers=account.auth)).json()[0]
    assert before["operatingMode"] == 1
    async with services.database.session(write=True) as session:
        device = await repository.thermostat(session, account.user_id, account.serials[0])
        attributes = dict(device.attributes, operating_mode=2, manual_set_point=2650)
        await session.execute(
            update(Device).where(Device.id == device.id).values(attributes=attributes)
        )
    after = (await face.get(URL, headers=account.auth)).json()[0]
    assert after["operatingMode"] == 2
    assert after["setPointTemp"] == 2650


def test_decoded_states_are_copies_that_settling_does_not_change() -> None:
    states = repository.DecodedStates()
    text = orjson.dumps({"time_zone": "Europe/Zurich", "schedule_mode": 2, "set_point": 2300})
    first, timeline = states.decode(7, text.decode(), now_ms())
    first.schedule_mode, first.set_point = 1, 1900  # what settling an expired hold does
    again, same_timeline = states.decode(7, text.decode(), now_ms())
    assert (again.schedule_mode, again.set_point) == (2, 2300)
    assert same_timeline is timeline
    assert again.schedule is first.schedule  # shared, never changed by a read
    changed, _ = states.decode(7, text.decode().replace("2300", "2400"), now_ms())
    assert changed.set_point == 2400
