"""A Nuheat weekly schedule: its rules, its default, and which event is in force when.

A schedule is kept in the vendor's own shape (``ScheduleModel.days``): seven days, Monday
(``weekDay`` 1) to Sunday (7), each with up to four events WAKE, LEAVE, RETURN and SLEEP
(``scheduleType`` 0..3), at ``clock`` "HH:mm" local time, ``active`` or not, with a
``temperature`` in centi-°C. Days that share a ``weekDayGroupNumber`` share their events.
A SLEEP event whose clock lies before 03:00 belongs to the night after its day.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from cachetools import LRUCache

from homecloud.core.errors import ApiError

WAKE, LEAVE, RETURN, SLEEP = 0, 1, 2, 3
EVENT_NAMES = {WAKE: "WAKE", LEAVE: "LEAVE", RETURN: "RETURN", SLEEP: "SLEEP"}
MIN_TEMPERATURE = 500  # centi-°C: the vendor app's range is 5-70 °C
MAX_TEMPERATURE = 7000
# A SLEEP event before this local time is the night after its day, not that day's morning.
SLEEP_AFTER_MIDNIGHT_UNTIL = time(3, 0)
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::00)?$")

Day = dict[str, Any]


def default_schedule() -> list[Day]:
    """Weekdays share one program, the weekend another, as the vendor's app sets up."""

    def events(wake: str, leave: str, back: str, sleep: str, away: bool) -> list[dict[str, Any]]:
        return [
            {"clock": wake, "scheduleType": WAKE, "active": True, "temperature": 2800},
            {"clock": leave, "scheduleType": LEAVE, "active": away, "temperature": 2200},
            {"clock": back, "scheduleType": RETURN, "active": away, "temperature": 2800},
            {"clock": sleep, "scheduleType": SLEEP, "active": True, "temperature": 2200},
        ]

    weekday = events("06:00", "08:00", "17:00", "22:00", away=True)
    weekend = events("08:00", "10:00", "16:00", "23:00", away=False)
    return [
        {"weekDay": day, "weekDayGroupNumber": 1 if day <= 5 else 2, "events": weekday}
        if day <= 5
        else {"weekDay": day, "weekDayGroupNumber": 2, "events": weekend}
        for day in range(1, 8)
    ]


def _clock(text: str) -> time:
    match = _CLOCK.match(text)
    if match is None:
        raise ApiError.of(400, f"Event clock '{text}' must be a time HH:mm.")
    return time(int(match[1]), int(match[2]))


def _minute_of_day(event: Mapping[str, Any]) -> int:
    """Minutes since the day's midnight; a SLEEP after midnight counts past 24:00."""
    at = _clock(str(event["clock"]))
    minutes = at.hour * 60 + at.minute
    if event["scheduleType"] == SLEEP and at < SLEEP_AFTER_MIDNIGHT_UNTIL:
        minutes += 24 * 60
    return minutes


def validate_day(day: Mapping[str, Any]) -> None:
    """The seed's schedule rules for one day, each broken one a 400 naming it."""
    week_day = day["weekDay"]
    events: Sequence[Mapping[str, Any]] = day["events"]
    seen: set[int] = set()
    for event in events:
        kind = event["scheduleType"]
        if kind not in EVENT_NAMES:
            raise ApiError.of(400, f"scheduleType {kind} must be 0, 1, 2 or 3.")
        if kind in seen:
            raise ApiError.of(
                400,
                f"Day {week_day}: an event type may occur only once a day "
                f"({EVENT_NAMES[kind]} occurs twice).",
            )
        seen.add(kind)
        at = _clock(str(event["clock"]))
        if at.minute % 15:
            raise ApiError.of(
                400, f"Day {week_day}: event times must lie on 15-minute marks ({event['clock']})."
            )
        if kind == WAKE and not event["active"]:
            raise ApiError.of(400, f"Day {week_day}: the WAKE event cannot be deactivated.")
        temperature = event["temperature"]
        if event["active"] and not MIN_TEMPERATURE <= temperature <= MAX_TEMPERATURE:
            raise ApiError.of(
                400,
                f"Day {week_day}: temperature {temperature} must lie between "
                f"{MIN_TEMPERATURE} and {MAX_TEMPERATURE}.",
            )
    if WAKE not in seen:
        raise ApiError.of(400, f"Day {week_day}: the WAKE event cannot be deactivated.")
    active = sorted((event for event in events if event["active"]), key=lambda e: e["scheduleType"])
    for earlier, later in itertools.pairwise(active):
        gap = _minute_of_day(later) - _minute_of_day(earlier)
        if gap < 0 and later["scheduleType"] == SLEEP:
            # A SLEEP before the day's other events would be the next night's, which it may
            # only be before 03:00.
            raise ApiError.of(
                400,
                f"Day {week_day}: the SLEEP event may lie after midnight only before 03:00 "
                f"({later['clock']}).",
            )
        if gap < 15:
            raise ApiError.of(
                400,
                f"Day {week_day}: events must be at least 15 minutes apart, in the order WAKE, "
                f"LEAVE, RETURN, SLEEP ({EVENT_NAMES[earlier['scheduleType']]} "
                f"{earlier['clock']}, {EVENT_NAMES[later['scheduleType']]} {later['clock']}).",
            )


