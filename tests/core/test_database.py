"""Database.run_in_transaction on SQLite: writers of several processes take turns."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from homecloud.core.database import Database


def _increment(session: Session) -> tuple[int, int]:
    """Read, pause, write: two transactions that overlapped would lose an update. Returns the
    new value and the thread that wrote it."""
    value = int(session.execute(text("SELECT n FROM counter")).scalar_one())
    time.sleep(0.001)
    session.execute(text("UPDATE counter SET n = :n"), {"n": value + 1})
    return value + 1, threading.get_ident()


async def test_writers_of_two_processes_take_turns(tmp_path: Path) -> None:
    """Two Database objects on one file stand for two worker processes: each has its own
    writer thread, and they queue on the lock file beside the database."""
    file = tmp_path / "homecloud.db"
    first, second = (Database(f"sqlite+aiosqlite:///{file}") for _ in range(2))
    try:
        await first.run_in_transaction(
            lambda session: session.execute(text("CREATE TABLE counter (n INTEGER)"))
        )
        await first.run_in_transaction(
            lambda session: session.execute(text("INSERT INTO counter VALUES (0)"))
        )
        results = await asyncio.gather(
            *(database.run_in_transaction(_increment) for database in (first, second) * 30)
        )
        assert sorted(value for value, _ in results) == list(range(1, 61))
        # One writer thread per process: its transactions never wait for each other in
        # SQLite's busy handler.
        assert len({thread for _, thread in results[0::2]}) == 1
        assert len({thread for _, thread in results[1::2]}) == 1
        assert (tmp_path / "homecloud.db-writers").exists()
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_failed_transaction_is_rolled_back(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'homecloud.db'}")

    def fail_after_writing(session: Session) -> None:
        session.execute(text("INSERT INTO counter VALUES (1)"))
        raise RuntimeError("refused")

    try:
        await database.run_in_transaction(
            lambda session: session.execute(text("CREATE TABLE counter (n INTEGER)"))
        )
        with pytest.raises(RuntimeError, match="refused"):
            await database.run_in_transaction(fail_after_writing)
        count = await database.run_in_transaction(
            lambda session: session.execute(text("SELECT count(*) FROM counter")).scalar_one()
        )
        assert count == 0
    finally:
        await database.dispose()


async def test_a_disposed_database_serves_again(tmp_path: Path) -> None:
    """As the engine does: a test or a CLI command may dispose and keep using it."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'homecloud.db'}")
    try:
        assert await database.run_in_transaction(
            lambda session: session.execute(text("SELECT 1")).scalar_one()
        )
        await database.dispose()
        assert await database.run_in_transaction(
            lambda session: session.execute(text("SELECT 2")).scalar_one()
        )
    finally:
        await database.dispose()
