"""What the Nuheat resource routes do: read and change thermostats, groups, schedules and the
account of one user, and queue the change events.

Every function works in the caller's unit of work and never commits: a change is one write
transaction that locks the rows it changes (so the simulation cannot overwrite it half-way),
and its events are published after the commit, never for a write that failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homecloud.apis.nuheat import repository
from homecloud.apis.nuheat.models import NuheatGroup
from homecloud.apis.nuheat.preferences import update_preferences
from homecloud.apis.nuheat.schemas import ScheduleModel, ThermostatUpdateModel
from homecloud.apis.nuheat.thermostat_state import (
    MAX_HOLD_MS,
    OPERATING_MANUAL,
    SCHEDULE_AUTO,
    SCHEDULE_HOLD,
    SCHEDULE_PERMANENT_HOLD,
    ThermostatState,
    next_event_ms,
    settle,
    settle_in_place,
)
from homecloud.apis.nuheat.timefmt import parse_instant, utc_offset, utc_z, zone_offset
from homecloud.apis.nuheat.weekly_schedule import (
    MAX_TEMPERATURE,
    MIN_TEMPERATURE,
    normalise_clock,
    validate_week,
)
from homecloud.core.errors import ApiError
from homecloud.core.events import ChangeEvent
from homecloud.core.models import User, now_ms
from homecloud.core.parsing import parse_id
from homecloud.core.unit_of_work import UnitOfWork

FACE = repository.FACE


@dataclass(frozen=True, slots=True)
class Thermostat:
    """A thermostat as a client sees it right now."""

    serial: str
    name: str
    state: ThermostatState

    def v1(self, at_ms: int) -> dict[str, Any]:
        state = self.state
        return {
            "serialNumber": self.serial,
            "name": self.name,
            "setPointTemp": state.set_point,
            "scheduleMode": state.schedule_mode,
            "holdSetPointDateTime": utc_z(state.hold_until_ms)
            if state.schedule_mode == SCHEDULE_HOLD and state.hold_until_ms is not None
            else None,
            "groupId": str(state.group_id) if state.group_id is not None else None,
            "swVersion": state.sw_version,
            "online": state.online,
            "operatingMode": state.operating_mode,
            "isHeating": state.heating,
            "currentTemperature": state.current_temperature,
            "tzOffset": zone_offset(state.zone(), at_ms),
            "error": state.error,
        }

    def v2(self) -> dict[str, Any]:
        state = self.state
        if (
            state.operating_mode == OPERATING_MANUAL
            or state.schedule_mode == SCHEDULE_PERMANENT_HOLD
        ):
            mode = 3
        elif state.schedule_mode == SCHEDULE_HOLD:
            mode = 2
        else:
            mode = 1
        return {
            "serialNumber": self.serial,
            "name": self.name,
            "currentTemperature": state.current_temperature,
            "online": state.online,
            "isHeating": state.heating,
            "setPointTemperature": state.set_point,
            "holdUntil": utc_offset(state.hold_until_ms)
            if mode == 2 and state.hold_until_ms is not None
            else None,
            "mode": mode,
            "errorState": state.error,
        }


def event(kind: str, owner_id: int, resource_id: str) -> ChangeEvent:
    return ChangeEvent(face=FACE, kind=kind, owner_id=owner_id, resource_id=resource_id)


def settled(row: repository.ThermostatRow, away: dict[int, int], at_ms: int) -> Thermostat:
    state = row.state
    away_set_point = away.get(state.group_id) if state.group_id is not None else None
    settle_in_place(state, at_ms, away_set_point, row.timeline)
    return Thermostat(row.serial, row.name, state)


async def list_thermostats(work: UnitOfWork, owner_id: int) -> list[Thermostat]:
    # The hot read: one plain statement on the database, no session (see the repository).
    rows, away = await repository.read_thermostats(work.database, owner_id)
    at = now_ms()
    return [settled(row, away, at) for row in rows]


async def get_thermostat(work: UnitOfWork, owner_id: int, serial: str) -> Thermostat:
    rows, away = await repository.read_thermostats(work.database, owner_id, serial)
    if not rows:
        raise not_found(serial)
    return settled(rows[0], away, now_ms())


def not_found(serial: str) -> ApiError:
    return ApiError.of(404, f"Thermostat {serial} was not found.")


def check_temperature(value: int, field: str) -> int:
    if not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:
        raise ApiError.of(
            400, f"{field} must lie between {MIN_TEMPERATURE} and {MAX_TEMPERATURE} (centi-°C)."
        )
    return value


@dataclass(frozen=True, slots=True)
class ModeChange:
    """A request to change a thermostat's mode, checked for form but not yet applied."""

    operating_mode: int | None = None  # None: keep it
    schedule_mode: int | None = None  # None: keep it
    set_point: int | None = None
    relative: bool = False  # set_point is added to the current temperature
    hold_until_ms: int | None = None


