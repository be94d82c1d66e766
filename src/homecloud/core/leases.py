"""Leases: at most one process at a time does a named piece of work.

Several app processes (workers, nodes) share one database, but some work must run once, not
once per process: a device simulation, say. Each process asks :func:`acquire` periodically;
the holder renews its lease before it lapses, the others are refused until it does lapse
(the holder stopped or hung), and then one of them takes over.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import BigInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from homecloud.core.database import Database
from homecloud.core.models import Base, now_ms

log = logging.getLogger("homecloud.leases")


class Lease(Base):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[int] = mapped_column(BigInteger)


# Both statements run in one transaction. The first makes sure the row exists (a no-op when
# it does); the second takes it only from its own holder or once it has lapsed, so of two
# processes racing for a lapsed lease exactly one updates the row.
_ENSURE = text(
    "INSERT INTO leases (name, holder, expires_at) VALUES (:name, '', 0) "
    "ON CONFLICT (name) DO NOTHING"
)
_TAKE = text(
    "UPDATE leases SET holder = :holder, expires_at = :expires_at "
    "WHERE name = :name AND (holder = :holder OR expires_at <= :now)"
)
_RELEASE = text("UPDATE leases SET expires_at = 0 WHERE name = :name AND holder = :holder")


async def acquire(
    database: Database, name: str, holder: str, ttl_ms: int, *, now: int | None = None
) -> bool:
    """Takes or renews lease ``name`` for ``holder`` until ``now + ttl_ms``; False when
    another holder's lease has not lapsed yet."""
    at = now_ms() if now is None else now
    async with database.session(write=True) as session:
        await session.execute(_ENSURE, {"name": name})
        result = await session.execute(
            _TAKE, {"name": name, "holder": holder, "expires_at": at + ttl_ms, "now": at}
        )
    return bool(getattr(result, "rowcount", 0))


async def release(database: Database, name: str, holder: str) -> None:
    """Gives the lease up at once (on shutdown), so another process need not wait it out."""
    async with database.session(write=True) as session:
        await session.execute(_RELEASE, {"name": name, "holder": holder})


def new_holder() -> str:
    """A holder name unique to this process and call: host, process id, random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def repeat_while_holding(
    database: Database,
    name: str,
    interval_seconds: float,
    work: Callable[[], Awaitable[Any]],
    *,
    holder: str | None = None,
    pause: Callable[[], float] | None = None,
) -> None:
    """Runs ``work`` every ``interval_seconds`` while this process holds lease ``name`` (for
    three intervals at a time, renewed each turn); idles while another holds it. A failed turn
    (the database restarting, say) is logged and tried again next time. The lease is given up
    when the loop is cancelled, so another process takes over at once.

    ``pause``, when given, says after each turn how long to wait before the next one (at most
    ``interval_seconds``): a simulation with a device reporting faster for a while asks for
    shorter turns until it is done."""
    holder = holder or new_holder()
    ttl_ms = int(interval_seconds * 3 * 1000)
    try:
        while True:
            try:
                if await acquire(database, name, holder, ttl_ms):
                    await work()
            except Exception:
                log.exception("%s failed", name)
            await asyncio.sleep(min(pause(), interval_seconds) if pause else interval_seconds)
    finally:
        try:
            await release(database, name, holder)
        except Exception:
            log.warning("could not release lease %s", name, exc_info=True)
