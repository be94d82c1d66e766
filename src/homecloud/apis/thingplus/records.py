"""The vendor's objects as homecloud renders them, and the envelope around them.

The vendor's store hands numbers back as strings (``"ctime": "1431416762406"``,
``"reportInterval": "300000"``) while an object just created echoes them as numbers; records
take ``created`` to say which. Key order follows the vendor's examples.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Protocol

import orjson
from starlette.responses import Response

from homecloud.apis.thingplus.errors import reason_phrase
from homecloud.apis.thingplus.models import ThingplusDevice, ThingplusSensor
from homecloud.core.models import Device

SERVICE_ID: Final = "1"
# The series leaf's keys that come before its seriesPack.
HEAD_KEYS: Final = frozenset({"type", "srcType"})


def envelope(
    status: int,
    data: Any,
    meta: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> Response:
    body: dict[str, Any] = {"statusCode": status, "message": reason_phrase(status), "data": data}
    if meta is not None:
        body["_meta"] = meta
    if errors:
        body["errors"] = errors
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def envelope_with_pack(leaf: dict[str, Any], raw_pack: bytes) -> Response:
    """200 with a series leaf carrying ``seriesPack``, the batch as the gateway sent it.

    The batch's own bytes are spliced in after ``srcType`` (where the vendor puts it) instead
    of serialising the parsed points again: they are valid JSON (they were just parsed as
    such) and they are what was sent, and re-encoding a thousand points would cost as much as
    checking them.
    """
    head = orjson.dumps({"type": leaf["type"], "srcType": leaf["srcType"]})
    tail = orjson.dumps({key: value for key, value in leaf.items() if key not in HEAD_KEYS})
    body = b"".join(
        (
            b'{"statusCode":200,"message":"OK","data":',
            head[:-1],
            b',"seriesPack":',
            raw_pack,
            b",",
            tail[1:],
            b"}",
        )
    )
    return Response(body, status_code=200, media_type="application/json")


def stamp(milliseconds: int, created: bool) -> int | str:
    return milliseconds if created else str(milliseconds)


def gateway_record(
    gateway: Device,
    device_ids: Sequence[str],
    sensor_ids: Sequence[str],
    *,
    created: bool = False,
    interval_as_sent: bool = False,
) -> dict[str, Any]:
    attributes = gateway.attributes
    interval = attributes["reportInterval"]
    record: dict[str, Any] = {
        "name": gateway.name,
        "model": attributes["model"],
        "_site": attributes["site"],
        "_service": SERVICE_ID,
        # A registration that sent the interval as a number has it echoed as one.
        "reportInterval": interval if created and interval_as_sent else str(interval),
        **attributes.get("fields", {}),
    }
    if not created:
        record["devices"] = list(device_ids)
        record["sensors"] = list(sensor_ids)
        if attributes.get("status"):
            record["status"] = attributes["status"]["id"]
    record.update(
        mtime=stamp(gateway.updated_at, created),
        ctime=stamp(gateway.created_at, created),
        tree=gateway.serial,
        id=gateway.serial,
    )
    return record


def device_record(device: ThingplusDevice, owner: str, *, created: bool = False) -> dict[str, Any]:
    return {
        "name": device.name,
        "model": device.model,
        **device.extra,
        "owner": owner,
        "mtime": stamp(device.updated_at, created),
        "ctime": stamp(device.created_at, created),
        "id": device.device_id,
    }


def sensor_record(sensor: ThingplusSensor, owner: str, *, created: bool = False) -> dict[str, Any]:
    record: dict[str, Any] = {
        "name": sensor.name,
        "type": sensor.type,
        "driverName": sensor.driver_name,
        "model": sensor.model,
        "category": sensor.category,
        **sensor.extra,
    }
    if sensor.device_id is not None:
        record["deviceId"] = sensor.device_id
    record.update(
        owner=owner,
        mtime=stamp(sensor.updated_at, created),
        ctime=stamp(sensor.created_at, created),
    )
    if sensor.status:
        record["status"] = sensor.status["id"]
    if sensor.latest:
        record["series"] = sensor.latest["id"]
    record["id"] = sensor.sensor_id
    return record


def status_value(leaf: dict[str, Any], now: int) -> str:
    """A status past its ``expireAt`` is reported ``off``: the vendor's guide says nothing is
    known about it any more, and its MQTT documentation treats expired as off."""
    expire_at = leaf["expireAt"]
    return "off" if expire_at != -1 and now >= expire_at else str(leaf["value"])


def gateway_status_leaf(gateway: Device, leaf: dict[str, Any], now: int) -> dict[str, Any]:
    return {
        "type": "status",
        "value": status_value(leaf, now),
        "srcDbType": "gateway",
        **_status_times(leaf),
        "status": gateway.serial,
        "owner": gateway.serial,
        "gateway": gateway.serial,
        "mtime": str(leaf["mtime"]),
        "ctime": str(leaf["ctime"]),
        "id": leaf["id"],
    }


def sensor_status_leaf(
    sensor: ThingplusSensor, owner: str, leaf: dict[str, Any], now: int
) -> dict[str, Any]:
    return {
        "type": "status",
        "value": status_value(leaf, now),
        "srcType": sensor.type,
        "srcCategory": sensor.category,
        "srcDbType": "sensor",
        **_status_times(leaf),
        "status": sensor.sensor_id,
        "owner": owner,
        "sensor": sensor.sensor_id,
        "mtime": str(leaf["mtime"]),
        "ctime": str(leaf["ctime"]),
        "id": leaf["id"],
    }


def _status_times(leaf: dict[str, Any]) -> dict[str, str]:
    return {
        "time": str(leaf["time"]),
        "expireAt": str(leaf["expireAt"]),
        "vtime": str(leaf["vtime"]),
    }


class SeriesSource(Protocol):
    """What a series leaf shows of its sensor: a sensor row, or the ingestion path's slice
    of one."""

    @property
    def sensor_id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def category(self) -> str: ...


def series_leaf(
    sensor: SeriesSource,
    owner: str,
    leaf: dict[str, Any],
) -> dict[str, Any]:
    record: dict[str, Any] = {"type": "series", "srcType": sensor.type}
    record.update(
        mtime=str(leaf["mtime"]),
        ctime=str(leaf["ctime"]),
        time=str(leaf["time"]),
        value=leaf["value"],
        owner=owner,
        series=sensor.sensor_id,
        sensor=sensor.sensor_id,
        srcCategory=sensor.category,
        srcDbType="sensor",
        id=leaf["id"],
    )
    return record


def site_record(user_id: int, created_at: int) -> dict[str, Any]:
    """Each homecloud user administers one site of their own, whose id is the user's id."""
    site = str(user_id)
    return {
        "billing": f"site:{site}",
        "code": "iot-service",
        "ctime": str(created_at),
        "_service": SERVICE_ID,
        "billingReserve": f"site:{site}:reserve",
        "billingLimit": f"site:{site}:limit",
        "name": "default",
        "id": site,
        "billingMeter": f"site:{site}:meter",
        "mtime": str(created_at),
        "billingCurrent": f"site:{site}:current",
    }
