"""Time series: batched idempotent writes, ordered range reads and calendar aggregates.

A point is (series, millisecond timestamp, value). Numbers go to the ``num`` column, where the
database can aggregate them; anything else JSON can hold goes to ``doc`` as JSON text. The
primary key (series_id, ts) makes a re-sent point a no-op, so devices and gateways that retry
a batch after a lost answer never duplicate data.

Writing is homecloud's hottest path (meters every 15 minutes, gateways every few seconds), so
:func:`write_points` checks a batch in one tight loop and hands it to the driver as one
``executemany`` of plain tuples, past SQLAlchemy's per-row parameter processing.
"""

from __future__ import annotations

import functools
import math
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, NamedTuple, TypeAlias, get_args

import orjson
from sqlalchemy import TextClause, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session

from homecloud.core.models import Series, SeriesPoint
from homecloud.core.timebuckets import MAX_EDGE_MS, BucketUnit, bucket_edges

ValueKind = Literal["number", "json"]
AggregateFunc = Literal["avg", "sum", "min", "max", "count", "first", "last"]
AGGREGATE_FUNCS: Final[tuple[AggregateFunc, ...]] = get_args(AggregateFunc)
VALUE_KINDS: Final[tuple[ValueKind, ...]] = get_args(ValueKind)

# A number or anything JSON can hold. Numbers are stored as doubles and read back as floats;
# booleans are JSON (true/false come back as booleans, not as 1.0/0.0).
PointValue: TypeAlias = float | int | bool | str | list[Any] | dict[str, Any] | None
StoredValue: TypeAlias = float | bool | str | list[Any] | dict[str, Any] | None

# Points share the time line of the bucket maths, so every stored point can be aggregated.
MAX_TS_MS: Final = MAX_EDGE_MS
# A double holds every integer up to 2**53 exactly; a larger one would be stored rounded.
MAX_EXACT_INT: Final = 2**53
# Each bucket is a row of the aggregate query; this bounds its cost (a year of 15-minute
# buckets is 35,040).
MAX_BUCKETS: Final = 100_000
# Sums, averages and differences of stored doubles carry binary rounding noise in their last
# digits (23.6 + ... comes out as 23.599999999999998). Readings come from sensors and meters
# with far fewer significant digits than a double's 15 to 17, so computed aggregates are
# rounded to this many significant digits: the noise goes, every digit a reading can carry
# stays (an average of 1, 1 and 2 is 1.33333333333).
AGGREGATE_DIGITS: Final = 12
# The aggregate functions whose results are computed (the others return a stored value).
_COMPUTED: Final = frozenset({"avg", "sum"})

_NOMINAL_BUCKET_MS: Final[dict[str, int]] = {
    "15min": 900_000,
    "hour": 3_600_000,
    "day": 86_400_000,
    "week": 7 * 86_400_000,
    "month": 28 * 86_400_000,
    "year": 365 * 86_400_000,
}


class SeriesError(ValueError):
    """A series request that cannot be carried out (a face answers 400); nothing was stored."""


def tidy(value: float) -> float:
    """A computed aggregate (a sum, an average, a difference of stored values) without the
    noise of binary floating point: rounded to :data:`AGGREGATE_DIGITS` significant digits.
    Stored values themselves (min, max, first, last) come back as they were written."""
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{AGGREGATE_DIGITS}g}")


class Point(NamedTuple):
    series_id: int
    ts_ms: int
    value: PointValue


@dataclass(frozen=True, slots=True)
class Bucket:
    """One calendar bucket of an aggregate. ``values`` maps each requested function to its
    result: ``count`` is 0 and the others None when the bucket holds no numeric point."""

    start_ms: int
    end_ms: int
    values: Mapping[AggregateFunc, float | int | None]


Row: TypeAlias = tuple[int, int, float | None, str | None]


async def ensure_series(
    session: AsyncSession,
    device_id: int,
    key: str,
    value_kind: ValueKind = "number",
    unit: str = "",
) -> Series:
    """The device's series ``key``, created if missing.

    Two requests may create the same series at once (a gateway's first upload racing a
    console view); the insert yields to an existing row instead of failing on the unique
    key, so both get the one series. An existing series keeps its unit; asking for it with
    the other value kind is a SeriesError, because its points would not mean what the caller
    expects.
    """
    if not 1 <= len(key) <= 128:
        raise SeriesError("a series key has 1 to 128 characters")
    if value_kind not in VALUE_KINDS:
        raise SeriesError(f"{value_kind!r} is not a value kind; use number or json")
    if len(unit) > 32:
        raise SeriesError("a unit has at most 32 characters")
    values = {"device_id": device_id, "key": key, "value_kind": value_kind, "unit": unit}
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        pg_statement = postgresql.insert(Series).values(values)
        await session.execute(
            pg_statement.on_conflict_do_nothing(index_elements=[Series.device_id, Series.key])
        )
    else:
        sqlite_statement = sqlite.insert(Series).values(values)
        await session.execute(
            sqlite_statement.on_conflict_do_nothing(index_elements=[Series.device_id, Series.key])
        )
    series = await get_series(session, device_id, key)
    if series is None:  # a concurrent removal of the device between insert and read
        raise SeriesError(f"device {device_id} has no series {key!r}")
    if series.value_kind != value_kind:
        raise SeriesError(f"series {key!r} holds {series.value_kind} values, not {value_kind}")
    return series


