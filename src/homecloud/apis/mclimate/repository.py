"""Every query of the MClimate face.

The two hot reads (a page of controllers, one controller's live data) are plain SQL through
:meth:`Database.fetch`: one indexed statement each, no ORM, no statement compilation, JSON
columns read as text for orjson. Everything that writes goes through the unit of work's
session with the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.apis.mclimate.models import (
    MClimateController,
    MClimateControllerLog,
    MClimateRecord,
)
from homecloud.apis.mclimate.query import Query
from homecloud.core.database import Database
from homecloud.core.models import Device, User
from homecloud.core.statements import inserted, locked, where_given

FACE = "mclimate"

# Record kinds kept in mclimate_records.
SCHEDULE, THERMOSTAT_MODE, SCHEDULE_PROFILE, GEOFENCE = (
    "schedule",
    "thermostat_mode",
    "schedule_profile",
    "geofence",
)


@dataclass(frozen=True, slots=True)
class ControllerRow:
    """A controller as the collection and entity show it."""

    id: int
    user_id: int
    serial: str
    name: str
    kind: str
    created_at: int
    mac: str
    firmware_version: str
    room_id: int | None
    brand_id: int | None
    online: bool
    assigned_at: int | None
    relay_state: bool | None
    controller_log: str
    command_log: str | None


_COLUMNS = (
    "d.id, d.owner_id, d.serial, d.name, d.kind, d.created_at, c.mac, c.firmware_version,"
    " c.room_id, c.brand_id, c.online, c.assigned_at, c.relay_state, c.controller_log,"
    " c.command_log"
)
_FROM = (
    f" FROM {Device.__tablename__} d JOIN {MClimateController.__tablename__} c"
    f" ON c.device_id = d.id WHERE d.owner_id = ? AND d.face = '{FACE}'"
)

_DEVICES = f" FROM {Device.__tablename__} d WHERE d.owner_id = ? AND d.face = '{FACE}'"


def row_from(values: Sequence[Any]) -> ControllerRow:
    (id_, user_id, serial, name, kind, created, mac, firmware, room_id, brand_id, online) = values[
        :11
    ]
    assigned_at, relay_state, controller_log, command_log = values[11:15]
    return ControllerRow(
        id_,
        user_id,
        serial,
        name,
        kind,
        created,
        mac,
        firmware,
        room_id,
        brand_id,
        bool(online),
        assigned_at,
        None if relay_state is None else bool(relay_state),
        controller_log,
        command_log,
    )


def row_of(device: Device, controller: MClimateController) -> ControllerRow:
    """The row of a controller read with the ORM (inside a writing unit of work)."""
    return ControllerRow(
        device.id,
        device.owner_id,
        device.serial,
        device.name,
        device.kind,
        device.created_at,
        controller.mac,
        controller.firmware_version,
        controller.room_id,
        controller.brand_id,
        controller.online,
        controller.assigned_at,
        controller.relay_state,
        controller.controller_log,
        controller.command_log,
    )


def _where(query: Query) -> tuple[str, list[Any]]:
    """The query's filters as SQL: every column is one of the face's own field table's."""
    clauses: list[str] = []
    parameters: list[Any] = []
    for condition in query.filters:
        column = condition.field.column
        if column is None:  # not a column: the parser refuses filters on such fields
            continue
        if condition.value is None:
            clauses.append(f" AND {column} IS NULL")
        elif condition.field.kind == "datetime":
            clauses.append(f" AND {column} >= ? AND {column} < ?")
            parameters += [condition.value, condition.value + 1000]
        else:
            clauses.append(f" AND {column} = ?")
            parameters.append(condition.value)
    return "".join(clauses), parameters


def _order(query: Query) -> str:
    keys = [
        f"{key.field.column} {'DESC' if key.descending else 'ASC'}"
        for key in query.sort
        if key.field.column is not None
    ]
    return " ORDER BY " + ", ".join([*keys, "d.id"])


