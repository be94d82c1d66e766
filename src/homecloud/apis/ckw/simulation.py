"""CKW's simulated smart meters, on ``sim/``: a household's consumption and, where there is
one, a PV plant's production, in 15-minute kWh values.

Like CKW's meters (spec ckw.md §9), a meter collects its quarter-hours and sends them once a
day: by default the previous day's arrive at 06:00, so today is empty and yesterday complete
after breakfast. ``delivery_every_hours`` makes them arrive more often (every 6 hours: today
is partial). Now and then a meter's radio loses some quarter-hours: some gaps stay missing,
others arrive as estimates (the network operator's substitute values).

Everything is deterministic per metering point seed and quarter-hour, so a back-fill of two
years and the daily deliveries after it write the same values.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from homecloud.apis.ckw import names, repository, service
from homecloud.apis.ckw.query import ZONE
from homecloud.apis.ckw.settings import CkwSettings
from homecloud.core.database import Database
from homecloud.sim.clock import Clock, SystemClock
from homecloud.sim.household import Household
from homecloud.sim.noise import uniform
from homecloud.sim.solar import PvPlant

log = logging.getLogger("homecloud.ckw.simulation")

QUARTER_MS = 900_000
SLOTS_PER_DAY = 96
# Per day: the chance of a radio gap, and of a gap being filled with estimates.
GAP_CHANCE = 0.03
ESTIMATED_CHANCE = 0.5
# Written per statement batch: a month of one meter's quarter-hours.
CHUNK_MS = 31 * 86_400_000


@dataclass(frozen=True, slots=True)
class QuarterHour:
    ts_ms: int
    kwh: float
    estimated: bool


def gap_of_day(seed: int, day: int) -> tuple[range, bool] | None:
    """The day's radio gap (its slots of the epoch) and whether it is filled with estimates."""
    if uniform(seed, day, 21) >= GAP_CHANCE:
        return None
    length = 1 + int(uniform(seed, day, 22) * 12)
    first = day * SLOTS_PER_DAY + int(uniform(seed, day, 23) * (SLOTS_PER_DAY - length))
    return range(first, first + length), uniform(seed, day, 24) < ESTIMATED_CHANCE


def quarter_hours(
    direction: names.Direction, seed: int, start_ms: int, end_ms: int
) -> Iterator[QuarterHour]:
    """The values a meter delivers for ``[start_ms, end_ms)`` (quarter-hour aligned); missing
    quarter-hours are left out."""
    model: Household | PvPlant = (
        Household(seed) if direction == names.CONSUMPTION else PvPlant(seed)
    )
    first, last = -(-start_ms // QUARTER_MS), end_ms // QUARTER_MS
    gap: tuple[range, bool] | None = None
    gap_day = None
    for slot in range(first, last):
        day = slot // SLOTS_PER_DAY
        if day != gap_day:
            gap, gap_day = gap_of_day(seed, day), day
        estimated = False
        if gap is not None and slot in gap[0]:
            if not gap[1]:
                continue
            estimated = True
        local = datetime.fromtimestamp(slot * 900, ZONE)
        yield QuarterHour(slot * QUARTER_MS, model.quarter_hour_kwh(local, slot), estimated)


def delivery_horizon(now_ms: int, settings: CkwSettings) -> int:
    """Up to when (exclusive) the meters have delivered at ``now_ms``: the latest delivery
    boundary (local midnight + k * ``delivery_every_hours``, on the wall clock) whose values
    have arrived (``delivery_delay_minutes`` after it)."""
    today = datetime.fromtimestamp(now_ms / 1000, ZONE).date()
    every = settings.delivery_every_hours
    delay_ms = settings.delivery_delay_minutes * 60_000
    for days_back in range(3):
        day = today - timedelta(days=days_back)
        for hours in range(24, 0, -every):
            wall = datetime.combine(day + timedelta(days=hours // 24), time(hours % 24), ZONE)
            boundary_ms = int(wall.timestamp() * 1000)
            if boundary_ms + delay_ms <= now_ms:
                return boundary_ms
    return int(datetime.combine(today - timedelta(days=3), time(), ZONE).timestamp() * 1000)


async def deliver(
    database: Database,
    now_ms: int,
    settings: CkwSettings,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Every simulated meter sends what it has not sent yet, up to the delivery horizon;
    returns how many quarter-hours were written. ``on_progress`` hears each batch's length
    in milliseconds of meter time."""
    horizon = delivery_horizon(now_ms, settings)
    async with database.session() as session:
        meters = list(await repository.simulated_meters(session))
    written = 0
    for meter in meters:
        assert meter.simulation_seed is not None
        start = meter.delivered_until or meter.valid_from
        direction: names.Direction = (
            names.PRODUCTION if meter.energy_direction == names.PRODUCTION else names.CONSUMPTION
        )
        while start < horizon:
            end = min(start + CHUNK_MS, horizon)
            values = list(quarter_hours(direction, meter.simulation_seed, start, end))
            async with database.session(write=True) as session:
                await service.record_values(
                    session,
                    meter,
                    start,
                    end,
                    [(value.ts_ms, value.kwh) for value in values],
                    [value.ts_ms for value in values if value.estimated],
                )
            written += len(values)
            if on_progress is not None:
                on_progress(end - start)
            start = end
    return written


@dataclass
class MeterDelivery:
    """The server's background work: looks for due deliveries every ``check_seconds``."""

    database: Database
    settings: CkwSettings
    clock: Clock = field(default_factory=SystemClock)

    async def run(self) -> None:
        while True:
            try:
                await deliver(self.database, self.clock.now_ms(), self.settings)
            except Exception:  # a failed round is retried at the next check
                log.exception("CKW meter delivery failed")
            await asyncio.sleep(self.settings.check_seconds)