async def get_series(session: AsyncSession, device_id: int, key: str) -> Series | None:
    return await session.scalar(
        select(Series).where(Series.device_id == device_id, Series.key == key)
    )


async def write_points(
    session: AsyncSession, points: Iterable[Point], *, replace: bool = False
) -> None:
    """Stores a batch of points in one statement.

    A point whose (series, timestamp) is stored already is skipped, or with ``replace``
    overwrites the stored value; of two points with one timestamp in a batch, the first is
    kept, or with ``replace`` the last. A bad point fails the whole batch with
    :class:`SeriesError` before anything is sent to the database. A database error (an
    unknown series) may come after some rows went in: the unit of work must then roll back,
    as it does when the exception leaves it.
    """
    rows = _rows(points)
    if not rows:
        return
    connection = await session.connection()
    sql = _insert_sql(connection.dialect.paramstyle, replace)
    if connection.dialect.driver == "aiosqlite":
        await _executemany_on_aiosqlite(connection, sql, rows)
    else:
        await connection.exec_driver_sql(sql, rows)


def write_points_sync(session: Session, points: Iterable[Point], *, replace: bool = False) -> None:
    """:func:`write_points` for a synchronous unit of work (``Database.run_in_transaction``).

    Ingestion that writes many points per request should prefer it: on SQLite the whole
    transaction then runs on one worker thread with a plain sqlite3 connection, without the
    event-loop round trips every statement costs through aiosqlite. Same checks, same SQL,
    same guarantees.
    """
    rows = _rows(points)
    if not rows:
        return
    connection = session.connection()
    connection.exec_driver_sql(_insert_sql(connection.dialect.paramstyle, replace), rows)


async def _executemany_on_aiosqlite(connection: AsyncConnection, sql: str, rows: list[Row]) -> None:
    """aiosqlite runs each call on a thread of its own, and a statement through SQLAlchemy
    costs three such round trips (open a cursor, execute, close it); the driver connection's
    executemany takes one. Each round trip is two thread wake-ups, which on a busy machine
    cost more than checking the whole batch in Python.

    This is safe because the transaction is already open (the session began it when it
    handed out the connection, and sqlite3 adds no statement of its own), and errors are
    wrapped as SQLAlchemy would wrap them, so callers see the same exceptions on every back
    end.
    """
    driver_connection = (await connection.get_raw_connection()).driver_connection
    assert driver_connection is not None  # the session holds the connection open
    try:
        await driver_connection.executemany(sql, rows)
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, None, error, sqlite3.Error) from error


def _rows(points: Iterable[Point]) -> list[Row]:
    # One pass, no per-point function calls on the common path (a finite float): this loop
    # is most of what the writer costs above the driver.
    rows: list[Row] = []
    append = rows.append
    isfinite = math.isfinite
    for series_id, ts, value in points:
        if type(ts) is not int or type(series_id) is not int or not 0 <= ts <= MAX_TS_MS:
            raise _point_error(len(rows), series_id, ts, _describe_key_error(series_id, ts))
        if type(value) is float:
            if not isfinite(value):
                raise _point_error(len(rows), series_id, ts, f"{value} is not a finite number")
            append((series_id, ts, value, None))
        else:
            try:
                num, doc = _encode(value)
            except ValueError as exc:
                raise _point_error(len(rows), series_id, ts, str(exc)) from None
            append((series_id, ts, num, doc))
    return rows


def _describe_key_error(series_id: object, ts: object) -> str:
    if type(series_id) is not int:
        return f"the series id {series_id!r} is not an integer"
    if type(ts) is not int:
        return f"the timestamp {ts!r} is not an integer number of milliseconds"
    return f"the timestamp must lie between 0 and {MAX_TS_MS}"


def _point_error(index: int, series_id: object, ts: object, reason: str) -> SeriesError:
    return SeriesError(f"point {index} (series {series_id!r}, ts {ts!r}): {reason}")


