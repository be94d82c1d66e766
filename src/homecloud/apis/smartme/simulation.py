"""The meters' simulation: every simulated meter of every user reports a reading every
``report_interval`` seconds (:mod:`.meter_model` says what it measures), all of a turn in
one unit of work through :func:`.service.record_readings`, so that the readings, the meters'
latest values and whatever else listens to new readings commit together.

Tests call :meth:`Simulation.step` with a :class:`~homecloud.sim.clock.ManualClock`; the
server runs :meth:`Simulation.run`, which steps while this process holds the simulation's
lease, so that of several processes sharing a database exactly one simulates.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, NamedTuple

from homecloud.apis.smartme import meter_model, repository, service
from homecloud.apis.smartme.families import CHARGING_STATION, SIMULATED, Family, family_of
from homecloud.apis.smartme.readings import Reading, from_micros
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.sim.stepping import SteppedSimulation

LEASE: Final = "smartme-simulation"
# A meter whose last reading is this close to a full interval old reports now (the loop
# sleeps a whole interval after its work, so it never comes back early).
SLACK: Final = 0.9
# Longer gaps than this are measured on a worker thread.
CATCH_UP_US: Final = 3_600_000_000
# A real smart-me meter reports at most once a second.
MIN_INTERVAL_SECONDS: Final = 1.0


class Job(NamedTuple):
    """What measuring one meter needs, read before the write transaction begins."""

    guid: str
    family: Family
    profile: meter_model.Profile
    switches: dict[str, bool]
    latest: dict[str, float]
    since_us: int | None


def measure_all(jobs: list[Job], at: datetime) -> list[dict[str, float]]:
    """Each due meter's reading at ``at`` (pure arithmetic, safe on a worker thread)."""
    return [
        meter_model.measure(
            job.family,
            job.profile,
            job.switches,
            job.latest,
            None if job.since_us is None else from_micros(job.since_us),
            at,
        )
        for job in jobs
    ]


@dataclass(eq=False)
class Simulation(SteppedSimulation):
    lease = LEASE
    min_interval_seconds = MIN_INTERVAL_SECONDS

    # A meter reports every five seconds unless told otherwise.
    interval_seconds: float = field(default=5.0, kw_only=True)
    # The latest end of a meter's fast sending seen by the last turn (µs since the epoch).
    fast_until_us: int = field(default=0, init=False)

    def pause_seconds(self) -> float:
        """A turn every second while a meter sends fast, else every ``interval_seconds``."""
        if self.clock.now_ms() * 1000 < self.fast_until_us:
            return MIN_INTERVAL_SECONDS
        return self.interval_seconds

    async def step(self) -> list[Reading]:
        """One turn: a reading from every simulated meter that is due; returns them.

        The meters are read, measured (on a worker thread when there are hours to catch up)
        and only then written, in one unit of work, so that no write lock is held while the
        arithmetic runs; a meter that changed in between (switched, say) waits for the next
        turn."""
        at = datetime.fromtimestamp(self.clock.now_ms() / 1000, UTC)
        at_us = self.clock.now_ms() * 1000
        async with self.database.session() as session:
            meters = await repository.simulated_meters(session, [f.key for f in SIMULATED])
            fast_until = [int(row.state.get(service.FAST_UNTIL, 0)) for _, row in meters]
            self.fast_until_us = max(fast_until, default=0)
            jobs = [
                Job(
                    row.guid,
                    family_of(device.kind),
                    meter_model.Profile.from_state(row.state),
                    dict(row.state.get("switches", {})),
                    dict(row.latest),
                    row.value_date_us,
                )
                for (device, row), until_us in zip(meters, fast_until, strict=True)
                if row.value_date_us is None
                or at_us - row.value_date_us >= self._due_us(fast=at_us <= until_us)
            ]
        if not jobs:
            return []
        oldest = min((job.since_us for job in jobs if job.since_us is not None), default=at_us)
        if at_us - oldest > CATCH_UP_US:
            measured = await asyncio.to_thread(measure_all, jobs, at)
        else:
            measured = measure_all(jobs, at)
        async with UnitOfWork.begin(self.database, self.bus) as work:
            rows = await repository.meters_by_guid(await work.session(), [job.guid for job in jobs])
            readings: list[Reading] = []
            for job, values in zip(jobs, measured, strict=True):
                row = rows.get(job.guid)
                if (
                    row is None
                    or row.value_date_us != job.since_us
                    or row.state.get("switches", {}) != job.switches
                ):
                    continue
                shown = {"active_tariff": meter_model.active_tariff(job.profile, at)}
                if job.family is CHARGING_STATION:
                    state = meter_model.charging_state(job.switches, at, job.profile)
                    shown["charging_state"] = int(state)
                if any(row.state.get(key) != value for key, value in shown.items()):
                    row.state = {**row.state, **shown}
                readings.append(Reading(uuid.UUID(row.guid), row.owner_id, row.serial, at, values))
            return await service.record_readings(work, readings)

    def _due_us(self, *, fast: bool) -> int:
        """How old a meter's last reading must be for it to report again."""
        seconds = MIN_INTERVAL_SECONDS if fast else self.interval_seconds
        return int(seconds * 1_000_000 * SLACK)
