"""The whole application on a real socket (``tests/serving.py``), with Nuheat users who own
thermostats, signed in through the real authorization-code flow, for tests of the notification
hub and its clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from homecloud.apis.nuheat.provision import add_group, add_thermostat
from homecloud.apis.nuheat.settings import NuheatSettings
from homecloud.core.events import ChangeEvent
from homecloud.core.models import now_ms
from tests.apis.nuheat.conftest import CLIENT_SCOPE
from tests.serving import Running
from tests.serving import running_homecloud as serving_app


@dataclass
class Homecloud(Running):
    """The running app, with what Nuheat's hub tests need of it."""

    async def publish(self, kind: str, owner_id: int, resource_id: str, at_ms: int) -> None:
        """What the Nuheat resources do after a change a client can see."""
        await self.services.events.publish(
            ChangeEvent("nuheat", kind, owner_id, resource_id, at_ms=at_ms)
        )

    async def user_token(
        self, email: str, thermostats: tuple[str, ...] = (), scope: str = "openid openapi"
    ) -> tuple[int, str]:
        """A new user, with the given thermostats, and an access token of theirs."""
        user_id = await self.add_user(email)
        async with self.services.database.session(write=True) as session:
            group = await add_group(session, user_id, "Home")
            for serial in thermostats:
                await add_thermostat(
                    session, user_id, serial, serial, group_id=group.id, started_ms=now_ms()
                )
        return user_id, await self.token(email, scope, client_scope=CLIENT_SCOPE)


@asynccontextmanager
async def running_homecloud(
    data_dir: Path, nuheat: NuheatSettings | None = None
) -> AsyncIterator[Homecloud]:
    """Without the thermostat simulation, whose changes would mix with the tests' own."""
    async with serving_app(data_dir, nuheat=nuheat or NuheatSettings(simulation=False)) as running:
        yield Homecloud(running.url, running.services, running.settings)
