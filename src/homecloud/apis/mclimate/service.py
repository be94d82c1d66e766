"""MClimate's rules: controllers, their live data and commands, and the records users keep
about them (schedules, thermostat modes, schedule profiles, geofences).

Reads of controllers take the database (plain SQL, the hot paths); everything that changes
data takes the request's :class:`~homecloud.core.unit_of_work.UnitOfWork`, never commits,
and queues a change event for every controller a client would now see differently.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.apis.mclimate import repository
from homecloud.apis.mclimate.commands import Fields, malformed, out_of_range
from homecloud.apis.mclimate.device_types import (
    MAX_CATCH_UP_MS,
    DeviceType,
    Identity,
    advance,
    vendor_datetime,
)
from homecloud.apis.mclimate.kinds import KINDS
from homecloud.apis.mclimate.models import MClimateController, MClimateRecord, new_version
from homecloud.apis.mclimate.query import Field, Query, apply
from homecloud.apis.mclimate.repository import ControllerRow, row_from
from homecloud.apis.mclimate.scheduling import UTC_ZONE, Schedule, moments, zone_of
from homecloud.apis.mclimate.views import RenderedItems, controller_item, record_fields
from homecloud.core.database import Database
from homecloud.core.errors import ApiError
from homecloud.core.events import ChangeEvent
from homecloud.core.models import Device, now_ms
from homecloud.core.unit_of_work import UnitOfWork

FACE = repository.FACE
# History kept per controller, and how many records the history resource shows at most.
HISTORY_DAYS = 31
HISTORY_SHOWN = 3000
log = logging.getLogger("homecloud.mclimate")


def controller_not_found() -> ApiError:
    return ApiError.of(404, "Controller not found")


def event(owner_id: int, serial: str, **data: Any) -> ChangeEvent:
    return ChangeEvent(
        face=FACE, kind="controller", owner_id=owner_id, resource_id=serial, data=data
    )


# ----------------------------------------------------------------------------- controllers


@dataclass(frozen=True, slots=True)
class ControllerPage:
    items: list[Any]
    total: int
    # (id, version) of each item: with the query, what the page's answer is made of.
    keys: list[tuple[int, int]]


async def list_controllers(
    database: Database, owner_id: int, query: Query, rendered: RenderedItems
) -> ControllerPage:
    """A page of the owner's controllers, and how many match the query in all. Without a
    ``fields`` option each item comes as its rendered JSON, from ``rendered`` while its
    controller is unchanged: the page read names only ids and versions, and just the rows
    not rendered yet are read whole."""
    keys, total = await repository.controller_page_keys(database, owner_id, query)
    if query.fields is not None:
        rows = await repository.controllers_by_id(database, owner_id, [id_ for id_, _ in keys])
        items = [controller_item(row_from(rows[id_])) for id_, _ in keys if id_ in rows]
        return ControllerPage(items, total, keys)
    found = list(map(rendered.get, keys))
    missing = [key[0] for key, item in zip(keys, found, strict=True) if item is None]
    if missing:
        rows = await repository.controllers_by_id(database, owner_id, missing)
        for index, (id_, _) in enumerate(keys):
            if found[index] is None and id_ in rows:
                # Written since the keys were read: the newer row is shown.
                found[index] = rendered.put(rows[id_])
    return ControllerPage([item for item in found if item is not None], total, keys)


async def get_controller(database: Database, owner_id: int, serial: str) -> ControllerRow:
    found = await repository.controller(database, owner_id, serial)
    if found is None:
        raise controller_not_found()
    return found


async def change_controller(
    work: UnitOfWork, owner_id: int, serial: str, fields: Fields
) -> ControllerRow:
    """Renames a controller (``name``) and/or puts it in a room (``room_id``, null for none)."""
    session = await work.session()
    found = await repository.controller_for_update(session, owner_id, serial)
    if found is None:
        raise controller_not_found()
    device, controller = found
    if not fields.has("name") and "room_id" not in fields.body:
        raise malformed("Nothing to change: send name and/or room_id.")
    if fields.has("name"):
        device.name = fields.text("name").strip()
    if "room_id" in fields.body:
        controller.room_id = fields.optional_integer("room_id", 1, 2**63 - 1)
    controller.version = new_version()
    await session.flush()
    work.publish(event(owner_id, serial, name=device.name))
    return repository.row_of(device, controller)


def _kind(name: str) -> DeviceType:
    kind = KINDS.get(name)
    if kind is None:  # a row written by hand with a type this face does not simulate
        raise ApiError.of(409, f"Controllers of type {name} are not supported here.")
    return kind


async def fetch(work: UnitOfWork, owner_id: int, serial: str) -> dict[str, Any]:
    """The controller's live data as of now: its stored state moved forward to this moment,
    its schedules carried out on the way (nothing is written; the simulation persists the
    same path later). The row is read with one raw statement, outside the unit's session:
    this is the face's most frequent call, and most controllers need nothing more."""
    row = await repository.live(work.database, owner_id, serial)
    if row is None:
        raise controller_not_found()
    now = now_ms()
    if row.scheduled:
        plan = await controller_schedules(await work.session(), row)
    else:
        plan = ([], UTC_ZONE)
    kind, state, _ = move_to(row, now, *plan)
    return kind.provider(state, Identity(row.serial, row.mac), now)


