"""Demo data: each face adds its simulated devices to the demo account.

A face registers a seeder here when it lands; ``homecloud serve --demo`` runs the seeders of
the enabled faces after creating the account. Seeders must be idempotent (the demo is started
again and again on the same data directory).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from homecloud.core.database import Database
from homecloud.core.models import User
from homecloud.settings import Settings

DemoSeeder = Callable[[Database, Settings, User], Awaitable[None]]

DEMO_SEEDERS: dict[str, DemoSeeder] = {}


async def seed_demo(database: Database, settings: Settings, user: User) -> None:
    for name in settings.faces.enabled():
        seeder = DEMO_SEEDERS.get(name)
        if seeder is not None:
            await seeder(database, settings, user)
