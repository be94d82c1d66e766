"""The Thing+ face's behaviour: owner checks, registration against the gateway model, plan
limits, updates and status. Functions run inside one transaction on a synchronous session and
never commit; an :class:`ApiError` they raise rolls everything back.

Owner checks follow the vendor's order: a gateway that is someone else's is 403
ACCESSGROUP_DENY whatever lies below it; a missing gateway, or a missing device or sensor of
one's own gateway, is 404 NOT_FOUND.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from homecloud.apis.thingplus import repository
from homecloud.apis.thingplus.catalog_data import (
    DEFAULT_REPORT_INTERVAL_MS,
    DEVICE_MODEL_ID,
    GATEWAY_MODEL_ID,
    MAX_DEVICES,
    MODEL_SENSORS,
    SensorType,
)
from homecloud.apis.thingplus.errors import (
    access_denied,
    invalid_input,
    not_found,
    schema_error,
)
from homecloud.apis.thingplus.models import ThingplusDevice, ThingplusSensor
from homecloud.apis.thingplus.records import (
    device_record,
    gateway_record,
    gateway_status_leaf,
    sensor_record,
    sensor_status_leaf,
    series_leaf,
)
from homecloud.apis.thingplus.schemas import (
    DEVICE_INPUT,
    DEVICE_REQUIRED,
    DEVICE_UPDATE,
    GATEWAY_OPTIONS,
    GATEWAY_UPDATE,
    REGISTER_GATEWAY,
    REGISTER_PARAMS,
    SENSOR_INPUT,
    SENSOR_OPTIONS,
    SENSOR_REQUIRED,
    SENSOR_UPDATE,
    check_id,
    check_object,
    check_report_interval,
)
from homecloud.apis.thingplus.settings import ThingplusSettings
from homecloud.core.errors import ApiError
from homecloud.core.events import ChangeEvent
from homecloud.core.models import Device, User
from homecloud.core.parsing import parse_id
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.core.users import get_user

T = TypeVar("T")
LEAF_ID_ALPHABET: Final = string.ascii_letters + string.digits + "_-"
UUID_HEX_LENGTH: Final = 32


def leaf_id(kind: str) -> str:
    """A leaf id such as ``status.sensor.0uRmI2``: six random URL-safe characters."""
    return kind + "".join(secrets.choice(LEAF_ID_ALPHABET) for _ in range(6))


def within_plan(
    session: Session,
    user_id: int,
    what: str,
    limit: int | None,
    count: Callable[[Session, int], int],
) -> None:
    """One more of ``what`` must fit the plan's ``limit`` (none: no limit): else 471."""
    if limit is not None and count(session, user_id) >= limit:
        raise billing(what, limit)


def billing(what: str, limit: int) -> ApiError:
    return ApiError.of(471, f"The plan allows at most {limit} {what}.", "BILLING")


# ------------------------------------------------------------------------------ owner checks


def owned_gateway(session: Session, user_id: int, gateway_id: str, *, lock: bool = False) -> Device:
    gateway = repository.find_gateway(session, gateway_id, lock=lock)
    if gateway is None:
        raise not_found(f"gateway {gateway_id}")
    if gateway.owner_id != user_id:
        raise access_denied(f"gateway {gateway_id}")
    return gateway


def owned_sensor(
    session: Session, user_id: int, gateway_id: str, sensor_id: str, *, lock: bool = False
) -> tuple[Device, ThingplusSensor]:
    gateway = owned_gateway(session, user_id, gateway_id)
    sensor = repository.find_sensor(session, gateway.id, sensor_id, lock=lock)
    return gateway, found(sensor, "sensor", sensor_id)


def owned_device(
    session: Session, user_id: int, gateway_id: str, device_id: str
) -> tuple[Device, ThingplusDevice]:
    gateway = owned_gateway(session, user_id, gateway_id)
    return gateway, found(
        repository.find_device(session, gateway.id, device_id), "device", device_id
    )


async def on_gateway(
    work: UnitOfWork,
    user_id: int,
    gateway_id: str,
    act: Callable[[Session, Device], T],
    *,
    lock: bool = False,
) -> T:
    """``act`` on the user's gateway as the unit's transaction: the one way a route reaches a
    gateway (an unknown one is 404, another user's 403)."""
    return await run(
        work, lambda session: act(session, owned_gateway(session, user_id, gateway_id, lock=lock))
    )


