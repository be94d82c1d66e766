"""CKW's rules: a customer's core data, and meter data as whole local-time buckets of
15-minute kWh values with a status each.

Meter data, for one metering point or every point of an installation:

- The range ``[start, end)`` is widened to whole buckets of the resolution in Europe/Zurich
  (a day is 92, 96 or 100 quarter-hours; months and years begin at local midnight).
- A bucket is reported when some of it lies in the meter's validity and before the meter's
  last delivery (``delivered_until``): the meter sends the previous day's values once a day,
  so today is partial or empty, and the current month holds the days delivered so far.
- Its value is the sum of its quarter-hours' kWh. Status: ``measured`` when every expected
  quarter-hour has a measured value, ``estimated`` when every one has a value and some are
  estimates, ``missing`` when some have none (the value then sums those present, or is null
  when none is). For an installation, the worst status of its points.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.apis.ckw import names, repository
from homecloud.apis.ckw.models import CkwMeteringPoint
from homecloud.apis.ckw.query import ZONE_NAME, MeterQuery, local_iso, local_isos
from homecloud.apis.ckw.repository import DailyTotal, Meter, MeterSeries
from homecloud.core.errors import ApiError
from homecloud.core.series import Point, tidy
from homecloud.core.timebuckets import bucket_edges
from homecloud.core.unit_of_work import UnitOfWork

QUARTER_MS = 900_000
_RANK = {names.MEASURED: 0, names.ESTIMATED: 1, names.MISSING: 2}


def not_found(what: str, identifier: str) -> ApiError:
    # Another user's metering point is "not found" too: its existence is not revealed.
    return ApiError.of(404, f"No {what} {identifier!r} among your installations.", "not_found")


def _iso_or_none(ms: int | None) -> str | None:
    return local_iso(ms) if ms is not None else None


def metering_point_record(point: CkwMeteringPoint) -> dict[str, Any]:
    return {
        names.METERING_POINT_ID: point.metering_point_id,
        names.METER_NUMBER: point.meter_number,
        names.ENERGY_DIRECTION: point.energy_direction,
        names.UNIT: point.unit,
        names.VALID_FROM: local_iso(point.valid_from),
        names.VALID_TO: _iso_or_none(point.valid_to),
    }


async def core_data(work: UnitOfWork, user_id: int) -> dict[str, Any]:
    session = await work.session()
    customer = await repository.customer_of(session, user_id)
    if customer is None:
        raise ApiError.of(404, "This account is not a CKW customer.", "not_found")
    installations = await repository.installations_of(session, customer.id)
    return {
        names.CUSTOMER_NUMBER: customer.customer_number,
        names.INSTALLATIONS: [
            {
                names.INSTALLATION_ID: installation.installation_id,
                names.ADDRESS: {
                    names.STREET: installation.street,
                    names.ZIP: installation.zip,
                    names.CITY: installation.city,
                    names.COUNTRY: installation.country,
                },
                names.METERING_POINTS: [metering_point_record(point) for point in points],
            }
            for installation, points in installations
        ],
    }


@dataclass(frozen=True, slots=True)
class Slot:
    """One bucket of one meter: its value and status."""

    value: float | None
    status: names.Status


# Resolutions read from the stored quarter-hours; coarser ones from the daily totals.
_FROM_QUARTER_HOURS = ("15min", "hour")


async def _bucket_totals(
    work: UnitOfWork,
    meter: Meter,
    edges: list[int],
    query: MeterQuery,
    days: list[DailyTotal] | None,
) -> list[list[float]]:
    """Per bucket: [kWh, quarter-hours with a value, estimated ones]. ``days`` are the meter's
    daily totals of the range when they were read already."""
    totals = [[0.0, 0, 0] for _ in edges[:-1]]
    first, last = edges[0], edges[-1]
    if query.resolution in _FROM_QUARTER_HOURS:
        session = await work.session()
        values, marks = await repository.raw_values(session, meter, first, last)
        for ts, kwh in values:
            bucket = totals[bisect.bisect_right(edges, ts) - 1]
            bucket[0] += kwh
            bucket[1] += 1
            bucket[2] += ts in marks
    else:
        if days is None:
            days = await repository.daily_totals(await work.session(), meter, first, last)
        for day, kwh, count, estimated in days:
            bucket = totals[bisect.bisect_right(edges, day) - 1]
            bucket[0] += kwh
            bucket[1] += count
            bucket[2] += estimated
    return totals


async def _meter_slots(
    work: UnitOfWork,
    meter: Meter,
    edges: list[int],
    query: MeterQuery,
    days: list[DailyTotal] | None = None,
) -> dict[int, Slot]:
    """The reported buckets of one meter, by their start."""
    reported_until = meter.delivered_until or meter.valid_from
    if meter.valid_to is not None:
        reported_until = min(reported_until, meter.valid_to)
    if reported_until <= max(edges[0], meter.valid_from) or edges[-1] <= meter.valid_from:
        return {}
    slots: dict[int, Slot] = {}
    totals = await _bucket_totals(work, meter, edges, query, days)
    for index, (kwh, count, estimated) in enumerate(totals):
        low = max(edges[index], meter.valid_from)
        high = min(edges[index + 1], reported_until)
        if high <= low:
            continue
        expected = -(-(high - low) // QUARTER_MS)
        status: names.Status
        if count < expected:
            status = names.MISSING
        elif estimated:
            status = names.ESTIMATED
        else:
            status = names.MEASURED
        # One quarter-hour's value is stored as it came; only sums carry rounding noise.
        value = None if not count else kwh if count == 1 else tidy(kwh)
        slots[edges[index]] = Slot(value, status)
    return slots


async def record_values(
    session: AsyncSession,
    meter: MeterSeries,
    start_ms: int,
    end_ms: int,
    values: Sequence[tuple[int, float]],
    estimated: Sequence[int] = (),
) -> None:
    """What a meter delivers for ``[start_ms, end_ms)``: its quarter-hours (ts, kWh), written
    through the core series writer, the estimated ones marked, the local days' totals
    brought up to date, and the meter marked delivered up to ``end_ms``."""
    points = [Point(meter.energy_series_id, ts, kwh) for ts, kwh in values]
    points += [Point(meter.estimated_series_id, ts, 1.0) for ts in estimated]
    await repository.write_values(session, points)
    await repository.refresh_daily_totals(session, meter, start_ms, end_ms, ZONE_NAME)
    await repository.mark_delivered(session, meter.id, end_ms)


async def meter_data(work: UnitOfWork, user_id: int, query: MeterQuery) -> dict[str, Any]:
    database = work.database
    edges = bucket_edges(query.start_ms, query.end_ms, query.resolution, ZONE_NAME)
    if query.metering_point_id is not None:
        days: list[DailyTotal] | None = None
        if query.resolution in _FROM_QUARTER_HOURS:
            meter = await repository.meter_of_user(database, user_id, query.metering_point_id)
        else:
            meter, days = await repository.meter_with_daily_totals(
                database, user_id, query.metering_point_id, edges[0], edges[-1]
            )
        if meter is None:
            raise not_found("metering point", query.metering_point_id)
        per_meter = [(meter, await _meter_slots(work, meter, edges, query, days))]
        subject = {names.METERING_POINT_ID: query.metering_point_id}
    else:
        assert query.installation_id is not None
        meters = await repository.meters_of_installation(database, user_id, query.installation_id)
        if not meters:
            raise not_found("installation", query.installation_id)
        per_meter = [(meter, await _meter_slots(work, meter, edges, query)) for meter in meters]
        subject = {names.INSTALLATION_ID: query.installation_id}
    starts = sorted({start for _, slots in per_meter for start in slots})
    shown = local_isos(edges)
    ends = dict(itertools.pairwise(edges))
    consumption, production = names.CONSUMPTION_KWH, names.PRODUCTION_KWH
    values = []
    # Every bucket is rendered here: a month at 15 minutes is 2,976 of them, so this loop
    # does as little as it can per bucket (one dict, no per-bucket helpers).
    for start in starts:
        sums: dict[str, float | None] = {consumption: None, production: None}
        status: names.Status = names.MEASURED
        for meter, slots in per_meter:
            slot = slots.get(start)
            if slot is None:
                # This meter was not valid (or not delivered) here: nothing to report for it.
                continue
            field = names.VALUE_FIELD[meter.direction]
            if slot.value is not None:
                before = sums[field]
                sums[field] = slot.value if before is None else tidy(before + slot.value)
            if _RANK[slot.status] > _RANK[status]:
                status = slot.status
        values.append(
            {
                names.START: shown[start],
                names.END: shown[ends[start]],
                consumption: sums[consumption],
                production: sums[production],
                names.STATUS: status,
            }
        )
    return {
        **subject,
        names.RESOLUTION: query.resolution,
        names.UNIT: names.KWH,
        names.TIMEZONE: ZONE_NAME,
        names.START: shown[edges[0]],
        names.END: shown[edges[-1]],
        names.VALUES: values,
    }


# ------------------------------------------------------------------------ provisioning

# A Swiss metering point id is "CH" and 31 characters; CKW's begin with its operator number.
METERING_POINT_PREFIX = "CH10021012345"


def customer_number(user_id: int) -> str:
    return f"{user_id:010d}"


def installation_number(user_id: int, index: int = 0) -> str:
    return f"41{user_id:07d}{index}"


def metering_point_number(user_id: int, index: int) -> str:
    return f"{METERING_POINT_PREFIX}{user_id:018d}{index:02d}"


async def provision_customer(
    work: UnitOfWork,
    user_id: int,
    *,
    valid_from_ms: int,
    with_pv: bool,
    seed: int | None,
    street: str = "Musterweg 1",
    zip_code: str = "6003",
    city: str = "Luzern",
) -> list[CkwMeteringPoint]:
    """Makes the user a CKW customer with one installation and its metering points: the
    household's consumption and, ``with_pv``, its PV production. ``seed`` makes them
    simulated meters (None: their values are written by someone else, as in tests)."""
    session = await work.session()
    if await repository.customer_of(session, user_id) is not None:
        raise ApiError.of(409, "This account is a CKW customer already.", "exists")
    customer = await repository.add_customer(session, user_id, customer_number(user_id))
    installation = await repository.add_installation(
        session,
        customer,
        installation_number(user_id),
        street=street,
        zip_code=zip_code,
        city=city,
    )
    directions: list[names.Direction] = [names.CONSUMPTION]
    if with_pv:
        directions.append(names.PRODUCTION)
    return [
        await repository.add_metering_point(
            session,
            user_id,
            installation,
            metering_point_number(user_id, index),
            meter_number=f"7{user_id:07d}",
            direction=direction,
            valid_from=valid_from_ms,
            simulation_seed=None if seed is None else seed * 2 + index,
        )
        for index, direction in enumerate(directions)
    ]
