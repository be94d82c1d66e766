"""The face's OpenAPI document and Swagger UI at ``/thingplus/swagger``.

Daliworks publishes no OpenAPI document for Thing+ v2, so this one is homecloud's: the
``/v2`` resources as this server checks them. Request bodies are described from the very
tables :mod:`.schemas` checks them with, refined where a later rule narrows a field (ranges,
the catalogue's ids); the answers from the response models in :mod:`.schemas`. Rules that
OpenAPI 3.0 cannot state (a relation between two query parameters, a value that depends on
the sensor's type or on the clock) are said in the operations' descriptions and listed in
``tests/apis/thingplus/schemathesis.toml``.

Clients authenticate with a bearer token from the face's OAuth2 service: the password grant
(with the hex MD5 of the password, as the vendor's guide does it) or the authorization-code
grant; Swagger UI's Authorize button runs the latter with the demo client and PKCE.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import FastAPI

from homecloud.apis.thingplus import FACE, ISSUER
from homecloud.apis.thingplus.catalog_data import (
    DEVICE_MODEL_ID,
    GATEWAY_MODEL_ID,
    MODEL_SENSORS,
    SENSOR_DRIVER,
    SENSOR_TYPES,
)
from homecloud.apis.thingplus.query import MAX_COUNT
from homecloud.apis.thingplus.schemas import (
    DEVICE_INPUT,
    DEVICE_REQUIRED,
    DEVICE_UPDATE,
    GATEWAY_UPDATE,
    MAX_DURATION_SECONDS,
    MAX_REPORT_INTERVAL_MS,
    MIN_REPORT_INTERVAL_MS,
    REGISTER_GATEWAY,
    REGISTER_PARAMS,
    SENSOR_INPUT,
    SENSOR_REQUIRED,
    SENSOR_UPDATE,
    STATUS_INPUT,
    Json,
    body_schema,
)
from homecloud.core.parsing import MAX_ID
from homecloud.core.swagger import ApiDocument, SwaggerSecurity, install_swagger

# ------------------------------------------------------------------------------------ errors

_ERROR_ENTRY: Final[Json] = {
    "type": "object",
    "required": ["code", "category", "statusCode", "message"],
    "properties": {
        "code": {"type": "string", "example": "SCHEMA_VALIDATE"},
        "category": {"type": "string", "example": "REQUEST_ERROR"},
        "statusCode": {"type": "integer"},
        "message": {"type": "string"},
        "detail": {"type": "object", "description": "ajv's error object, for SCHEMA_VALIDATE"},
    },
}
ERROR_BODY: Final[Json] = {
    "type": "object",
    "required": ["statusCode", "message", "errors"],
    "properties": {
        "statusCode": {"type": "integer"},
        "message": {"type": "string", "description": "The HTTP reason phrase"},
        "errors": {"type": "array", "minItems": 1, "items": _ERROR_ENTRY},
    },
}
TOKEN_ERROR: Final[Json] = {
    "type": "object",
    "required": ["name", "message"],
    "properties": {
        "name": {"type": "string", "enum": ["JsonWebTokenError", "TokenExpiredError"]},
        "message": {"type": "string", "example": "jwt malformed"},
        "expiredAt": {"type": "string", "format": "date-time"},
    },
}


def _error(description: str, schema: Json = ERROR_BODY) -> Json:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# Every operation may answer these (an open one never 401/403, but the document is shared).
ERRORS: Final[dict[str, Any]] = {
    "400": _error("Bad Request: SCHEMA_VALIDATE, INVALID_INPUT or JSON_PARSING"),
    "401": _error("No bearer token", {"type": "string", "enum": ["Access denied"]}),
    "403": _error(
        "A token that fails (jsonwebtoken's error object), a scope the token lacks (ACL_DENY) "
        "or another user's resource (ACCESSGROUP_DENY)",
        {"anyOf": [ERROR_BODY, TOKEN_ERROR]},
    ),
    "404": _error("Not Found"),
    "413": _error("The body is larger than the server takes"),
}
CREATED_ERRORS: Final[dict[int | str, Any]] = {
    409: _error("CONFLICT: the id is taken"),
    471: _error("BILLING: the plan's limit of gateways, devices or sensors is reached"),
}

# ---------------------------------------------------------------------------- query parameters


def query(name: str, schema: Json, description: str = "", **more: Any) -> Json:
    parameter: Json = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        parameter["description"] = description
    parameter.update(more)
    return parameter


def _listed(items: Json) -> Json:
    return {"type": "array", "items": items}


FIELDS: Final = query(
    "fields",
    _listed({"type": "string"}),
    "The fields to answer (repeatable or comma-separated); id always comes along",
    style="form",
    explode=True,
)


def embed(*names: str) -> Json:
    return query(
        "embed",
        _listed({"type": "string", "enum": list(names)}),
        "Objects to answer in place of their ids (repeatable or comma-separated)",
        style="form",
        explode=True,
    )


COLLECTION: Final = [
    query("count", {"type": "integer", "minimum": 1, "maximum": MAX_COUNT}, "Page size"),
    query("page", {"type": "integer", "minimum": 0, "maximum": MAX_ID}, "Page, from 0"),
    query("orderBy", {"type": "string"}, "A field to order by (digit strings as numbers)"),
    query("orderDir", {"type": "string", "enum": ["asc", "desc"]}),
    FIELDS,
    query(
        "filter",
        {"type": "object", "additionalProperties": {"type": "string"}},
        "filter[<field>]=value: different fields must all match, a repeated one any",
        style="deepObject",
        explode=True,
    ),
]

# ms since the epoch, or an ISO 8601 date-time (without an offset: UTC).
TIME: Final[Json] = {
    "anyOf": [
        {"type": "string", "pattern": "^[0-9]{1,15}$"},
        {"type": "string", "format": "date-time"},
    ],
    "description": "ms since the epoch or a date-time, from 1970 to 9998-12-30 (the time line "
    "the server keeps)",
}
INTERVAL: Final[Json] = {"type": "string", "pattern": "^(0|[1-9][0-9]{0,4}[mhdw])$"}
SUB_FUNCS: Final = ["count", "min", "max", "sum", "avg", "range", "diff", "first", "last"]


def series_options(prefix: str = "") -> list[Json]:
    """The range options of a series read; nested (``series[dataStart]``) on a sensor read."""

    def name(option: str) -> str:
        if not prefix:
            return option
        head, bracket, rest = option.partition("[")
        return f"{prefix}[{head}]{bracket}{rest}"

    return [
        query(name("dataStart"), TIME, "Start of the range, inclusive; every option needs it"),
        query(name("dataEnd"), TIME, "End of the range, exclusive (default now)"),
        query(name("interval"), INTERVAL, "0: raw values; else bucket width (default 1m)"),
        query(name("intervalFunc"), {"type": "string", "enum": ["average", "sum", "count"]}),
        query(name("count"), {"type": "integer", "minimum": 1, "maximum": 10080}, "Raw only"),
        query(name("statFunc[id]"), {"type": "string", "enum": ["seriesStat"]}),
        query(
            name("statFunc[timeUnit]"),
            {"type": "string", "enum": ["hour", "day", "week", "month", "year"]},
        ),
        query(
            name("statFunc[subFunc]"),
            _listed({"type": "string", "enum": SUB_FUNCS}),
            style="form",
            explode=True,
        ),
        query(
            name("statFunc[timeInterval]"),
            {"type": "integer", "enum": [1, 2, 3, 4, 6, 8, 12]},
            "Hours per bucket; other than 1 only with timeUnit hour",
        ),
    ]


# ------------------------------------------------------------------------------------ bodies

# 60000 to 604800000 written in digits (a gateway sent back as read has it as a string).
REPORT_INTERVAL_DIGITS: Final = (
    "^0*([6-9][0-9]{4}|[1-9][0-9]{5,7}|[1-5][0-9]{8}|60[0-3][0-9]{6}|604[0-7][0-9]{5}|604800000)$"
)
REPORT_INTERVAL: Final[Json] = {
    "type": "integer",
    "minimum": MIN_REPORT_INTERVAL_MS,
    "maximum": MAX_REPORT_INTERVAL_MS,
    "description": "ms",
}
GATEWAY_ID: Final[Json] = {
    "type": "string",
    "pattern": "^[0-9a-f]{32}$",
    "description": "An Open API Gateway's id: a UUID without dashes, in lower case",
}
DEVICE_MODELS: Final[Json] = _listed(body_schema({"id": "string", "model": "string"}, ("model",)))
ECHOED: Final = "Read-only: accepted as read back, and ignored"


def sensor_body(fields: dict[str, Any], required: tuple[str, ...]) -> Json:
    """A new sensor: one of the Open API Device's sensors (type, driver and model as the
    catalogue pairs them)."""
    schema = body_schema(
        fields,
        required,
        {
            "type": {"type": "string", "enum": [sensor.id for sensor in SENSOR_TYPES]},
            "driverName": {"type": "string", "enum": [SENSOR_DRIVER]},
            "model": {"type": "string", "enum": [sensor.model for sensor in SENSOR_TYPES]},
            "category": {"type": "string", "enum": ["sensor"]},
        },
    )
    schema["anyOf"] = [
        {
            "properties": {
                "type": {"type": "string", "enum": [sensor_type]},
                "model": {"type": "string", "enum": [entry.model]},
            }
        }
        for (_driver, sensor_type), entry in MODEL_SENSORS.items()
    ]
    return schema


DEVICE_BODY: Final = body_schema(
    DEVICE_INPUT,
    DEVICE_REQUIRED,
    {"model": {"type": "string", "enum": [DEVICE_MODEL_ID]}},
)
SENSOR_BODY: Final = sensor_body(SENSOR_INPUT, SENSOR_REQUIRED)
REGISTER_BODY: Final = body_schema(
    REGISTER_GATEWAY,
    ("params",),
    {
        "reqId": GATEWAY_ID,
        "id": {**GATEWAY_ID, "description": "reqId's other name (the API description's)"},
        "params": body_schema(
            REGISTER_PARAMS,
            ("model", "name"),
            {
                "siteId": {"type": "string", "description": "Your site (GET /v2/sites)"},
                "model": {"type": "string", "enum": [GATEWAY_MODEL_ID]},
                "reportInterval": REPORT_INTERVAL,
                "deviceModels": DEVICE_MODELS,
                # Each as POST .../devices and .../sensors take them; one the rules refuse
                # (a taken id, a model the catalogue lacks) is reported with 207.
                "devices": _listed(body_schema(DEVICE_INPUT, DEVICE_REQUIRED)),
                "sensors": _listed(body_schema(SENSOR_INPUT, SENSOR_REQUIRED)),
            },
        ),
    },
)
REGISTER_BODY["anyOf"] = [{"required": ["reqId"]}, {"required": ["id"]}]
GATEWAY_BODY: Final = body_schema(
    GATEWAY_UPDATE,
    (),
    {
        "model": {"type": "string", "enum": [GATEWAY_MODEL_ID]},
        "reportInterval": {
            "anyOf": [
                REPORT_INTERVAL,
                # At most 19 digits: the shared parser reads no longer numbers.
                {"type": "string", "pattern": REPORT_INTERVAL_DIGITS, "maxLength": 19},
            ]
        },
        "deviceModels": DEVICE_MODELS,
        **{
            name: {"description": ECHOED}
            for name in ("id", "tree", "_site", "_service", "devices", "sensors", "status")
        },
        **{name: {"description": ECHOED} for name in ("ctime", "mtime")},
    },
)
DEVICE_UPDATE_BODY: Final = body_schema(
    DEVICE_UPDATE,
    (),
    {
        "model": {"type": "string", "enum": [DEVICE_MODEL_ID]},
        **{name: {"description": ECHOED} for name in ("id", "owner", "ctime", "mtime")},
    },
)
SENSOR_UPDATE_BODY: Final = body_schema(
    SENSOR_UPDATE,
    (),
    {
        **{
            name: {"description": "Must equal the sensor's own: it cannot change"}
            for name in ("type", "driverName", "model", "category")
        },
        **{
            name: {"description": ECHOED}
            for name in ("id", "owner", "status", "series", "ctime", "mtime")
        },
    },
)
DURATION: Final[Json] = {
    "anyOf": [
        {"type": "integer", "enum": [-1]},
        {"type": "integer", "minimum": 1, "maximum": MAX_DURATION_SECONDS},
    ],
    "description": "Seconds the status holds; -1: never expires",
}
STATUS_BODY: Final = body_schema(
    STATUS_INPUT,
    ("value",),
    {
        "validDuration": DURATION,
        "timeout": {**DURATION, "description": "validDuration's other name"},
    },
)
STATUS_BODY["anyOf"] = [{"required": ["validDuration"]}, {"required": ["timeout"]}]
_POINT: Final[Json] = body_schema(
    {"value": "any", "time": "integer"},
    ("value", "time"),
    {
        "value": {
            "anyOf": [{"type": "string"}, {"type": "object"}],
            "description": "A decimal number as a string for numeric types ('36.5'); "
            "{lat, lng, alt?} for location, {x, y, z} for accelerometer; text otherwise",
        },
        "time": {"type": "integer", "description": "ms since the epoch"},
    },
)
SERIES_BODY: Final[Json] = {"anyOf": [_POINT, {"type": "array", "minItems": 1, "items": _POINT}]}


def operation(
    *,
    body: Json | None = None,
    parameters: list[Json] | None = None,
    open_to_all: bool = False,
    description: str = "",
) -> Json:
    """The ``openapi_extra`` of a route: what FastAPI cannot see in it (the route reads its
    body and query itself, with the vendor's parsers)."""
    extra: Json = {}
    if body is not None:
        extra["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    if parameters:
        extra["parameters"] = parameters
    if open_to_all:
        extra["security"] = []
    if description:
        extra["description"] = description
    return extra


def answers(status: int, model: type, description: str = "OK") -> dict[int | str, Any]:
    return {status: {"model": model, "description": description}}


# ---------------------------------------------------------------------------- document, UI

DOCUMENT: Final = ApiDocument(
    name="v2",
    label="Thing+ v2",
    title="Thing+ API",
    version="2.0",
    description=(
        "Thing+ v2 as homecloud serves it: sites, the gateway-model catalogue, gateways with "
        "their devices and sensors, status and time series. Answers come in the vendor's "
        "envelope `{statusCode, message, data, _meta?}`; refusals in "
        "`{statusCode, message, errors: [{code, category, statusCode, message, detail?}]}`. "
        "Tokens: `POST /v2/oauth2/token` (password grant with the hex MD5 of the password, or "
        "the authorization-code grant of `GET /v2/oauth2/authorize`)."
    ),
    paths=lambda path: path.startswith("/v2/"),
    responses=ERRORS,
)

SWAGGER_SCOPES: Final = dict(ISSUER.scopes)
# What Swagger UI asks for by default: the scopes the operations check, as far as the demo
# client may grant them (its manifest's demo_scope: gateways with their devices, sensors,
# status and series, the site, and the profile).
API_SCOPES: Final = tuple(
    scope
    for scope in ("gateway", "site-read", "user-profile-read")
    if scope in FACE.demo_client_scope.split()
)
_CODE_FLOW = FACE.swagger_security(SWAGGER_SCOPES)


def _schemes(root: str) -> Json:
    """The code flow (Swagger UI's Authorize, with PKCE) and the vendor's password grant."""
    schemes = _CODE_FLOW.schemes(root)
    schemes["oauth2"]["flows"]["password"] = {
        "tokenUrl": f"{root}/v2/oauth2/token",
        "scopes": SWAGGER_SCOPES,
    }
    schemes["oauth2"]["description"] = (
        "The password grant takes the hex MD5 of the password, as the vendor's guide says."
    )
    return schemes


SECURITY: Final = SwaggerSecurity(
    schemes=_schemes,
    requirement=_CODE_FLOW.requirement,
    oauth={**(_CODE_FLOW.oauth or {}), "scopes": list(API_SCOPES)},
)


def install(app: FastAPI) -> None:
    install_swagger(app, documents=(DOCUMENT,), security=SECURITY, title="Thing+ API")
