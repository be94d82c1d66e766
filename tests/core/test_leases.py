"""Leases: one holder at a time, renewed by it, taken over once lapsed or released."""

from __future__ import annotations

from homecloud.core import leases
from homecloud.core.database import Database

NOW = 1_800_000_000_000


async def test_only_one_holder_until_the_lease_lapses(database: Database) -> None:
    assert await leases.acquire(database, "work", "a", 30_000, now=NOW)
    assert not await leases.acquire(database, "work", "b", 30_000, now=NOW + 1_000)
    assert await leases.acquire(database, "work", "a", 30_000, now=NOW + 10_000)  # renewed
    assert not await leases.acquire(database, "work", "b", 30_000, now=NOW + 39_000)
    assert await leases.acquire(database, "work", "b", 30_000, now=NOW + 40_000)  # lapsed
    assert not await leases.acquire(database, "work", "a", 30_000, now=NOW + 41_000)


async def test_a_released_lease_is_free_at_once(database: Database) -> None:
    assert await leases.acquire(database, "work", "a", 30_000, now=NOW)
    await leases.release(database, "work", "b")  # not b's to release
    assert not await leases.acquire(database, "work", "b", 30_000, now=NOW + 1)
    await leases.release(database, "work", "a")
    assert await leases.acquire(database, "work", "b", 30_000, now=NOW + 2)


async def test_leases_of_different_names_are_independent(database: Database) -> None:
    assert await leases.acquire(database, "one", "a", 30_000, now=NOW)
    assert await leases.acquire(database, "two", "b", 30_000, now=NOW)
