"""The whole application on a real socket, for tests that need real clients (schemathesis,
vendor client libraries, SignalR clients, subprocess tools).

``running_homecloud`` serves every face on the test's own event loop, on a fresh data
directory migrated to the newest schema; face settings are given by the face's name
(``running_homecloud(tmp_path, mclimate=MClimateSettings(simulation=False))``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from homecloud.app import create_app
from homecloud.core import migrations
from homecloud.services import Services
from homecloud.settings import Settings
from tests.conftest import free_port
from tests.realtime.serving import serving


@dataclass
class Running:
    url: str
    services: Services
    settings: Settings


@asynccontextmanager
async def running_homecloud(
    data_dir: Path, database_url: str | None = None, **faces: BaseModel
) -> AsyncIterator[Running]:
    port = free_port()
    settings = Settings(
        data_dir=data_dir,
        port=port,
        host="127.0.0.1",
        **({"database_url": database_url} if database_url else {}),
        **faces,  # type: ignore[arg-type]
    )
    services = Services.from_settings(settings)
    await migrations.upgrade(services.database)
    async with serving(create_app(settings, services), lifespan="on", port=port) as url:
        yield Running(url, services, settings)
