"""How a Nuheat thermostat behaves: its modes, its schedule, holds, away mode, and the room
it heats (the generic models of :mod:`homecloud.sim`).

A thermostat's whole state lives in its core device's attributes as a
:class:`ThermostatState`. Everything here is pure: give it a state and a time, get the state
at that time. Reads settle the state at the moment of the request (so a hold that has
expired reads as Auto even between two simulation steps); the simulation also moves the
room, the relay and the energy counters forward and persists the result.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from homecloud.apis.nuheat.weekly_schedule import EventTimeline, default_schedule, timeline_for
from homecloud.sim import thermal
from homecloud.sim.relay import HysteresisRelay
from homecloud.sim.weather import OutdoorCurve

# ThermostatModel.operatingMode
OPERATING_AUTO, OPERATING_MANUAL = 1, 2
# ThermostatModel.scheduleMode
SCHEDULE_AUTO, SCHEDULE_HOLD, SCHEDULE_PERMANENT_HOLD = 1, 2, 3
HOUR_MS = 3_600_000
# A hold given an end may last at most this long (the seed: "within the following 23 hours").
MAX_HOLD_MS = 23 * HOUR_MS
RELAY = HysteresisRelay(band_c=0.25)
OUTDOOR = OutdoorCurve()
LIVE_STEP_MS = 60_000
SW_VERSION = "1.4.2"


@dataclass
class ThermostatState:
    """What a thermostat knows. Temperatures a client sees are centi-°C integers; the room
    model's own temperatures are floats in °C."""

    time_zone: str = "UTC"
    group_id: int | None = None
    operating_mode: int = OPERATING_AUTO
    schedule_mode: int = SCHEDULE_AUTO
    # The target in force (as ``setPointTemp`` shows it), kept current by settle().
    set_point: int = 2100
    # The target of Hold and Permanent Hold: the last one given, reused when a Hold omits it.
    hold_set_point: int | None = None
    hold_until_ms: int | None = None
    manual_set_point: int = 2100
    schedule: list[dict[str, Any]] = field(default_factory=default_schedule)
    # The room: its heating mat's power and how well it keeps heat (see sim.thermal).
    heater_w_per_m2: float = 150.0
    loss_w_per_m2k: float = 2.5
    floor_c: float = 20.0
    room_c: float = 20.0
    heating: bool = False
    online: bool = True
    error: str | None = None
    sw_version: str = SW_VERSION
    # The simulation's progress: up to when it has run, and the relay's on-time in the UTC
    # hour that is still running (completed hours are in the relay-minutes series).
    simulated_until_ms: int = 0
    relay_hour_ms: int = 0
    relay_on_ms: int = 0

    @classmethod
    def from_attributes(cls, attributes: Mapping[str, Any]) -> ThermostatState:
        return cls(**{key: value for key, value in attributes.items() if key in _FIELDS})

    def copy(self) -> ThermostatState:
        """A shallow copy (nested lists shared), made without running ``__init__``."""
        duplicate = object.__new__(ThermostatState)
        duplicate.__dict__.update(self.__dict__)
        return duplicate

    def to_attributes(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def current_temperature(self) -> int:
        """The floor sensor's reading, which a floor thermostat regulates and shows."""
        return round(self.floor_c * 100)

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


# Attributes this version knows; others (from a newer version, say) are left out.
_FIELDS = frozenset(known.name for known in dataclasses.fields(ThermostatState))


def target(
    state: ThermostatState, at_ms: int, away_set_point: int | None, timeline: EventTimeline
) -> int:
    """The set point in force: away overrides everything, then Manual, then a hold, then
    the schedule event in force."""
    if away_set_point is not None:
        return away_set_point
    if state.operating_mode == OPERATING_MANUAL:
        return state.manual_set_point
    if state.schedule_mode in (SCHEDULE_HOLD, SCHEDULE_PERMANENT_HOLD):
        return state.hold_set_point if state.hold_set_point is not None else state.set_point
    event = timeline.current(at_ms)
    return event.temperature if event is not None else state.set_point


def settle(
    state: ThermostatState,
    at_ms: int,
    away_set_point: int | None,
    timeline: EventTimeline | None = None,
) -> ThermostatState:
    """The state at ``at_ms`` as far as modes go: an expired hold has returned to Auto by
    itself, and the set point is the one in force. Returns a new state."""
    settled = copy.copy(state)  # a shallow copy; the schedule is never changed in place
    settle_in_place(settled, at_ms, away_set_point, timeline)
    return settled


def settle_in_place(
    state: ThermostatState,
    at_ms: int,
    away_set_point: int | None,
    timeline: EventTimeline | None = None,
) -> None:
    """:func:`settle` for a state nobody else holds (one just read, say)."""
    if (
        state.schedule_mode == SCHEDULE_HOLD
        and state.hold_until_ms is not None
        and state.hold_until_ms <= at_ms
    ):
        state.schedule_mode = SCHEDULE_AUTO
        state.hold_until_ms = None
    timeline = timeline or timeline_for(state.schedule, state.zone(), at_ms)
    state.set_point = target(state, at_ms, away_set_point, timeline)


def next_event_ms(state: ThermostatState, at_ms: int) -> int | None:
    """When the schedule's next event begins (where a Hold without an end time ends)."""
    following = EventTimeline(state.schedule, state.zone(), at_ms).following(at_ms)
    return following.at_ms if following is not None else None


@dataclass(frozen=True, slots=True)
class RelayHour:
    """Minutes the relay was on in the UTC hour beginning at ``hour_ms`` (so far)."""

    hour_ms: int
    minutes: float


def simulate(
    state: ThermostatState,
    until_ms: int,
    away_set_point: int | None,
    *,
    step_ms: int = LIVE_STEP_MS,
) -> tuple[ThermostatState, list[RelayHour]]:
    """Runs the thermostat and its room from ``state.simulated_until_ms`` to ``until_ms``.

    Returns the new state and the relay's on-minutes of every UTC hour the run touched (the
    last one possibly unfinished), for the relay-minutes series.
    """
    current = copy.copy(state)
    if current.simulated_until_ms <= 0:
        current.simulated_until_ms = until_ms
    if current.relay_hour_ms <= 0:
        current.relay_hour_ms = current.simulated_until_ms // HOUR_MS * HOUR_MS
    zone = current.zone()
    timeline = EventTimeline(current.schedule, zone, current.simulated_until_ms)
    hours: list[RelayHour] = []
    room = thermal.RoomState(floor_c=current.floor_c, room_c=current.room_c)
    parameters = thermal.RoomParameters(
        heater_w_per_m2=current.heater_w_per_m2, room_to_outdoor_w_per_m2k=current.loss_w_per_m2k
    )
    at = current.simulated_until_ms
    outdoor_at, outdoor_c = -1, 0.0
    while at < until_ms:
        settle_in_place(current, at, away_set_point, timeline)
        current.heating = RELAY.switch(current.heating, room.floor_c, current.set_point / 100)
        hour_end = current.relay_hour_ms + HOUR_MS
        end = min(until_ms, at + step_ms, hour_end)
        if at - outdoor_at >= 15 * 60_000:  # the weather changes slowly: look it up quarterly
            outdoor_at = at
            outdoor_c = OUTDOOR.temperature_c(_local(at, zone))
        room = thermal.step(
            room,
            (end - at) / 1000,
            heating=current.heating,
            outdoor_c=outdoor_c,
            parameters=parameters,
        )
        if current.heating:
            current.relay_on_ms += end - at
        at = end
        if at >= hour_end:
            hours.append(RelayHour(current.relay_hour_ms, current.relay_on_ms / 60_000))
            current.relay_hour_ms, current.relay_on_ms = hour_end, 0
    # The hour still running, so that the energy log shows it too; rewritten as it fills up.
    hours.append(RelayHour(current.relay_hour_ms, current.relay_on_ms / 60_000))
    settle_in_place(current, until_ms, away_set_point, timeline)
    current.floor_c, current.room_c = room.floor_c, room.room_c
    current.simulated_until_ms = max(until_ms, current.simulated_until_ms)
    return current, hours


def _local(at_ms: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(at_ms / 1000, zone)