def move_to(
    row: repository.LiveRow,
    now: int,
    schedules: Sequence[Schedule] = (),
    zone: ZoneInfo = UTC_ZONE,
) -> tuple[DeviceType, dict[str, Any], dict[str, Any] | None]:
    """The controller's state moved to ``now`` (not yet stored), its ``schedules`` carried out
    at their moments on the way."""
    kind = _kind(row.kind)
    command_log = orjson.loads(row.command_log) if row.command_log else None
    state = orjson.loads(row.state)
    at = row.simulated_until
    device_identity = Identity(row.serial, row.mac)
    for moment in moments(schedules, zone, max(at, now - MAX_CATCH_UP_MS), now):
        state = advance(kind, state, command_log, at, moment.at_ms)
        at = moment.at_ms
        schedule = moment.schedule
        scheduled = (
            kind.schedule_command(state, target=schedule.target)
            if moment.starts
            else kind.schedule_command(state, end_state=schedule.end_state)
        )
        if scheduled is None:
            continue
        name, fields = scheduled
        try:
            outcome = kind.command(name, Fields(fields), state, command_log, device_identity, at)
        except ApiError:
            # The types bring a schedule's values into range; should one still be refused,
            # the schedule is skipped rather than the controller stopped.
            log.warning("schedule command %s %s refused for %s", name, fields, row.serial)
            continue
        state, command_log = outcome.state, outcome.command_log
    return kind, advance(kind, state, command_log, at, now), command_log


async def moved(
    session: AsyncSession, device: Device, controller: MClimateController, now: int
) -> tuple[DeviceType, dict[str, Any], dict[str, Any] | None]:
    """A controller loaded for writing (the simulation's step, a command) moved to ``now``,
    its schedules carried out on the way (not yet stored)."""
    row = repository.live_of(device, controller)
    return move_to(row, now, *await controller_schedules(session, row))


async def controller_schedules(
    session: AsyncSession, row: repository.LiveRow
) -> tuple[list[Schedule], ZoneInfo]:
    """A controller's active schedules and the time zone they are read in (its owner's)."""
    stored, zone_name = await repository.schedules_of(session, row)
    found = (Schedule.active(orjson.loads(text)) for text in stored)
    return [schedule for schedule in found if schedule is not None], zone_of(zone_name)


def store(
    device: Device,
    controller: MClimateController,
    kind: DeviceType,
    state: dict[str, Any],
    command_log: dict[str, Any] | None,
    now: int,
) -> dict[str, Any]:
    """Writes the state and what is derived from it; returns the new sensor record."""
    record = kind.controller_log(state, Identity(device.serial, controller.mac), now)
    controller.state = orjson.dumps(state).decode()
    controller.command_log = orjson.dumps(command_log).decode() if command_log else None
    controller.controller_log = orjson.dumps(record).decode()
    controller.simulated_until = now
    controller.version = new_version()
    if kind.shows_relay:
        controller.relay_state = kind.relay_state(state)
    return record