async def on_device(
    work: UnitOfWork,
    user_id: int,
    gateway_id: str,
    device_id: str,
    act: Callable[[Session, Device, ThingplusDevice], T],
) -> T:
    """``act`` on a device of the user's gateway, as ``on_gateway``."""
    return await run(
        work, lambda session: act(session, *owned_device(session, user_id, gateway_id, device_id))
    )


async def on_sensor(
    work: UnitOfWork,
    user_id: int,
    gateway_id: str,
    sensor_id: str,
    act: Callable[[Session, Device, ThingplusSensor], T],
    *,
    lock: bool = False,
) -> T:
    """``act`` on a sensor of the user's gateway, as ``on_gateway``."""

    def task(session: Session) -> T:
        return act(session, *owned_sensor(session, user_id, gateway_id, sensor_id, lock=lock))

    return await run(work, task)


def found(child: T | None, kind: str, child_id: str) -> T:
    if child is None:
        raise not_found(f"{kind} {child_id}")
    return child


# ---------------------------------------------------------------------------------- gateways


def gateway_view(
    session: Session, gateway: Device, embed: frozenset[str], now: int
) -> dict[str, Any]:
    devices, sensors = repository.children_ids(session, [gateway.id])
    return embedded(
        session,
        gateway,
        gateway_record(gateway, devices[gateway.id], sensors[gateway.id]),
        embed,
        now,
    )


def gateway_views(
    session: Session, user_id: int, embed: frozenset[str], now: int
) -> list[dict[str, Any]]:
    gateways = repository.user_gateways(session, user_id)
    devices, sensors = repository.children_ids(session, [gateway.id for gateway in gateways])
    return [
        embedded(
            session,
            gateway,
            gateway_record(gateway, devices[gateway.id], sensors[gateway.id]),
            embed,
            now,
        )
        for gateway in gateways
    ]


def embedded(
    session: Session, gateway: Device, record: dict[str, Any], embed: frozenset[str], now: int
) -> dict[str, Any]:
    """``embed=devices,sensors,status``: the ids replaced by the objects they name."""
    if "devices" in embed:
        record["devices"] = [
            device_record(device, gateway.serial)
            for device in repository.gateway_devices(session, gateway.id)
        ]
    if "sensors" in embed:
        record["sensors"] = [
            sensor_record(sensor, gateway.serial)
            for sensor in repository.gateway_sensors(session, gateway.id)
        ]
    status = gateway.attributes.get("status")
    if "status" in embed and status:
        record["status"] = gateway_status_leaf(gateway, status, now)
    return record


@dataclass
class Registration:
    """The answer to registerGateway: 201, or 207 when some device or sensor failed."""

    data: dict[str, Any]
    errors: list[ApiError] = field(default_factory=list)


def is_gateway_id(text: str) -> bool:
    return len(text) == UUID_HEX_LENGTH and all(c in "0123456789abcdef" for c in text)


