"""Every query of the Nuheat face: thermostats (core devices), groups, relay-minute series."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from cachetools import LRUCache
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from homecloud.apis.nuheat.models import NuheatGroup
from homecloud.apis.nuheat.thermostat_state import ThermostatState
from homecloud.apis.nuheat.weekly_schedule import EventTimeline, timeline_for
from homecloud.core.database import Database
from homecloud.core.devices import DeviceRegistry
from homecloud.core.models import Device, Series, User, now_ms

FACE = "nuheat"
KIND = "thermostat"
RELAY_SERIES = "relay_minutes"


@dataclass(frozen=True, slots=True)
class ThermostatRow:
    """A thermostat as read: its state (the caller's own copy) and its schedule's timeline."""

    serial: str
    name: str
    state: ThermostatState
    timeline: EventTimeline


class DecodedStates:
    """Thermostat states decoded from their stored JSON, kept per device while that JSON is
    unchanged.

    Every read of thermostats would otherwise parse a few kilobytes of JSON per thermostat
    and rebuild its state and its schedule's timeline, about a fifth of a thermostat GET.
    An entry is used only when the text just read is the very text it was decoded from, so a
    write by any process shows on the next read, as before. Only the event loop's thread
    uses it.
    """

    SIZE = 4096

    def __init__(self) -> None:
        self._entries: LRUCache[int, tuple[str, ThermostatState, EventTimeline]] = LRUCache(
            maxsize=self.SIZE
        )

    def decode(
        self, device_id: int, text: str, at_ms: int
    ) -> tuple[ThermostatState, EventTimeline]:
        entry = self._entries.get(device_id)
        if entry is None or entry[0] != text:
            state = ThermostatState.from_attributes(orjson.loads(text))
            entry = (text, state, timeline_for(state.schedule, state.zone(), at_ms))
            self._entries[device_id] = entry
        # A copy of the top level: reads settle it in place (mode, set point) but never
        # change what it holds (the schedule's lists), which the copies share.
        return entry[1].copy(), entry[2]


_DECODED = DecodedStates()


# The hot read (every GET of thermostats) as plain SQL: the owner's thermostats and, in the
# same statement, the away set points of the owner's groups in away mode (usually none, so
# one row each). Compiling a Core statement per request would cost more than running it. The
# attributes come as text for orjson, which parses them several times faster than the json
# module SQLAlchemy would use.
_READ = (
    "SELECT d.id, d.serial, d.name, CAST(d.attributes AS TEXT), g.id, g.away_set_point"
    f" FROM {Device.__tablename__} d LEFT OUTER JOIN {NuheatGroup.__tablename__} g"
    " ON g.owner_id = d.owner_id AND g.away_mode = TRUE"
    f" WHERE d.owner_id = ? AND d.face = '{FACE}' AND d.kind = '{KIND}'"
)
_READ_ALL = _READ + " ORDER BY d.id"
_READ_ONE = _READ + " AND d.serial = ? ORDER BY d.id"


async def read_thermostats(
    database: Database, owner_id: int, serial: str | None = None
) -> tuple[list[ThermostatRow], dict[int, int]]:
    """The owner's thermostats (or just ``serial``), and the away set point of each of the
    owner's groups in away mode."""
    if serial is None:
        rows = await database.fetch(_READ_ALL, (owner_id,))
    else:
        rows = await database.fetch(_READ_ONE, (owner_id, serial))
    found: dict[int, ThermostatRow] = {}
    away: dict[int, int] = {}
    at = now_ms()
    for device_id, serial_number, name, attributes, group_id, away_set_point in rows:
        if device_id not in found:
            state, timeline = _DECODED.decode(device_id, attributes, at)
            found[device_id] = ThermostatRow(serial_number, name, state, timeline)
        if group_id is not None:
            away[group_id] = away_set_point
    return list(found.values()), away


async def user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


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
