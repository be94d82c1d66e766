from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from homecloud.core.database import Database
from homecloud.core.devices import DeviceRegistry
from homecloud.core.models import Series, SeriesPoint
from homecloud.core.series import (
    AGGREGATE_FUNCS,
    MAX_TS_MS,
    AggregateFunc,
    Bucket,
    Point,
    PointValue,
    SeriesError,
    aggregate,
    ensure_series,
    get_series,
    latest,
    read_range,
    tidy,
    write_points,
    write_points_sync,
)
from homecloud.core.timebuckets import BucketUnit
from homecloud.core.users import create_user

MINUTE = 60_000
HOUR = 60 * MINUTE

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ms(iso: str) -> int:
    moment = datetime.fromisoformat(iso)
    assert moment.tzinfo is not None
    return (moment - EPOCH) // timedelta(milliseconds=1)


@dataclass
class Meter:
    device_id: int
    series_id: int


@pytest.fixture
async def meter(database: Database) -> Meter:
    """A device with a numeric series "power"."""
    async with database.session(write=True) as session:
        user = await create_user(session, "owner@example.com", "password-1")
        device = await DeviceRegistry(session, user.id).add("smartme", "meter", "SN-1")
        series = await ensure_series(session, device.id, "power", unit="W")
        return Meter(device_id=device.id, series_id=series.id)


async def write(database: Database, points: Sequence[Point], *, replace: bool = False) -> None:
    async with database.session(write=True) as session:
        await write_points(session, points, replace=replace)


async def stored(database: Database, series_id: int) -> list[tuple[int, Any]]:
    async with database.session() as session:
        return await read_range(session, series_id, 0, MAX_TS_MS)


async def point_count(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(SeriesPoint)) or 0)


# --- series ---


async def test_ensure_series_creates_once_and_then_finds(database: Database, meter: Meter) -> None:
    async with database.session(write=True) as session:
        again = await ensure_series(session, meter.device_id, "power", unit="kW")
        other = await ensure_series(session, meter.device_id, "status", "json")
    assert again.id == meter.series_id
    assert again.unit == "W"  # the existing series keeps its unit
    assert other.id != meter.series_id
    assert other.value_kind == "json"
    async with database.session() as session:
        assert await get_series(session, meter.device_id, "missing") is None
        count = await session.scalar(select(func.count()).select_from(Series))
    assert count == 2


async def test_ensure_series_refuses_the_other_value_kind(database: Database, meter: Meter) -> None:
    with pytest.raises(SeriesError, match="holds number values, not json"):
        async with database.session(write=True) as session:
            await ensure_series(session, meter.device_id, "power", "json")


async def test_ensure_series_validates_its_names(database: Database, meter: Meter) -> None:
    cases = [("", "", "1 to 128 characters"), ("k" * 129, "", "1 to 128"), ("k", "u" * 33, "unit")]
    for key, unit, message in cases:
        with pytest.raises(SeriesError, match=message):
            async with database.session(write=True) as session:
                await ensure_series(session, meter.device_id, key, unit=unit)
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Series)) == 1


async def test_concurrent_creators_get_the_same_series(database: Database, meter: Meter) -> None:
    first_inserted = asyncio.Event()

    async def first() -> int:
        async with database.session(write=True) as session:
            series = await ensure_series(session, meter.device_id, "energy")
            # The second creator starts while this insert is not yet committed.
            first_inserted.set()
            await asyncio.sleep(0)
            return series.id

    async def second() -> int:
        await first_inserted.wait()
        async with database.session(write=True) as session:
            return (await ensure_series(session, meter.device_id, "energy")).id

    ids = await asyncio.gather(first(), second())
    assert ids[0] == ids[1]
    async with database.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(Series).where(Series.key == "energy")
        )
    assert count == 1


# --- writing ---


async def test_resending_a_point_stores_it_once(database: Database, meter: Meter) -> None:
    sid = meter.series_id
    await write(database, [Point(sid, 1_000, 1.5), Point(sid, 2_000, 2.5)])
    await write(database, [Point(sid, 1_000, 9.0), Point(sid, 3_000, 3.5)])
    # Within one batch too: the first of two points with the same timestamp wins.
    await write(database, [Point(sid, 4_000, 4.5), Point(sid, 4_000, 0.0)])
    assert await stored(database, sid) == [(1_000, 1.5), (2_000, 2.5), (3_000, 3.5), (4_000, 4.5)]
    assert await point_count(database) == 4


