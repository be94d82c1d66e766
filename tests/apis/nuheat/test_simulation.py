"""The simulated Nuheat thermostat, stepped with a hand-moved clock: holds expire into Auto,
schedule events switch the set point, away mode holds its set point, the relay heats the room
and its minutes are recorded; and only the lease holder simulates."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from homecloud.apis.nuheat import repository, service
from homecloud.apis.nuheat.provision import add_group, add_thermostat
from homecloud.apis.nuheat.simulation import LEASE, Simulation
from homecloud.apis.nuheat.thermostat_state import (
    SCHEDULE_AUTO,
    SCHEDULE_HOLD,
    SCHEDULE_PERMANENT_HOLD,
    ThermostatState,
    settle,
    simulate,
)
from homecloud.core import leases
from homecloud.core.database import Database
from homecloud.core.events import InProcessBus
from homecloud.core.models import Device, now_ms
from homecloud.core.series import read_range
from homecloud.core.users import create_user
from homecloud.sim.clock import ManualClock
from tests.apis.nuheat.units import within

ZONE = ZoneInfo("America/Chicago")
MINUTE = 60_000
HOUR = 60 * MINUTE


def at(*fields: int) -> int:
    return int(datetime(*fields, tzinfo=ZONE).timestamp() * 1000)  # type: ignore[misc]


# 2026-03-11 is a Wednesday: the default weekday program is WAKE 06:00 28 °C, LEAVE 08:00
# 22 °C, RETURN 17:00 28 °C, SLEEP 22:00 22 °C.
WEDNESDAY_7AM = at(2026, 3, 11, 7)


def thermostat(**fields: object) -> ThermostatState:
    return ThermostatState(time_zone=ZONE.key, simulated_until_ms=WEDNESDAY_7AM, **fields)  # type: ignore[arg-type]


def test_a_schedule_event_switches_the_set_point() -> None:
    state = settle(thermostat(), WEDNESDAY_7AM, None)
    assert state.set_point == 2800  # WAKE
    later, _ = simulate(state, at(2026, 3, 11, 8, 1), None)
    assert later.set_point == 2200  # LEAVE at 08:00
    evening, _ = simulate(later, at(2026, 3, 11, 17, 1), None)
    assert evening.set_point == 2800  # RETURN at 17:00


def test_a_hold_returns_to_auto_by_itself_when_it_expires() -> None:
    state = thermostat(
        schedule_mode=SCHEDULE_HOLD, hold_set_point=3000, hold_until_ms=WEDNESDAY_7AM + 30 * MINUTE
    )
    holding, _ = simulate(state, WEDNESDAY_7AM + 29 * MINUTE, None)
    assert (holding.schedule_mode, holding.set_point) == (SCHEDULE_HOLD, 3000)
    expired, _ = simulate(holding, WEDNESDAY_7AM + 31 * MINUTE, None)
    assert (expired.schedule_mode, expired.hold_until_ms, expired.set_point) == (
        SCHEDULE_AUTO,
        None,
        2800,
    )


def test_away_mode_overrides_the_schedule_and_the_room_follows() -> None:
    state = thermostat(floor_c=28.0, room_c=22.0)
    away, _ = simulate(state, WEDNESDAY_7AM + 3 * HOUR, 1500)
    assert away.set_point == 1500
    assert away.heating is False
    assert away.floor_c < 24.0  # cooling towards the away set point


def test_the_relay_heats_a_cold_floor_and_its_minutes_are_counted_per_hour() -> None:
    cold = thermostat(floor_c=18.0, room_c=18.0)
    warm, hours = simulate(cold, WEDNESDAY_7AM + 2 * HOUR + 30 * MINUTE, None)
    assert warm.floor_c > 20.0
    assert [hour.hour_ms for hour in hours] == [
        WEDNESDAY_7AM,
        WEDNESDAY_7AM + HOUR,
        WEDNESDAY_7AM + 2 * HOUR,
    ]
    assert hours[0].minutes == 60  # far below the set point: on the whole first hour
    assert all(0 <= hour.minutes <= 60 for hour in hours)
    assert warm.relay_hour_ms == WEDNESDAY_7AM + 2 * HOUR


def test_the_relay_cycles_around_the_set_point_once_it_is_reached() -> None:
    state = thermostat(
        floor_c=28.0, room_c=21.0, schedule_mode=SCHEDULE_PERMANENT_HOLD, hold_set_point=2800
    )
    settled_state, hours = simulate(state, WEDNESDAY_7AM + 5 * HOUR, None, step_ms=MINUTE)
    # Holding 28 °C of floor takes the relay part of each hour, not all of it nor none.
    assert 0 < hours[-2].minutes < 60
    assert abs(settled_state.floor_c - 28.0) < 1.0


async def make_thermostat(database: Database, started_ms: int) -> tuple[int, str]:
    async with database.session(write=True) as session:
        user = await create_user(session, "sim@example.com", "password-1", timezone=ZONE.key)
        group = await add_group(session, user.id, "Home")
        await add_thermostat(
            session,
            user.id,
            "40000001",
            "Bathroom",
            group_id=group.id,
            tz=ZONE.key,
            started_ms=started_ms,
        )
    return user.id, "40000001"


async def test_a_step_persists_records_and_publishes(database: Database) -> None:
    clock = ManualClock(WEDNESDAY_7AM)
    owner_id, serial = await make_thermostat(database, clock.now_ms())
    bus = InProcessBus()
    subscription = bus.subscribe(lambda event: True)
    simulation = Simulation(database, bus, clock)
    assert await simulation.step() == []  # no time has passed
    clock.advance(90 * MINUTE)
    changes = await simulation.step()
    assert [(c.face, c.kind, c.owner_id, c.resource_id) for c in changes] == [
        ("nuheat", "thermostat", owner_id, serial)
    ]
    assert (await subscription.get()).resource_id == serial
    found = await within(database, service.get_thermostat, owner_id, serial)
    assert found.state.simulated_until_ms == clock.now_ms()
    assert found.state.current_temperature > 2000  # heated towards the WAKE set point
    async with database.session() as session:
        device = await session.scalar(select(Device).where(Device.serial == serial))
        assert device is not None
        series_id = await repository.relay_series_id(session, device.id)
        assert series_id is not None
        points = await read_range(session, series_id, 0, clock.now_ms() + HOUR)
    assert [ts for ts, _ in points] == [WEDNESDAY_7AM, WEDNESDAY_7AM + HOUR]
    assert points[0][1] == 60.0


async def test_a_hold_expires_in_the_stored_thermostat(database: Database) -> None:
    clock = ManualClock(now_ms())  # the API checks the hold's end against the real clock
    owner_id, serial = await make_thermostat(database, clock.now_ms())
    bus = InProcessBus()
    until = clock.now_ms() + 20 * MINUTE
    await within(
        database,
        service.change_thermostat,
        owner_id,
        serial,
        service.ModeChange(schedule_mode=SCHEDULE_HOLD, set_point=3000, hold_until_ms=until),
        bus=bus,
    )
    simulation = Simulation(database, bus, clock)
    clock.set(until + MINUTE)
    await simulation.step()
    async with database.session() as session:
        device = await session.scalar(select(Device).where(Device.serial == serial))
        assert device is not None
        stored = ThermostatState.from_attributes(device.attributes)
    assert (stored.schedule_mode, stored.hold_until_ms) == (SCHEDULE_AUTO, None)


@pytest.mark.parametrize("gap_days", [3])
async def test_a_long_stop_is_caught_up(database: Database, gap_days: int) -> None:
    clock = ManualClock(WEDNESDAY_7AM)
    owner_id, serial = await make_thermostat(database, clock.now_ms())
    simulation = Simulation(database, InProcessBus(), clock)
    clock.advance(int(timedelta(days=gap_days).total_seconds() * 1000))
    await simulation.step()
    found = await within(database, service.get_thermostat, owner_id, serial)
    assert found.state.simulated_until_ms == clock.now_ms()


async def test_the_loop_steps_while_holding_the_lease_and_gives_it_up_when_stopped(
    database: Database,
) -> None:
    clock = ManualClock(now_ms())
    _, serial = await make_thermostat(database, clock.now_ms() - 10 * MINUTE)
    bus = InProcessBus()
    subscription = bus.subscribe(lambda event: True)
    simulation = Simulation(database, bus, clock, interval_seconds=1.0)
    task = asyncio.create_task(simulation.run())
    try:
        changed = await asyncio.wait_for(subscription.get(), timeout=10)
        assert changed.resource_id == serial
        # Another process is refused while the loop holds the lease.
        assert not await leases.acquire(database, LEASE, "someone else", 30_000)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert await leases.acquire(database, LEASE, "someone else", 30_000)


async def test_a_thermostat_that_cannot_be_simulated_does_not_stop_the_others(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(WEDNESDAY_7AM)
    owner_id, serial = await make_thermostat(database, clock.now_ms())
    async with database.session(write=True) as session:
        await add_thermostat(
            session, owner_id, "40000002", "Broken", tz=ZONE.key, started_ms=clock.now_ms()
        )
        broken = await session.scalar(select(Device).where(Device.serial == "40000002"))
        assert broken is not None
        broken.attributes = {**broken.attributes, "time_zone": "Nowhere/Nothing"}
    simulation = Simulation(database, InProcessBus(), clock)
    clock.advance(HOUR)
    changes = await simulation.step()
    assert [change.resource_id for change in changes] == [serial]
    assert "simulating thermostat" in caplog.text