def _event_key(event: Mapping[str, Any]) -> tuple[int, str, bool, int]:
    return (
        event["scheduleType"],
        f"{_clock(str(event['clock'])):%H:%M}",
        bool(event["active"]),
        event["temperature"],
    )


def validate_week(days: Sequence[Mapping[str, Any]]) -> None:
    """Every day's rules, then: the days of one week-day group share one set of events."""
    for day in days:
        validate_day(day)
    by_group: dict[int, tuple[int, list[tuple[int, str, bool, int]]]] = {}
    for day in days:
        events = sorted(_event_key(event) for event in day["events"])
        group = day["weekDayGroupNumber"]
        first = by_group.setdefault(group, (day["weekDay"], events))
        if first[1] != events:
            raise ApiError.of(
                400,
                f"Days {first[0]} and {day['weekDay']} share week-day group {group} but not "
                "its events; put different events in separate groups.",
            )


def normalise_clock(text: str) -> str:
    return f"{_clock(text):%H:%M}"


@dataclass(frozen=True, slots=True)
class ScheduledEvent:
    at_ms: int
    temperature: int


class EventTimeline:
    """The active events of a schedule around some instant, as UTC instants in ``zone``.

    Built for a window of days and asked repeatedly while a simulation walks through it, so
    the local-time arithmetic runs once per day, not once per step.
    """

    def __init__(self, days: Sequence[Mapping[str, Any]], zone: ZoneInfo, around_ms: int) -> None:
        self.days = {int(day["weekDay"]): day for day in days}
        self.zone = zone
        self.events: list[ScheduledEvent] = []
        self.covers = (0, -1)
        self._build(around_ms)

    def _build(self, around_ms: int) -> None:
        today = datetime.fromtimestamp(around_ms / 1000, self.zone).date()
        events: list[ScheduledEvent] = []
        for offset in range(-2, 4):
            events.extend(self._events_of(today + timedelta(days=offset)))
        events.sort(key=lambda e: e.at_ms)
        self.events = events
        self._starts = [event.at_ms for event in events]
        start = datetime.combine(today - timedelta(days=1), time(12), self.zone)
        end = datetime.combine(today + timedelta(days=2), time(0), self.zone)
        self.covers = (int(start.timestamp() * 1000), int(end.timestamp() * 1000))

    def _events_of(self, day: date) -> list[ScheduledEvent]:
        program = self.days.get(day.isoweekday())
        if program is None:
            return []
        found = []
        for event in program["events"]:
            if not event["active"]:
                continue
            minutes = _minute_of_day(event)
            local = datetime.combine(day, time(0), self.zone) + timedelta(minutes=minutes)
            # Wall-clock arithmetic, then the zone's offset of that wall time (DST-correct).
            local = local.replace(tzinfo=None).replace(tzinfo=self.zone)
            found.append(ScheduledEvent(int(local.timestamp() * 1000), int(event["temperature"])))
        return found

    def _ensure(self, at_ms: int) -> None:
        if not self.covers[0] <= at_ms < self.covers[1]:
            self._build(at_ms)

    def current(self, at_ms: int) -> ScheduledEvent | None:
        """The event in force at ``at_ms``: the last one at or before it."""
        self._ensure(at_ms)
        index = bisect.bisect_right(self._starts, at_ms)
        return self.events[index - 1] if index else None

    def following(self, at_ms: int) -> ScheduledEvent | None:
        """The first event after ``at_ms``."""
        self._ensure(at_ms)
        index = bisect.bisect_right(self._starts, at_ms)
        return self.events[index] if index < len(self.events) else None


# Timelines of the schedules being read, so that a GET does not redo a week of local-time
# arithmetic per thermostat; keyed by the schedule's content, so an edited schedule gets a
# new one. Only the event loop's thread uses it.
TIMELINE_CACHE_SIZE = 4096
_TIMELINES: LRUCache[tuple[str, bytes], EventTimeline] = LRUCache(maxsize=TIMELINE_CACHE_SIZE)


def timeline_for(days: Sequence[Mapping[str, Any]], zone: ZoneInfo, at_ms: int) -> EventTimeline:
    key = (zone.key, orjson.dumps(days))
    timeline = _TIMELINES.get(key)
    if timeline is None:
        timeline = _TIMELINES[key] = EventTimeline(days, zone, at_ms)
    return timeline
