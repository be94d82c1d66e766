"""Housekeeping of the identity tables: rows whose every use has passed are deleted.

Every grant adds a row (a service calling client credentials a thousand times an hour adds
a thousand), so without this the tables grow for ever. A grant goes once its access token and
its refresh token (if any) expired more than :data:`KEPT_AFTER_EXPIRY_MS` ago: it can no
longer be used, introspected as active, or replayed to any effect. An authorization code goes
once it expired and no grant descends from it (a refresh reads the sign-in time from its
code, and a replayed code revokes what it issued). Expired browser sessions and device
authorizations go too.

One process sweeps at a time (a lease), every ``interval_seconds``, in batches, so that
SQLite's single writer is never held for long.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy import TextClause, text

from homecloud.core import leases
from homecloud.core.database import Database
from homecloud.core.models import now_ms

log = logging.getLogger("homecloud.identity.housekeeping")

LEASE = "identity-housekeeping"
KEPT_AFTER_EXPIRY_MS = 24 * 3600 * 1000
BATCH = 1000

_EXPIRED_GRANTS = text(
    "DELETE FROM oauth_grants WHERE id IN (SELECT id FROM oauth_grants"
    " WHERE access_expires_at < :cutoff"
    " AND (refresh_expires_at IS NULL OR refresh_expires_at < :cutoff) LIMIT :batch)"
)
_SPENT_CODES = text(
    "DELETE FROM oauth_codes WHERE code_hash IN (SELECT c.code_hash FROM oauth_codes c"
    " WHERE c.expires_at < :cutoff AND NOT EXISTS"
    " (SELECT 1 FROM oauth_grants g WHERE g.code_hash = c.code_hash) LIMIT :batch)"
)
_EXPIRED_SESSIONS = text(
    "DELETE FROM browser_sessions WHERE id_hash IN"
    " (SELECT id_hash FROM browser_sessions WHERE expires_at < :cutoff LIMIT :batch)"
)

_EXPIRED_DEVICE_AUTHORIZATIONS = text(
    "DELETE FROM oauth_device_authorizations WHERE id IN"
    " (SELECT id FROM oauth_device_authorizations WHERE expires_at < :cutoff LIMIT :batch)"
)


@dataclass(frozen=True)
class Swept:
    grants: int
    codes: int
    sessions: int
    device_authorizations: int = 0


async def sweep(database: Database, *, now: int | None = None, batch: int = BATCH) -> Swept:
    """Deletes what has expired by ``now`` (grants and codes: a day before it); counts it."""
    at = now_ms() if now is None else now
    cutoff = at - KEPT_AFTER_EXPIRY_MS
    # Grants first: a code is kept while a grant descends from it.
    grants = await _delete_in_batches(database, _EXPIRED_GRANTS, cutoff, batch)
    codes = await _delete_in_batches(database, _SPENT_CODES, cutoff, batch)
    sessions = await _delete_in_batches(database, _EXPIRED_SESSIONS, at, batch)
    devices = await _delete_in_batches(database, _EXPIRED_DEVICE_AUTHORIZATIONS, at, batch)
    return Swept(grants, codes, sessions, devices)


async def _delete_in_batches(
    database: Database, statement: TextClause, cutoff: int, batch: int
) -> int:
    total = 0
    while True:
        async with database.session(write=True) as session:
            result = await session.execute(statement, {"cutoff": cutoff, "batch": batch})
        deleted = int(getattr(result, "rowcount", 0) or 0)
        total += deleted
        if deleted < batch:
            return total
        await asyncio.sleep(0)  # let requests in between batches


async def run_housekeeping(database: Database, interval_seconds: float) -> None:
    """Sweeps every ``interval_seconds`` while this process holds the lease."""

    async def turn() -> None:
        swept = await sweep(database)
        if swept.grants or swept.codes or swept.sessions or swept.device_authorizations:
            log.info(
                "deleted %d expired grants, %d codes, %d browser sessions,"
                " %d device authorizations",
                swept.grants,
                swept.codes,
                swept.sessions,
                swept.device_authorizations,
            )

    await leases.repeat_while_holding(database, LEASE, interval_seconds, turn)
