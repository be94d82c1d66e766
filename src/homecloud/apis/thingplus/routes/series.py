"""Series: ``PUT /v2/gateways/{owner}/sensors/{id}/series`` (see :mod:`.ingest`) and its
reads.

``GET`` without parameters answers the sensor with its latest value (the series leaf)
embedded. With ``dataStart`` (ISO 8601 or ms; ``dataEnd`` defaults to now, exclusive) the leaf
gains ``data``, the vendor's flat ``[value, time, value, time, ...]`` array, and the answer a
``_meta``:

- ``interval=0``: the raw values, oldest first, at most ``count`` (default 2000, at most
  10080), values as the client sent them (numbers as strings);
- ``interval=1m`` (the default), ``15m``, ``1h``, ``6h``, ``1d``, ``1w``... (whole minutes):
  buckets aligned on multiples of the interval, ``intervalFunc`` average (default), sum or
  count, values as numbers, empty buckets left out;
- ``statFunc[id]=seriesStat``: calendar statistics in the user's time zone,
  ``statFunc[timeUnit]`` hour|day (default)|week|month|year, ``statFunc[subFunc]``
  count|min|max|sum|avg|range|diff|first|last (repeatable; default avg),
  ``statFunc[timeInterval]`` 2|3|4|6|8|12 hours (hour only); ``data`` holds one object per
  non-empty bucket, ``{_id: {year, month, day, hour?}, <subFunc>: n, btime: {start, end}}``.

A sensor read with ``embed=series`` takes the same parameters nested
(``series[dataStart]=...&series[interval]=1h``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.thingplus import repository, service
from homecloud.apis.thingplus.auth import GatewayReader, GatewayUpdater
from homecloud.apis.thingplus.errors import invalid_input, iso_ms, schema_error
from homecloud.apis.thingplus.ingest import SeriesWrite, Window, parse_series_body, record_series
from homecloud.apis.thingplus.models import ThingplusSensor
from homecloud.apis.thingplus.openapi import SERIES_BODY, answers, operation, series_options
from homecloud.apis.thingplus.query import integer_param
from homecloud.apis.thingplus.records import envelope, envelope_with_pack, series_leaf
from homecloud.apis.thingplus.schemas import SensorAnswer, SeriesAnswer
from homecloud.apis.thingplus.settings import ThingplusSettings
from homecloud.core.models import Device, now_ms
from homecloud.core.parsing import NumberError, parse_int
from homecloud.core.series import (
    MAX_TS_MS,
    AggregateFunc,
    Bucket,
    SeriesError,
    aggregate,
    read_range,
    tidy,
)
from homecloud.core.timebuckets import BucketUnit
from homecloud.core.unit_of_work import ReadWork, UnitOfWork, WriteWork, units_router
from homecloud.identity.guard import user_of

SERIES = "/v2/gateways/{gateway_id}/sensors/{sensor_id}/series"
DEFAULT_RAW_COUNT: Final = 2000
MAX_RAW_COUNT: Final = 10080
# Up to 99,999 units: wider buckets than that hold everything there is anyway.
INTERVAL: Final = re.compile(r"^([1-9][0-9]{0,4})([mhdw])$")
UNIT_MS: Final = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
INTERVAL_FUNCS: Final = ("average", "sum", "count")
TIME_UNITS: Final = ("hour", "day", "week", "month", "year")
SUB_FUNCS: Final[dict[str, tuple[AggregateFunc, ...]]] = {
    "count": ("count",),
    "min": ("min",),
    "max": ("max",),
    "sum": ("sum",),
    "avg": ("sum", "count"),
    "range": ("min", "max"),
    "diff": ("first", "last"),
    "first": ("first",),
    "last": ("last",),
}
TIME_INTERVALS: Final = (1, 2, 3, 4, 6, 8, 12)


def format_number(number: float) -> str:
    """A stored double as the string a gateway would have sent (``"36.5"``, ``"20"``)."""
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


OUTSIDE_TIME_LINE = "{name} lies outside the time line this server keeps (1970 on)."


def parse_time(params: QueryParams, name: str, default: int | None) -> int:
    """``name`` as ms since the epoch: a number of ms, or an ISO 8601 date-time."""
    raw = params.get(name)
    if raw is None or raw == "":
        if default is None:
            raise schema_error(
                f"should have required property '{name}'", "required", "", missingProperty=name
            )
        return default
    try:
        return parse_int(raw, name=name, minimum=0, maximum=MAX_TS_MS)
    except NumberError as error:
        if error.problem != "integer":
            raise invalid_input(OUTSIDE_TIME_LINE.format(name=name)) from None
    try:
        # RFC 3339 allows a lower-case "z" (and "t", which fromisoformat takes).
        moment = datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1:] in "Zz" else raw)
    except ValueError:
        raise schema_error(
            'should match format "date-time"', "format", f".{name}", format="date-time"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment_ms = int(moment.timestamp() * 1000)
    if not 0 <= moment_ms <= MAX_TS_MS:
        raise invalid_input(OUTSIDE_TIME_LINE.format(name=name))
    return moment_ms


def choice(params: QueryParams, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = params.get(name, default)
    if value not in allowed:
        raise schema_error(
            "should be equal to one of the allowed values",
            "enum",
            f".{name}",
            allowedValues=list(allowed),
        )
    return value


def router(limits: ThingplusSettings) -> APIRouter:
    routes = units_router()

    @routes.put(
        SERIES,
        responses=answers(200, SeriesAnswer),
        openapi_extra=operation(
            body=SERIES_BODY,
            description="One value or an array of them, oldest first. A numeric sensor takes "
            "decimal numbers as strings; times lie within the server's window around now.",
        ),
    )
    async def put_series(
        request: Request, gateway_id: str, sensor_id: str, caller: GatewayUpdater, work: WriteWork
    ) -> Response:
        user_id = user_of(caller)
        raw = await request.body()
        body = parse_series_body(raw)
        now = now_ms()
        window = Window.around(now, limits.max_value_age_days)
        write = SeriesWrite(user_id, gateway_id, sensor_id, body, window, now)
        answer = await record_series(work, write)
        if answer.with_pack:
            return envelope_with_pack(answer.data, raw)
        return envelope(200, answer.data)

    @routes.get(
        SERIES,
        responses=answers(200, SensorAnswer),
        openapi_extra=operation(
            parameters=series_options(),
            description="Without dataStart, the latest value; with it, the range's values.",
        ),
    )
    async def get_series(
        request: Request, gateway_id: str, sensor_id: str, caller: GatewayReader, work: ReadWork
    ) -> Response:
        user_id = user_of(caller)
        record, meta = await sensor_with_series(
            work, user_id, gateway_id, sensor_id, request.query_params, frozenset()
        )
        return envelope(200, record, meta)

    return routes


NESTED: Final = re.compile(r"^series\[([^\]]+)\](.*)$")


def nested_series_params(params: QueryParams) -> QueryParams:
    """``series[dataStart]=...&series[statFunc][id]=...`` (the vendor's form for a sensor read
    with ``embed=series``) as the series endpoint's own parameters."""
    pairs = []
    for key, value in params.multi_items():
        match = NESTED.match(key)
        if match:
            pairs.append((match.group(1) + match.group(2), value))
    return QueryParams(pairs)


