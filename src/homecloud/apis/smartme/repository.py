"""All of the smart-me face's SQL, on the unit of work's ``AsyncSession``.

Every query that reads a meter for a caller names the owner, so no call can reach another
user's meter."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.apis.smartme.models import SmartMeFolder, SmartMeMeter, SmartMeReading
from homecloud.core.devices import DeviceRegistry
from homecloud.core.models import Device
from homecloud.core.statements import inserted, where_given

FACE: Final = "smartme"

# Rows (and GUIDs) per statement: well within every database's limit on bound parameters.
CHUNK: Final = 500
# One reading row: (core device id, µs since the epoch, OBIS hex -> value).
ReadingRow = tuple[int, int, dict[str, float]]


async def _insert(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_nothing``."""
    dialect = (await session.connection()).dialect.name
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


async def meters_by_guid(session: AsyncSession, guids: Collection[str]) -> dict[str, SmartMeMeter]:
    """The meters with these GUIDs, whoever owns them (for write paths that already know)."""
    found: dict[str, SmartMeMeter] = {}
    wanted = list(guids)
    for start in range(0, len(wanted), CHUNK):
        rows = await session.scalars(
            select(SmartMeMeter).where(SmartMeMeter.guid.in_(wanted[start : start + CHUNK]))
        )
        found.update((meter.guid, meter) for meter in rows)
    return found


async def insert_readings(
    session: AsyncSession, rows: Sequence[ReadingRow]
) -> set[tuple[int, int]]:
    """Stores the readings, one statement per :data:`CHUNK` of them; returns the (device id,
    µs) keys that were new (a reading of a moment stored already is skipped)."""
    if not rows:
        return set()
    insert = await _insert(session, SmartMeReading)
    stored: set[tuple[int, int]] = set()
    for start in range(0, len(rows), CHUNK):
        statement = (
            insert.values(
                [
                    {"device_id": device_id, "at_us": at_us, "values": values}
                    for device_id, at_us, values in rows[start : start + CHUNK]
                ]
            )
            .on_conflict_do_nothing(index_elements=[SmartMeReading.device_id, SmartMeReading.at_us])
            .returning(SmartMeReading.device_id, SmartMeReading.at_us)
        )
        result = await session.execute(statement)
        stored.update((device_id, at_us) for device_id, at_us in result)
    return stored


async def add_meter(
    session: AsyncSession,
    meter: SmartMeMeter,
    *,
    kind: str,
    name: str,
    attributes: dict[str, Any],
) -> tuple[Device, SmartMeMeter]:
    """``meter`` (its owner, GUID, serial and types given) and its core device of ``kind``."""
    device = await DeviceRegistry(session, meter.owner_id).add(
        FACE, kind, str(meter.serial), name=name, attributes=attributes
    )
    meter.device_id = device.id
    return device, await inserted(session, meter)


async def serial_taken(session: AsyncSession, serial: int) -> bool:
    found = await session.scalar(
        select(SmartMeMeter.device_id).where(SmartMeMeter.serial == serial)
    )
    return found is not None


async def guid_taken(session: AsyncSession, guid: str) -> bool:
    found = await session.scalar(select(SmartMeMeter.device_id).where(SmartMeMeter.guid == guid))
    return found is not None


MeterRow = tuple[Device, SmartMeMeter]


def _meters() -> Any:
    return select(Device, SmartMeMeter).join(SmartMeMeter, SmartMeMeter.device_id == Device.id)


@dataclass(frozen=True, slots=True)
class MeterFilter:
    """Which of an owner's meters a list holds; a key left None does not narrow it."""

    energy_type: int | None = None
    sub_type: int | None = None
    custom: bool | None = None


EVERY_METER: Final = MeterFilter()


