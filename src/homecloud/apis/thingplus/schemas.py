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
    ``validDuration``, the API description ``timeout``: either is taken."""
    check_object(body, STATUS_INPUT, ("value",))
    duration_key = "validDuration" if "validDuration" in body else "timeout"
    if duration_key not in body:
        raise schema_error(
            "should have required property 'validDuration'",
            "required",
            "",
            missingProperty="validDuration",
        )
    duration = body[duration_key]
    if duration < -1 or duration == 0:
        raise schema_error(
            "should be -1 (never expires) or a positive number of seconds",
            "minimum",
            f".{duration_key}",
            comparison=">=",
            limit=1,
        )
    return body["value"], duration


async def json_body(request: Request) -> Any:
    """The parsed body; anything but JSON is 400 JSON_PARSING, as the vendor's body parser
    answers."""
    raw = await request.body()
    try:
        return parse_json(raw)
    except MalformedJson as exc:
        raise ApiError.of(400, str(exc), "JSON_PARSING") from None