async def sensor_with_series(
    work: UnitOfWork,
    user_id: int,
    gateway_id: str,
    sensor_id: str,
    params: QueryParams,
    embed: frozenset[str],
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The sensor with its series leaf (and the other ``embed`` leaves); with ``dataStart``
    in ``params`` the leaf carries ``data`` and the ``_meta`` of the range comes along."""
    now = now_ms()

    def find(session: Session) -> tuple[Device, ThingplusSensor, str]:
        gateway, sensor = service.owned_sensor(session, user_id, gateway_id, sensor_id)
        return gateway, sensor, repository.user_timezone(session, user_id)

    session = await work.session()
    gateway, sensor, tz = await session.run_sync(find)
    record = service.sensor_view(gateway, sensor, embed | {"series"}, now)
    if not params:
        return record, None
    start, end = range_of(params, now)
    try:
        if params.get("statFunc[id]") is not None:
            data, meta = await statistics(session, sensor, params, start, end, tz)
        else:
            data, meta = await interval_data(session, sensor, params, start, end)
    except SeriesError as exc:  # a range off the time line, or too many buckets
        raise invalid_input(str(exc)) from None
    leaf = (
        series_leaf(sensor, gateway.serial, sensor.latest) if sensor.latest else {"type": "series"}
    )
    record["series"] = {**leaf, "data": data}
    return record, {"count": meta.pop("count"), **meta}


def interval_options(params: QueryParams) -> tuple[str, int | None, int, str]:
    """(interval, bucket width in ms or None for raw values, raw count, intervalFunc)."""
    interval = params.get("interval", "1m")
    count = integer_param(params, "count", DEFAULT_RAW_COUNT, 1, MAX_RAW_COUNT)
    func = choice(params, "intervalFunc", INTERVAL_FUNCS, "average")
    if interval == "0":
        return interval, None, count, func
    match = INTERVAL.match(interval)
    if match is None:
        raise invalid_input(
            f"interval {interval!r} is not 0 or a whole number of minutes (1m, 15m, 1h, 1d, ...)."
        )
    return interval, int(match.group(1)) * UNIT_MS[match.group(2)], count, func


def stat_options(params: QueryParams) -> tuple[str, list[str], int]:
    """(statFunc[timeUnit], statFunc[subFunc]s, statFunc[timeInterval])."""
    if params.get("statFunc[id]") != "seriesStat":
        raise invalid_input("statFunc[id] must be seriesStat (statistics ask for it).")
    unit = choice(params, "statFunc[timeUnit]", TIME_UNITS, "day")
    subs = [
        part
        for value in (*params.getlist("statFunc[subFunc]"), *params.getlist("statFunc[subFunc][]"))
        for part in value.split(",")
        if part
    ] or ["avg"]
    for sub in subs:
        if sub not in SUB_FUNCS:
            raise schema_error(
                "should be equal to one of the allowed values",
                "enum",
                ".statFunc.subFunc",
                allowedValues=list(SUB_FUNCS),
            )
    step = integer_param(params, "statFunc[timeInterval]", 1, 1, 12)
    if step not in TIME_INTERVALS or (step != 1 and unit != "hour"):
        raise invalid_input("statFunc[timeInterval] is 2, 3, 4, 6, 8 or 12, with timeUnit hour.")
    return unit, subs, step


def range_of(params: QueryParams, now: int) -> tuple[int, int]:
    """The range's (start, end) in ms, every other option of ``params`` checked too: one
    that is malformed, or given without ``dataStart``, is 400."""
    if "dataStart" not in params:
        raise schema_error(
            "should have required property 'dataStart'", "required", "", missingProperty="dataStart"
        )
    start = parse_time(params, "dataStart", None)
    end = parse_time(params, "dataEnd", now)
    if end <= start:
        raise invalid_input("dataEnd must come after dataStart.")
    # Every option given is checked, also those of the other kind of read.
    interval_options(params)
    if any(key.startswith("statFunc[") for key in params):
        stat_options(params)
    return start, end


async def interval_data(
    session: Any, sensor: ThingplusSensor, params: QueryParams, start: int, end: int
) -> tuple[list[Any], dict[str, Any]]:
    interval, width, count, func = interval_options(params)
    meta: dict[str, Any] = {"dataStart": iso_ms(start), "dataEnd": iso_ms(end)}
    data: list[Any] = []
    if width is None:
        points = await read_range(session, sensor.series_id, start, end, limit=count)
        for ts, value in points:
            data.append(format_number(value) if isinstance(value, float) else value)
            data.append(ts)
        return data, {"count": len(points), **meta, "interval": "0"}
    buckets = await session.run_sync(
        lambda sync: repository.interval_buckets(sync, sensor.series_id, start, end, width)
    )
    position = INTERVAL_FUNCS.index(func) + 1
    for bucket in buckets:
        data.append(bucket[position])
        data.append(bucket[0])
    return data, {"count": len(buckets), **meta, "stat": func, "interval": interval}


async def statistics(
    session: Any,
    sensor: ThingplusSensor,
    params: QueryParams,
    start: int,
    end: int,
    tz: str,
) -> tuple[list[Any], dict[str, Any]]:
    unit, subs, step = stat_options(params)
    funcs = tuple(dict.fromkeys(func for sub in subs for func in SUB_FUNCS[sub]))
    buckets = await aggregate(
        session, sensor.series_id, start, end, cast(BucketUnit, unit), tz, funcs
    )
    zone = ZoneInfo(tz)
    data: list[dict[str, Any]] = []
    for group in (buckets[index : index + step] for index in range(0, len(buckets), step)):
        values = merged(group)
        counted = values.get("count") or 0
        if not counted and all(values.get(f) is None for f in funcs if f != "count"):
            continue  # an empty bucket
        entry: dict[str, Any] = {"_id": calendar_id(group[0].start_ms, unit, zone)}
        for sub in subs:
            entry[sub] = sub_value(sub, values)
        entry["btime"] = {"start": group[0].start_ms, "end": group[-1].end_ms}
        data.append(entry)
    offset = datetime.fromtimestamp(start / 1000, zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    gmt = f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60}.{abs(minutes) % 60:02d}"
    return data, {
        "count": len(data),
        "gmt": gmt,
        "timeUnit": unit,
        "stats": subs,
        "dataStart": iso_ms(start),
        "dataEnd": iso_ms(end),
    }


def merged(group: list[Bucket]) -> dict[str, float | int | None]:
    """One bucket's values out of consecutive ones (``timeInterval`` hours)."""
    values: dict[str, float | int | None] = {}
    for bucket in group:
        for func, value in bucket.values.items():
            if value is None:
                continue
            current = values.get(func)
            if current is None or func == "last":
                values[func] = value
            elif func in ("sum", "count"):
                values[func] = current + value
            elif func == "min":
                values[func] = min(current, value)
            elif func == "max":
                values[func] = max(current, value)
    return values


def sub_value(sub: str, values: dict[str, float | int | None]) -> float | int | None:
    def get(name: str) -> float | int | None:
        return values.get(name)

    # Whatever is computed here (the buckets of a timeInterval are merged by adding) is
    # rounded as core rounds its aggregates: no 23.599999999999998.
    if sub == "avg":
        total, count = get("sum"), get("count")
        return tidy(total / count) if total is not None and count else None
    if sub in ("range", "diff"):
        low, high = (get("min"), get("max")) if sub == "range" else (get("first"), get("last"))
        return tidy(high - low) if low is not None and high is not None else None
    if sub == "sum":
        total = get("sum")
        return tidy(total) if total is not None else None
    return get(sub)


def calendar_id(start_ms: int, unit: str, zone: ZoneInfo) -> dict[str, int]:
    moment = datetime.fromtimestamp(start_ms / 1000, zone)
    parts = {"year": moment.year}
    if unit != "year":
        parts["month"] = moment.month
    if unit in ("day", "hour", "week"):
        parts["day"] = moment.day
    if unit == "hour":
        parts["hour"] = moment.hour
    return parts
