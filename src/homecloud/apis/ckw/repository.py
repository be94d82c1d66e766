"""Every SQL statement of the CKW face: customers, installations, metering points, the
user a backend's app credentials act for, and the meters' series."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.apis.ckw.models import (
    CkwCustomer,
    CkwDailyTotal,
    CkwInstallation,
    CkwMeteringPoint,
)
from homecloud.apis.ckw.names import Direction
from homecloud.core.database import Database
from homecloud.core.devices import DeviceRegistry
from homecloud.core.series import Point, aggregate, ensure_series, read_range, write_points
from homecloud.core.statements import inserted
from homecloud.core.timebuckets import bucket_edges

FACE = "ckw"
DEVICE_KIND = "metering_point"
ENERGY_SERIES = "energy"
ESTIMATED_SERIES = "estimated"


@dataclass(frozen=True, slots=True)
class Meter:
    """A metering point as a meter-data call needs it."""

    id: int
    metering_point_id: str
    installation_id: str
    direction: Direction
    energy_series_id: int
    estimated_series_id: int
    valid_from: int
    valid_to: int | None
    delivered_until: int | None


class MeterSeries(Protocol):
    """What reading and recording a meter's values needs (a :class:`Meter` or the row)."""

    @property
    def id(self) -> int: ...
    @property
    def energy_series_id(self) -> int: ...
    @property
    def estimated_series_id(self) -> int: ...


_METER_COLUMNS = (
    "m.id, m.metering_point_id, i.installation_id, m.energy_direction, m.energy_series_id,"
    " m.estimated_series_id, m.valid_from, m.valid_to, m.delivered_until"
)
_OWNED = (
    f"SELECT {_METER_COLUMNS} FROM ckw_metering_points m"
    " JOIN ckw_installations i ON i.id = m.installation_id"
    " JOIN ckw_customers c ON c.id = i.customer_id"
    " WHERE c.user_id = ?"
)
_METER_OF_USER = _OWNED + " AND m.metering_point_id = ?"
_METERS_OF_INSTALLATION = _OWNED + " AND i.installation_id = ? ORDER BY m.id"
# One metering point of the user with its daily totals of a range, in one statement: the
# common read (one point, day resolution or coarser) is then one round trip.
_METER_WITH_DAYS = (
    f"SELECT {_METER_COLUMNS}, d.day_start, d.kwh, d.quarter_hours, d.estimated"
    " FROM ckw_metering_points m"
    " JOIN ckw_installations i ON i.id = m.installation_id"
    " JOIN ckw_customers c ON c.id = i.customer_id"
    " LEFT JOIN ckw_daily_totals d ON d.metering_point_id = m.id"
    " AND d.day_start >= ? AND d.day_start < ?"
    " WHERE c.user_id = ? AND m.metering_point_id = ? ORDER BY d.day_start"
)

# Whom a client's own token (client credentials) acts for: the owner an operator bound it
# to, else the users who authorized it on the consent page (it must be exactly one).
_CLIENT_OWNER = (
    "SELECT c.owner_id, u.is_active FROM oauth_clients c LEFT JOIN users u ON u.id = c.owner_id"
    " WHERE c.client_id = ? AND c.face = ?"
)
_CONSENTING_USERS = (
    "SELECT s.user_id FROM oauth_consents s JOIN users u ON u.id = s.user_id"
    " WHERE s.client_id = ? AND u.is_active ORDER BY s.user_id LIMIT 2"
)


def _meter(row: Sequence[object]) -> Meter:
    return Meter(*row)  # type: ignore[arg-type]


async def meter_of_user(database: Database, user_id: int, metering_point_id: str) -> Meter | None:
    rows = await database.fetch(_METER_OF_USER, (user_id, metering_point_id))
    return _meter(rows[0]) if rows else None


DailyTotal = tuple[int, float, int, int]  # day start, kWh, quarter-hours, estimated ones