async def owner_meters(
    session: AsyncSession, owner_id: int, only: MeterFilter = EVERY_METER
) -> list[MeterRow]:
    statement = where_given(
        _meters().where(SmartMeMeter.owner_id == owner_id),
        (SmartMeMeter.energy_type, only.energy_type),
        (SmartMeMeter.sub_type, only.sub_type),
        (SmartMeMeter.is_custom, only.custom),
    )
    rows = await session.execute(statement.order_by(Device.id))
    return [(device, meter) for device, meter in rows]


async def owner_meter(
    session: AsyncSession, owner_id: int, *, guid: str | None = None, serial: int | None = None
) -> MeterRow | None:
    statement = where_given(
        _meters().where(SmartMeMeter.owner_id == owner_id),
        (SmartMeMeter.guid, guid),
        (SmartMeMeter.serial, serial),
    )
    row = (await session.execute(statement)).first()
    return (row[0], row[1]) if row is not None else None


async def simulated_meters(session: AsyncSession, kinds: Collection[str]) -> list[MeterRow]:
    """Every simulated meter of every user (the simulation's work list)."""
    rows = await session.execute(
        _meters().where(Device.face == FACE, Device.kind.in_(kinds)).order_by(Device.id)
    )
    return [(device, meter) for device, meter in rows]


async def reading_before(
    session: AsyncSession, device_id: int, before_us: int, *, after_us: int | None = None
) -> tuple[int, dict[str, Any]] | None:
    """The meter's last reading strictly before ``before_us`` (and after ``after_us``)."""
    statement = select(SmartMeReading.at_us, SmartMeReading.values).where(
        SmartMeReading.device_id == device_id, SmartMeReading.at_us < before_us
    )
    if after_us is not None:
        statement = statement.where(SmartMeReading.at_us > after_us)
    row = (await session.execute(statement.order_by(SmartMeReading.at_us.desc()).limit(1))).first()
    return (row.at_us, row.values) if row is not None else None


async def readings_between(
    session: AsyncSession, device_id: int, start_us: int, end_us: int, limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """The meter's readings from ``start_us`` to ``end_us`` (both included), oldest first,
    at most ``limit``."""
    rows = await session.execute(
        select(SmartMeReading.at_us, SmartMeReading.values)
        .where(
            SmartMeReading.device_id == device_id,
            SmartMeReading.at_us >= start_us,
            SmartMeReading.at_us <= end_us,
        )
        .order_by(SmartMeReading.at_us)
        .limit(limit)
    )
    return [(row.at_us, row.values) for row in rows]


async def folder_name(session: AsyncSession, owner_id: int) -> str | None:
    """The name the user gave their root folder; None while it has none."""
    statement = select(SmartMeFolder.name).where(SmartMeFolder.owner_id == owner_id)
    name: str | None = await session.scalar(statement)
    return name


async def name_folder(session: AsyncSession, owner_id: int, name: str) -> None:
    """Names the user's root folder (one statement, so two renames at once cannot collide:
    the later one wins)."""
    insert = (await _insert(session, SmartMeFolder)).values(owner_id=owner_id, name=name)
    await session.execute(
        insert.on_conflict_do_update(index_elements=["owner_id"], set_={"name": name})
    )


async def meter_device_ids(session: AsyncSession) -> list[int]:
    """Every meter's core device id, whoever owns it (for housekeeping)."""
    return list(
        await session.scalars(select(SmartMeMeter.device_id).order_by(SmartMeMeter.device_id))
    )


async def forget_readings(
    session: AsyncSession, device_id: int, before_us: int, slice_us: int
) -> int:
    """Deletes the meter's oldest readings before ``before_us``, at most ``slice_us`` of them
    from its oldest on (so that one statement stays small); how many it deleted."""
    oldest = await session.scalar(
        select(func.min(SmartMeReading.at_us)).where(SmartMeReading.device_id == device_id)
    )
    if oldest is None or oldest >= before_us:
        return 0
    result: Any = await session.execute(
        delete(SmartMeReading).where(
            SmartMeReading.device_id == device_id,
            SmartMeReading.at_us < min(before_us, oldest + slice_us),
        )
    )
    return int(result.rowcount or 0)
