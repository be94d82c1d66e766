"""Small SQLAlchemy statement builders the faces' repositories share.

A repository lookup often narrows by a few optional keys (by owner, by serial, or by id for
the simulation) and locks its rows only when the caller will change them; these say each
of those once instead of an ``if`` per key.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, SQLColumnExpression

# Any SELECT, whatever its columns (Select is generic over the tuple of its row types).
Statement = TypeVar("Statement", bound=Select[*tuple[Any, ...]])


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