async def controller_page_keys(
    database: Database, owner_id: int, query: Query
) -> tuple[list[tuple[int, int]], int]:
    """The (id, version) of each controller on the query's page, and how many match the
    query in all: one statement of two indexed reads that name no more than ids and versions
    (the count comes last, as a row without a version)."""
    where, parameters = _where(query)
    # Every controller has its row in both tables: the count reads the devices' index alone
    # unless a filter needs the face's columns.
    needs_face = any(f.field.column and f.field.column.startswith("c.") for f in query.filters)
    rows = await database.fetch(
        f"SELECT * FROM (SELECT d.id, c.version{_FROM}{where}{_order(query)} LIMIT ? OFFSET ?)"
        f" AS page UNION ALL SELECT COUNT(*), NULL{_FROM if needs_face else _DEVICES}{where}",
        (owner_id, *parameters, query.limit, query.offset, owner_id, *parameters),
    )
    # The count is told by its missing version, not by its place: both databases return a
    # UNION ALL's parts in order (SQLite's compound select, PostgreSQL's Append), but SQL
    # promises that only for the page's own ORDER BY, which the page keeps.
    keys = [(id_, version) for id_, version in rows if version is not None]
    total = next(count for count, version in rows if version is None)
    return keys, int(total)


async def controllers_by_id(
    database: Database, owner_id: int, ids: Sequence[int]
) -> dict[int, tuple[Any, ...]]:
    """The owner's controllers ``ids`` as read (:func:`row_from` makes a
    :class:`ControllerRow` of each; the version comes last)."""
    marks = ", ".join("?" * len(ids))
    rows = await database.fetch(
        f"SELECT {_COLUMNS}, c.version{_FROM} AND d.id IN ({marks})", (owner_id, *ids)
    )
    return {row[0]: row for row in rows}


async def controller(database: Database, owner_id: int, serial: str) -> ControllerRow | None:
    """The owner's controller ``serial``; None for an unknown one and for another user's."""
    rows = await database.fetch(f"SELECT {_COLUMNS}{_FROM} AND d.serial = ?", (owner_id, serial))
    return row_from(rows[0]) if rows else None


@dataclass(frozen=True, slots=True)
class LiveRow:
    """A controller's stored state, as moving it forward in time needs it."""

    id: int
    owner_id: int
    kind: str
    serial: str
    mac: str
    state: str
    command_log: str | None
    simulated_until: int
    # Whether it may have schedules to carry out on the way: a live read says (most
    # controllers have none, and a read of theirs needs no second query); a loaded row does
    # not know, so its schedules are looked up.
    scheduled: bool = True


def live_of(device: Device, controller: MClimateController) -> LiveRow:
    """The same for a controller already loaded (the simulation, a command)."""
    return LiveRow(
        device.id,
        device.owner_id,
        device.kind,
        device.serial,
        controller.mac,
        controller.state,
        controller.command_log,
        controller.simulated_until,
    )


async def live(database: Database, owner_id: int, serial: str) -> LiveRow | None:
    rows = await database.fetch(
        "SELECT d.id, d.owner_id, d.kind, d.serial, c.mac, c.state, c.command_log,"
        f" c.simulated_until, EXISTS (SELECT 1 FROM {MClimateRecord.__tablename__} r"
        f" WHERE r.owner_id = d.owner_id AND r.kind = '{SCHEDULE}' AND r.device_id = d.id)"
        f"{_FROM} AND d.serial = ?",
        (owner_id, serial),
    )
    # EXISTS reads 1 or 0 on SQLite, a boolean on PostgreSQL: only its truth is used.
    return LiveRow(*rows[0]) if rows else None


async def controller_for_update(
    session: AsyncSession,
    owner_id: int | None,
    serial: str | None = None,
    device_id: int | None = None,
) -> tuple[Device, MClimateController] | None:
    """A controller with its device row, locked for the rest of the transaction: by the
    owner and serial, or (for the simulation) by device id."""
    statement = (
        select(Device, MClimateController)
        .join(MClimateController, MClimateController.device_id == Device.id)
        .where(Device.face == FACE)
        .with_for_update()
    )
    statement = where_given(
        statement, (Device.owner_id, owner_id), (Device.serial, serial), (Device.id, device_id)
    )
    found = (await session.execute(statement)).first()
    return (found[0], found[1]) if found else None