async def send(work: UnitOfWork, owner_id: int, body: Mapping[str, Any]) -> Any:
    """Carries out a ``provider/send`` command; the device's acknowledgement."""
    fields = Fields(body)
    serial = fields.serial_number()
    command = fields.text("command", max_length=64)
    session = await work.session()
    found = await repository.controller_for_update(session, owner_id, serial)
    if found is None:
        raise controller_not_found()
    device, controller = found
    # Never behind the simulation: a command lands at the device's latest moment.
    now = max(now_ms(), controller.simulated_until)
    kind, state, command_log = await moved(session, device, controller, now)
    outcome = kind.command(
        command, fields, state, command_log, Identity(device.serial, controller.mac), now
    )
    store(device, controller, kind, outcome.state, outcome.command_log, now)
    work.publish(event(owner_id, serial, command=command))
    return outcome.ack


async def history_fields(
    database: Database, owner_id: int, serial: str
) -> tuple[ControllerRow, dict[str, Field]]:
    """The controller and the fields of its sensor records (its type's), for the query."""
    row = await repository.controller(database, owner_id, serial)
    if row is None:
        raise controller_not_found()
    return row, record_fields({"id": 0, **orjson.loads(row.controller_log)})


async def controller_logs(
    work: UnitOfWork, row: ControllerRow, query: Query
) -> tuple[list[dict[str, Any]], int]:
    """The controller's sensor history, the page the query asks for, and the total."""
    session = await work.session()
    href = {"self": {"href": f"/v1/controllers/{row.serial}/logs"}}
    items = [
        {"id": log_id, **data, "_links": href}
        for log_id, data in await repository.logs(session, row.id, HISTORY_SHOWN)
    ]
    return apply(query, items)


# ---------------------------------------------------------------------------- records


def _rendered(record: MClimateRecord) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(record.data)
    return {"id": record.id, **data}


async def _owned_device(work: UnitOfWork, owner_id: int, serial: str) -> ControllerRow:
    row = await repository.controller(work.database, owner_id, serial)
    if row is None:
        raise controller_not_found()
    return row


async def geofences(work: UnitOfWork, owner_id: int) -> list[dict[str, Any]]:
    session = await work.session()
    found = await repository.records(session, owner_id, repository.GEOFENCE)
    return [
        {**_rendered(item), "_links": {"self": {"href": f"/v1/geofences/{item.id}"}}}
        for item in found
    ]


async def geofence(work: UnitOfWork, owner_id: int, geofence_id: int | None) -> dict[str, Any]:
    session = await work.session()
    found = (
        await repository.record(session, owner_id, repository.GEOFENCE, geofence_id)
        if geofence_id is not None
        else None
    )
    if found is None:
        raise ApiError.of(404, "Geofence not found")
    return _rendered(found)


def _minutes(fields: Fields, name: str) -> str:
    minutes = fields.integer(name, 0, 24 * 60 - 1)
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


async def add_schedule(work: UnitOfWork, owner_id: int, fields: Fields) -> dict[str, Any]:
    row = await _owned_device(work, owner_id, fields.serial_number("controller_id"))
    days = fields.text("days", max_length=7)
    if len(days) != 7 or set(days) - {"0", "1"}:
        raise out_of_range("days", "must be seven characters 0 or 1, Monday first.")
    data = {
        "controller_id": row.id,
        "user_id": owner_id,
        "days": days,
        "active": int(fields.optional_flag("active", True)),
        "from_time": _minutes(fields, "from_time"),
        "to_time": _minutes(fields, "to_time"),
        "user_time_offset": 0,
        "device_hours": fields.optional_integer("device_hours", 0, 24 * 60),
        "action": fields.optional_text("action", "command"),
        "target": fields.number("target", -50, 100) if fields.has("target") else None,
        "push": int(fields.optional_flag("push", False)),
        "default_state": fields.choice("default_state", ("on", "off", "do_nothing"))
        if fields.has("default_state")
        else "do_nothing",
        "created": vendor_datetime(now_ms()),
    }
    session = await work.session()
    saved = await repository.add_record(session, owner_id, repository.SCHEDULE, row.id, data)
    return {"id": saved.id, **data}