def _encode(value: object) -> tuple[float | None, str | None]:
    """(num, doc) for a value other than a plain float."""
    if isinstance(value, bool) or value is None or isinstance(value, str | list | dict):
        try:
            return None, orjson.dumps(value).decode()
        except TypeError as exc:  # orjson.JSONEncodeError: a nested value JSON cannot hold
            raise ValueError(f"the value cannot be stored as JSON: {exc}") from None
    if isinstance(value, int):
        if abs(value) > MAX_EXACT_INT:
            raise ValueError(f"{value} is too large to be stored exactly")
        return float(value), None
    if isinstance(value, float):  # a float subclass, such as numpy.float64
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a finite number")
        return float(value), None
    raise ValueError(f"a value of type {type(value).__name__} is neither a number nor JSON")


@functools.cache
def _insert_sql(paramstyle: str, replace: bool) -> str:
    if paramstyle == "qmark":
        placeholders = "?, ?, ?, ?"
    elif paramstyle == "numeric_dollar":
        placeholders = "$1, $2, $3, $4"
    else:
        raise NotImplementedError(f"no insert for the {paramstyle!r} parameter style")
    conflict = "DO UPDATE SET num = excluded.num, doc = excluded.doc" if replace else "DO NOTHING"
    return (
        f"INSERT INTO {SeriesPoint.__tablename__} (series_id, ts, num, doc) "
        f"VALUES ({placeholders}) ON CONFLICT (series_id, ts) {conflict}"
    )


def _decode(num: float | None, doc: str | None) -> StoredValue:
    if num is not None:
        return num
    if doc is None:
        return None
    decoded: StoredValue = orjson.loads(doc)
    return decoded


def _check_range(start_ms: int, end_ms: int) -> None:
    if type(start_ms) is not int or type(end_ms) is not int:
        raise SeriesError("a range is bounded by integer milliseconds")


async def read_range(
    session: AsyncSession,
    series_id: int,
    start_ms: int,
    end_ms: int,
    *,
    limit: int | None = None,
    descending: bool = False,
) -> list[tuple[int, StoredValue]]:
    """The points with ``start_ms <= ts < end_ms`` in time order (newest first when
    ``descending``), at most ``limit`` of them, as (ts, value) pairs."""
    _check_range(start_ms, end_ms)
    if limit is not None and (type(limit) is not int or limit < 0):
        raise SeriesError("a limit is a non-negative integer")
    order = SeriesPoint.ts.desc() if descending else SeriesPoint.ts
    statement = (
        select(SeriesPoint.ts, SeriesPoint.num, SeriesPoint.doc)
        .where(
            SeriesPoint.series_id == series_id,
            SeriesPoint.ts >= start_ms,
            SeriesPoint.ts < end_ms,
        )
        .order_by(order)
    )
    if limit is not None:
        statement = statement.limit(limit)
    result = await session.execute(statement)
    return [(ts, _decode(num, doc)) for ts, num, doc in result]


async def latest(session: AsyncSession, series_id: int) -> tuple[int, StoredValue] | None:
    """The newest point of the series, or None when it has none."""
    result = await session.execute(
        select(SeriesPoint.ts, SeriesPoint.num, SeriesPoint.doc)
        .where(SeriesPoint.series_id == series_id)
        .order_by(SeriesPoint.ts.desc())
        .limit(1)
    )
    row = result.first()
    if row is None:
        return None
    ts, num, doc = row
    return ts, _decode(num, doc)


async def aggregate(
    session: AsyncSession,
    series_id: int,
    start_ms: int,
    end_ms: int,
    unit: BucketUnit,
    tz: str,
    funcs: Sequence[AggregateFunc] = AGGREGATE_FUNCS,
    *,
    week_start: int = 0,
) -> list[Bucket]:
    """The numeric points of ``[start_ms, end_ms)`` summarised per ``unit`` bucket of zone
    ``tz``, every bucket in order, empty ones included.

    Bucket bounds are whole calendar buckets (the first may begin before ``start_ms``), but
    only points inside the range are counted, as :func:`read_range` would return them.
    JSON points take no part.
    """
    _check_range(start_ms, end_ms)
    if not funcs:
        raise SeriesError("name at least one aggregate function")
    unknown = [func for func in funcs if func not in AGGREGATE_FUNCS]
    if unknown:
        raise SeriesError(
            f"{unknown[0]!r} is not an aggregate function; use {', '.join(AGGREGATE_FUNCS)}"
        )
    if unit in _NOMINAL_BUCKET_MS and (end_ms - start_ms) // _NOMINAL_BUCKET_MS[unit] > MAX_BUCKETS:
        raise SeriesError(f"the range holds more than {MAX_BUCKETS} {unit} buckets")
    try:
        edges = bucket_edges(start_ms, end_ms, unit, tz, week_start)
    except ValueError as exc:
        raise SeriesError(str(exc)) from None
    if len(edges) - 1 > MAX_BUCKETS:
        raise SeriesError(f"the range holds more than {MAX_BUCKETS} {unit} buckets")
    if not edges:
        return []
    # Clip the outer buckets to the range, so that a point outside it is never counted.
    lows = [max(low, start_ms) for low in edges[:-1]]
    highs = [min(high, end_ms) for high in edges[1:]]
    connection = await session.connection()
    dialect = connection.dialect.name
    wanted = tuple(dict.fromkeys(funcs))  # in the caller's order, without repeats
    if dialect == "postgresql":
        parameters: dict[str, Any] = {"series_id": series_id, "lows": lows, "highs": highs}
    else:
        parameters = {
            "series_id": series_id,
            "edges": orjson.dumps(list(zip(lows, highs, strict=True))).decode(),
        }
    result = await session.execute(_aggregate_sql(dialect, wanted), parameters)
    rows = result.all()
    if len(rows) != len(lows):
        raise RuntimeError(f"the aggregate query returned {len(rows)} of {len(lows)} buckets")
    return [
        Bucket(
            start_ms=edges[index],
            end_ms=edges[index + 1],
            values={
                func: tidy(float(value)) if func in _COMPUTED and value is not None else value
                for func, value in zip(wanted, row[1:], strict=True)
            },
        )
        for index, row in enumerate(rows)
    ]