async def owned_controller_ids(
    session: AsyncSession, owner_id: int, ids: Sequence[int]
) -> set[int]:
    result = await session.scalars(
        select(Device.id).where(
            Device.owner_id == owner_id, Device.face == FACE, Device.id.in_(ids)
        )
    )
    return set(result)


async def every_controller(session: AsyncSession) -> list[int]:
    """Every MClimate controller's device id, for the simulation."""
    result = await session.scalars(
        select(MClimateController.device_id).order_by(MClimateController.device_id)
    )
    return list(result)


async def add_controller_row(session: AsyncSession, row: MClimateController) -> None:
    session.add(row)
    await session.flush()


# -------------------------------------------------------------------------- sensor history


async def add_log(
    session: AsyncSession, device_id: int, at_ms: int, record: dict[str, Any]
) -> None:
    session.add(
        MClimateControllerLog(
            device_id=device_id, created_at=at_ms, data=orjson.dumps(record).decode()
        )
    )


async def last_log_at(session: AsyncSession, device_id: int) -> int | None:
    return await session.scalar(
        select(func.max(MClimateControllerLog.created_at)).where(
            MClimateControllerLog.device_id == device_id
        )
    )


async def logs(
    session: AsyncSession, device_id: int, limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """The controller's newest ``limit`` history records, oldest first, with their ids."""
    result = await session.execute(
        select(MClimateControllerLog.id, MClimateControllerLog.data)
        .where(MClimateControllerLog.device_id == device_id)
        .order_by(MClimateControllerLog.created_at.desc(), MClimateControllerLog.id.desc())
        .limit(limit)
    )
    return [(log_id, orjson.loads(data)) for log_id, data in reversed(result.all())]


async def forget_logs_before(session: AsyncSession, device_id: int, before_ms: int) -> None:
    await session.execute(
        delete(MClimateControllerLog).where(
            MClimateControllerLog.device_id == device_id,
            MClimateControllerLog.created_at < before_ms,
        )
    )


# ------------------------------------------------------------------------------- records


async def add_record(
    session: AsyncSession, owner_id: int, kind: str, device_id: int | None, data: dict[str, Any]
) -> MClimateRecord:
    data_text = orjson.dumps(data).decode()
    return await inserted(
        session, MClimateRecord(owner_id=owner_id, kind=kind, device_id=device_id, data=data_text)
    )


async def records(
    session: AsyncSession, owner_id: int, kind: str, device_id: int | None = None
) -> Sequence[MClimateRecord]:
    statement = select(MClimateRecord).where(
        MClimateRecord.owner_id == owner_id, MClimateRecord.kind == kind
    )
    statement = where_given(statement, (MClimateRecord.device_id, device_id))
    return (await session.scalars(statement.order_by(MClimateRecord.id))).all()


async def schedules_of(session: AsyncSession, row: LiveRow) -> tuple[list[str], str]:
    """The stored schedules of a controller (their JSON) and its owner's time zone."""
    rows = await session.execute(
        select(MClimateRecord.data)
        .where(
            MClimateRecord.owner_id == row.owner_id,
            MClimateRecord.kind == SCHEDULE,
            MClimateRecord.device_id == row.id,
        )
        .order_by(MClimateRecord.id)
    )
    stored = list(rows.scalars())
    if not stored:  # most controllers: their owner's time zone is not needed
        return stored, "UTC"
    zone = await session.scalar(select(User.timezone).where(User.id == row.owner_id))
    return stored, zone or "UTC"


async def record(
    session: AsyncSession, owner_id: int, kind: str, record_id: int, *, for_update: bool = False
) -> MClimateRecord | None:
    statement = select(MClimateRecord).where(
        MClimateRecord.owner_id == owner_id,
        MClimateRecord.kind == kind,
        MClimateRecord.id == record_id,
    )
    return await session.scalar(locked(statement, for_update))


def save_record(record: MClimateRecord, data: dict[str, Any]) -> None:
    record.data = orjson.dumps(data).decode()
