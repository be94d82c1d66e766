"""The whole application on a real socket (on the test's event loop), with Nuheat users signed
in through the real authorization-code flow, for tests of the notification hub and its clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from homecloud.apis.nuheat.provision import add_group, add_thermostat
from homecloud.apis.nuheat.settings import NuheatSettings
from homecloud.core.events import ChangeEvent
from homecloud.core.models import now_ms
from homecloud.core.users import create_user
from homecloud.services import Services
from tests.apis.nuheat.conftest import PASSWORD, issue_token
from tests.serving import running_homecloud as serving_app


@dataclass
class Homecloud:
    url: str
    services: Services

    async def publish(self, kind: str, owner_id: int, resource_id: str, at_ms: int) -> None:
        """What the Nuheat resources do after a change a client can see."""
        await self.services.events.publish(
            ChangeEvent("nuheat", kind, owner_id, resource_id, at_ms=at_ms)
        )

    async def user_token(
        self, email: str, thermostats: tuple[str, ...] = (), scope: str = "openid openapi"
    ) -> tuple[int, str]:
        """A new user, with the given thermostats, and an access token of theirs."""
        async with self.services.database.session(write=True) as session:
            user = await create_user(session, email, PASSWORD)
            group = await add_group(session, user.id, "Home")
            for serial in thermostats:
                await add_thermostat(
                    session, user.id, serial, serial, group_id=group.id, started_ms=now_ms()
                )
        async with httpx.AsyncClient(base_url=self.url) as http:
            return user.id, await issue_token(http, self.services, email, scope)


@asynccontextmanager
async def running_homecloud(
    data_dir: Path, nuheat: NuheatSettings | None = None
) -> AsyncIterator[Homecloud]:
    """Without the thermostat simulation, whose changes would mix with the tests' own."""
    async with serving_app(data_dir, nuheat=nuheat or NuheatSettings(simulation=False)) as running:
        yield Homecloud(running.url, running.services)
