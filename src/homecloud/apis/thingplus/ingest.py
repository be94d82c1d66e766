"""``PUT /v2/gateways/{owner}/sensors/{id}/series``: homecloud's heaviest write path.

A body is one ``{value, time}`` or an array of them, oldest first. Values are strings for
numeric sensor types (``"36.5"``; the number ``36.5`` is refused, as the vendor refuses it),
strings for string types and objects for ``location`` and ``accelerometer``. The body is
parsed with orjson and checked in one tight loop per value kind, without a schema object per
point; a bad point (malformed, of the wrong type, too old or too far ahead) refuses the whole
request and nothing of it is stored. A good batch is written in one transaction with the core
series writer: acknowledged means committed, and re-sending a ``(sensor, time)`` adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, NamedTuple, cast

import orjson
from sqlalchemy.orm import Session

from homecloud.apis.thingplus import repository
from homecloud.apis.thingplus.catalog_data import SENSOR_TYPES_BY_ID, ValueKind
from homecloud.apis.thingplus.errors import access_denied, invalid_input, not_found, schema_error
from homecloud.apis.thingplus.records import sensor_record, series_leaf
from homecloud.apis.thingplus.schemas import check_object
from homecloud.apis.thingplus.service import leaf_id, run
from homecloud.core.errors import ApiError
from homecloud.core.events import ChangeEvent
from homecloud.core.parsing import parse_decimal
from homecloud.core.series import Point, write_points_sync
from homecloud.core.unit_of_work import UnitOfWork

DAY_MS: Final = 86_400_000
# Values further ahead than this are a gateway's clock gone wrong, refused like too-old ones.
MAX_AHEAD_MS: Final = DAY_MS
POINT_FIELDS: Final = {"value": "any", "time": "integer"}
OBJECT_AXES: Final = {
    "accelerometer": (("x", "y", "z"), ()),
    "location": (("lat", "lng"), ("alt",)),
}
LOCATION_ALIASES: Final = {"latitude": "lat", "longitude": "lng", "altitude": "alt"}


@dataclass(frozen=True, slots=True)
class SeriesBody:
    points: list[Any]
    is_array: bool


def parse_series_body(raw: bytes) -> SeriesBody:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError.of(400, "The request body is not valid JSON.", "JSON_PARSING") from None
    if isinstance(body, dict):
        return SeriesBody([body], False)
    if not isinstance(body, list):
        raise schema_error("should be object", "type", "", type="object")
    if not body:
        raise schema_error("should NOT have fewer than 1 items", "minItems", "", limit=1)
    return SeriesBody(body, True)


@dataclass(frozen=True, slots=True)
class Window:
    """The times a value may carry, in ms: not older than ``oldest``, not after ``newest``."""

    oldest: int
    newest: int

    @classmethod
    def around(cls, now: int, max_age_days: int) -> Window:
        return cls(now - max_age_days * DAY_MS, now + MAX_AHEAD_MS)


def point_error(body: SeriesBody, index: int, item: Any) -> ApiError:
    """The precise complaint about a point the fast loop refused for its shape."""
    path = f"[{index}]" if body.is_array else ""
    check_object(item, POINT_FIELDS, ("value", "time"), path)
    return schema_error("should be string", "type", f"{path}.value", type="string")


def number_points(
    body: SeriesBody, series_id: int, window: Window, _type: str
) -> tuple[list[Point], int]:
    # Plain tuples, not Point(...): a NamedTuple's constructor is Python code and would cost
    # more than the rest of this loop; the core writer only unpacks them.
    rows: list[tuple[int, int, float]] = []
    append = rows.append
    oldest, newest = window.oldest, window.newest
    latest_index, latest_time = 0, -1
    for index, item in enumerate(body.points):
        if type(item) is not dict or len(item) != 2:
            raise point_error(body, index, item)
        value = item.get("value")
        time = item.get("time")
        if type(value) is not str or type(time) is not int:
            raise point_error(body, index, item)
        number = parse_decimal(value)
        if number is None:
            raise invalid_value(body, index, f"{value!r} is not a finite decimal number")
        if not oldest <= time <= newest:
            raise out_of_window(body, index, time, window)
        if time >= latest_time:
            latest_index, latest_time = index, time
        append((series_id, time, number))
    return cast(list[Point], rows), latest_index


def checked_points(
    body: SeriesBody, series_id: int, window: Window, sensor_type: str
) -> tuple[list[Point], int]:
    """Values of string and object types: few and small, checked point by point."""
    points: list[Point] = []
    latest_index, latest_time = 0, -1
    for index, item in enumerate(body.points):
        path = f"[{index}]" if body.is_array else ""
        check_object(item, POINT_FIELDS, ("value", "time"), path)
        value, time = item["value"], item["time"]
        if sensor_type in OBJECT_AXES:
            # Stored (and shown as the latest value) under the short axis names.
            value = item["value"] = object_value(sensor_type, value, f"{path}.value")
        elif type(value) is not str:
            raise schema_error("should be string", "type", f"{path}.value", type="string")
        if not window.oldest <= time <= window.newest:
            raise out_of_window(body, index, time, window)
        if time >= latest_time:
            latest_index, latest_time = index, time
        points.append(Point(series_id, time, value))
    return points, latest_index


def object_value(sensor_type: str, value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise schema_error("should be object", "type", path, type="object")
    if sensor_type == "location":
        value = {LOCATION_ALIASES.get(key, key): axis for key, axis in value.items()}
    required, optional = OBJECT_AXES[sensor_type]
    return check_object(value, dict.fromkeys((*required, *optional), "number"), required, path)


CHECKERS: Final[
    dict[ValueKind, Callable[[SeriesBody, int, Window, str], tuple[list[Point], int]]]
] = {"number": number_points, "string": checked_points, "object": checked_points}


def invalid_value(body: SeriesBody, index: int, reason: str) -> ApiError:
    where = f"point {index}" if body.is_array else "the value"
    return invalid_input(f"{where}: {reason}")


def out_of_window(body: SeriesBody, index: int, time: int, window: Window) -> ApiError:
    where = f"point {index}" if body.is_array else "the value"
    age = "too old" if time < window.oldest else "too far in the future"
    return invalid_input(
        f"{where}: time {time} is {age}; values must lie between {window.oldest} and"
        f" {window.newest}."
    )


class Ingested(NamedTuple):
    """The answer's data, and whether the batch follows as ``seriesPack``."""

    data: dict[str, Any]
    with_pack: bool


