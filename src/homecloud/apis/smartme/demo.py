"""The demo account's smart-me meters: one of each simulated family (a single-phase meter
with a switch, a three-phase house meter with PV, a water and a gas meter, a charging
station), with a day of readings behind them, made through the face's own service."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Final

from homecloud.apis.smartme import meter_model, obis, service
from homecloud.apis.smartme.families import (
    CHARGING_STATION,
    GAS,
    SINGLE_PHASE,
    THREE_PHASE,
    WATER,
    Family,
)
from homecloud.core.database import Database
from homecloud.core.events import InProcessBus
from homecloud.core.models import User
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.settings import Settings

HISTORY: Final = timedelta(days=1)
HISTORY_STEP: Final = timedelta(minutes=15)

# Each family's name, household parameters and counters when it joins (kWh, m3).
STARTS: Final[dict[str, tuple[str, float, float, dict[obis.Obis, float]]]] = {
    SINGLE_PHASE.key: ("Boiler", 120.0, 0.0, {obis.ENERGY_IMPORT: 1_520_000.0}),
    THREE_PHASE.key: (
        "House",
        250.0,
        8_000.0,
        {obis.ENERGY_IMPORT: 6_330_412.0, obis.ENERGY_EXPORT: 12_500.0},
    ),
    WATER.key: ("Water", 0.0, 0.0, {obis.WATER_VOLUME: 412.3}),
    GAS.key: ("Gas", 0.0, 0.0, {obis.GAS_VOLUME: 1_830.5}),
    CHARGING_STATION.key: ("Charging station", 0.0, 0.0, {obis.ENERGY_IMPORT: 2_100_000.0}),
}


def starting_counters(family: Family) -> dict[str, float]:
    counters = {code.hex: value for code, value in STARTS[family.key][3].items()}
    # Tariffs split the totals 60/40 (T1 day, T2 night).
    for total, t1, t2 in (
        (obis.ENERGY_IMPORT, obis.ENERGY_IMPORT_T1, obis.ENERGY_IMPORT_T2),
        (obis.ENERGY_EXPORT, obis.ENERGY_EXPORT_T1, obis.ENERGY_EXPORT_T2),
    ):
        if family.phases:
            value = counters.get(total.hex, 0.0)
            counters[total.hex] = value
            counters[t1.hex] = round(value * 0.6, 3)
            counters[t2.hex] = round(value - counters[t1.hex], 3)
    return counters


async def add_simulated_meter(
    work: UnitOfWork,
    owner_id: int,
    family: Family,
    *,
    at: datetime,
    name: str | None = None,
    serial: int | None = None,
    guid: uuid.UUID | None = None,
    timezone: str = "Europe/Zurich",
    history: timedelta = timedelta(0),
    step: timedelta = HISTORY_STEP,
) -> service.Meter:
    """A simulated meter with its first reading ``history`` before ``at`` and one every
    ``step`` up to ``at``."""
    title, base_w, pv_peak_w, _ = STARTS[family.key]
    meter = await service.add_meter(
        work, owner_id, family, name=name or title, serial=serial, guid=guid
    )
    profile = meter_model.Profile(
        seed=meter.row.serial, base_w=base_w, pv_peak_w=pv_peak_w, timezone=timezone
    )
    switches = meter_model.initial_switches(family)
    meter.row.state = {**profile.to_state(), "switches": switches}
    moment = at - history
    values = meter_model.measure(family, profile, switches, starting_counters(family), None, moment)
    readings = [service.reading_of(meter, moment, values)]
    while moment + step <= at:
        since, moment = moment, moment + step
        values = meter_model.measure(family, profile, switches, values, since, moment)
        readings.append(service.reading_of(meter, moment, values))
    await service.record_readings(work, readings)
    return meter


async def seed_demo(database: Database, settings: Settings, user: User) -> None:
    """Idempotent: a user who has simulated meters already keeps them."""
    del settings
    async with UnitOfWork.begin(database, InProcessBus()) as work:
        existing = await service.meters(work, user.id)
        if any(meter.family.simulated for meter in existing):
            return
        now = datetime.now(UTC)
        zone = user.timezone if user.timezone != "UTC" else "Europe/Zurich"
        for family in (SINGLE_PHASE, THREE_PHASE, WATER, GAS, CHARGING_STATION):
            await add_simulated_meter(work, user.id, family, at=now, timezone=zone, history=HISTORY)
