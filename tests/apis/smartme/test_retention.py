"""Forgetting old readings (``HOMECLOUD_SMARTME__READINGS_KEEP_DAYS``): what is older than the
window goes, a meter and a day at a time; what is newer, the meters' latest values and
other meters' readings stay; nothing is forgotten unless a window is set."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from homecloud.apis.smartme import obis, repository, service
from homecloud.apis.smartme.families import REST_API
from homecloud.apis.smartme.readings import Reading, micros_of
from homecloud.apis.smartme.retention import ReadingsRetention, retention_background
from homecloud.apis.smartme.settings import SmartMeSettings
from homecloud.core.database import Database
from homecloud.core.events import InProcessBus
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.sim.clock import ManualClock
from tests.apis.smartme.test_simulation import new_owner

NOW = datetime(2026, 7, 25, 12, 0, tzinfo=UTC)


async def meter_with_history(database: Database, owner: int, days: int) -> service.Meter:
    """A meter with a reading every six hours over the last ``days`` days, its counter
    growing, the newest at :data:`NOW`."""
    async with UnitOfWork.begin(database, InProcessBus()) as work:
        meter = await service.add_meter(work, owner, REST_API, name="posted")
        readings = [
            Reading(
                uuid.UUID(meter.guid),
                owner,
                meter.row.serial,
                NOW - timedelta(hours=6 * step),
                {obis.ENERGY_IMPORT.hex: float(days * 4 - step)},
            )
            for step in range(days * 4, -1, -1)
        ]
        await service.record_readings(work, readings)
    return meter


async def reading_times(database: Database, meter: service.Meter) -> list[int]:
    async with database.session() as session:
        found = await repository.readings_between(
            session, meter.device.id, 0, micros_of(NOW), 10_000
        )
    return [at_us for at_us, _ in found]


async def test_readings_older_than_the_window_are_forgotten_and_the_rest_stay(
    database: Database,
) -> None:
    owner = await new_owner(database)
    old, young = (
        await meter_with_history(database, owner, 10),
        await meter_with_history(database, owner, 2),
    )
    retention = ReadingsRetention(database, keep_days=4, clock=ManualClock(micros_of(NOW) // 1000))
    cutoff = micros_of(NOW - timedelta(days=4))
    before = await reading_times(database, old)
    assert len(before) == 41

    # Ten days of backlog: more than one day's slice, all of it in one sweep.
    assert await retention.sweep() == sum(1 for at in before if at < cutoff) == 24
    kept = await reading_times(database, old)
    assert kept == [at for at in before if at >= cutoff]
    assert len(await reading_times(database, young)) == 9  # all within the window
    async with UnitOfWork.begin(database, InProcessBus(), write=False) as work:
        latest = await service.meter(work, owner, uuid.UUID(old.guid))
    assert latest.row.value_date_us == micros_of(NOW)
    assert latest.row.latest == {obis.ENERGY_IMPORT.hex: 40.0}
    assert await retention.sweep() == 0  # nothing left to forget


def test_only_a_set_window_starts_the_sweep(database: Database) -> None:
    assert retention_background(database, SmartMeSettings()) == ()
    (sweep,) = retention_background(database, SmartMeSettings(readings_keep_days=30))
    assert callable(sweep)
