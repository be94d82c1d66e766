"""Calendar buckets in a time zone, as UTC millisecond edges.

Charts and energy reports group points by "the hours of this day" or "the days of this month"
as the user's clock shows them, so bucket edges are local-time boundaries turned into UTC
instants. Sub-day buckets (15 minutes, hours) follow the local clock on the real time line:
a spring-forward day has 23 hourly buckets, a fall-back day 25, and in a zone whose offset is
not a whole number of hours (Asia/Kolkata, +05:30) hours begin at :30 UTC. Day, week, month
and year buckets begin at local midnights.

Everything here is pure: no database, no clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BucketUnit = Literal["15min", "hour", "day", "week", "month", "year"]
BUCKET_UNITS: Final[tuple[BucketUnit, ...]] = get_args(BucketUnit)

# The supported time line: from the epoch to the last days of 9998 UTC, so that the end of
# the last bucket (a local new year, in any zone) still fits in a datetime.
MAX_EDGE_MS: Final = int(datetime(9998, 12, 30, tzinfo=UTC).timestamp()) * 1000

_FIXED_STEP_MS: Final[dict[str, int]] = {"15min": 15 * 60_000, "hour": 60 * 60_000}


def time_zone(tz: str) -> ZoneInfo:
    """The zone named ``tz``, or a ValueError that says the name is not one."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{tz!r} is not an IANA time zone") from None


def bucket_edges(
    start_ms: int, end_ms: int, unit: BucketUnit, tz: str, week_start: int = 0
) -> list[int]:
    """The UTC edges of the ``unit`` buckets of zone ``tz`` covering ``[start_ms, end_ms)``.

    The first edge is the start of the bucket holding ``start_ms`` (so it may lie before it)
    and the last edge is the first bucket boundary at or after ``end_ms``; consecutive edges
    bound one bucket, so n buckets have n + 1 edges. An empty range has no buckets. Weeks
    begin on ``week_start`` (0 Monday ... 6 Sunday, as :meth:`date.weekday` counts).
    """
    for name, value in (("start_ms", start_ms), ("end_ms", end_ms)):
        if type(value) is not int:
            raise ValueError(f"{name} must be an integer number of milliseconds")
        if not 0 <= value <= MAX_EDGE_MS:
            raise ValueError(f"{name} must lie between 0 and {MAX_EDGE_MS}")
    if end_ms < start_ms:
        raise ValueError("end_ms lies before start_ms")
    if unit not in BUCKET_UNITS:
        raise ValueError(f"{unit!r} is not a bucket unit; use one of {', '.join(BUCKET_UNITS)}")
    if type(week_start) is not int or not 0 <= week_start <= 6:
        raise ValueError("week_start is a weekday from 0 (Monday) to 6 (Sunday)")
    zone = time_zone(tz)
    if start_ms == end_ms:
        return []
    step = _FIXED_STEP_MS.get(unit)
    if step is not None:
        return _clock_edges(start_ms, end_ms, step, zone)
    return _calendar_edges(start_ms, end_ms, unit, zone, week_start)


def _offset_ms(zone: ZoneInfo, instant_ms: int) -> int:
    # Transitions fall on whole seconds, so the second an instant lies in decides its offset.
    offset = datetime.fromtimestamp(instant_ms // 1000, zone).utcoffset()
    assert offset is not None  # a ZoneInfo always knows its offset
    return (offset.days * 86_400 + offset.seconds) * 1000


def _first_change(zone: ZoneInfo, after_ms: int, until_ms: int) -> int:
    """The first whole second in ``(after_ms, until_ms]`` whose offset differs from the
    offset at ``after_ms``, given that the offset at ``until_ms`` does (one transition)."""
    before = _offset_ms(zone, after_ms)
    low = after_ms // 1000  # the offset is `before` here
    high = -(-until_ms // 1000)  # and differs here (ceil keeps until_ms in the range)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_ms(zone, middle * 1000) == before:
            low = middle
        else:
            high = middle
    return high * 1000


def _clock_edges(start_ms: int, end_ms: int, step: int, zone: ZoneInfo) -> list[int]:
    """Edges where the local clock shows a multiple of ``step``, plus the transitions.

    Between transitions the offset is constant, so the edges are the instants with
    ``(instant + offset) % step == 0``. A transition that is not itself such an instant (Lord
    Howe Island shifts by 30 minutes) also ends a bucket, so that no bucket straddles two
    offsets; in whole-hour zones transitions already sit on the grid and add nothing.
    """
    offset = _offset_ms(zone, start_ms)
    edge = start_ms - (start_ms + offset) % step
    if _offset_ms(zone, edge) != offset:
        # The grid point lies before a transition that happened since: the bucket holding
        # start began at that transition.
        edge = _first_change(zone, edge, start_ms)
    edges = [edge]
    while edge < end_ms:
        following = edge + step - (edge + offset) % step
        following_offset = _offset_ms(zone, following)
        if following_offset != offset:
            following = _first_change(zone, edge, following)
            following_offset = _offset_ms(zone, following)
        edge, offset = following, following_offset
        edges.append(edge)
    return edges


def _calendar_edges(
    start_ms: int, end_ms: int, unit: BucketUnit, zone: ZoneInfo, week_start: int
) -> list[int]:
    day = datetime.fromtimestamp(start_ms // 1000, zone).date()
    if unit == "week":
        day -= timedelta(days=(day.weekday() - week_start) % 7)
    elif unit == "month":
        day = day.replace(day=1)
    elif unit == "year":
        day = day.replace(month=1, day=1)
    edges = [_day_start_ms(day, zone)]
    while edges[-1] < end_ms:
        day = _next_bucket_day(day, unit)
        edge = _day_start_ms(day, zone)
        # A day a zone skipped entirely (Pacific/Apia, 2011-12-30) starts where the next
        # one does; its empty bucket is dropped.
        if edge > edges[-1]:
            edges.append(edge)
    return edges


def _next_bucket_day(day: date, unit: BucketUnit) -> date:
    if unit == "day":
        return day + timedelta(days=1)
    if unit == "week":
        return day + timedelta(days=7)
    if unit == "month":
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return date(day.year + 1, 1, 1)


def _day_start_ms(day: date, zone: ZoneInfo) -> int:
    """The first instant of local date ``day``.

    That is local midnight, and when midnight happens twice (Havana falls back from 01:00 to
    00:00) the first one: fold=0. When midnight does not happen at all (Santiago and Havana
    spring forward from 00:00 to 01:00), the day begins at the transition that skipped it.
    """
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    instant_ms = int(midnight.timestamp()) * 1000
    if datetime.fromtimestamp(instant_ms // 1000, zone).replace(tzinfo=None) == midnight.replace(
        tzinfo=None
    ):
        return instant_ms
    # Midnight lies in a gap. fold=0 reads it with the offset before the gap and lands at or
    # after the transition, fold=1 with the offset after it and lands before the transition.
    earlier_ms = int(midnight.replace(fold=1).timestamp()) * 1000
    return _first_change(zone, earlier_ms, instant_ms)