def apply(state: ThermostatState, change: ModeChange, at_ms: int) -> None:
    """The seed's Validation section, applied to a settled ``state`` in place."""
    set_point = change.set_point
    if set_point is not None and change.relative:
        set_point = state.current_temperature + set_point
    if set_point is not None:
        check_temperature(set_point, "setPointTemp")
    if change.operating_mode is not None:
        state.operating_mode = change.operating_mode
    if state.operating_mode == OPERATING_MANUAL:
        # The schedule and its modes are off; only the set point changes.
        state.manual_set_point = set_point if set_point is not None else state.set_point
        return
    mode = change.schedule_mode
    if mode is None:
        if set_point is not None:
            raise ApiError.of(
                400, "scheduleMode is required to change setPointTemp in operating mode Auto."
            )
        return
    if mode == SCHEDULE_AUTO:
        state.schedule_mode, state.hold_until_ms = SCHEDULE_AUTO, None
    elif mode == SCHEDULE_HOLD:
        until = change.hold_until_ms
        if until is None:
            until = next_event_ms(state, at_ms)
        elif until <= at_ms:
            raise ApiError.of(400, "holdSetPointDateTime must lie in the future.")
        elif until > at_ms + MAX_HOLD_MS:
            raise ApiError.of(400, "holdSetPointDateTime must lie within the next 23 hours.")
        state.hold_set_point = (
            set_point if set_point is not None else state.hold_set_point or state.set_point
        )
        state.schedule_mode, state.hold_until_ms = SCHEDULE_HOLD, until
    else:
        state.hold_set_point = set_point if set_point is not None else state.set_point
        state.schedule_mode, state.hold_until_ms = SCHEDULE_PERMANENT_HOLD, None


def v1_change(body: ThermostatUpdateModel) -> ModeChange:
    if body.scheduleMode is not None and body.scheduleMode not in (1, 2, 3):
        raise ApiError.of(400, "scheduleMode must be 1, 2 or 3.")
    hold_until = None
    if body.scheduleMode == SCHEDULE_HOLD and body.holdSetPointDateTime is not None:
        hold_until = parse_instant(body.holdSetPointDateTime, "holdSetPointDateTime")
    return ModeChange(
        schedule_mode=body.scheduleMode,
        # The guide's own Auto example sends 0: zero means "not given".
        set_point=body.setPointTemp or None,
        hold_until_ms=hold_until,
    )


async def change_thermostat(
    work: UnitOfWork,
    owner_id: int,
    serial: str | None,
    change: ModeChange,
    *,
    name: str | None = None,
) -> None:
    if not serial:
        raise ApiError.of(400, "serialNumber is required.")
    if name is not None and not 1 <= len(name.strip()) <= 200:
        raise ApiError.of(400, "name must have 1 to 200 characters.")
    at = now_ms()
    session = await work.session()
    device = await repository.thermostat(session, owner_id, serial, for_update=True)
    if device is None:
        raise not_found(serial)
    away = await repository.away_set_points(session, owner_id)
    state = ThermostatState.from_attributes(device.attributes)
    away_set_point = away.get(state.group_id) if state.group_id is not None else None
    state = settle(state, at, away_set_point)
    apply(state, change, at)
    state = settle(state, at, away_set_point)
    if name is not None:
        device.name = name.strip()
    device.attributes = state.to_attributes()
    work.publish(event("thermostat", owner_id, serial))


# Groups


def group_view(group: NuheatGroup) -> dict[str, Any]:
    return {
        "groupId": str(group.id),
        "groupName": group.name,
        "awayMode": group.away_mode,
        "awaySetPointTemp": group.away_set_point,
    }


def _group_id(text: str | None) -> int | None:
    return None if text is None else parse_id(text, name="groupId")


async def list_groups(work: UnitOfWork, owner_id: int) -> list[dict[str, Any]]:
    session = await work.session()
    return [group_view(group) for group in await repository.groups(session, owner_id)]


async def get_group(work: UnitOfWork, owner_id: int, group_id: str) -> dict[str, Any]:
    number = _group_id(group_id)
    session = await work.session()
    group = await repository.group(session, owner_id, number) if number is not None else None
    if group is None:
        raise ApiError.of(404, f"Group {group_id} was not found.")
    return group_view(group)


