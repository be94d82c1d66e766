from __future__ import annotations

from sqlalchemy import ClauseElement, select
from sqlalchemy.dialects import postgresql

from homecloud.core.models import Device
from homecloud.core.statements import locked, where_given


def sql(statement: ClauseElement) -> str:
    return str(statement.compile(dialect=postgresql.dialect()))


def test_where_given_constrains_only_the_given_values() -> None:
    statement = where_given(select(Device), (Device.owner_id, 7), (Device.serial, None))
    text = sql(statement)
    assert "devices.owner_id = " in text
    assert "serial" not in text.split("WHERE", 1)[1]


def test_where_given_with_nothing_given_is_the_statement() -> None:
    statement = select(Device)
    assert where_given(statement, (Device.id, None)) is statement


def test_locked_adds_for_update_only_when_asked() -> None:
    statement = select(Device)
    assert "FOR UPDATE" in sql(locked(statement, True))
    assert locked(statement, False) is statement
