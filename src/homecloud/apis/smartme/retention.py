"""Forgetting old readings (``HOMECLOUD_SMARTME__READINGS_KEEP_DAYS``).

smart-me keeps a meter's history for as long as the meter exists, and so does homecloud by
default. A deployment that does not want to (a meter reporting every five seconds writes
17,280 readings a day, every second while it sends fast) sets how many days to keep: once an
hour, one process (a lease) deletes every reading older than that, one meter and at most one
day of its readings per short transaction, so that neither the write lock nor the
transaction log grows with the backlog. A meter's latest values live on the meter itself
(``Values``, ``Devices``), so they stay whatever is forgotten; ``ValuesInPast`` and
``ValuesInPastMultiple`` then find nothing before the window.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final

from homecloud.apis.smartme import repository
from homecloud.apis.smartme.settings import SmartMeSettings
from homecloud.core.database import Database
from homecloud.core.leases import repeat_while_holding
from homecloud.sim.clock import Clock, SystemClock

LEASE: Final = "smartme-readings-retention"
INTERVAL_SECONDS: Final = 3600.0
DAY_US: Final = 86_400_000_000


@dataclass(eq=False)
class ReadingsRetention:
    database: Database
    keep_days: int
    clock: Clock = field(default_factory=SystemClock)

    async def sweep(self) -> int:
        """Deletes every reading older than ``keep_days``; returns how many it deleted."""
        before_us = self.clock.now_ms() * 1000 - self.keep_days * DAY_US
        async with self.database.session() as session:
            device_ids = await repository.meter_device_ids(session)
        deleted = 0
        for device_id in device_ids:
            while True:
                async with self.database.session(write=True) as session:
                    count = await repository.forget_readings(session, device_id, before_us, DAY_US)
                if not count:
                    break
                deleted += count
        return deleted

    async def run(self) -> None:
        """Sweeps every hour while this process holds the lease."""
        await repeat_while_holding(self.database, LEASE, INTERVAL_SECONDS, self.sweep)


def retention_background(
    database: Database, settings: SmartMeSettings
) -> tuple[Callable[[], Awaitable[None]], ...]:
    """The sweep of old readings, when the deployment keeps only so many days of them."""
    if settings.readings_keep_days is None:
        return ()
    return (ReadingsRetention(database, settings.readings_keep_days).run,)
