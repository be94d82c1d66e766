"""The demo: an account, a ready client application per face, and each face's demo devices.

``homecloud serve --demo`` calls :func:`prepare_demo` before the server starts. It is
idempotent: started again on the same data directory it resets the demo password and the demo
clients' secrets (secrets are stored hashed, so new ones are the only ones it can print), and
brings the clients' redirect URIs up to the current base URL.

A demo client's codes land on homecloud's own page, ``/demo/callback/<face>``
(:mod:`homecloud.democallback`), which shows the code and the token request to make with it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from homecloud.apis import FACES
from homecloud.core.database import Database
from homecloud.core.models import User
from homecloud.core.users import create_user, find_by_login, set_password
from homecloud.faces import DemoAccess, Face, demo_client_id
from homecloud.identity.clients import get_client, register_client, rotate_secret
from homecloud.settings import Settings

DEMO_EMAIL = "demo@homecloud.local"
# Kept for scripts written against the first demo, which listened there themselves.
DEMO_REDIRECT_URIS = ("http://127.0.0.1:8765/callback", "http://localhost:8765/callback")
CALLBACK_PATH = "/demo/callback"


@dataclass(frozen=True)
class DemoClient:
    face: str
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...] = ()


@dataclass
class Demo:
    user: User
    password: str
    clients: list[DemoClient] = field(default_factory=list)

    def access(self, client: DemoClient, base_url: str) -> DemoAccess:
        """What a face's "try it" command is made of."""
        return DemoAccess(
            base_url=base_url,
            email=self.user.email,
            username=self.user.username or self.user.email,
            password=self.password,
            client_id=client.client_id,
            client_secret=client.client_secret,
            redirect_uri=callback_uri(base_url, client.face),
        )


def callback_uri(base_url: str, face: str) -> str:
    return f"{base_url}{CALLBACK_PATH}/{face}"


def demo_redirect_uris(base_url: str, face: Face) -> tuple[str, ...]:
    """The demo page first, then the face's Swagger UI, then the old ones."""
    return (
        callback_uri(base_url, face.name),
        base_url + face.swagger_redirect,
        *DEMO_REDIRECT_URIS,
    )


async def prepare_demo(database: Database, settings: Settings, faces: list[str]) -> Demo:
    password = settings.demo_password or secrets.token_urlsafe(12)
    async with database.session(write=True) as session:
        user = await find_by_login(session, DEMO_EMAIL)
        if user is None:
            user = await create_user(
                session,
                DEMO_EMAIL,
                password,
                first_name="Demo",
                last_name="User",
                username="demo",
                timezone="Europe/Zurich",
            )
        else:
            await set_password(session, user, password)
    demo = Demo(user, password)
    for face in FACES:
        if face.name not in faces:
            continue
        redirect_uris = demo_redirect_uris(settings.base_url, face)
        demo.clients.append(await ensure_demo_client(database, face, user, redirect_uris))
        if face.demo is not None:
            await face.demo.load()(database, settings, user)
    return demo


async def ensure_demo_client(
    database: Database, face: Face, owner: User, redirect_uris: tuple[str, ...]
) -> DemoClient:
    client_id = demo_client_id(face.name)
    async with database.session(write=True) as session:
        existing = await get_client(session, client_id)
        if existing is not None:
            # The base URL (its port) may differ from the last start, and a newer homecloud
            # may give the demo client other scopes.
            existing.redirect_uris = list(redirect_uris)
            existing.scope = face.demo_client_scope
            secret = await rotate_secret(session, existing)
            return DemoClient(face.name, client_id, secret, redirect_uris)
        issued = await register_client(
            session,
            face=face.name,
            name=f"homecloud demo ({face.issuer.title})",
            client_id=client_id,
            redirect_uris=redirect_uris,
            # The grants a typical integration of the vendor uses.
            grant_types=face.demo_grants,
            scope=face.demo_client_scope,
            # Machine tokens (client_credentials) act for the demo user.
            owner_id=owner.id if "client_credentials" in face.demo_grants else None,
        )
        assert issued.client_secret is not None
        return DemoClient(face.name, client_id, issued.client_secret, redirect_uris)