@dataclass(frozen=True)
class SeriesWrite:
    """One upload to a sensor's series: by whom, to which sensor, the values, the times they
    may carry, and when it came."""

    user_id: int
    gateway_id: str
    sensor_id: str
    body: SeriesBody
    window: Window
    now: int


def ingest(session: Session, write: SeriesWrite) -> Ingested:
    """Stores the body's values; returns what the vendor answers: the sensor when this write
    created its series leaf, else the leaf (with ``seriesPack``, the batch, for an array)."""
    gateway_id, sensor_id, body, now = write.gateway_id, write.sensor_id, write.body, write.now
    found = repository.ingest_target(session, gateway_id, sensor_id)
    if found is None:
        raise not_found(f"gateway {gateway_id}")
    owner_id, sensor = found
    if owner_id != write.user_id:
        raise access_denied(f"gateway {gateway_id}")
    if sensor is None:
        raise not_found(f"sensor {sensor_id}")
    sensor_type = SENSOR_TYPES_BY_ID[sensor.type]
    points, latest_index = CHECKERS[sensor_type.kind](
        body, sensor.series_id, write.window, sensor_type.id
    )
    previous = sensor.latest
    if session.get_bind().dialect.name != "sqlite":
        # Uploads to one sensor may run side by side on PostgreSQL: take the leaf under its
        # row lock so that the later commit builds on the earlier one's. (SQLite's write
        # transaction holds the whole database: the leaf just read is current.)
        previous = repository.locked_latest(session, sensor.pk)
    write_points_sync(session, points)
    newest = body.points[latest_index]
    if previous is None:
        leaf = {
            "id": leaf_id("series.sensor."),
            "value": newest["value"],
            "time": newest["time"],
            "ctime": now,
            "mtime": now,
        }
        repository.set_latest(session, sensor.pk, leaf, now)
        row = repository.sensor_by_pk(session, sensor.pk)
        assert row is not None  # read in this transaction
        return Ingested(sensor_record(row, gateway_id), with_pack=False)
    leaf = {**previous, "mtime": now}
    # A late batch (older than the latest value) is stored but does not move the leaf.
    if newest["time"] >= previous["time"]:
        leaf.update(value=newest["value"], time=newest["time"])
    repository.set_latest(session, sensor.pk, leaf, None)
    return Ingested(series_leaf(sensor, gateway_id, leaf), with_pack=body.is_array)


async def record_series(work: UnitOfWork, write: SeriesWrite) -> Ingested:
    """Ingests the upload as the unit's one synchronous transaction (SQLite's writer thread)
    and queues the series event."""
    answer = await run(work, lambda session: ingest(session, write))
    work.publish(
        ChangeEvent(
            "thingplus",
            "series",
            write.user_id,
            f"{write.gateway_id}/{write.sensor_id}",
            write.now,
            {"values": len(write.body.points)},
        )
    )
    return answer