async def test_replace_overwrites_stored_points(database: Database, meter: Meter) -> None:
    sid = meter.series_id
    await write(database, [Point(sid, 1_000, 1.5), Point(sid, 2_000, {"a": 1})])
    await write(
        database,
        [Point(sid, 1_000, {"b": 2}), Point(sid, 2_000, 7.0), Point(sid, 2_000, 8.0)],
        replace=True,
    )
    # A number replaced by JSON loses its number and the other way round; the last of two
    # points with one timestamp in a batch wins.
    assert await stored(database, sid) == [(1_000, {"b": 2}), (2_000, 8.0)]
    async with database.session() as session:
        aggregated = await aggregate(session, sid, 0, HOUR, "hour", "UTC", ["count", "sum"])
    assert aggregated[0].values == {"count": 1, "sum": 8.0}


async def test_an_empty_batch_writes_nothing(database: Database, meter: Meter) -> None:
    await write(database, [])
    assert await point_count(database) == 0


BAD_POINTS: list[tuple[Point, str]] = [
    (Point(0, 5_000, float("nan")), "nan is not a finite number"),
    (Point(0, 5_000, float("inf")), "inf is not a finite number"),
    (Point(0, 5_000, float("-inf")), "-inf is not a finite number"),
    (Point(0, 5.0, 1.0), "5.0 is not an integer number of milliseconds"),  # type: ignore[arg-type]
    (Point(0, True, 1.0), "True is not an integer number"),  # type: ignore[arg-type]
    (Point(0, "5000", 1.0), "'5000' is not an integer number"),  # type: ignore[arg-type]
    (Point(0, -1, 1.0), "must lie between 0 and"),
    (Point(0, MAX_TS_MS + 1, 1.0), "must lie between 0 and"),
    (Point("1", 5_000, 1.0), "series id '1' is not an integer"),  # type: ignore[arg-type]
    (Point(0, 5_000, 2**53 + 1), "too large to be stored exactly"),
    (Point(0, 5_000, object()), "type object is neither a number nor JSON"),  # type: ignore[arg-type]
    (Point(0, 5_000, {"when": {1, 2}}), "cannot be stored as JSON"),
    (Point(0, 5_000, {1: "a"}), "cannot be stored as JSON"),
]


async def test_a_bad_point_fails_the_whole_batch(database: Database, meter: Meter) -> None:
    sid = meter.series_id
    for bad, message in BAD_POINTS:
        bad = bad._replace(series_id=sid) if bad.series_id == 0 else bad
        batch = [Point(sid, 1_000, 1.0), Point(sid, 2_000, 2.0), bad, Point(sid, 6_000, 6.0)]
        with pytest.raises(SeriesError, match=message) as raised:
            await write(database, batch)
        assert str(raised.value).startswith("point 2 "), message
        assert await point_count(database) == 0, message


async def test_a_batch_the_database_refuses_stores_nothing(
    database: Database, meter: Meter
) -> None:
    sid = meter.series_id
    with pytest.raises(IntegrityError):
        await write(database, [Point(sid, 1_000, 1.0), Point(sid + 999, 2_000, 2.0)])
    assert await point_count(database) == 0


async def test_values_round_trip(database: Database, meter: Meter) -> None:
    sid = meter.series_id
    values: list[PointValue] = [
        21.25,
        -3,  # integers are numbers, read back as floats
        {"mode": "heat", "setpoint": 21.5, "nested": {"on": True, "list": [1, "x", None]}},
        ["a", 1, 2.5],
        "standby",
        True,
        False,
        None,
        0.0,
    ]
    await write(database, [Point(sid, 1_000 * (i + 1), value) for i, value in enumerate(values)])
    got = await stored(database, sid)
    assert [ts for ts, _ in got] == [1_000 * (i + 1) for i in range(len(values))]
    assert [value for _, value in got] == [21.25, -3.0, *values[2:]]
    assert type(got[1][1]) is float
    assert got[5][1] is True  # a boolean stays a boolean, not 1.0
    assert got[7][1] is None


# --- reading ---


