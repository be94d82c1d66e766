"""The meters' simulation: one reading per meter per interval (never more than one a
second), counters that only grow, power that follows the household profile (PV export at
noon, none at night), switched-off meters that draw nothing, one simulator per database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from homecloud.apis.smartme import meter_model, obis, repository, service
from homecloud.apis.smartme.demo import add_simulated_meter, seed_demo
from homecloud.apis.smartme.families import (
    CHARGING_STATION,
    GAS,
    REST_API,
    SIMULATED,
    SINGLE_PHASE,
    THREE_PHASE,
    WATER,
)
from homecloud.apis.smartme.settings import SmartMeSettings
from homecloud.apis.smartme.simulation import Simulation
from homecloud.core.database import Database
from homecloud.core.events import InProcessBus
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.core.users import create_user
from homecloud.settings import Settings
from homecloud.sim.clock import ManualClock

START = datetime(2026, 6, 21, 3, 0, tzinfo=UTC)  # 05:00 in Zurich, midsummer


async def new_owner(database: Database) -> int:
    async with database.session(write=True) as session:
        user = await create_user(session, f"{uuid.uuid4().hex[:8]}@example.com", "password-1")
    return user.id


async def latest(database: Database, owner: int) -> dict[str, dict[str, float]]:
    async with UnitOfWork.begin(database, InProcessBus(), write=False) as work:
        meters = await service.meters(work, owner)
    return {meter.device.kind: dict(meter.row.latest) for meter in meters}


async def test_each_meter_reports_once_per_interval_and_counters_only_grow(
    database: Database,
) -> None:
    owner = await new_owner(database)
    async with UnitOfWork.begin(database, InProcessBus()) as work:
        for family in SIMULATED:
            await add_simulated_meter(work, owner, family, at=START)
    bus = InProcessBus()
    heard = bus.subscribe(lambda event: event.kind == "values", capacity=10_000)
    clock = ManualClock(int(START.timestamp() * 1000))
    simulation = Simulation(database, bus, clock, interval_seconds=60)
    before = await latest(database, owner)
    assert await simulation.step() == []  # nothing is due yet
    history: list[dict[str, dict[str, float]]] = [before]
    for _ in range(18 * 60):  # a day from 05:00 to 23:00, a reading a minute
        clock.advance(60_000)
        readings = await simulation.step()
        assert len(readings) == len(SIMULATED)
        assert {r.value_date for r in readings} == {readings[0].value_date}
        if _ % 30 == 0:
            history.append(await latest(database, owner))
    history.append(await latest(database, owner))
    for family in SIMULATED:
        for code in obis.COUNTERS:
            series = [
                snapshot[family.key][code] for snapshot in history if code in snapshot[family.key]
            ]
            assert series == sorted(series), (family.key, code)
    end = history[-1]
    assert (
        end[THREE_PHASE.key][obis.ENERGY_EXPORT.hex]
        > before[THREE_PHASE.key][obis.ENERGY_EXPORT.hex]
    )
    assert (
        end[THREE_PHASE.key][obis.ENERGY_IMPORT.hex]
        > before[THREE_PHASE.key][obis.ENERGY_IMPORT.hex]
    )
    assert end[WATER.key][obis.WATER_VOLUME.hex] > before[WATER.key][obis.WATER_VOLUME.hex]
    assert (
        end[CHARGING_STATION.key][obis.ENERGY_IMPORT.hex]
        > before[CHARGING_STATION.key][obis.ENERGY_IMPORT.hex] + 20_000
    )  # an evening's charge, in Wh
    assert heard.dropped == 0
    event = await heard.get()
    assert event.face == "smartme"
    assert event.owner_id == owner


async def test_power_follows_the_day(database: Database) -> None:
    owner = await new_owner(database)
    noon = datetime(2026, 6, 21, 11, 0, tzinfo=UTC)  # 13:00 in Zurich
    night = datetime(2026, 6, 21, 0, 30, tzinfo=UTC)
    async with UnitOfWork.begin(database, InProcessBus()) as work:
        house = await add_simulated_meter(work, owner, THREE_PHASE, at=noon)
        boiler = await add_simulated_meter(work, owner, SINGLE_PHASE, at=night)
        await add_simulated_meter(work, owner, GAS, at=night)
    assert house.row.latest[obis.POWER_TOTAL.hex] < 0  # PV exports at noon
    assert house.row.latest[obis.POWER_EXPORT.hex] > 2000
    assert house.row.latest[obis.POWER_IMPORT.hex] == 0
    assert boiler.row.latest[obis.POWER_TOTAL.hex] > 0  # base load at night, no PV
    assert boiler.row.latest[obis.POWER_EXPORT.hex] == 0
    assert 220 < boiler.row.latest[obis.VOLTAGE_L1.hex] < 240


async def test_a_switched_off_meter_draws_nothing_in_the_simulation(database: Database) -> None:
    owner = await new_owner(database)
    async with UnitOfWork.begin(database, InProcessBus()) as work:
        house = await add_simulated_meter(work, owner, THREE_PHASE, at=START)
    async with UnitOfWork.begin(database, InProcessBus()) as work:
        await service.switch(work, owner, uuid.UUID(house.guid), [(obis.SWITCH.hex, 0.0)])
    clock = ManualClock(int(datetime.now(UTC).timestamp() * 1000))
    simulation = Simulation(database, InProcessBus(), clock, interval_seconds=5)
    for _ in range(5):
        clock.advance(3_600_000)
        (reading,) = await simulation.step()
        for code in (
            obis.POWER_TOTAL,
            obis.POWER_L1,
            obis.POWER_L2,
            obis.POWER_L3,
            obis.CURRENT_L1,
        ):
            assert reading.values[code.hex] == 0.0
        assert reading.values[obis.SWITCH.hex] == 0.0


async def test_reporting_is_never_faster_than_once_a_second(database: Database) -> None:
    simulation = Simulation(database, InProcessBus(), interval_seconds=0.01)
    assert simulation.interval_seconds == 1.0
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        SmartMeSettings(report_interval=0.5)
    owner = await new_owner(database)
    async with UnitOfWork.begin(database, InProcessBus()) as work:
        await add_simulated_meter(work, owner, WATER, at=START)
    clock = ManualClock(int(START.timestamp() * 1000))
    fast = Simulation(database, InProcessBus(), clock, interval_seconds=1)
    clock.advance(500)
    assert await fast.step() == []
    clock.advance(500)
    assert len(await fast.step()) == 1


async def test_meters_posted_by_clients_are_not_simulated(database: Database) -> None:
    owner = await new_owner(database)
    async with UnitOfWork.begin(database, InProcessBus()) as work:
        await service.add_meter(work, owner, REST_API, name="posted")
    clock = ManualClock(int(datetime.now(UTC).timestamp() * 1000))
    assert await Simulation(database, InProcessBus(), clock).step() == []


async def test_the_demo_user_owns_one_meter_of_each_family_once(
    database: Database, settings: Settings
) -> None:
    async with database.session(write=True) as session:
        user = await create_user(session, "demo@example.com", "password-1")
    await seed_demo(database, settings, user)
    await seed_demo(database, settings, user)
    async with database.session() as session:
        meters = await repository.owner_meters(session, user.id)
    assert sorted(device.kind for device, _ in meters) == sorted(f.key for f in SIMULATED)
    for _, meter in meters:
        assert meter.value_date_us is not None
        assert meter.latest


def test_measure_integrates_energy_from_power() -> None:
    profile = meter_model.Profile(seed=7, base_w=500.0, timezone="UTC")
    switches = meter_model.initial_switches(SINGLE_PHASE)
    at = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    first = meter_model.measure(SINGLE_PHASE, profile, switches, {}, None, at)
    assert first[obis.ENERGY_IMPORT.hex] == 0.0
    an_hour = meter_model.measure(SINGLE_PHASE, profile, switches, first, at, at.replace(hour=4))
    # Around 500 W at night for an hour: roughly half a kWh, split into the night tariff.
    assert 350 < an_hour[obis.ENERGY_IMPORT.hex] < 700
    assert an_hour[obis.ENERGY_IMPORT_T2.hex] == pytest.approx(an_hour[obis.ENERGY_IMPORT.hex])
    off = meter_model.switch(SINGLE_PHASE, switches, obis.SWITCH.hex, False)
    dark = meter_model.measure(
        SINGLE_PHASE, profile, off, an_hour, at.replace(hour=4), at.replace(hour=5)
    )
    assert dark[obis.ENERGY_IMPORT.hex] == an_hour[obis.ENERGY_IMPORT.hex]
    assert dark[obis.SWITCH_L1.hex] == 0.0


async def test_after_a_stop_the_meters_catch_up_in_one_reading(database: Database) -> None:
    owner = await new_owner(database)
    async with UnitOfWork.begin(database, InProcessBus()) as work:
        await add_simulated_meter(work, owner, THREE_PHASE, at=START)
        await add_simulated_meter(work, owner, SINGLE_PHASE, at=START)
    before = await latest(database, owner)
    clock = ManualClock(int(START.timestamp() * 1000) + 10 * 3_600_000)  # 10 hours later
    readings = await Simulation(database, InProcessBus(), clock).step()
    assert {r.value_date for r in readings} == {datetime(2026, 6, 21, 13, 0, tzinfo=UTC)}
    after = await latest(database, owner)
    # From 05:00 to 15:00 in summer: the house's 8 kW of PV export kWh, the boiler draws.
    house, boiler = after[THREE_PHASE.key], after[SINGLE_PHASE.key]
    assert house[obis.ENERGY_EXPORT.hex] > before[THREE_PHASE.key][obis.ENERGY_EXPORT.hex] + 10_000
    assert boiler[obis.ENERGY_IMPORT.hex] > before[SINGLE_PHASE.key][obis.ENERGY_IMPORT.hex] + 1_000


async def test_fast_send_has_a_meter_report_every_second_for_30_seconds(
    database: Database,
) -> None:
    owner = await new_owner(database)
    now = datetime.now(UTC)
    async with UnitOfWork.begin(database, InProcessBus()) as work:
        fast = await add_simulated_meter(work, owner, SINGLE_PHASE, at=now)
        await add_simulated_meter(work, owner, WATER, at=now)
    clock = ManualClock(int(now.timestamp() * 1000))
    simulation = Simulation(database, InProcessBus(), clock, interval_seconds=60)
    async with UnitOfWork.begin(database, InProcessBus()) as work:
        await service.fast_send(work, owner, uuid.UUID(fast.guid))
    reported: list[int] = []
    for _ in range(45):
        clock.advance(1000)
        readings = await simulation.step()
        reported.append(sum(1 for reading in readings if str(reading.device_id) == fast.guid))
        # The other meter keeps its minute; the loop turns every second while one sends fast.
        assert all(str(reading.device_id) == fast.guid for reading in readings)
        assert simulation.pause_seconds() == (1.0 if len(reported) <= 30 else 60.0)
    # A reading each second for the 30 seconds after the request, then none until the
    # meter's minute is up.
    assert reported[:30] == [1] * 30
    assert sum(reported[30:]) == 0
