"""The simulation loop: every MClimate controller moved forward in time.

:meth:`Simulation.step` advances each controller to the clock's now (the AC's room, Bobbie's
tank and energy counter, the plug's relay timers, Vicki's motor and room), stores its state
and its latest sensor record, adds a record to its history every ``history_seconds``, and
publishes a change event for each controller whose live data a client would see differently.
Tests call it with a :class:`~homecloud.sim.clock.ManualClock`; the server runs
:meth:`Simulation.run`, which steps at an interval while this process holds the
simulation's lease, so that of several workers sharing a database exactly one simulates.
Every step is deterministic: the same states and times give the same results.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.apis.mclimate import repository, service
from homecloud.core.events import ChangeEvent
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.sim.stepping import DeviceByDeviceSimulation

LEASE = "mclimate-simulation"


@dataclass(eq=False)
class Simulation(DeviceByDeviceSimulation[ChangeEvent]):
    lease = LEASE
    log = logging.getLogger("homecloud.mclimate.simulation")
    device_noun = "controller"

    # How often a controller's sensor record goes into its history.
    history_seconds: float = field(default=300.0, kw_only=True)

    @property
    def history_ms(self) -> int:
        return round(self.history_seconds * 1000)

    async def device_ids(self, session: AsyncSession) -> list[int]:
        return await repository.every_controller(session)

    async def advance(self, device_id: int, now: int) -> ChangeEvent | None:
        """Moves one controller; its change event, published once committed, if a client
        would see it differently."""
        async with UnitOfWork.begin(self.database, self.bus) as work:
            session = await work.session()
            found = await repository.controller_for_update(session, None, device_id=device_id)
            if found is None:  # removed since the list was read
                return None
            device, controller = found
            if controller.simulated_until >= now:
                return None
            before = controller.controller_log
            kind, state, command_log = await service.moved(session, device, controller, now)
            record = service.store(device, controller, kind, state, command_log, now)
            last = await repository.last_log_at(session, device.id)
            if last is None or now - last >= self.history_ms:
                await repository.add_log(session, device.id, now, record)
                await repository.forget_logs_before(
                    session, device.id, now - service.HISTORY_DAYS * 86_400_000
                )
            if _without_time(before) == _without_time(controller.controller_log):
                return None
            change = service.event(device.owner_id, device.serial, controller_log=record)
            work.publish(change)
        return change


def _without_time(record_text: str) -> str:
    """A sensor record without its times, to tell a changed reading from a newer one."""
    record = orjson.loads(record_text)
    for key in ("created", "timeOfRecord", "uptime"):
        record.pop(key, None)
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()
