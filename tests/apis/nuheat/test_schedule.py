"""v1 Schedule: reading, replacing days, every rule of the seed, and the 405 setting."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from homecloud.services import Services
from tests.apis.nuheat.conftest import UserMaker

URL = "/nuheat/api/v1/Schedule"


def event(clock: str, kind: int, temperature: int = 2200, active: bool = True) -> dict[str, Any]:
    return {"clock": clock, "scheduleType": kind, "active": active, "temperature": temperature}


def day(week_day: int, group: int, *events: dict[str, Any]) -> dict[str, Any]:
    return {"weekDay": week_day, "weekDayGroupNumber": group, "events": list(events)}


GOOD = [
    event("06:30", 0, 2800),
    event("08:00", 1, 2000),
    event("17:15", 2, 2800),
    event("23:45", 3, 2100),
]


async def test_reads_the_default_week(face: httpx.AsyncClient, make_user: UserMaker) -> None:
    account = await make_user()
    listed = (await face.get(URL, headers=account.auth)).json()
    assert [s["serialNumber"] for s in listed] == account.serials
    one = (await face.get(f"{URL}/{account.serials[0]}", headers=account.auth)).json()
    assert one == listed[0]
    assert [d["weekDay"] for d in one["days"]] == [1, 2, 3, 4, 5, 6, 7]
    assert {d["weekDayGroupNumber"] for d in one["days"][:5]} == {1}
    monday = one["days"][0]["events"]
    assert [e["scheduleType"] for e in monday] == [0, 1, 2, 3]
    assert set(monday[0]) == {"clock", "scheduleType", "active", "temperature"}


async def test_replacing_a_group_of_days(face: httpx.AsyncClient, make_user: UserMaker) -> None:
    account = await make_user()
    serial = account.serials[0]
    body = {"serialNumber": serial, "days": [day(6, 2, *GOOD), day(7, 2, *GOOD)]}
    response = await face.put(URL, json=body, headers=account.auth)
    assert response.status_code == 204
    days = (await face.get(f"{URL}/{serial}", headers=account.auth)).json()["days"]
    assert days[5]["events"] == GOOD
    assert days[6]["events"] == GOOD
    assert days[0]["events"] != GOOD  # the weekdays were kept


async def test_a_sleep_after_midnight_before_three_is_accepted(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user()
    late = [*GOOD[:3], event("02:45", 3)]
    body = {"serialNumber": account.serials[0], "days": [day(6, 2, *late), day(7, 2, *late)]}
    assert (await face.put(URL, json=body, headers=account.auth)).status_code == 204


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (
            [event("06:10", 0), *GOOD[1:]],
            "Day 6: event times must lie on 15-minute marks (06:10).",
        ),
        (
            [event("06:30", 0), event("06:30", 1), *GOOD[2:]],
            "Day 6: events must be at least 15 minutes apart, in the order WAKE, LEAVE, RETURN,"
            " SLEEP (WAKE 06:30, LEAVE 06:30).",
        ),
        (
            [event("06:30", 0, active=False), *GOOD[1:]],
            "Day 6: the WAKE event cannot be deactivated.",
        ),
        (GOOD[1:], "Day 6: the WAKE event cannot be deactivated."),
        (
            [*GOOD[:3], event("03:00", 3)],
            "Day 6: the SLEEP event may lie after midnight only before 03:00 (03:00).",
        ),
        (
            [*GOOD, event("20:00", 2)],
            "Day 6: an event type may occur only once a day (RETURN occurs twice).",
        ),
        ([event("6:30", 0), *GOOD[1:]], "Event clock '6:30' must be a time HH:mm."),
        ([event("06:30", 7), *GOOD[1:]], "scheduleType 7 must be 0, 1, 2 or 3."),
        (
            [event("06:30", 0, temperature=100), *GOOD[1:]],
            "Day 6: temperature 100 must lie between 500 and 7000.",
        ),
    ],
)
async def test_each_broken_rule_is_a_400_naming_it(
    face: httpx.AsyncClient,
    make_user: UserMaker,
    events: list[dict[str, Any]],
    message: str,
) -> None:
    account = await make_user(thermostats=1)
    serial = account.serials[0]
    before = (await face.get(f"{URL}/{serial}", headers=account.auth)).json()
    body = {"serialNumber": serial, "days": [day(6, 2, *events), day(7, 2, *events)]}
    response = await face.put(URL, json=body, headers=account.auth)
    assert response.status_code == 400
    assert response.json() == {"messages": [message]}
    assert (await face.get(f"{URL}/{serial}", headers=account.auth)).json() == before


async def test_days_of_one_group_must_share_their_events(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user(thermostats=1)
    other = copy.deepcopy(GOOD)
    other[0]["temperature"] = 2500
    body = {"serialNumber": account.serials[0], "days": [day(6, 2, *GOOD), day(7, 2, *other)]}
    response = await face.put(URL, json=body, headers=account.auth)
    assert response.json() == {
        "messages": [
            "Days 6 and 7 share week-day group 2 but not its events; put different events in"
            " separate groups."
        ]
    }
    # Changing only Saturday breaks its group with Sunday, too.
    alone = {"serialNumber": account.serials[0], "days": [day(6, 2, *GOOD)]}
    assert (await face.put(URL, json=alone, headers=account.auth)).status_code == 400
    # In a group of its own it is fine.
    alone["days"][0]["weekDayGroupNumber"] = 3
    assert (await face.put(URL, json=alone, headers=account.auth)).status_code == 204


async def test_malformed_schedules(face: httpx.AsyncClient, make_user: UserMaker) -> None:
    account = await make_user(thermostats=1)
    serial = account.serials[0]
    cases = [
        ({"days": [day(6, 2, *GOOD)]}, 400, "serialNumber is required."),
        ({"serialNumber": serial, "days": []}, 400, "days must list at least one day."),
        (
            {"serialNumber": serial, "days": [day(8, 2, *GOOD)]},
            400,
            "weekDay 8 must lie between 1 (Monday) and 7.",
        ),
        (
            {"serialNumber": serial, "days": [day(6, 3, *GOOD), day(6, 3, *GOOD)]},
            400,
            "weekDay 6 is listed twice.",
        ),
        (
            {"serialNumber": "99999999", "days": [day(6, 3, *GOOD)]},
            404,
            "Thermostat 99999999 was not found.",
        ),
    ]
    for body, status, message in cases:
        response = await face.put(URL, json=body, headers=account.auth)
        assert (response.status_code, response.json()) == (status, {"messages": [message]}), body


async def test_another_users_schedule_is_404(face: httpx.AsyncClient, make_user: UserMaker) -> None:
    ann = await make_user(thermostats=1)
    bob = await make_user(thermostats=1)
    assert (await face.get(f"{URL}/{bob.serials[0]}", headers=ann.auth)).status_code == 404
    body = {"serialNumber": bob.serials[0], "days": [day(6, 3, *GOOD)]}
    assert (await face.put(URL, json=body, headers=ann.auth)).status_code == 404


async def test_a_schedule_change_publishes_schedule_and_thermostat(
    face: httpx.AsyncClient, make_user: UserMaker, services: Services
) -> None:
    account = await make_user(thermostats=1)
    serial = account.serials[0]
    subscription = services.events.subscribe(lambda event: event.face == "nuheat")
    body = {"serialNumber": serial, "days": [day(6, 3, *GOOD)]}
    await face.put(URL, json=body, headers=account.auth)
    kinds = [(await subscription.get()).kind for _ in range(2)]
    assert sorted(kinds) == ["schedule", "thermostat"]
    subscription.close()
