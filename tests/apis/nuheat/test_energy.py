"""The energy log: relay minutes per local hour, day and month, with kWh and cost estimated
from the account's settings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from homecloud.apis.nuheat import repository
from homecloud.core.models import Device, User
from homecloud.core.series import Point, ensure_series, write_points
from homecloud.services import Services
from tests.apis.nuheat.conftest import Account, UserMaker

URL = "/nuheat/api/v1/EnergyLog"
ZURICH = ZoneInfo("Europe/Zurich")


def local_ms(*fields: int) -> int:
    return int(datetime(*fields, tzinfo=ZURICH).timestamp() * 1000)  # type: ignore[misc]


async def record(services: Services, serial: str, minutes: dict[int, float]) -> None:
    async with services.database.session(write=True) as session:
        device = await session.scalar(select(Device).where(Device.serial == serial))
        assert device is not None
        series = await ensure_series(session, device.id, repository.RELAY_SERIES)
        await write_points(
            session, [Point(series.id, at, value) for at, value in minutes.items()], replace=True
        )


async def set_energy(services: Services, account: Account, **values: object) -> None:
    async with services.database.session(write=True) as session:
        user = await session.scalar(select(User).where(User.id == account.user_id))
        assert user is not None
        user.preferences = {"nuheat": values}


async def test_a_day_lists_24_hours_latest_first_in_local_time(
    face: httpx.AsyncClient, make_user: UserMaker, services: Services
) -> None:
    account = await make_user()
    serial = account.serials[0]
    await record(
        services,
        serial,
        {
            local_ms(2026, 3, 10, 0): 60.0,
            local_ms(2026, 3, 10, 5): 20.4,
            local_ms(2026, 3, 10, 23): 13.0,
            local_ms(2026, 3, 11, 0): 45.0,  # the next day
            local_ms(2026, 3, 9, 23): 30.0,  # the day before
        },
    )
    response = await face.get(f"{URL}/Day/{serial}/2026-03-10", headers=account.auth)
    assert response.status_code == 200
    body = response.json()
    assert {k: v for k, v in body.items() if k != "energyUsage"} == {
        "energyUsageType": "Day",
        "energyUsageFrom": "2026-03-10",
        "energyUsageTo": "2026-03-10",
        "mondayIsFirstDay": True,
    }
    entries = body["energyUsage"]
    assert [e["entry"] for e in entries] == [str(hour) for hour in range(23, -1, -1)]
    minutes = {e["entry"]: e["minutes"] for e in entries}
    assert (minutes["0"], minutes["5"], minutes["23"]) == (60, 20, 13)
    assert sum(minutes.values()) == 93
    # No energy settings: the estimates are zero, as the vendor's are.
    assert {e["energyKWattHour"] for e in entries} == {0}
    assert {e["chargeKWattHour"] for e in entries} == {0}


async def test_energy_and_cost_come_from_the_accounts_settings(
    face: httpx.AsyncClient, make_user: UserMaker, services: Services
) -> None:
    account = await make_user()
    serial = account.serials[0]
    await record(services, serial, {local_ms(2026, 3, 10, 6): 30.0})
    await set_energy(services, account, kwhRate=12.0, floorArea=50.0, wattDensity=12.0)
    entries = (await face.get(f"{URL}/Day/{serial}/2026-03-10", headers=account.auth)).json()[
        "energyUsage"
    ]
    six = next(e for e in entries if e["entry"] == "6")
    # 30 minutes of 50 x 12 W = 0.3 kWh, at 12 cents a kWh.
    assert (six["minutes"], six["energyKWattHour"], six["chargeKWattHour"]) == (30, 0.3, 3.6)


async def test_a_week_has_seven_days_from_monday_or_sunday(
    face: httpx.AsyncClient, make_user: UserMaker, services: Services
) -> None:
    account = await make_user()
    serial = account.serials[0]
    # 2026-03-11 is a Wednesday; 2026-03-08 a Sunday.
    await record(
        services,
        serial,
        {
            local_ms(2026, 3, 8, 12): 10.0,
            local_ms(2026, 3, 9, 12): 20.0,
            local_ms(2026, 3, 15, 9): 5.0,
        },
    )
    monday = (await face.get(f"{URL}/Week/{serial}/2026-03-11", headers=account.auth)).json()
    assert (monday["energyUsageFrom"], monday["energyUsageTo"]) == ("2026-03-09", "2026-03-15")
    assert [e["entry"] for e in monday["energyUsage"]] == ["7", "6", "5", "4", "3", "2", "1"]
    assert {e["entry"]: e["minutes"] for e in monday["energyUsage"]}["1"] == 20
    assert sum(e["minutes"] for e in monday["energyUsage"]) == 25
    await set_energy(services, account, mondayIsFirstDay=False)
    sunday = (await face.get(f"{URL}/Week/{serial}/2026-03-11", headers=account.auth)).json()
    assert sunday["mondayIsFirstDay"] is False
    assert (sunday["energyUsageFrom"], sunday["energyUsageTo"]) == ("2026-03-08", "2026-03-14")
    assert [e["entry"] for e in sunday["energyUsage"]] == ["6", "5", "4", "3", "2", "1", "7"]
    assert sum(e["minutes"] for e in sunday["energyUsage"]) == 30


async def test_a_year_has_twelve_months(
    face: httpx.AsyncClient, make_user: UserMaker, services: Services
) -> None:
    account = await make_user()
    serial = account.serials[0]
    await record(
        services,
        serial,
        {
            local_ms(2026, 1, 1, 0): 50.0,  # local New Year: January, though UTC is still 2025
            local_ms(2026, 12, 31, 23): 40.0,
            local_ms(2027, 1, 1, 0): 99.0,
        },
    )
    body = (await face.get(f"{URL}/Month/{serial}/2026", headers=account.auth)).json()
    assert (body["energyUsageFrom"], body["energyUsageTo"]) == ("2026-01-01", "2026-12-31")
    assert [e["entry"] for e in body["energyUsage"]] == [str(m) for m in range(12, 0, -1)]
    minutes = {e["entry"]: e["minutes"] for e in body["energyUsage"]}
    assert (minutes["1"], minutes["12"], sum(minutes.values())) == (50, 40, 90)


async def test_bad_dates_are_400_and_unknown_or_foreign_thermostats_404(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    ann = await make_user()
    bob = await make_user()
    serial = ann.serials[0]
    for path, message in (
        (f"Day/{serial}/01-01-2026", "Date format yyyy-MM-dd."),
        (f"Day/{serial}/2026-02-30", "Date format yyyy-MM-dd."),
        (f"Week/{serial}/2026-1-1", "Date format yyyy-MM-dd."),
        (f"Month/{serial}/26", "Year format yyyy."),
    ):
        response = await face.get(f"{URL}/{path}", headers=ann.auth)
        assert (response.status_code, response.json()) == (400, {"messages": [message]}), path
    for path in (f"Day/{bob.serials[0]}/2026-01-01", "Month/99999999/2026"):
        assert (await face.get(f"{URL}/{path}", headers=ann.auth)).status_code == 404
    lower = await face.get(f"/nuheat/api/v1/energylog/month/{serial}/2026", headers=ann.auth)
    assert lower.status_code == 200
