"""When a controller's schedules act.

A schedule (``POST /v1/schedules``) holds its controller at ``target`` from ``from_time`` to
``to_time`` on the days it marks (``days``: seven 0/1 characters, Monday first), in the
owner's local time; when it ends, ``default_state`` applies (``on``, ``off``, or
``do_nothing``). A schedule whose ``to_time`` is not after its ``from_time`` runs past
midnight and ends the next day. What "holding at ``target``" means depends on the type of
controller (:meth:`~homecloud.apis.mclimate.device_types.DeviceType.schedule_command`): a
relay switched on or off, an AC set to a temperature, a valve's target temperature.

Everything here is pure: the simulation and ``provider/send`` ask which moments fall in the
span they move a controller over, and carry them out in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EndState = Literal["on", "off", "do_nothing"]
UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class Schedule:
    days: str  # seven "0"/"1", Monday first
    start_minute: int  # minutes of the local day
    end_minute: int
    target: float | None
    end_state: EndState

    @classmethod
    def active(cls, data: dict[str, Any]) -> Schedule | None:
        """The schedule a stored record describes; None when it is switched off."""
        if not data.get("active"):
            return None
        return cls(
            days=data["days"],
            start_minute=_minute_of(data["from_time"]),
            end_minute=_minute_of(data["to_time"]),
            target=data.get("target"),
            end_state=data.get("default_state", "do_nothing"),
        )

    def span_from(self, day: date, zone: ZoneInfo) -> tuple[int, int] | None:
        """Its start and end (ms) when it starts on ``day``; None on a day it does not mark."""
        if self.days[day.weekday()] != "1":
            return None
        end_day = day if self.end_minute > self.start_minute else day + timedelta(days=1)
        return _ms(day, self.start_minute, zone), _ms(end_day, self.end_minute, zone)


@dataclass(frozen=True, slots=True)
class Moment:
    """A schedule starting (``starts``) or ending at ``at_ms``."""

    at_ms: int
    schedule: Schedule
    starts: bool


def moments(schedules: Sequence[Schedule], zone: ZoneInfo, since: int, until: int) -> list[Moment]:
    """Every start and end of ``schedules`` after ``since`` and at or before ``until``, in
    order (an end before a start at the same moment: one schedule hands over to the next)."""
    if not schedules or until <= since:
        return []
    # From the day before (a schedule that started then may end in the span) to the last.
    first = _local_day(since, zone) - timedelta(days=1)
    last = _local_day(until, zone)
    found: list[Moment] = []
    day = first
    while day <= last:
        for schedule in schedules:
            span = schedule.span_from(day, zone)
            if span is None:
                continue
            found += [
                Moment(at, schedule, starts)
                for at, starts in ((span[0], True), (span[1], False))
                if since < at <= until
            ]
        day += timedelta(days=1)
    return sorted(found, key=lambda moment: (moment.at_ms, moment.starts))


def zone_of(name: str) -> ZoneInfo:
    """The owner's time zone; UTC for a name this machine does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC_ZONE


def _minute_of(text: str) -> int:
    """Minutes of the day of ``HH:MM:SS``, as schedules are stored."""
    hours, minutes, _seconds = text.split(":")
    return int(hours) * 60 + int(minutes)


def _local_day(at_ms: int, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(at_ms / 1000, UTC).astimezone(zone).date()


def _ms(day: date, minute: int, zone: ZoneInfo) -> int:
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return int(local.timestamp() * 1000)
