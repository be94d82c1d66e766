"""``Database.fetch``: one plain read statement through the driver, on both back ends."""

from __future__ import annotations

from homecloud.core.database import Database
from homecloud.core.users import create_user


async def test_rows_come_back_as_tuples_with_placeholders_bound_in_order(
    database: Database,
) -> None:
    async with database.session(write=True) as session:
        ann = await create_user(session, "ann@example.com", "password-1", timezone="Europe/Zurich")
        await create_user(session, "bob@example.com", "password-1")
    rows = await database.fetch(
        "SELECT id, email, timezone FROM users WHERE email_key = ? AND id >= ? ORDER BY id",
        ("ann@example.com", ann.id),
    )
    assert rows == [(ann.id, "ann@example.com", "Europe/Zurich")]
    assert await database.fetch("SELECT email FROM users WHERE id = ?", (-1,)) == []


async def test_a_read_sees_what_was_committed_since_the_last(database: Database) -> None:
    count = "SELECT COUNT(*) FROM users"
    assert await database.fetch(count) == [(0,)]
    async with database.session(write=True) as session:
        await create_user(session, "ann@example.com", "password-1")
    assert await database.fetch(count) == [(1,)]
