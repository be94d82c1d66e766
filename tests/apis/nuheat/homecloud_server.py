"""The whole application on a real socket, with Nuheat users signed in through the real
authorization-code flow, for tests of the notification hub and its clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from homecloud.app import create_app
from homecloud.core import migrations
from homecloud.core.events import ChangeEvent
from homecloud.core.users import create_user
from homecloud.identity.clients import register_client
from homecloud.services import Services
from homecloud.settings import Settings
from tests.conftest import free_port
from tests.identity.person import pkce_pair, sign_in
from tests.realtime.serving import serving

REDIRECT = "https://app.example/cb"
PASSWORD = "password-1"


@dataclass
class Homecloud:
    url: str
    services: Services

    async def publish(self, kind: str, owner_id: int, resource_id: str, at_ms: int) -> None:
        """What the Nuheat resources do after a change a client can see."""
        await self.services.events.publish(
            ChangeEvent("nuheat", kind, owner_id, resource_id, at_ms=at_ms)
        )

    async def user_token(self, email: str) -> tuple[int, str]:
        """A new user and a Nuheat access token of theirs (scope ``openid openapi``)."""
        async with self.services.database.session(write=True) as session:
            user = await create_user(session, email, PASSWORD)
            issued = await register_client(
                session,
                face="nuheat",
                name="Notifications test",
                redirect_uris=[REDIRECT],
                require_consent=False,
                scope="openid openapi",
            )
        assert issued.client_secret is not None
        verifier, challenge = pkce_pair()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": issued.client.client_id,
                "redirect_uri": REDIRECT,
                "scope": "openid openapi",
                "state": "s",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        async with httpx.AsyncClient(base_url=self.url) as http:
            signed_in = await sign_in(
                http, f"/nuheat/identity/connect/authorize?{query}", email, PASSWORD
            )
            redirected = await http.get(signed_in.headers["location"])
            code = parse_qs(urlsplit(redirected.headers["location"]).query)["code"][0]
            exchanged = await http.post(
                "/nuheat/identity/connect/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": REDIRECT,
                    "code_verifier": verifier,
                },
                auth=(issued.client.client_id, issued.client_secret),
            )
        assert exchanged.status_code == 200, exchanged.text
        return user.id, str(exchanged.json()["access_token"])


@asynccontextmanager
async def running_homecloud(data_dir: Path) -> AsyncIterator[Homecloud]:
    port = free_port()
    settings = Settings(data_dir=data_dir, port=port, host="127.0.0.1")
    services = Services.from_settings(settings)
    await migrations.upgrade(services.database)
    async with serving(create_app(settings, services), lifespan="on", port=port) as url:
        yield Homecloud(url, services)
