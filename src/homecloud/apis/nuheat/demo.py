"""The demo's Nuheat thermostats: a house with three heated floors and 13 months of history.

Idempotent: thermostats that exist are kept, and only the time since they were last
simulated is filled in (a demo interrupted while back-filling resumes where it stopped).
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from homecloud.apis.nuheat import repository
from homecloud.apis.nuheat.provision import add_group, add_thermostat, backfill
from homecloud.apis.nuheat.thermostat_state import HOUR_MS, ThermostatState
from homecloud.core.database import Database
from homecloud.core.models import User, now_ms
from homecloud.settings import Settings

ROOMS = ("Bathroom", "Kitchen", "Basement")
HISTORY_DAYS = 400  # a little over 13 months, so that last year's same month is complete


def demo_serial(user_id: int, index: int) -> str:
    """Eight digits, as the vendor's serial numbers look."""
    return f"{10_000_000 + user_id * 10 + index}"


async def seed_demo(database: Database, _settings: Settings, user: User) -> None:
    now = now_ms()
    started = now - HISTORY_DAYS * 24 * HOUR_MS
    async with database.session(write=True) as session:
        existing = {
            device.serial: device for device in await repository.thermostats(session, user.id)
        }
        groups = await repository.groups(session, user.id)
        group = groups[0] if groups else await add_group(session, user.id, "Home")
        for index, room in enumerate(ROOMS, start=1):
            serial = demo_serial(user.id, index)
            if serial not in existing:
                existing[serial] = await add_thermostat(
                    session,
                    user.id,
                    serial,
                    room,
                    group_id=group.id,
                    tz=user.timezone,
                    started_ms=started,
                )
        behind = {
            device.id: ThermostatState.from_attributes(device.attributes).simulated_until_ms
            for device in existing.values()
        }
    days = sum(max(0, (now - since) // (24 * HOUR_MS)) for since in behind.values())
    with Progress(
        TextColumn("Nuheat history"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("days", total=days)
        for device_id, since in behind.items():
            if now - since > HOUR_MS:
                await backfill(database, device_id, now, lambda: progress.advance(task))
