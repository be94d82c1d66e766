"""The meters' simulation: every simulated meter of every user reports a reading every
``report_interval`` seconds (:mod:`.meter_model` says what it measures), all of a turn in
one unit of work through :func:`.service.record_readings`, so that the readings, the meters'
latest values and whatever else listens to new readings commit together.

Tests call :meth:`Simulation.step` with a :class:`~homecloud.sim.clock.ManualClock`; the
server runs :meth:`Simulation.run`, which steps while this process holds the simulation's
lease, so that of several processes sharing a database exactly one simulates.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Final

from homecloud.apis.smartme import meter_model, repository, service
from homecloud.apis.smartme.families import CHARGING_STATION, SIMULATED, family_of
from homecloud.apis.smartme.readings import Reading, from_micros
from homecloud.core import leases
from homecloud.core.database import Database
from homecloud.core.events import EventBus
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.sim.clock import Clock, SystemClock

LEASE: Final = "smartme-simulation"
# A meter whose last reading is this close to a full interval old reports now (the loop
# sleeps a whole interval after its work, so it never comes back early).
SLACK: Final = 0.9
# A real smart-me meter reports at most once a second.
MIN_INTERVAL_SECONDS: Final = 1.0


class Simulation:
    def __init__(
        self,
        database: Database,
        bus: EventBus,
        clock: Clock | None = None,
        *,
        interval_seconds: float = 5.0,
    ) -> None:
        self.database = database
        self.bus = bus
        self.clock = clock or SystemClock()
        self.interval_seconds = max(MIN_INTERVAL_SECONDS, interval_seconds)
        self.holder = leases.new_holder()

    async def step(self) -> list[Reading]:
        """One turn: a reading from every simulated meter that is due; returns them."""
        at = datetime.fromtimestamp(self.clock.now_ms() / 1000, UTC)
        at_us = self.clock.now_ms() * 1000
        due_us = int(self.interval_seconds * 1_000_000 * SLACK)
        async with UnitOfWork.begin(self.database, self.bus) as work:
            session = await work.session()
            meters = await repository.simulated_meters(session, [f.key for f in SIMULATED])
            readings: list[Reading] = []
            for device, row in meters:
                last = row.value_date_us
                if last is not None and at_us - last < due_us:
                    continue
                family = family_of(device.kind)
                profile = meter_model.Profile.from_state(row.state)
                switches = dict(row.state.get("switches", {}))
                values = meter_model.measure(
                    family,
                    profile,
                    switches,
                    dict(row.latest),
                    None if last is None else from_micros(last),
                    at,
                )
                shown = {"active_tariff": meter_model.active_tariff(profile, at)}
                if family is CHARGING_STATION:
                    shown["charging_state"] = int(meter_model.charging_state(switches, at, profile))
                if any(row.state.get(key) != value for key, value in shown.items()):
                    row.state = {**row.state, **shown}
                readings.append(Reading(uuid.UUID(row.guid), row.owner_id, row.serial, at, values))
            return await service.record_readings(work, readings)

    async def run(self) -> None:
        """Steps every interval while holding the lease; idle otherwise."""
        await leases.repeat_while_holding(
            self.database, LEASE, self.interval_seconds, self.step, holder=self.holder
        )
