"""The demo account's CKW installation: a household in Lucerne with a heat pump and a PV
plant, two years of 15-minute values back-filled through the core series writer (as the
meters would have delivered them), and a public client registered "PKCE optional", so that
the seed's token request (code, redirect_uri, ``client``; no secret, no verifier) works
exactly as written.

Idempotent: an existing installation is kept, and only what its meters have not delivered yet
is written (an interrupted back-fill resumes where it stopped).
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Final

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from homecloud.apis.ckw import service
from homecloud.apis.ckw.query import ZONE
from homecloud.apis.ckw.repository import customer_of
from homecloud.apis.ckw.settings import CkwSettings
from homecloud.apis.ckw.simulation import deliver, delivery_horizon
from homecloud.core.database import Database
from homecloud.core.events import InProcessBus
from homecloud.core.models import User, now_ms
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.identity.clients import get_client, register_client
from homecloud.settings import Settings

HISTORY_DAYS: Final = 731  # two years
# The seed's app: a public client that sends neither a secret nor a PKCE verifier.
SEED_CLIENT_ID: Final = "ckw-openenergy-app"
DEMO_SEED: Final = 20_250_101
# A progress bar only for work that takes longer than this.
PROGRESS_AFTER_SECONDS: Final = 1.0


def history_start(now: int, days: int = HISTORY_DAYS) -> int:
    """Local midnight ``days`` days before today."""
    today = datetime.fromtimestamp(now / 1000, ZONE).date()
    first = today - timedelta(days=days)
    return int(datetime.combine(first, clock_time(), ZONE).timestamp() * 1000)


def seed_client_redirect_uris(base_url: str) -> list[str]:
    return [
        f"{base_url}/demo/callback/ckw",
        "http://127.0.0.1:8765/callback",
        "http://localhost:8765/callback",
    ]


async def ensure_seed_client(database: Database, base_url: str) -> None:
    async with database.session(write=True) as session:
        existing = await get_client(session, SEED_CLIENT_ID)
        if existing is not None:
            existing.redirect_uris = seed_client_redirect_uris(base_url)
            return
        await register_client(
            session,
            face="ckw",
            name="CKW OpenEnergy app (seed walk)",
            client_id=SEED_CLIENT_ID,
            redirect_uris=seed_client_redirect_uris(base_url),
            grant_types=("authorization_code", "refresh_token"),
            scope="openid profile email offline_access",
            public=True,
            pkce_optional=True,
        )


class LateProgress:
    """A progress bar that appears only once the work has taken over a second."""

    def __init__(self, label: str, total: int) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def advance(self, amount: int) -> None:
        self.done += amount
        if self.bar is None:
            if time.monotonic() - self.started < PROGRESS_AFTER_SECONDS:
                return
            self.bar = Progress(
                TextColumn(self.label),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                disable=not sys.stderr.isatty(),
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=self.total)
        assert self.task is not None
        self.bar.update(self.task, completed=self.done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


async def seed_demo(database: Database, settings: Settings, user: User) -> None:
    face_settings = settings.face_settings(CkwSettings)
    await ensure_seed_client(database, settings.base_url)
    now = now_ms()
    async with UnitOfWork.begin(database, InProcessBus()) as work:
        session = await work.session()
        if await customer_of(session, user.id) is None:
            await service.provision_customer(
                work, user.id, valid_from_ms=history_start(now), with_pv=True, seed=DEMO_SEED
            )
    # Two meters' worth of meter time (progress is reported in milliseconds of it).
    span = delivery_horizon(now, face_settings) - history_start(now)
    progress = LateProgress("CKW meter history", 2 * span)
    try:
        await deliver(database, now, face_settings, on_progress=progress.advance)
    finally:
        progress.close()