def register_gateway(
    session: Session, user_id: int, body: Any, limits: ThingplusSettings, now: int
) -> Registration:
    check_object(body, REGISTER_GATEWAY, ("params",))
    if "reqId" not in body and "id" not in body:
        raise schema_error(
            "should have required property 'reqId'", "required", "", missingProperty="reqId"
        )
    gateway_id: str = body.get("reqId", body.get("id"))
    params = check_object(body["params"], REGISTER_PARAMS, ("model", "name"), ".params")
    # The whole body's shape is checked before anything is made, as the vendor's validator
    # checks it: a malformed device or sensor is 400; 207 is for those the rules refuse (a
    # taken id, a model the catalogue lacks, an unknown device, the plan's limit).
    for key, fields, required in (
        ("devices", DEVICE_INPUT, DEVICE_REQUIRED),
        ("sensors", SENSOR_INPUT, SENSOR_REQUIRED),
    ):
        for index, item in enumerate(params.get(key, ())):
            check_object(item, fields, required, f".params.{key}[{index}]")
    site = params.get("siteId", str(user_id))
    if site != str(user_id):
        number = parse_id(site, name="siteId") if isinstance(site, str) else None
        other = number is not None and repository.user_exists(session, number)
        raise access_denied(f"site {site}") if other else not_found(f"site {site}")
    if params["model"] != GATEWAY_MODEL_ID:
        raise not_found(f"gatewayModel {params['model']}")
    for key in ("reqId", "id"):  # both, when both are sent
        if key in body and not is_gateway_id(body[key]):
            raise invalid_input(
                "An Open API Gateway id is a UUID without dashes, in lower case (32 hex digits)."
            )
    existing = repository.find_gateway(session, gateway_id)
    if existing is not None:
        if existing.owner_id != user_id:
            raise access_denied(f"gateway {gateway_id}")
        raise ApiError.of(409, f"gateway {gateway_id} exists.", "CONFLICT")
    within_plan(session, user_id, "gateways", limits.max_gateways, repository.count_gateways)
    interval = params.get("reportInterval")
    fields = gateway_fields(params)
    gateway = Device(
        owner_id=user_id,
        face=repository.FACE,
        kind=repository.GATEWAY,
        serial=gateway_id,
        name=params["name"],
        attributes={
            "model": GATEWAY_MODEL_ID,
            "site": str(user_id),
            "reportInterval": DEFAULT_REPORT_INTERVAL_MS
            if interval is None
            else check_report_interval(interval, ".params.reportInterval"),
            "fields": fields,
        },
        created_at=now,
        updated_at=now,
    )
    session.add(gateway)
    session.flush()
    data = gateway_record(gateway, (), (), created=True, interval_as_sent=interval is not None)
    registration = Registration(data)
    for key, create in (("devices", create_device), ("sensors", create_sensor)):
        if key not in params:
            continue
        created: list[dict[str, Any]] = []
        for item in params[key]:
            try:
                with session.begin_nested():
                    made = create(session, gateway, item, Adding(user_id, limits, now))
                    created.append(made)
            except ApiError as error:
                registration.errors.append(error)
        data[key] = created
    return registration


def gateway_fields(params: dict[str, Any]) -> dict[str, Any]:
    """The optional vendor fields of a gateway body, kept and echoed as sent."""
    fields = {key: params[key] for key in GATEWAY_OPTIONS if key in params}
    fields.pop("reportInterval", None)
    for index, entry in enumerate(fields.get("deviceModels", [])):
        check_object(
            entry, {"id": "string", "model": "string"}, ("model",), f".deviceModels[{index}]"
        )
    return fields


def update_gateway(session: Session, gateway: Device, body: Any, now: int) -> dict[str, Any]:
    check_object(body, GATEWAY_UPDATE)
    if "model" in body and body["model"] != GATEWAY_MODEL_ID:
        raise not_found(f"gatewayModel {body['model']}")
    attributes = dict(gateway.attributes)
    if "reportInterval" in body:
        attributes["reportInterval"] = check_report_interval(
            body["reportInterval"], ".reportInterval"
        )
    attributes["fields"] = {**attributes.get("fields", {}), **gateway_fields(body)}
    gateway.attributes = attributes
    if "name" in body:
        gateway.name = body["name"]
    gateway.updated_at = now
    session.flush()
    return gateway_view(session, gateway, frozenset(), now)


# ----------------------------------------------------------------------------------- devices


@dataclass(frozen=True)
class Adding:
    """Who adds devices or sensors to a gateway of theirs, under which plan, and when."""

    user_id: int
    limits: ThingplusSettings
    now: int


def create_device(session: Session, gateway: Device, body: Any, adding: Adding) -> dict[str, Any]:
    checked_device(body)
    device_id = body["reqId"]
    if repository.find_device(session, gateway.id, device_id) is not None:
        raise ApiError.of(409, f"device {device_id} exists.", "CONFLICT")
    if repository.count_model_devices(session, gateway.id, DEVICE_MODEL_ID) >= MAX_DEVICES:
        raise invalid_input(f"A gateway holds at most {MAX_DEVICES} devices of {DEVICE_MODEL_ID}.")
    within_plan(
        session, adding.user_id, "devices", adding.limits.max_devices, repository.count_devices
    )
    extra = {"address": body["address"]} if "address" in body else {}
    device = ThingplusDevice(
        gateway_id=gateway.id,
        device_id=device_id,
        name=body["name"],
        model=body["model"],
        extra=extra,
        created_at=adding.now,
        updated_at=adding.now,
    )
    session.add(device)
    session.flush()
    return device_record(device, gateway.serial, created=True)


def device_views(session: Session, gateway: Device) -> list[dict[str, Any]]:
    return [
        device_record(device, gateway.serial)
        for device in repository.gateway_devices(session, gateway.id)
    ]


