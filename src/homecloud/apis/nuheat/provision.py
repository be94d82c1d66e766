"""Setting thermostats up: groups, thermostats with a default schedule, and their history.

Used by the demo and the CLI (and by tests); the API itself cannot add thermostats, as the
vendor's cannot (they are paired in the vendor's app).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from homecloud.apis.nuheat import repository
from homecloud.apis.nuheat.models import DEFAULT_AWAY_SET_POINT, NuheatGroup
from homecloud.apis.nuheat.thermostat_state import HOUR_MS, ThermostatState, simulate
from homecloud.core.database import Database
from homecloud.core.devices import DeviceRegistry
from homecloud.core.models import Device
from homecloud.core.series import Point, ensure_series, write_points_sync
from homecloud.core.statements import inserted
from homecloud.core.timebuckets import time_zone

BACKFILL_STEP_MS = 300_000


async def add_group(
    session: AsyncSession, owner_id: int, name: str, away_set_point: int = DEFAULT_AWAY_SET_POINT
) -> NuheatGroup:
    return await inserted(
        session,
        NuheatGroup(owner_id=owner_id, name=name, away_mode=False, away_set_point=away_set_point),
    )


async def add_thermostat(
    session: AsyncSession,
    owner_id: int,
    serial: str,
    name: str,
    *,
    group_id: int | None = None,
    tz: str = "UTC",
    started_ms: int,
) -> Device:
    """A thermostat in a room at 20 °C, following the default schedule, simulated from
    ``started_ms`` on."""
    time_zone(tz)  # a ValueError for a name that is no zone
    # Rooms differ: a mat of 120 to 180 W/m², an envelope from snug to draughty, fixed per
    # serial so that a thermostat keeps its room.
    spread = int.from_bytes(hashlib.sha256(serial.encode()).digest()[:4], "big") / 2**32
    state = ThermostatState(
        time_zone=tz,
        group_id=group_id,
        simulated_until_ms=started_ms,
        heater_w_per_m2=round(120 + 60 * spread, 1),
        loss_w_per_m2k=round(1.8 + 1.4 * (1 - spread), 2),
    )
    device = await DeviceRegistry(session, owner_id).add(
        repository.FACE,
        repository.KIND,
        serial,
        name=name,
        attributes=state.to_attributes(),
    )
    await ensure_series(session, device.id, repository.RELAY_SERIES, unit="min")
    return device


async def backfill(
    database: Database,
    device_id: int,
    until_ms: int,
    on_progress: Callable[[], None] | None = None,
) -> None:
    """Simulates the thermostat from where it is up to ``until_ms`` and stores the relay's
    minutes of every hour; ``on_progress`` is called after each simulated day."""
    day_ms = 24 * HOUR_MS

    def work(session: Session) -> None:
        device = session.get(Device, device_id)
        assert device is not None
        series_id = repository.relay_series_id_sync(session, device_id)
        state = ThermostatState.from_attributes(device.attributes)
        while state.simulated_until_ms < until_ms:
            chunk_end = min(until_ms, state.simulated_until_ms + day_ms)
            state, hours = simulate(state, chunk_end, None, step_ms=BACKFILL_STEP_MS)
            write_points_sync(
                session,
                [Point(series_id, hour.hour_ms, hour.minutes) for hour in hours],
                replace=True,
            )
            if on_progress is not None:
                on_progress()
        device.attributes = state.to_attributes()

    await database.run_in_transaction(work)
