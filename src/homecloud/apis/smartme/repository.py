"""All of the smart-me face's SQL, on the unit of work's ``AsyncSession``.

Every query that reads a meter for a caller names the owner, so no call can reach another
user's meter."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.apis.smartme.models import SmartMeMeter, SmartMeReading
from homecloud.core.models import Device

FACE: Final = "smartme"

# One reading row: (core device id, µs since the epoch, OBIS hex -> value).
ReadingRow = tuple[int, int, dict[str, float]]


async def _insert(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_nothing``."""
    dialect = (await session.connection()).dialect.name
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


async def meters_by_guid(session: AsyncSession, guids: Collection[str]) -> dict[str, SmartMeMeter]:
    """The meters with these GUIDs, whoever owns them (for write paths that already know)."""
    if not guids:
        return {}
    rows = await session.scalars(select(SmartMeMeter).where(SmartMeMeter.guid.in_(guids)))
    return {meter.guid: meter for meter in rows}


async def insert_readings(
    session: AsyncSession, rows: Sequence[ReadingRow]
) -> set[tuple[int, int]]:
    """Stores the readings in one statement; returns the (device id, µs) keys that were new
    (a reading of a moment stored already is skipped)."""
    if not rows:
        return set()
    insert = await _insert(session, SmartMeReading)
    statement = (
        insert.values(
            [
                {"device_id": device_id, "at_us": at_us, "values": values}
                for device_id, at_us, values in rows
            ]
        )
        .on_conflict_do_nothing(index_elements=[SmartMeReading.device_id, SmartMeReading.at_us])
        .returning(SmartMeReading.device_id, SmartMeReading.at_us)
    )
    result = await session.execute(statement)
    return {(device_id, at_us) for device_id, at_us in result}


async def add_meter(
    session: AsyncSession,
    owner_id: int,
    *,
    guid: str,
    serial: int,
    name: str,
    kind: str,
    energy_type: int,
    sub_type: int,
    family_type: int,
    is_custom: bool,
    state: dict[str, Any],
    attributes: dict[str, Any],
) -> tuple[Device, SmartMeMeter]:
    device = Device(
        owner_id=owner_id,
        face=FACE,
        kind=kind,
        serial=str(serial),
        name=name,
        attributes=attributes,
    )
    session.add(device)
    await session.flush()
    meter = SmartMeMeter(
        device_id=device.id,
        owner_id=owner_id,
        guid=guid,
        serial=serial,
        energy_type=energy_type,
        sub_type=sub_type,
        family_type=family_type,
        is_custom=is_custom,
        state=state,
        latest={},
        value_date_us=None,
        custom_values=[],
    )
    session.add(meter)
    await session.flush()
    return device, meter


async def serial_taken(session: AsyncSession, serial: int) -> bool:
    found = await session.scalar(
        select(SmartMeMeter.device_id).where(SmartMeMeter.serial == serial)
    )
    return found is not None


async def guid_taken(session: AsyncSession, guid: str) -> bool:
    found = await session.scalar(select(SmartMeMeter.device_id).where(SmartMeMeter.guid == guid))
    return found is not None