async def set_away(work: UnitOfWork, owner_id: int, group_id: str | None, away: bool) -> None:
    """Away on: the group's thermostats hold its away set point until away is cleared."""
    if group_id is None or not group_id.strip():
        raise ApiError.of(400, "groupId is required.")
    number = _group_id(group_id)
    at = now_ms()
    session = await work.session()
    group = (
        await repository.group(session, owner_id, number, for_update=True)
        if number is not None
        else None
    )
    if group is None:
        raise ApiError.of(404, f"Group {group_id} was not found.")
    if group.away_mode == away:
        return
    group.away_mode = away
    work.publish(event("group", owner_id, str(group.id)))
    for device in await repository.thermostats(session, owner_id):
        state = ThermostatState.from_attributes(device.attributes)
        if state.group_id != group.id:
            continue
        state = settle(state, at, group.away_set_point if away else None)
        device.attributes = state.to_attributes()
        work.publish(event("thermostat", owner_id, device.serial))


# Schedules


def schedule_view(serial: str, state: ThermostatState) -> dict[str, Any]:
    return {
        "serialNumber": serial,
        "days": sorted(state.schedule, key=lambda day: int(day["weekDay"])),
    }


async def list_schedules(work: UnitOfWork, owner_id: int) -> list[dict[str, Any]]:
    devices = await repository.thermostats(await work.session(), owner_id)
    return [
        schedule_view(device.serial, ThermostatState.from_attributes(device.attributes))
        for device in devices
    ]


async def get_schedule(work: UnitOfWork, owner_id: int, serial: str) -> dict[str, Any]:
    device = await repository.thermostat(await work.session(), owner_id, serial)
    if device is None:
        raise not_found(serial)
    return schedule_view(serial, ThermostatState.from_attributes(device.attributes))


def _days_of(body: ScheduleModel) -> list[dict[str, Any]]:
    if not body.days:
        raise ApiError.of(400, "days must list at least one day.")
    days: dict[int, dict[str, Any]] = {}
    for day in body.days:
        if not 1 <= day.weekDay <= 7:
            raise ApiError.of(400, f"weekDay {day.weekDay} must lie between 1 (Monday) and 7.")
        if day.weekDay in days:
            raise ApiError.of(400, f"weekDay {day.weekDay} is listed twice.")
        events = []
        for given in day.events or []:
            if given.clock is None:
                raise ApiError.of(400, f"Day {day.weekDay}: every event needs a clock.")
            events.append(
                {
                    "clock": normalise_clock(given.clock),
                    "scheduleType": given.scheduleType,
                    "active": given.active,
                    "temperature": given.temperature,
                }
            )
        days[day.weekDay] = {
            "weekDay": day.weekDay,
            "weekDayGroupNumber": day.weekDayGroupNumber,
            "events": events,
        }
    return list(days.values())


async def replace_schedule(work: UnitOfWork, owner_id: int, body: ScheduleModel) -> None:
    """The days given replace those days; the others stay. The week as a whole must then
    keep every rule."""
    if not body.serialNumber:
        raise ApiError.of(400, "serialNumber is required.")
    serial = body.serialNumber
    given = _days_of(body)
    at = now_ms()
    session = await work.session()
    device = await repository.thermostat(session, owner_id, serial, for_update=True)
    if device is None:
        raise not_found(serial)
    state = ThermostatState.from_attributes(device.attributes)
    week = {int(day["weekDay"]): day for day in state.schedule}
    week.update({day["weekDay"]: day for day in given})
    merged = [week[number] for number in sorted(week)]
    validate_week(merged)
    away = await repository.away_set_points(session, owner_id)
    state.schedule = merged
    state = settle(state, at, away.get(state.group_id) if state.group_id else None)
    device.attributes = state.to_attributes()
    work.publish(event("schedule", owner_id, serial))
    work.publish(event("thermostat", owner_id, serial))


# The account


async def account(work: UnitOfWork, user_id: int) -> User:
    """The caller's account (its token names an existing, active user)."""
    user = await repository.user(await work.session(), user_id)
    assert user is not None
    return user


async def save_preferences(work: UnitOfWork, user_id: int, changes: Mapping[str, Any]) -> None:
    """Changes the account's settings (raises PreferenceError, changing nothing, for bad
    ones) and tells the account's subscribers."""
    user = await repository.user(await work.session(), user_id)
    assert user is not None  # a signed-in person's account
    update_preferences(user, changes)
    work.publish(event("account", user_id, str(user_id)))
