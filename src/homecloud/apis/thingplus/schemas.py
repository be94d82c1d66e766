"""Request bodies, checked as the vendor's server checks them (ajv JSON schemas with
``additionalProperties: false``): a missing, unknown or mistyped field is 400 SCHEMA_VALIDATE
with ajv's wording in ``message`` and its error object in ``detail``.

Series bodies are checked elsewhere (:mod:`homecloud.apis.thingplus.ingest`), without this
per-field machinery, because they carry thousands of points.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from homecloud.apis.thingplus.errors import schema_error
from homecloud.core.errors import ApiError
from homecloud.core.parsing import MalformedJson, is_integer_text, parse_json

# A field's kind: a JSON type, "id" (a URL-unreserved identifier), "yn" (the vendor's "y"/"n"
# flags), "any", or a tuple of the allowed strings.
Kind = str | tuple[str, ...]

ID_PATTERN: Final = "^[A-Za-z0-9._~-]+$"
ID_RE: Final = re.compile(ID_PATTERN)
MAX_ID_LENGTH: Final = 100
MIN_REPORT_INTERVAL_MS: Final = 60_000
MAX_REPORT_INTERVAL_MS: Final = 604_800_000
# A status's validDuration, in seconds: -1 (never expires) or up to 68 years (a signed 32-bit
# count), so that its expiry stays a number every JSON reader takes.
MAX_DURATION_SECONDS: Final = 2**31 - 1

GATEWAY_OPTIONS: Final[dict[str, Kind]] = {
    "reportInterval": "integer",
    "location": "object",
    "autoCreateDiscoverable": "yn",
    "virtual": "yn",
    "delegate": "yn",
    "delegateInfo": "object",
    "customFields": "object",
    "deviceModels": "array",
    "desc": "string",
    "mobile": "string",
}
REGISTER_GATEWAY: Final[dict[str, Kind]] = {"reqId": "id", "id": "id", "params": "object"}
REGISTER_PARAMS: Final[dict[str, Kind]] = {
    "siteId": "string",
    "model": "string",
    "name": "string",
    **GATEWAY_OPTIONS,
    "devices": "array",
    "sensors": "array",
}
# A gateway as read back may be sent whole; its read-only fields are accepted and ignored.
GATEWAY_UPDATE: Final[dict[str, Kind]] = {
    "name": "string",
    "model": "string",
    **GATEWAY_OPTIONS,
    "reportInterval": "any",
    **dict.fromkeys(
        ("id", "tree", "_site", "_service", "devices", "sensors", "status", "ctime", "mtime"),
        "any",
    ),
}
DEVICE_INPUT: Final[dict[str, Kind]] = {
    "reqId": "id",
    "name": "string",
    "model": "string",
    "address": "string",
}
DEVICE_REQUIRED: Final = ("reqId", "name", "model")
DEVICE_UPDATE: Final[dict[str, Kind]] = {
    "name": "string",
    "model": "string",
    "address": "string",
    **dict.fromkeys(("id", "owner", "ctime", "mtime"), "any"),
}
SENSOR_OPTIONS: Final[dict[str, Kind]] = {
    "network": "string",
    "address": "string",
    "sequence": "string",
    "options": "object",
    "virtual": "yn",
    "delegate": "yn",
    "delegateInfo": "object",
}
SENSOR_INPUT: Final[dict[str, Kind]] = {
    "reqId": "id",
    "name": "string",
    "type": "string",
    "driverName": "string",
    "model": "string",
    "category": ("sensor", "actuator"),
    "deviceId": "id",
    **SENSOR_OPTIONS,
}
SENSOR_REQUIRED: Final = ("reqId", "name", "type", "driverName", "model")
SENSOR_UPDATE: Final[dict[str, Kind]] = {
    "name": "string",
    "deviceId": "id",
    **SENSOR_OPTIONS,
    **dict.fromkeys(
        (
            "id",
            "owner",
            "type",
            "driverName",
            "model",
            "category",
            "status",
            "series",
            "ctime",
            "mtime",
        ),
        "any",
    ),
}
STATUS_INPUT: Final[dict[str, Kind]] = {
    "value": ("on", "off", "err"),
    "validDuration": "integer",
    "timeout": "integer",
}


def check_object(
    body: Any, fields: Mapping[str, Kind], required: Sequence[str] = (), path: str = ""
) -> dict[str, Any]:
    """``body`` if it is an object of ``fields`` with every ``required`` one present."""
    if not isinstance(body, dict):
        raise schema_error("should be object", "type", path, type="object")
    for name in required:
        if name not in body:
            raise schema_error(
                f"should have required property '{name}'", "required", path, missingProperty=name
            )
    for key, value in body.items():
        kind = fields.get(key)
        if kind is None:
            raise schema_error(
                "should NOT have additional properties",
                "additionalProperties",
                path,
                additionalProperty=key,
            )
        check_value(value, kind, f"{path}.{key}")
    return body


JSON_TYPES: Final[dict[str, type | tuple[type, ...]]] = {
    "string": str,
    "object": dict,
    "array": list,
    "number": (int, float),
}


def check_value(value: Any, kind: Kind, path: str) -> None:
    if kind == "any":
        return
    if isinstance(kind, tuple) or kind == "yn":
        allowed = kind if isinstance(kind, tuple) else ("y", "n")
        if value not in allowed:
            raise schema_error(
                "should be equal to one of the allowed values",
                "enum",
                path,
                allowedValues=list(allowed),
            )
        return
    if kind == "integer":
        if type(value) is not int:
            raise schema_error("should be integer", "type", path, type="integer")
        return
    if kind == "id":
        check_id(value, path)
        return
    if not isinstance(value, JSON_TYPES[kind]) or isinstance(value, bool):
        raise schema_error(f"should be {kind}", "type", path, type=kind)


def check_id(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise schema_error("should be string", "type", path, type="string")
    if len(value) > MAX_ID_LENGTH:
        raise schema_error(
            f"should NOT be longer than {MAX_ID_LENGTH} characters",
            "maxLength",
            path,
            limit=MAX_ID_LENGTH,
        )
    if not ID_RE.match(value):
        raise schema_error(
            f'should match pattern "{ID_PATTERN}"', "pattern", path, pattern=ID_PATTERN
        )
    return value


def check_report_interval(value: Any, path: str) -> int:
    """The report interval in ms; a gateway sent back as read carries it as a digit string."""
    if isinstance(value, str) and is_integer_text(value):
        value = int(value)
    check_value(value, "integer", path)
    if value < MIN_REPORT_INTERVAL_MS:
        raise schema_error(
            f"should be >= {MIN_REPORT_INTERVAL_MS}",
            "minimum",
            path,
            comparison=">=",
            limit=MIN_REPORT_INTERVAL_MS,
        )
    if value > MAX_REPORT_INTERVAL_MS:
        raise schema_error(
            f"should be <= {MAX_REPORT_INTERVAL_MS}",
            "maximum",
            path,
            comparison="<=",
            limit=MAX_REPORT_INTERVAL_MS,
        )
    return int(value)


def check_status(body: Any) -> tuple[str, int]:
    """(value, duration in seconds) of a status body; the guide names the duration
    ``validDuration``, the API description ``timeout``: either is taken (``validDuration``
    when both are sent), and each one sent must be a valid duration."""
    check_object(body, STATUS_INPUT, ("value",))
    given = [key for key in ("validDuration", "timeout") if key in body]
    if not given:
        raise schema_error(
            "should have required property 'validDuration'",
            "required",
            "",
            missingProperty="validDuration",
        )
    for key in given:
        duration = body[key]
        if duration < -1 or duration == 0:
            raise schema_error(
                "should be -1 (never expires) or a positive number of seconds",
                "minimum",
                f".{key}",
                comparison=">=",
                limit=1,
            )
        if duration > MAX_DURATION_SECONDS:
            raise schema_error(
                f"should be <= {MAX_DURATION_SECONDS}",
                "maximum",
                f".{key}",
                comparison="<=",
                limit=MAX_DURATION_SECONDS,
            )
    return body["value"], body[given[0]]


async def json_body(request: Request) -> Any:
    """The parsed body; anything but JSON is 400 JSON_PARSING, as the vendor's body parser
    answers."""
    raw = await request.body()
    try:
        return parse_json(raw)
    except MalformedJson as exc:
        raise ApiError.of(400, str(exc), "JSON_PARSING") from None


# ------------------------------------------------------------------ the bodies as JSON schemas
# The OpenAPI document describes each body from the very tables the checks above run on, so
# the two cannot drift apart.

Json = dict[str, Any]


def kind_schema(kind: Kind) -> Json:
    """The JSON schema of what :func:`check_value` accepts for ``kind``."""
    if isinstance(kind, tuple):
        return {"type": "string", "enum": list(kind)}
    named: dict[str, Json] = {
        "any": {},
        "yn": {"type": "string", "enum": ["y", "n"]},
        "id": {"type": "string", "pattern": ID_PATTERN, "maxLength": MAX_ID_LENGTH},
        "integer": {"type": "integer"},
        "number": {"type": "number"},
        "string": {"type": "string"},
        "object": {"type": "object"},
        "array": {"type": "array"},
    }
    return dict(named[kind])


def body_schema(
    fields: Mapping[str, Kind],
    required: Sequence[str] = (),
    refined: Mapping[str, Json] | None = None,
) -> Json:
    """What :func:`check_object` accepts for ``fields``; ``refined`` states what the rules
    after it check of some fields (ranges, the catalogue's ids)."""
    properties = {name: kind_schema(kind) for name, kind in fields.items()}
    properties.update(refined or {})
    schema: Json = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


# ------------------------------------------------------------------------- the answers' models
# For the OpenAPI document only: routes render their JSON themselves (see records.py). Numbers
# read back from the store are strings while an object just created echoes them as numbers,
# hence ``Stamp``; ``fields=...`` may leave out anything but ``id``, hence the optional fields.

Stamp = int | str


class _Answer(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class StatusLeaf(_Answer):
    """A gateway's or sensor's status; reported ``off`` once ``expireAt`` has passed."""

    type: str = Field(json_schema_extra={"enum": ["status"]})
    value: str
    srcType: str | None = None
    srcCategory: str | None = None
    srcDbType: str = Field(json_schema_extra={"enum": ["gateway", "sensor"]})
    time: str
    expireAt: str = Field(description="-1: never expires")
    vtime: str = Field(description="When the value last changed")
    status: str
    owner: str
    gateway: str | None = None
    sensor: str | None = None
    mtime: str
    ctime: str
    id: str


class SeriesPoint(_Answer):
    value: Any
    time: int


class SeriesLeaf(_Answer):
    """A sensor's latest value; with ``dataStart`` it carries ``data`` (``[value, time, ...]``,
    or one object per statistics bucket); after an array write, the batch in ``seriesPack``."""

    type: str = Field(json_schema_extra={"enum": ["series"]})
    srcType: str | None = None
    seriesPack: list[SeriesPoint] | None = None
    mtime: str | None = None
    ctime: str | None = None
    time: str | None = None
    value: Any = None
    owner: str | None = None
    series: str | None = None
    sensor: str | None = None
    srcCategory: str | None = None
    srcDbType: str | None = None
    id: str | None = None
    data: list[Any] | None = None


class Device(_Answer):
    name: str | None = None
    model: str | None = None
    address: str | None = None
    owner: str | None = None
    mtime: Stamp | None = None
    ctime: Stamp | None = None
    id: str


class Sensor(_Answer):
    name: str | None = None
    type: str | None = None
    driverName: str | None = None
    model: str | None = None
    category: str | None = None
    deviceId: str | None = None
    owner: str | None = None
    mtime: Stamp | None = None
    ctime: Stamp | None = None
    status: str | StatusLeaf | None = None
    series: str | SeriesLeaf | None = None
    id: str


class Gateway(_Answer):
    name: str | None = None
    model: str | None = None
    site: str | None = Field(None, alias="_site")
    service: str | None = Field(None, alias="_service")
    reportInterval: Stamp | None = Field(None, description="ms")
    devices: list[str | Device] | None = None
    sensors: list[str | Sensor] | None = None
    status: str | StatusLeaf | None = None
    mtime: Stamp | None = None
    ctime: Stamp | None = None
    tree: str | None = None
    id: str


class Site(_Answer):
    name: str | None = None
    code: str | None = None
    service: str | None = Field(None, alias="_service")
    ctime: str | None = None
    mtime: str | None = None
    id: str


class User(_Answer):
    loginId: str
    email: str
    locale: str
    timezone: str = Field(description="The current UTC offset, as +9.00")
    site: str = Field(alias="_site")
    roles: list[str]
    id: str


class GatewayModel(_Answer):
    model: str | None = None
    displayName: str | None = None
    deviceModels: list[dict[str, Any]] | None = None
    id: str


class SensorType(_Answer):
    name: str | None = None
    unit: str | None = None
    type: str | None = Field(None, json_schema_extra={"enum": ["number", "string", "object"]})
    category: str | None = None
    id: str


class AuthClient(_Answer):
    """An OAuth2 client of the user's; its secret is shown only in the answer that made it."""

    name: str
    clientSecret: str | None = None
    scopes: list[str]
    redirectUri: str | None = None
    user: str = Field(alias="_user")
    mtime: Stamp
    ctime: Stamp
    id: str


class Meta(_Answer):
    """Paging (``count``, ``page``, ``total``) or a series range (``count``, ``dataStart``,
    ``dataEnd``, ``interval``, ``stat``; statistics: ``gmt``, ``timeUnit``, ``stats``)."""

    count: int
    page: int | None = None
    total: int | None = None
    dataStart: str | None = None
    dataEnd: str | None = None
    interval: str | None = None
    stat: str | None = None
    gmt: str | None = None
    timeUnit: str | None = None
    stats: list[str] | None = None


class ErrorEntry(_Answer):
    code: str
    category: str
    statusCode: int
    message: str
    detail: dict[str, Any] | None = None


class Envelope(_Answer):
    statusCode: int
    message: str = Field(description="The HTTP reason phrase")
    meta: Meta | None = Field(None, alias="_meta")
    errors: list[ErrorEntry] | None = None


class ErrorBody(_Answer):
    """Every refusal of the API: the envelope with the vendor's error codes."""

    statusCode: int
    message: str
    errors: list[ErrorEntry] = Field(min_length=1)


class TokenError(_Answer):
    """A bearer token that fails, as the vendor's jsonwebtoken library words it."""

    name: str = Field(json_schema_extra={"enum": ["JsonWebTokenError", "TokenExpiredError"]})
    message: str
    expiredAt: str | None = None


class GatewayAnswer(Envelope):
    data: Gateway


class GatewayList(Envelope):
    data: list[Gateway]


class RegisteredGateway(Envelope):
    """201, or 207 when some of the devices or sensors failed (each in ``errors``)."""

    data: Gateway


class DeviceAnswer(Envelope):
    data: Device


class DeviceList(Envelope):
    data: list[Device]


class SensorAnswer(Envelope):
    data: Sensor


class SensorList(Envelope):
    data: list[Sensor]


class StatusAnswer(Envelope):
    """The gateway or sensor when the write made its first status, else the status leaf."""

    data: StatusLeaf | Gateway | Sensor


class SeriesAnswer(Envelope):
    """The sensor when the write made its first value, else the series leaf."""

    data: SeriesLeaf | Sensor


class SiteAnswer(Envelope):
    data: Site


class SiteList(Envelope):
    data: list[Site]


class UserAnswer(Envelope):
    data: User


class GatewayModelAnswer(Envelope):
    data: GatewayModel


class GatewayModelList(Envelope):
    data: list[GatewayModel]


class SensorTypeAnswer(Envelope):
    data: SensorType


class SensorTypeList(Envelope):
    data: list[SensorType]


class AuthClientAnswer(Envelope):
    data: AuthClient


class AuthClientList(Envelope):
    data: list[AuthClient]