async def meter_with_daily_totals(
    database: Database, user_id: int, metering_point_id: str, start_ms: int, end_ms: int
) -> tuple[Meter | None, list[DailyTotal]]:
    """The user's metering point and its daily totals of the days starting in
    ``[start_ms, end_ms)`` (see :func:`daily_totals`)."""
    rows = await database.fetch(_METER_WITH_DAYS, (start_ms, end_ms, user_id, metering_point_id))
    if not rows:
        return None, []
    width = len(Meter.__dataclass_fields__)
    days = [
        (int(row[width]), float(row[width + 1]), int(row[width + 2]), int(row[width + 3]))
        for row in rows
        if row[width] is not None
    ]
    return _meter(rows[0][:width]), days


async def meters_of_installation(
    database: Database, user_id: int, installation_id: str
) -> list[Meter]:
    return [
        _meter(row)
        for row in await database.fetch(_METERS_OF_INSTALLATION, (user_id, installation_id))
    ]


@dataclass(frozen=True, slots=True)
class Binding:
    """The users a client's own tokens may act for (one, or none, or more than one)."""

    user_ids: tuple[int, ...]


async def client_binding(database: Database, client_id: str) -> Binding:
    rows = await database.fetch(_CLIENT_OWNER, (client_id, FACE))
    if not rows:
        return Binding(())
    owner_id, owner_active = rows[0]
    if owner_id is not None:
        return Binding((owner_id,) if owner_active else ())
    consenting = await database.fetch(_CONSENTING_USERS, (client_id,))
    return Binding(tuple(row[0] for row in consenting))


# ---------------------------------------------------------------------------- core data


async def customer_of(session: AsyncSession, user_id: int) -> CkwCustomer | None:
    return await session.scalar(select(CkwCustomer).where(CkwCustomer.user_id == user_id))


async def installations_of(
    session: AsyncSession, customer_id: int
) -> list[tuple[CkwInstallation, list[CkwMeteringPoint]]]:
    installations = (
        await session.scalars(
            select(CkwInstallation)
            .where(CkwInstallation.customer_id == customer_id)
            .order_by(CkwInstallation.id)
        )
    ).all()
    if not installations:
        return []
    points = (
        await session.scalars(
            select(CkwMeteringPoint)
            .where(CkwMeteringPoint.installation_id.in_([i.id for i in installations]))
            .order_by(CkwMeteringPoint.id)
        )
    ).all()
    by_installation: dict[int, list[CkwMeteringPoint]] = {i.id: [] for i in installations}
    for point in points:
        by_installation[point.installation_id].append(point)
    return [(i, by_installation[i.id]) for i in installations]


async def add_customer(session: AsyncSession, user_id: int, customer_number: str) -> CkwCustomer:
    return await inserted(session, CkwCustomer(user_id=user_id, customer_number=customer_number))


async def add_installation(
    session: AsyncSession,
    customer: CkwCustomer,
    installation_id: str,
    *,
    street: str,
    zip_code: str,
    city: str,
    country: str = "CH",
) -> CkwInstallation:
    return await inserted(
        session,
        CkwInstallation(
            customer_id=customer.id,
            installation_id=installation_id,
            street=street,
            zip=zip_code,
            city=city,
            country=country,
        ),
    )


async def add_metering_point(
    session: AsyncSession,
    owner_id: int,
    installation: CkwInstallation,
    metering_point_id: str,
    *,
    meter_number: str,
    direction: Direction,
    valid_from: int,
    simulation_seed: int | None,
) -> CkwMeteringPoint:
    """The metering point, its core device and its two series."""
    device = await DeviceRegistry(session, owner_id).add(
        FACE, DEVICE_KIND, metering_point_id, name=f"{direction} {meter_number}"
    )
    energy = await ensure_series(session, device.id, ENERGY_SERIES, unit="kWh")
    estimated = await ensure_series(session, device.id, ESTIMATED_SERIES)
    return await inserted(
        session,
        CkwMeteringPoint(
            installation_id=installation.id,
            device_id=device.id,
            energy_series_id=energy.id,
            estimated_series_id=estimated.id,
            metering_point_id=metering_point_id,
            meter_number=meter_number,
            energy_direction=direction,
            unit="kWh",
            valid_from=valid_from,
            valid_to=None,
            delivered_until=None,
            simulation_seed=simulation_seed,
        ),
    )


