"""The simulation loop: every thermostat of every user, moved forward in time.

:meth:`Simulation.step` advances each thermostat to the clock's now (its room, its relay, its
modes), persists it, records the relay's on-minutes per hour in the ``relay_minutes`` series,
and publishes a change event for each thermostat a client would see differently. Tests call
it with a :class:`~homecloud.sim.clock.ManualClock`; the server runs :meth:`Simulation.run`,
which steps at an interval while this process holds the simulation's lease, so that of
several workers or nodes sharing a database exactly one simulates.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.apis.nuheat import repository
from homecloud.apis.nuheat.service import Thermostat, event
from homecloud.apis.nuheat.thermostat_state import LIVE_STEP_MS, ThermostatState, settle, simulate
from homecloud.core.events import ChangeEvent
from homecloud.core.series import Point, ensure_series, write_points
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.sim.stepping import DeviceByDeviceSimulation

LEASE = "nuheat-simulation"
DAY_MS = 86_400_000
# After a long stop, catch up at a coarser step (the room model stays stable at 5 minutes).
CATCH_UP_STEP_MS = 300_000
# A server that was off longer than this resumes the rooms from where they are today.
MAX_CATCH_UP_MS = 400 * DAY_MS


def _visible(thermostat: Thermostat) -> tuple[Any, ...]:
    view = thermostat.v1(0)
    del view["tzOffset"]
    return tuple(view.values())


class Simulation(DeviceByDeviceSimulation[ChangeEvent]):
    lease = LEASE
    log = logging.getLogger("homecloud.nuheat.simulation")
    device_noun = "thermostat"

    async def device_ids(self, session: AsyncSession) -> list[int]:
        return [device_id for device_id, _owner in await repository.every_thermostat(session)]

    async def advance(self, device_id: int, now: int) -> ChangeEvent | None:
        """Moves one thermostat; its change event, published once committed, if a client
        would see it differently."""
        async with UnitOfWork.begin(self.database, self.bus) as work:
            session = await work.session()
            device = await repository.thermostat_by_id(session, device_id)
            if device is None:  # removed since the list was read
                return None
            state = ThermostatState.from_attributes(device.attributes)
            if state.simulated_until_ms >= now:
                return None
            away = await repository.away_set_points(session, device.owner_id)
            away_set_point = away.get(state.group_id) if state.group_id is not None else None
            before = _visible(
                Thermostat(
                    device.serial,
                    device.name,
                    settle(state, state.simulated_until_ms, away_set_point),
                )
            )
            if state.simulated_until_ms and now - state.simulated_until_ms > MAX_CATCH_UP_MS:
                state.simulated_until_ms = now - MAX_CATCH_UP_MS
            if now - state.simulated_until_ms > DAY_MS:
                # Days to catch up after a stop: seconds of arithmetic, kept off the event loop.
                state, hours = await asyncio.to_thread(
                    simulate, state, now, away_set_point, step_ms=CATCH_UP_STEP_MS
                )
            else:
                state, hours = simulate(state, now, away_set_point, step_ms=LIVE_STEP_MS)
            series = await ensure_series(session, device.id, repository.RELAY_SERIES, unit="min")
            await write_points(
                session,
                [Point(series.id, hour.hour_ms, hour.minutes) for hour in hours],
                replace=True,
            )
            device.attributes = state.to_attributes()
            after = _visible(Thermostat(device.serial, device.name, state))
            if before == after:
                return None
            change = event("thermostat", device.owner_id, device.serial)
            work.publish(change)
        return change