def update_device(
    session: Session, gateway: Device, device: ThingplusDevice, body: Any, now: int
) -> dict[str, Any]:
    check_object(body, DEVICE_UPDATE)
    if "model" in body and body["model"] != device.model:
        raise invalid_input("A device's model cannot change.")
    if "name" in body:
        device.name = body["name"]
    if "address" in body:
        device.extra = {**device.extra, "address": body["address"]}
    device.updated_at = now
    session.flush()
    return device_record(device, gateway.serial)


# ----------------------------------------------------------------------------------- sensors


def checked_sensor(body: Any, path: str = "") -> SensorType:
    """A new sensor's body, and the catalogue's entry it names: one of the Open API Device's
    sensors (its type, driver and model as the catalogue pairs them)."""
    check_object(body, SENSOR_INPUT, SENSOR_REQUIRED, path)
    category = body.get("category", "sensor")
    entry = MODEL_SENSORS.get((body["driverName"], body["type"]))
    if entry is None or entry.model != body["model"] or category != "sensor":
        where = f"{path.lstrip('.')}: " if path else ""
        raise invalid_input(
            f"{where}No sensor of gateway model {GATEWAY_MODEL_ID} has type {body['type']},"
            f" driver {body['driverName']}, model {body['model']} and category {category}."
        )
    return entry


def checked_device(body: Any, path: str = "") -> None:
    """A new device's body: of the Open API Device model, the one the gateway model has."""
    check_object(body, DEVICE_INPUT, DEVICE_REQUIRED, path)
    if body["model"] != DEVICE_MODEL_ID:
        where = f"{path.lstrip('.')}: " if path else ""
        raise invalid_input(
            f"{where}Device model {body['model']} is not a device model of gateway model"
            f" {GATEWAY_MODEL_ID}."
        )


def create_sensor(session: Session, gateway: Device, body: Any, adding: Adding) -> dict[str, Any]:
    entry = checked_sensor(body)
    sensor_id = body["reqId"]
    category = body.get("category", "sensor")
    device_id = body.get("deviceId")
    if device_id is not None and repository.find_device(session, gateway.id, device_id) is None:
        raise not_found(f"device {device_id}")
    if repository.find_sensor(session, gateway.id, sensor_id) is not None:
        raise ApiError.of(409, f"sensor {sensor_id} exists.", "CONFLICT")
    within_plan(
        session, adding.user_id, "sensors", adding.limits.max_sensors, repository.count_sensors
    )
    series = repository.add_series(
        session, gateway.id, sensor_id, "number" if entry.kind == "number" else "json", entry.unit
    )
    sensor = ThingplusSensor(
        gateway_id=gateway.id,
        series_id=series.id,
        sensor_id=sensor_id,
        device_id=device_id,
        name=body["name"],
        type=entry.id,
        category=category,
        driver_name=body["driverName"],
        model=body["model"],
        extra={key: body[key] for key in SENSOR_OPTIONS if key in body},
        created_at=adding.now,
        updated_at=adding.now,
    )
    session.add(sensor)
    session.flush()
    return sensor_record(sensor, gateway.serial, created=True)


FIXED_SENSOR_FIELDS: Final = {
    "type": "type",
    "driverName": "driver_name",
    "model": "model",
    "category": "category",
}


def update_sensor(
    session: Session, gateway: Device, sensor: ThingplusSensor, body: Any, now: int
) -> dict[str, Any]:
    check_object(body, SENSOR_UPDATE)
    for key, attribute in FIXED_SENSOR_FIELDS.items():
        if key in body and body[key] != getattr(sensor, attribute):
            raise invalid_input(f"A sensor's {key} cannot change.")
    if "deviceId" in body:
        check_id(body["deviceId"], ".deviceId")
        if repository.find_device(session, gateway.id, body["deviceId"]) is None:
            raise not_found(f"device {body['deviceId']}")
        sensor.device_id = body["deviceId"]
    if "name" in body:
        sensor.name = body["name"]
    sensor.extra = {**sensor.extra, **{key: body[key] for key in SENSOR_OPTIONS if key in body}}
    sensor.updated_at = now
    session.flush()
    return sensor_record(sensor, gateway.serial)