# ----------------------------------------------------------------------------- meter data


async def raw_values(
    session: AsyncSession, meter: MeterSeries, start_ms: int, end_ms: int
) -> tuple[list[tuple[int, float]], set[int]]:
    """The quarter-hours of ``[start_ms, end_ms)``: (ts, kWh) in time order, and the
    timestamps of the estimated ones."""
    values = [
        (ts, float(value))
        for ts, value in await read_range(session, meter.energy_series_id, start_ms, end_ms)
        if isinstance(value, int | float)
    ]
    marks = {ts for ts, _ in await read_range(session, meter.estimated_series_id, start_ms, end_ms)}
    return values, marks


_DAILY_TOTALS = select(
    CkwDailyTotal.day_start,
    CkwDailyTotal.kwh,
    CkwDailyTotal.quarter_hours,
    CkwDailyTotal.estimated,
).where(
    CkwDailyTotal.metering_point_id == bindparam("point"),
    CkwDailyTotal.day_start >= bindparam("low"),
    CkwDailyTotal.day_start < bindparam("high"),
)


async def daily_totals(
    session: AsyncSession, meter: MeterSeries, start_ms: int, end_ms: int
) -> list[DailyTotal]:
    """(day start, kWh, quarter-hours, estimated ones) of the local days starting in
    ``[start_ms, end_ms)``, in time order."""
    result = await session.execute(
        _DAILY_TOTALS.order_by(CkwDailyTotal.day_start),
        {"point": meter.id, "low": start_ms, "high": end_ms},
    )
    return [(day, kwh, count, estimated) for day, kwh, count, estimated in result]


async def refresh_daily_totals(
    session: AsyncSession, meter: MeterSeries, start_ms: int, end_ms: int, tz: str
) -> None:
    """Recomputes the totals of the local days touching ``[start_ms, end_ms)`` from the stored
    points (so a re-sent point, kept once, is counted once)."""
    edges = bucket_edges(start_ms, end_ms, "day", tz)
    if not edges:
        return
    low, high = edges[0], edges[-1]
    energy = await aggregate(
        session, meter.energy_series_id, low, high, "day", tz, ("sum", "count")
    )
    marks = await aggregate(session, meter.estimated_series_id, low, high, "day", tz, ("count",))
    await session.execute(
        delete(CkwDailyTotal).where(
            CkwDailyTotal.metering_point_id == meter.id,
            CkwDailyTotal.day_start >= low,
            CkwDailyTotal.day_start < high,
        )
    )
    rows = [
        {
            "metering_point_id": meter.id,
            "day_start": day.start_ms,
            "day_end": day.end_ms,
            "kwh": float(day.values["sum"] or 0.0),
            "quarter_hours": int(day.values["count"] or 0),
            "estimated": int(mark.values["count"] or 0),
        }
        for day, mark in zip(energy, marks, strict=True)
        if day.values["count"] or mark.values["count"]
    ]
    if rows:
        await session.execute(insert(CkwDailyTotal), rows)


async def write_values(session: AsyncSession, points: Sequence[Point]) -> None:
    await write_points(session, points)


async def simulated_meters(session: AsyncSession) -> Sequence[CkwMeteringPoint]:
    return (
        await session.scalars(
            select(CkwMeteringPoint)
            .where(CkwMeteringPoint.simulation_seed.is_not(None))
            .order_by(CkwMeteringPoint.id)
        )
    ).all()


async def mark_delivered(session: AsyncSession, point_id: int, until_ms: int) -> None:
    await session.execute(
        update(CkwMeteringPoint)
        .where(CkwMeteringPoint.id == point_id)
        .values(delivered_until=until_ms)
    )