async def schedules(work: UnitOfWork, owner_id: int, serial: str) -> list[dict[str, Any]]:
    row = await _owned_device(work, owner_id, serial)
    session = await work.session()
    found = await repository.records(session, owner_id, repository.SCHEDULE, row.id)
    return [
        {**_rendered(item), "_links": {"self": {"href": f"/v1/schedules/{serial}"}}}
        for item in found
    ]


async def set_thermostat_mode(work: UnitOfWork, owner_id: int, fields: Fields) -> dict[str, Any]:
    """A controller's thermostat mode; a controller has one, so a new one replaces it."""
    row = await _owned_device(work, owner_id, fields.serial_number())
    data = {
        "controller_id": row.id,
        "user_id": owner_id,
        "sensor_id": fields.optional_text("sensor_id"),
        "target_temperature": fields.number("target_temperature", 5, 35),
        "delta": fields.number("delta", 0, 10) if fields.has("delta") else 0.5,
        "active": int(fields.optional_flag("active", True)),
        "state": "on" if not fields.has("state") or fields.switch("state") else "off",
        "default_state": fields.choice("default_state", ("on", "off", "do_nothing"))
        if fields.has("default_state")
        else "do_nothing",
        "push": int(fields.optional_flag("push", False)),
    }
    session = await work.session()
    for existing in await repository.records(session, owner_id, repository.THERMOSTAT_MODE, row.id):
        repository.save_record(existing, data)
        return {"id": existing.id, **data}
    saved = await repository.add_record(session, owner_id, repository.THERMOSTAT_MODE, row.id, data)
    return {"id": saved.id, **data}


_PLACES = ("building_id", "floor_id", "space_id", "room_id")
MAX_PROFILE_SCHEDULES = 100


async def add_schedule_profile(work: UnitOfWork, owner_id: int, fields: Fields) -> dict[str, Any]:
    schedules_given = fields.body.get("schedules", [])
    if not isinstance(schedules_given, list) or not all(
        isinstance(item, dict) for item in schedules_given
    ):
        raise malformed("schedules must be a list of objects.")
    if len(schedules_given) > MAX_PROFILE_SCHEDULES:
        raise out_of_range("schedules", f"must hold at most {MAX_PROFILE_SCHEDULES} schedules.")
    data: dict[str, Any] = {
        "name": fields.text("name"),
        "user_id": owner_id,
        **{place: fields.optional_integer(place, 1, 2**63 - 1) for place in _PLACES},
        "is_default": int(fields.optional_flag("is_default", False)),
        "editable": int(fields.optional_flag("editable", True)),
        "boost_time": fields.optional_integer("boost_time", 0, 24 * 60, 0),
        "schedules": schedules_given,
        "controller_ids": [],
    }
    session = await work.session()
    saved = await repository.add_record(session, owner_id, repository.SCHEDULE_PROFILE, None, data)
    return {"id": saved.id, **data}


async def assign_schedule_profile(
    work: UnitOfWork, owner_id: int, profile_id: int | None, fields: Fields
) -> dict[str, Any]:
    """Puts controllers (by their ids) on a schedule profile, keeping those already on it."""
    session = await work.session()
    profile = (
        await repository.record(
            session, owner_id, repository.SCHEDULE_PROFILE, profile_id, for_update=True
        )
        if profile_id is not None
        else None
    )
    if profile is None:
        raise ApiError.of(404, "Schedule profile not found")
    given = fields.body.get("controller_id")
    if given is None:
        raise malformed("controller_id is required.")
    listed = given if isinstance(given, list) else [given]
    if not listed or len(listed) > 1000:
        raise out_of_range("controller_id", "must name between 1 and 1000 controllers.")
    ids = [
        Fields({"controller_id": item}).integer("controller_id", 1, 2**63 - 1) for item in listed
    ]
    owned = await repository.owned_controller_ids(session, owner_id, ids)
    if set(ids) - owned:
        raise controller_not_found()
    data = orjson.loads(profile.data)
    data["controller_ids"] = sorted(set(data["controller_ids"]) | owned)
    repository.save_record(profile, data)
    return {"id": profile.id, **data}
