"""The Nuheat service layer on SQLite and PostgreSQL alike: the hot read, every write, the
energy log's aggregate, and owner scoping."""

from __future__ import annotations

import pytest

from homecloud.apis.nuheat import energy_usage, repository, service
from homecloud.apis.nuheat.provision import add_group, add_thermostat, backfill
from homecloud.apis.nuheat.schemas import ScheduleDayModel, ScheduleModel
from homecloud.apis.nuheat.thermostat_state import SCHEDULE_PERMANENT_HOLD
from homecloud.core.database import Database
from homecloud.core.errors import ApiError
from homecloud.core.models import now_ms
from homecloud.core.users import create_user
from tests.apis.nuheat.units import within

DAY_MS = 86_400_000
MARCH_2026 = 1_772_323_200_000  # 2026-03-01T00:00:00Z


async def owner_with_thermostats(
    database: Database, email: str, first_serial: int
) -> tuple[int, int, list[str]]:
    async with database.session(write=True) as session:
        user = await create_user(session, email, "password-1", timezone="Europe/Zurich")
        group = await add_group(session, user.id, "Home")
        serials = [str(first_serial), str(first_serial + 1)]
        for serial in serials:
            await add_thermostat(
                session,
                user.id,
                serial,
                "Room",
                group_id=group.id,
                tz="Europe/Zurich",
                started_ms=now_ms(),
            )
    return user.id, group.id, serials


async def test_reads_and_writes(database: Database) -> None:
    ann, ann_group, serials = await owner_with_thermostats(database, "ann@example.com", 50_000_000)
    bob, _, bobs = await owner_with_thermostats(database, "bob@example.com", 60_000_000)
    listed = await within(database, service.list_thermostats, ann)
    assert [t.serial for t in listed] == serials
    with pytest.raises(ApiError) as foreign:
        await within(database, service.get_thermostat, ann, bobs[0])
    assert foreign.value.status == 404

    await within(
        database,
        service.change_thermostat,
        ann,
        serials[0],
        service.ModeChange(schedule_mode=SCHEDULE_PERMANENT_HOLD, set_point=3100),
        name="Bathroom",
    )
    changed = await within(database, service.get_thermostat, ann, serials[0])
    assert (changed.name, changed.state.schedule_mode, changed.state.set_point) == (
        "Bathroom",
        SCHEDULE_PERMANENT_HOLD,
        3100,
    )

    await within(database, service.set_away, ann, str(ann_group), True)
    assert [t.state.set_point for t in await within(database, service.list_thermostats, ann)] == [
        1500,
        1500,
    ]
    assert (await within(database, service.get_group, ann, str(ann_group)))["awayMode"] is True
    # Bob's thermostats are not in Ann's group.
    assert all(
        t.state.set_point != 1500 for t in await within(database, service.list_thermostats, bob)
    )
    await within(database, service.set_away, ann, str(ann_group), False)
    assert (await within(database, service.get_thermostat, ann, serials[0])).state.set_point == 3100

    schedule = await within(database, service.get_schedule, ann, serials[1])
    saturday = ScheduleDayModel.model_validate({**schedule["days"][5], "weekDayGroupNumber": 9})
    saturday.events[0].temperature = 2500  # type: ignore[index]
    await within(
        database,
        service.replace_schedule,
        ann,
        ScheduleModel(serialNumber=serials[1], days=[saturday]),
    )
    stored = await within(database, service.get_schedule, ann, serials[1])
    assert stored["days"][5]["events"][0]["temperature"] == 2500
    assert len(await within(database, service.list_schedules, ann)) == 2


async def test_history_and_energy_log(database: Database) -> None:
    owner, _, serials = await owner_with_thermostats(database, "eve@example.com", 70_000_000)
    async with database.session(write=True) as session:
        device = await repository.thermostat(session, owner, serials[0], for_update=True)
        assert device is not None
        attributes = dict(device.attributes)
        attributes["simulated_until_ms"] = MARCH_2026
        attributes["floor_c"] = attributes["room_c"] = 15.0
        device.attributes = attributes
        device_id = device.id
    days: list[int] = []
    await backfill(database, device_id, MARCH_2026 + 3 * DAY_MS, lambda: days.append(1))
    assert len(days) == 3
    log = await within(database, energy_usage.energy_log, owner, serials[0], "Month", "2026")
    assert sum(entry["minutes"] for entry in log["energyUsage"]) > 60  # a cold floor heated
    assert {e["entry"]: e["minutes"] for e in log["energyUsage"]}["4"] == 0
    other = await within(database, energy_usage.energy_log, owner, serials[1], "Month", "2026")
    assert sum(entry["minutes"] for entry in other["energyUsage"]) == 0
