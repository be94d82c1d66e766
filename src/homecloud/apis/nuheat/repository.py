"""Every query of the Nuheat face: thermostats (core devices), groups, relay-minute series."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from homecloud.apis.nuheat.models import NuheatGroup
from homecloud.core.devices import DeviceRegistry
from homecloud.core.models import Device, Series

FACE = "nuheat"
KIND = "thermostat"
RELAY_SERIES = "relay_minutes"


async def thermostats(session: AsyncSession, owner_id: int) -> Sequence[Device]:
    return await DeviceRegistry(session, owner_id).list(FACE, KIND)


async def thermostat(
    session: AsyncSession, owner_id: int, serial: str, *, for_update: bool = False
) -> Device | None:
    """The owner's thermostat ``serial``; None for an unknown one and for another user's."""
    statement = select(Device).where(
        Device.owner_id == owner_id,
        Device.face == FACE,
        Device.kind == KIND,
        Device.serial == serial,
    )
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def every_thermostat(session: AsyncSession) -> Sequence[tuple[int, int]]:
    """(device id, owner id) of every Nuheat thermostat, for the simulation."""
    result = await session.execute(
        select(Device.id, Device.owner_id)
        .where(Device.face == FACE, Device.kind == KIND)
        .order_by(Device.id)
    )
    return [(device_id, owner_id) for device_id, owner_id in result]


async def thermostat_by_id(session: AsyncSession, device_id: int) -> Device | None:
    return await session.scalar(select(Device).where(Device.id == device_id).with_for_update())


async def groups(session: AsyncSession, owner_id: int) -> Sequence[NuheatGroup]:
    return (
        await session.scalars(
            select(NuheatGroup).where(NuheatGroup.owner_id == owner_id).order_by(NuheatGroup.id)
        )
    ).all()


async def group(
    session: AsyncSession, owner_id: int, group_id: int, *, for_update: bool = False
) -> NuheatGroup | None:
    statement = select(NuheatGroup).where(
        NuheatGroup.owner_id == owner_id, NuheatGroup.id == group_id
    )
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def away_set_points(session: AsyncSession, owner_id: int) -> dict[int, int]:
    """The away set point of each of the owner's groups that is in away mode."""
    result = await session.execute(
        select(NuheatGroup.id, NuheatGroup.away_set_point).where(
            NuheatGroup.owner_id == owner_id, NuheatGroup.away_mode.is_(True)
        )
    )
    return {group_id: set_point for group_id, set_point in result}


async def relay_series_id(session: AsyncSession, device_id: int) -> int | None:
    return await session.scalar(
        select(Series.id).where(Series.device_id == device_id, Series.key == RELAY_SERIES)
    )


def relay_series_id_sync(session: Session, device_id: int) -> int:
    """The relay series of a thermostat, in a synchronous unit of work (bulk history)."""
    series_id = session.scalar(
        select(Series.id).where(Series.device_id == device_id, Series.key == RELAY_SERIES)
    )
    if series_id is None:
        raise LookupError(f"thermostat {device_id} has no {RELAY_SERIES} series")
    return series_id