def sensor_view(
    gateway: Device, sensor: ThingplusSensor, embed: frozenset[str], now: int
) -> dict[str, Any]:
    """A sensor; ``embed=series,status`` puts the leaves in place of their ids."""
    record = sensor_record(sensor, gateway.serial)
    if "series" in embed and sensor.latest:
        record["series"] = series_leaf(sensor, gateway.serial, sensor.latest)
    if "status" in embed and sensor.status:
        record["status"] = sensor_status_leaf(sensor, gateway.serial, sensor.status, now)
    return record


def sensor_views(
    session: Session, gateway: Device, embed: frozenset[str], now: int
) -> list[dict[str, Any]]:
    return [
        sensor_view(gateway, sensor, embed, now)
        for sensor in repository.gateway_sensors(session, gateway.id)
    ]


# ------------------------------------------------------------------------------------ status


def next_status(
    previous: dict[str, Any] | None, value: str, duration: int, now: int, kind: str
) -> dict[str, Any]:
    """The status leaf after a report: ``expireAt = time + duration * 1000`` (``-1`` never
    expires), and ``vtime`` moves only when the value changes."""
    return {
        "id": previous["id"] if previous else leaf_id(f"status.{kind}."),
        "value": value,
        "time": now,
        "expireAt": -1 if duration == -1 else now + duration * 1000,
        "vtime": previous["vtime"] if previous and previous["value"] == value else now,
        "ctime": previous["ctime"] if previous else now,
        "mtime": now,
    }


@dataclass(frozen=True)
class StatusReport:
    """A status a gateway or sensor reports: its value, how long it holds, and when it came."""

    value: str
    duration: int
    now: int


def put_gateway_status(session: Session, gateway: Device, report: StatusReport) -> dict[str, Any]:
    """The leaf; on the first report, the gateway now naming its new status."""
    now = report.now
    previous = gateway.attributes.get("status")
    leaf = next_status(previous, report.value, report.duration, now, "gateway")
    gateway.attributes = {**gateway.attributes, "status": leaf}
    if previous is None:
        gateway.updated_at = now
        session.flush()
        return gateway_view(session, gateway, frozenset(), now)
    session.flush()
    return gateway_status_leaf(gateway, leaf, now)


def put_sensor_status(
    session: Session, gateway: Device, sensor: ThingplusSensor, report: StatusReport
) -> dict[str, Any]:
    now = report.now
    previous = sensor.status
    leaf = next_status(previous, report.value, report.duration, now, "sensor")
    sensor.status = leaf
    if previous is None:
        sensor.updated_at = now
        session.flush()
        return sensor_record(sensor, gateway.serial)
    session.flush()
    return sensor_status_leaf(sensor, gateway.serial, leaf, now)


# Units of work. Thing+'s rules are synchronous ORM code: each request runs them as its unit's
# one synchronous transaction (on SQLite, the core's writer thread: the ingestion fast path).


async def run(work: UnitOfWork, task: Callable[[Session], T]) -> T:
    """Runs ``task`` as the unit's transaction. A unique key it runs into was taken by a
    request that committed meanwhile (two registrations of one id at once): 409."""
    try:
        return await work.run_sync(task)
    except IntegrityError:
        raise ApiError.of(
            409, "The request conflicts with a change made at the same time.", "CONFLICT"
        ) from None


def status_event(user_id: int, resource_id: str, report: StatusReport) -> ChangeEvent:
    data = {"value": report.value}
    return ChangeEvent("thingplus", "status", user_id, resource_id, report.now, data)


async def set_gateway_status(
    work: UnitOfWork, user_id: int, gateway_id: str, report: StatusReport
) -> dict[str, Any]:
    put = partial(put_gateway_status, report=report)
    data = await on_gateway(work, user_id, gateway_id, put, lock=True)
    work.publish(status_event(user_id, gateway_id, report))
    return data


async def set_sensor_status(
    work: UnitOfWork, user_id: int, gateway_id: str, sensor_id: str, report: StatusReport
) -> dict[str, Any]:
    put = partial(put_sensor_status, report=report)
    data = await on_sensor(work, user_id, gateway_id, sensor_id, put, lock=True)
    work.publish(status_event(user_id, f"{gateway_id}/{sensor_id}", report))
    return data


async def user(work: UnitOfWork, user_id: int) -> User:
    """The caller's own account."""
    found = await get_user(await work.session(), user_id)
    if found is None:
        raise ApiError.of(404, "The token does not belong to a user.", "NOT_FOUND")
    return found