# The bucket bounds travel as parameters (arrays, or JSON on SQLite), not as a literal VALUES
# list: the statement text then depends only on the functions asked for, so the SQLAlchemy,
# sqlite3 and asyncpg statement caches each keep one copy instead of one per range.
_EDGES_SQL: Final[dict[str, str]] = {
    "postgresql": (
        "SELECT lo, hi FROM unnest(CAST(:lows AS BIGINT[]), CAST(:highs AS BIGINT[])) AS u(lo, hi)"
    ),
    "sqlite": (
        "SELECT json_extract(value, '$[0]') AS lo, json_extract(value, '$[1]') AS hi"
        " FROM json_each(:edges)"
    ),
}

_GROUPED_SQL: Final[dict[str, str]] = {
    "count": "COUNT(p.num)",
    "avg": "AVG(p.num)",
    "sum": "SUM(p.num)",
    "min": "MIN(p.num)",
    "max": "MAX(p.num)",
}


def _in_bucket(alias: str) -> str:
    return (
        f"{alias}.series_id = :series_id AND {alias}.ts >= e.lo AND {alias}.ts < e.hi"
        f" AND {alias}.num IS NOT NULL"
    )


def _edge_point_sql(order: str) -> str:
    # One index probe per bucket: the primary key (series_id, ts) is ordered by time.
    return (
        f"(SELECT x.num FROM {SeriesPoint.__tablename__} x WHERE {_in_bucket('x')}"
        f" ORDER BY x.ts {order} LIMIT 1)"
    )


@functools.cache
def _aggregate_sql(dialect: str, funcs: tuple[AggregateFunc, ...]) -> TextClause:
    """Each bucket's points are one range of the primary key, and the query must read them
    as such, bucket by bucket, whatever the planner believes about the table's size.

    SQLite always runs a LEFT JOIN with its left side outside, so a join grouped by bucket
    does that. PostgreSQL may instead pick a plan that tests every point against every
    bucket (it did, taking 23 s for a year of days over a fresh table of 1,000,000 points
    not yet analysed); a LATERAL subquery leaves it no such choice.
    """
    edges = _EDGES_SQL.get(dialect)
    if edges is None:
        raise NotImplementedError(f"no aggregate query for {dialect}")
    grouped = [func for func in funcs if func in _GROUPED_SQL]
    columns: list[str] = []
    for func in funcs:
        if func == "first":
            columns.append(_edge_point_sql("ASC"))
        elif func == "last":
            columns.append(_edge_point_sql("DESC"))
        elif dialect == "postgresql":
            columns.append(f"a.{func}_")
        else:
            columns.append(_GROUPED_SQL[func])
    table = SeriesPoint.__tablename__
    if not grouped:  # first and last alone need the probes only, no pass over the points
        source = "e"
    elif dialect == "postgresql":
        aggregates = ", ".join(f"{_GROUPED_SQL[func]} AS {func}_" for func in grouped)
        source = (
            f"e CROSS JOIN LATERAL (SELECT {aggregates} FROM {table} p WHERE {_in_bucket('p')}) a"
        )
    else:
        source = f"e LEFT JOIN {table} p ON {_in_bucket('p')}"
    group_by = " GROUP BY e.lo, e.hi" if grouped and dialect != "postgresql" else ""
    return text(
        f"WITH e AS ({edges}) SELECT e.lo, {', '.join(columns)}"
        f" FROM {source}{group_by} ORDER BY e.lo"
    )
