"""Leases: one holder at a time, renewed by it, taken over once lapsed or released."""

from __future__ import annotations

import asyncio

import pytest

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


async def test_the_loop_waits_as_long_as_its_pause_asks_never_longer_than_its_interval(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = iter([1.0, 60.0, 0.5])
    waited: list[float] = []
    turns: list[int] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        if len(waited) == 3:
            raise asyncio.CancelledError

    monkeypatch.setattr(leases.asyncio, "sleep", sleep)

    async def work() -> None:
        turns.append(len(waited))

    with pytest.raises(asyncio.CancelledError):
        await leases.repeat_while_holding(database, "paced", 10.0, work, pause=lambda: next(asked))
    assert waited == [1.0, 10.0, 0.5]
    assert turns == [0, 1, 2]
    # Cancelled, the loop gave its lease up: another holder takes it at once.
    assert await leases.acquire(database, "paced", "other", 30_000)