async def test_range_reads_are_ordered_and_half_open(database: Database, meter: Meter) -> None:
    sid = meter.series_id
    async with database.session(write=True) as session:
        other = await ensure_series(session, meter.device_id, "other")
    # Written out of order, and a point of another series in the middle.
    await write(
        database,
        [Point(sid, ts, float(ts // 1_000)) for ts in (5_000, 1_000, 4_000, 2_000, 3_000)]
        + [Point(other.id, 3_500, 99.0)],
    )
    async with database.session() as session:
        assert await read_range(session, sid, 2_000, 5_000) == [
            (2_000, 2.0),
            (3_000, 3.0),
            (4_000, 4.0),
        ]
        assert await read_range(session, sid, 2_000, 5_000, descending=True) == [
            (4_000, 4.0),
            (3_000, 3.0),
            (2_000, 2.0),
        ]
        assert await read_range(session, sid, 0, 10_000, limit=2) == [(1_000, 1.0), (2_000, 2.0)]
        assert await read_range(session, sid, 0, 10_000, limit=2, descending=True) == [
            (5_000, 5.0),
            (4_000, 4.0),
        ]
        assert await read_range(session, sid, 0, 10_000, limit=0) == []
        assert await read_range(session, sid, 2_001, 2_999) == []
        assert await read_range(session, sid, 5_000, 1_000) == []
        with pytest.raises(SeriesError, match="non-negative"):
            await read_range(session, sid, 0, 10_000, limit=-1)


async def test_latest_is_the_newest_point(database: Database, meter: Meter) -> None:
    sid = meter.series_id
    async with database.session() as session:
        assert await latest(session, sid) is None
    await write(database, [Point(sid, 3_000, {"state": "on"}), Point(sid, 1_000, 1.0)])
    await write(database, [Point(sid, 2_000, 2.0)])
    async with database.session() as session:
        assert await latest(session, sid) == (3_000, {"state": "on"})


# --- aggregates ---


async def buckets_of(
    database: Database,
    series_id: int,
    start: int,
    end: int,
    unit: BucketUnit,
    tz: str,
    funcs: Sequence[AggregateFunc] = AGGREGATE_FUNCS,
    week_start: int = 0,
) -> list[Bucket]:
    async with database.session() as session:
        return await aggregate(
            session, series_id, start, end, unit, tz, funcs, week_start=week_start
        )


EMPTY = {
    "avg": None,
    "sum": None,
    "min": None,
    "max": None,
    "count": 0,
    "first": None,
    "last": None,
}


def summary(*values: float) -> dict[str, float | int | None]:
    """What every function gives for ``values`` written in time order."""
    return {
        "avg": tidy(sum(values) / len(values)),
        "sum": tidy(sum(values)),
        "min": min(values),
        "max": max(values),
        "count": len(values),
        "first": values[0],
        "last": values[-1],
    }


async def test_quarter_hours_every_function_and_empty_buckets(
    database: Database, meter: Meter
) -> None:
    sid = meter.series_id
    t0 = ms("2026-06-01T00:00+00:00")
    await write(
        database,
        [
            Point(sid, t0 + 5 * MINUTE, 2.5),  # written first but later in time than 1.5
            Point(sid, t0, 1.5),
            Point(sid, t0 + 15 * MINUTE - 1, 0.5),
            Point(sid, t0 + 15 * MINUTE, 10.0),
            Point(sid, t0 + 50 * MINUTE, {"note": "JSON takes no part"}),
            Point(sid, t0 + 55 * MINUTE, -4.0),
            Point(sid, t0 + 60 * MINUTE, 100.0),  # outside the range
        ],
    )
    got = await buckets_of(database, sid, t0, t0 + HOUR, "15min", "UTC")
    assert [(b.start_ms - t0, b.end_ms - t0) for b in got] == [
        (0, 15 * MINUTE),
        (15 * MINUTE, 30 * MINUTE),
        (30 * MINUTE, 45 * MINUTE),
        (45 * MINUTE, 60 * MINUTE),
    ]
    assert [dict(b.values) for b in got] == [
        summary(1.5, 2.5, 0.5),
        summary(10.0),
        EMPTY,
        summary(-4.0),
    ]
    assert type(got[0].values["count"]) is int
    assert type(got[0].values["sum"]) is float


async def test_a_json_only_bucket_is_empty(database: Database, meter: Meter) -> None:
    sid = meter.series_id
    await write(database, [Point(sid, 1_000, {"a": 1}), Point(sid, 2_000, "text")])
    got = await buckets_of(database, sid, 0, HOUR, "hour", "UTC")
    assert [dict(b.values) for b in got] == [EMPTY]


async def test_hours_in_a_half_hour_zone(database: Database, meter: Meter) -> None:
    sid = meter.series_id
    # Asia/Kolkata is +05:30: its hours run from :30 to :30 UTC.
    await write(
        database,
        [
            Point(sid, ms("2026-01-01T00:29:59.999+00:00"), 1.0),
            Point(sid, ms("2026-01-01T00:30+00:00"), 2.0),
            Point(sid, ms("2026-01-01T01:29+00:00"), 4.0),
        ],
    )
    got = await buckets_of(
        database,
        sid,
        ms("2026-01-01T05:00+05:30"),
        ms("2026-01-01T07:00+05:30"),
        "hour",
        "Asia/Kolkata",
        ["sum", "count"],
    )
    assert [(b.start_ms, dict(b.values)) for b in got] == [
        (ms("2025-12-31T23:30+00:00"), {"sum": 1.0, "count": 1}),
        (ms("2026-01-01T00:30+00:00"), {"sum": 6.0, "count": 2}),
    ]


async def hourly_ones(database: Database, series_id: int, start: int, end: int) -> None:
    """A point of 1.0 at every UTC hour of [start, end)."""
    await write(database, [Point(series_id, ts, 1.0) for ts in range(start, end, HOUR)])


@pytest.mark.parametrize(
    ("first_day", "day_sums"),
    [
        # 28 March 24 h, 29 March (spring forward) 23 h, 30 March 24 h.
        ("2026-03-28T00:00+01:00", [24.0, 23.0, 24.0]),
        # 24 October 24 h, 25 October (fall back) 25 h, 26 October 24 h.
        ("2026-10-24T00:00+02:00", [24.0, 25.0, 24.0]),
    ],
)
async def test_daily_sums_across_a_dst_change(
    database: Database, meter: Meter, first_day: str, day_sums: list[float]
) -> None:
    sid = meter.series_id
    start = ms(first_day)
    end = start + int(sum(day_sums)) * HOUR
    await hourly_ones(database, sid, start - 5 * HOUR, end + 5 * HOUR)
    days = await buckets_of(database, sid, start, end, "day", "Europe/Zurich", ["sum", "count"])
    assert [b.values["sum"] for b in days] == day_sums
    assert [b.values["count"] for b in days] == [int(s) for s in day_sums]
    assert [b.end_ms - b.start_ms for b in days] == [int(s) * HOUR for s in day_sums]
    assert days[0].start_ms == start
    assert days[-1].end_ms == end


@pytest.mark.parametrize(("day", "hours"), [("2026-03-29", 23), ("2026-10-25", 25)])
async def test_hourly_buckets_of_a_dst_day(
    database: Database, meter: Meter, day: str, hours: int
) -> None:
    sid = meter.series_id
    first = await buckets_of(
        database,
        sid,
        ms(f"{day}T00:00+00:00"),
        ms(f"{day}T00:00+00:00") + 1,
        "day",
        "Europe/Zurich",
        ["count"],
    )
    start, end = first[0].start_ms, first[0].end_ms
    await hourly_ones(database, sid, start, end)
    got = await buckets_of(database, sid, start, end, "hour", "Europe/Zurich", ["count", "first"])
    assert len(got) == hours
    assert all(b.values == {"count": 1, "first": 1.0} for b in got)
    assert [b.start_ms for b in got] == list(range(start, end, HOUR))


async def test_weeks_with_either_first_weekday(database: Database, meter: Meter) -> None:
    sid = meter.series_id
    # Sunday 2026-03-08 and Monday 2026-03-09, noon in Zurich.
    sunday, monday = ms("2026-03-08T12:00+01:00"), ms("2026-03-09T12:00+01:00")
    await write(database, [Point(sid, sunday, 1.0), Point(sid, monday, 2.0)])
    start, end = ms("2026-03-02T00:00+01:00"), ms("2026-03-16T00:00+01:00")
    mondays = await buckets_of(database, sid, start, end, "week", "Europe/Zurich", ["sum"])
    assert [b.values["sum"] for b in mondays] == [1.0, 2.0]
    sundays = await buckets_of(
        database, sid, start, end, "week", "Europe/Zurich", ["sum"], week_start=6
    )
    assert sundays[0].start_ms == ms("2026-03-01T00:00+01:00")
    assert [b.values["sum"] for b in sundays] == [None, 3.0, None]


async def test_month_boundaries_in_new_york(database: Database, meter: Meter) -> None:
    sid = meter.series_id
    await write(
        database,
        [
            Point(sid, ms("2026-02-28T23:59:59.999-05:00"), 1.0),  # 04:59:59.999 UTC, February
            Point(sid, ms("2026-03-01T00:00-05:00"), 2.0),
            Point(sid, ms("2026-03-31T23:59-04:00"), 4.0),
            Point(sid, ms("2026-04-01T00:00-04:00"), 8.0),
        ],
    )
    got = await buckets_of(
        database,
        sid,
        ms("2026-02-01T00:00-05:00"),
        ms("2026-05-01T00:00-04:00"),
        "month",
        "America/New_York",
    )
    assert [b.start_ms for b in got] == [
        ms("2026-02-01T00:00-05:00"),
        ms("2026-03-01T00:00-05:00"),
        ms("2026-04-01T00:00-04:00"),
    ]
    assert [dict(b.values) for b in got] == [summary(1.0), summary(2.0, 4.0), summary(8.0)]


async def test_year_boundaries_in_zurich(database: Database, meter: Meter) -> None:
    sid = meter.series_id
    await write(
        database,
        [
            Point(sid, ms("2025-12-31T22:59:59.999+00:00"), 1.0),  # 23:59:59.999 local, 2025
            Point(sid, ms("2025-12-31T23:00+00:00"), 2.0),  # local new year 2026
            Point(sid, ms("2026-07-01T12:00+02:00"), 6.0),
        ],
    )
    got = await buckets_of(
        database,
        sid,
        ms("2025-01-01T00:00+01:00"),
        ms("2027-01-01T00:00+01:00"),
        "year",
        "Europe/Zurich",
        ["avg", "count", "first", "last"],
    )
    assert [(b.start_ms, b.end_ms) for b in got] == [
        (ms("2025-01-01T00:00+01:00"), ms("2026-01-01T00:00+01:00")),
        (ms("2026-01-01T00:00+01:00"), ms("2027-01-01T00:00+01:00")),
    ]
    assert [dict(b.values) for b in got] == [
        {"avg": 1.0, "count": 1, "first": 1.0, "last": 1.0},
        {"avg": 4.0, "count": 2, "first": 2.0, "last": 6.0},
    ]


async def test_only_points_in_the_range_are_counted(database: Database, meter: Meter) -> None:
    sid = meter.series_id
    await write(database, [Point(sid, m * MINUTE, float(m)) for m in range(60)])
    got = await buckets_of(database, sid, 10 * MINUTE, 50 * MINUTE, "hour", "UTC")
    # The bucket is the whole hour, but only minutes 10 to 49 are in the range.
    assert [(b.start_ms, b.end_ms) for b in got] == [(0, HOUR)]
    assert dict(got[0].values) == summary(*[float(m) for m in range(10, 50)])


async def test_first_and_last_alone(database: Database, meter: Meter) -> None:
    sid = meter.series_id
    await write(database, [Point(sid, m * MINUTE, float(m)) for m in range(0, 120, 7)])
    got = await buckets_of(database, sid, 0, 3 * HOUR, "hour", "UTC", ["last", "first"])
    assert [dict(b.values) for b in got] == [
        {"last": 56.0, "first": 0.0},
        {"last": 119.0, "first": 63.0},
        {"last": None, "first": None},
    ]


async def test_series_are_aggregated_apart(database: Database, meter: Meter) -> None:
    async with database.session(write=True) as session:
        other = await ensure_series(session, meter.device_id, "other")
    await write(database, [Point(meter.series_id, 1_000, 1.0), Point(other.id, 2_000, 5.0)])
    got = await buckets_of(database, meter.series_id, 0, HOUR, "hour", "UTC", ["sum", "last"])
    assert dict(got[0].values) == {"sum": 1.0, "last": 1.0}


async def test_an_empty_range_has_no_buckets(database: Database, meter: Meter) -> None:
    assert await buckets_of(database, meter.series_id, HOUR, HOUR, "hour", "UTC") == []


async def test_bad_aggregate_requests_are_refused(database: Database, meter: Meter) -> None:
    cases: list[tuple[Any, str, list[Any], int, int, str]] = [
        ("hour", "UTC", ["median"], 0, HOUR, "'median' is not an aggregate function"),
        ("hour", "UTC", [], 0, HOUR, "at least one"),
        ("fortnight", "UTC", ["sum"], 0, HOUR, "'fortnight' is not a bucket unit"),
        ("hour", "Nowhere/Else", ["sum"], 0, HOUR, "not an IANA time zone"),
        ("hour", "UTC", ["sum"], HOUR, 0, "before start_ms"),
        ("15min", "UTC", ["sum"], 0, 10 * 366 * 24 * HOUR, "more than 100000 15min buckets"),
    ]
    for unit, tz, funcs, start, end, message in cases:
        with pytest.raises(SeriesError, match=message):
            await buckets_of(database, meter.series_id, start, end, unit, tz, funcs)


async def test_the_synchronous_writer_in_one_thread_hop(database: Database, meter: Meter) -> None:
    """write_points_sync inside Database.run_in_transaction: same idempotence, same refusal of
    a whole batch with one bad point, on SQLite (worker thread) and PostgreSQL (run_sync)."""
    points = [
        Point(meter.series_id, ms("2026-01-01T00:00:00+00:00") + i * MINUTE, float(i))
        for i in range(5)
    ]
    await database.run_in_transaction(lambda session: write_points_sync(session, points))
    await database.run_in_transaction(lambda session: write_points_sync(session, points[:2]))
    assert [value for _, value in await stored(database, meter.series_id)] == [
        0.0,
        1.0,
        2.0,
        3.0,
        4.0,
    ]

    replaced = [Point(meter.series_id, points[0].ts_ms, 42.0)]
    await database.run_in_transaction(
        lambda session: write_points_sync(session, replaced, replace=True)
    )
    assert (await stored(database, meter.series_id))[0][1] == 42.0

    later = points[-1].ts_ms + MINUTE
    bad_batch = [
        Point(meter.series_id, later, 1.0),
        Point(meter.series_id, later + MINUTE, float("nan")),
    ]
    with pytest.raises(SeriesError, match="point 1"):
        await database.run_in_transaction(lambda session: write_points_sync(session, bad_batch))
    assert await point_count(database) == 5


async def test_sums_and_averages_carry_no_float_noise(database: Database, meter: Meter) -> None:
    """0.2 + 8.7 + 14.7 is 23.599999999999998 in binary floating point; a reading of 23.6 is
    what the person who stored those values expects."""
    sid = meter.series_id
    assert 0.2 + 8.7 + 14.7 == 23.599999999999998  # the noise this guards against
    await write(
        database, [Point(sid, 0, 0.2), Point(sid, MINUTE, 8.7), Point(sid, 2 * MINUTE, 14.7)]
    )
    (bucket,) = await buckets_of(database, sid, 0, HOUR, "hour", "UTC")
    assert bucket.values["sum"] == 23.6
    assert repr(bucket.values["sum"]) == "23.6"
    assert repr(bucket.values["avg"]) == "7.86666666667"  # 12 significant digits
    assert bucket.values["min"] == 0.2
    assert bucket.values["max"] == 14.7


# Readings as a sensor or meter sends them: at most 3 decimals, below 100,000 in magnitude.
readings = st.integers(min_value=-99_999_999, max_value=99_999_999).map(
    lambda thousandths: Decimal(thousandths).scaleb(-3)
)


@given(st.lists(readings, min_size=1, max_size=200))
def test_tidy_sums_are_the_exact_decimal_sums(values: list[Decimal]) -> None:
    """However the doubles round along the way, the tidied sum of readings is the sum a
    person gets on paper (it has at most 11 significant digits, well inside the 12 kept)."""
    floats = [float(value) for value in values]
    total = 0.0
    for value in floats:  # one by one, as a database's SUM adds
        total += value
    assert tidy(total) == float(sum(values))


@given(st.lists(readings, min_size=1, max_size=200))
def test_tidy_averages_keep_twelve_significant_digits(values: list[Decimal]) -> None:
    floats = [float(value) for value in values]
    average = sum(floats) / len(floats)
    exact = sum(values) / len(values)
    tidied = tidy(average)
    digits = Decimal(repr(tidied)).normalize().as_tuple().digits
    assert len(digits) <= 12
    # Off from the exact average by at most half a unit in the 12th digit (and a hair).
    assert abs(Decimal(tidied) - exact) <= abs(exact) * Decimal("5.01e-12")
    assert tidy(tidied) == tidied


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_tidy_is_idempotent_and_close(value: float) -> None:
    tidied = tidy(value)
    if math.isnan(value):
        assert math.isnan(tidied)
        return
    assert tidy(tidied) == tidied
    assert math.isclose(tidied, value, rel_tol=5e-12, abs_tol=0.0)
