"""Small SQLAlchemy statement builders the faces' repositories share.

A repository lookup often narrows by a few optional keys (by owner, by serial, or by id for
the simulation) and locks its rows only when the caller will change them; these say each
of those once instead of an ``if`` per key. A new row is :func:`inserted` the one way.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, SQLColumnExpression
from sqlalchemy.ext.asyncio import AsyncSession

# Any SELECT, whatever its columns (Select is generic over the tuple of its row types).
Statement = TypeVar("Statement", bound=Select[*tuple[Any, ...]])
Row = TypeVar("Row")


def where_given(
    statement: Statement, *conditions: tuple[SQLColumnExpression[Any], object | None]
) -> Statement:
    """``statement`` narrowed to ``column == value`` for each ``(column, value)`` whose value
    is given; a ``None`` value leaves its column unconstrained (it does not mean SQL NULL)."""
    for column, value in conditions:
        if value is not None:
            statement = statement.where(column == value)
    return statement


def locked(statement: Statement, for_update: bool) -> Statement:
    """``statement`` with ``FOR UPDATE`` when the caller will change the rows it reads."""
    return statement.with_for_update() if for_update else statement


async def inserted(session: AsyncSession, row: Row) -> Row:
    """``row``, added to the session and flushed: its generated id and defaults are known and
    a constraint it breaks fails here, at the call that made it, not at the commit."""
    session.add(row)
    await session.flush()
    return row
