"""The sweep of the identity tables: what can no longer be used goes, nothing else."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy import select

from homecloud.core.database import Database
from homecloud.core.models import now_ms
from homecloud.core.users import create_user
from homecloud.identity.clients import register_client
from homecloud.identity.housekeeping import KEPT_AFTER_EXPIRY_MS, run_housekeeping, sweep
from homecloud.identity.models import AuthorizationCode, BrowserSession, Grant

HOUR = 3600 * 1000


async def test_the_sweep_deletes_only_what_can_no_longer_be_used(database: Database) -> None:
    now = now_ms()
    long_ago = now - KEPT_AFTER_EXPIRY_MS - HOUR  # expired, and past the day kept after
    lately = now - HOUR  # expired within the day kept
    async with database.session(write=True) as session:
        user = await create_user(session, "ann@example.com", "password-1")
        issued = await register_client(
            session, face="ckw", name="App", redirect_uris=["https://app.example/cb"]
        )

        def code(name: str, expires_at: int) -> AuthorizationCode:
            return AuthorizationCode(
                code_hash=name,
                face="ckw",
                client_id=issued.client.client_id,
                user_id=user.id,
                auth_time=now // 1000,
                expires_at=expires_at,
            )

        def grant(name: str, access: int, refresh: int | None, code_hash: str | None) -> Grant:
            return Grant(
                face="ckw",
                client_id=issued.client.client_id,
                user_id=user.id,
                access_key=name,
                refresh_hash=f"r-{name}" if refresh is not None else None,
                family=name,
                code_hash=code_hash,
                access_expires_at=access,
                refresh_expires_at=refresh,
            )

        session.add_all(
            [
                code("code-of-live-refresh", long_ago),  # kept: a live grant descends from it
                code("code-spent-long-ago", long_ago),
                code("code-expired-lately", lately),
                code("code-live", now + 60_000),
            ]
        )
        await session.flush()
        session.add_all(
            [
                grant("live-access", now + HOUR, None, None),
                grant("expired-access-live-refresh", long_ago, now + HOUR, "code-of-live-refresh"),
                grant("both-expired-long-ago", long_ago, long_ago, "code-spent-long-ago"),
                grant("client-credentials-long-ago", long_ago, None, None),
                grant("expired-lately", lately, None, None),
                BrowserSession(id_hash="gone", user_id=user.id, auth_time=0, expires_at=now - 1),
                BrowserSession(id_hash="here", user_id=user.id, auth_time=0, expires_at=now + HOUR),
            ]
        )

    swept = await sweep(database, now=now, batch=2)  # batches smaller than the work

    assert (swept.grants, swept.codes, swept.sessions) == (2, 1, 1)
    async with database.session() as session:
        grants = set((await session.scalars(select(Grant.access_key))).all())
        codes = set((await session.scalars(select(AuthorizationCode.code_hash))).all())
        sessions = set((await session.scalars(select(BrowserSession.id_hash))).all())
    assert grants == {"live-access", "expired-access-live-refresh", "expired-lately"}
    assert codes == {"code-of-live-refresh", "code-expired-lately", "code-live"}
    assert sessions == {"here"}
    assert await sweep(database, now=now) == type(swept)(0, 0, 0)


async def test_the_server_sweeps_in_the_background(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    now = now_ms()
    async with database.session(write=True) as session:
        user = await create_user(session, "bo@example.com", "password-1")
        session.add(BrowserSession(id_hash="old", user_id=user.id, auth_time=0, expires_at=now - 1))
    caplog.set_level("INFO", logger="homecloud.identity.housekeeping")
    task = asyncio.create_task(run_housekeeping(database, interval_seconds=0.05))
    try:
        for _ in range(200):
            async with database.session() as session:
                if await session.get(BrowserSession, "old") is None:
                    break
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    async with database.session() as session:
        assert await session.get(BrowserSession, "old") is None
    assert "deleted 0 expired grants, 0 codes, 1 browser sessions" in caplog.text
