from __future__ import annotations

import itertools
import struct
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest

from homecloud.core.timebuckets import MAX_EDGE_MS, BucketUnit, bucket_edges

HOUR = 3_600_000

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ms(iso: str) -> int:
    """Milliseconds of an ISO 8601 instant with an explicit offset."""
    moment = datetime.fromisoformat(iso)
    assert moment.tzinfo is not None
    return (moment - EPOCH) // timedelta(milliseconds=1)


def iso(ms_: int) -> str:
    return datetime.fromtimestamp(ms_ / 1000, UTC).strftime("%Y-%m-%dT%H:%M")


def isos(edges: list[int]) -> list[str]:
    return [iso(edge) for edge in edges]


def offset_at(zone: ZoneInfo, instant_ms: int) -> object:
    return datetime.fromtimestamp(instant_ms // 1000, zone).utcoffset()


def test_spring_forward_day_has_23_hourly_buckets() -> None:
    edges = bucket_edges(
        ms("2026-03-29T00:00+01:00"), ms("2026-03-30T00:00+02:00"), "hour", "Europe/Zurich"
    )
    assert len(edges) - 1 == 23
    assert {high - low for low, high in itertools.pairwise(edges)} == {HOUR}
    assert iso(edges[0]) == "2026-03-28T23:00"
    assert iso(edges[-1]) == "2026-03-29T22:00"


def test_fall_back_day_has_25_hourly_buckets() -> None:
    edges = bucket_edges(
        ms("2026-10-25T00:00+02:00"), ms("2026-10-26T00:00+01:00"), "hour", "Europe/Zurich"
    )
    assert len(edges) - 1 == 25
    assert {high - low for low, high in itertools.pairwise(edges)} == {HOUR}


@pytest.mark.parametrize(
    ("day", "expected_edges", "hours"),
    [
        ("2026-03-29T12:00+02:00", ["2026-03-28T23:00", "2026-03-29T22:00"], 23),
        ("2026-10-25T12:00+01:00", ["2026-10-24T22:00", "2026-10-25T23:00"], 25),
        ("2026-07-01T12:00+02:00", ["2026-06-30T22:00", "2026-07-01T22:00"], 24),
    ],
)
def test_days_begin_at_local_midnight_across_dst(
    day: str, expected_edges: list[str], hours: int
) -> None:
    edges = bucket_edges(ms(day), ms(day) + 1, "day", "Europe/Zurich")
    assert isos(edges) == expected_edges
    assert edges[1] - edges[0] == hours * HOUR


def test_half_hour_zone_hours_begin_at_half_past_utc() -> None:
    edges = bucket_edges(
        ms("2026-01-01T00:10+00:00"), ms("2026-01-01T02:00+00:00"), "hour", "Asia/Kolkata"
    )
    assert isos(edges) == [
        "2025-12-31T23:30",
        "2026-01-01T00:30",
        "2026-01-01T01:30",
        "2026-01-01T02:30",
    ]


def test_quarter_hour_zone_quarters_and_hours() -> None:
    # Asia/Kathmandu is +05:45: local quarters are UTC quarters, local hours begin at :15 UTC.
    start, end = ms("2026-01-01T00:20+00:00"), ms("2026-01-01T01:00+00:00")
    assert isos(bucket_edges(start, end, "15min", "Asia/Kathmandu")) == [
        "2026-01-01T00:15",
        "2026-01-01T00:30",
        "2026-01-01T00:45",
        "2026-01-01T01:00",
    ]
    assert isos(bucket_edges(start, end, "hour", "Asia/Kathmandu")) == [
        "2026-01-01T00:15",
        "2026-01-01T01:15",
    ]


def test_half_hour_dst_shift_ends_a_bucket_at_the_transition() -> None:
    # Lord Howe Island falls back 30 minutes (+11:00 to +10:30) at 15:00 UTC: local 02:00
    # becomes 01:30, so the hour 01:00-02:00 ends early and the next hours begin at :30 UTC.
    edges = bucket_edges(
        ms("2026-04-04T13:10+00:00"), ms("2026-04-04T17:00+00:00"), "hour", "Australia/Lord_Howe"
    )
    assert isos(edges) == [
        "2026-04-04T13:00",
        "2026-04-04T14:00",
        "2026-04-04T15:00",
        "2026-04-04T15:30",
        "2026-04-04T16:30",
        "2026-04-04T17:30",
    ]
    # Starting inside the short bucket finds the transition as its start.
    short = bucket_edges(
        ms("2026-04-04T15:10+00:00"), ms("2026-04-04T15:20+00:00"), "hour", "Australia/Lord_Howe"
    )
    assert isos(short) == ["2026-04-04T15:00", "2026-04-04T15:30"]


def test_half_hour_spring_forward_gives_a_half_hour_bucket() -> None:
    # At 15:30 UTC local 02:00 (+10:30) becomes 02:30 (+11:00).
    edges = bucket_edges(
        ms("2026-10-03T14:10+00:00"), ms("2026-10-03T17:00+00:00"), "hour", "Australia/Lord_Howe"
    )
    assert isos(edges) == [
        "2026-10-03T13:30",
        "2026-10-03T14:30",
        "2026-10-03T15:30",
        "2026-10-03T16:00",
        "2026-10-03T17:00",
    ]


@pytest.mark.parametrize(
    ("tz", "start", "end", "expected"),
    [
        # Santiago springs forward from 00:00 to 01:00 on 2026-09-06: the day begins at the
        # transition (04:00 UTC) and is 23 hours long.
        (
            "America/Santiago",
            "2026-09-05T12:00+00:00",
            "2026-09-06T12:00+00:00",
            ["2026-09-05T04:00", "2026-09-06T04:00", "2026-09-07T03:00"],
        ),
        # Havana does the same on 2026-03-08 ...
        (
            "America/Havana",
            "2026-03-07T12:00+00:00",
            "2026-03-08T12:00+00:00",
            ["2026-03-07T05:00", "2026-03-08T05:00", "2026-03-09T04:00"],
        ),
        # ... and falls back from 01:00 to 00:00 on 2026-11-01: the day begins at the first
        # of its two midnights and lasts 25 hours.
        (
            "America/Havana",
            "2026-10-31T12:00+00:00",
            "2026-11-01T12:00+00:00",
            ["2026-10-31T04:00", "2026-11-01T04:00", "2026-11-02T05:00"],
        ),
    ],
)
def test_nonexistent_and_repeated_midnights(
    tz: str, start: str, end: str, expected: list[str]
) -> None:
    assert isos(bucket_edges(ms(start), ms(end), "day", tz)) == expected


@pytest.fixture
def midnight_gap_zone(tmp_path: Path) -> Iterator[str]:
    """A zone whose clocks jump from 23:30 to 00:30 on the last Sunday of March: no real
    zone does that today, but the rules allow it, and midnight then lies inside the gap."""
    name = "Test/MidnightGap"
    counts = struct.pack(">6l", 0, 0, 0, 0, 1, 4)  # one local time type, no transitions
    block = b"TZif2" + bytes(15) + counts + struct.pack(">lBB", 0, 0, 0) + b"UTC\0"
    rule = b"\nSTD-1DST,M3.5.0/23:30,M10.5.0/3\n"  # what applies after the last transition
    (tmp_path / "Test").mkdir()
    (tmp_path / "Test" / "MidnightGap").write_bytes(block + block + rule)
    original = zoneinfo.TZPATH
    zoneinfo.reset_tzpath(to=[str(tmp_path), *original])
    yield name
    zoneinfo.reset_tzpath(to=original)
    ZoneInfo.clear_cache(only_keys=[name])


def test_a_day_whose_midnight_was_skipped_begins_at_the_transition(
    midnight_gap_zone: str,
) -> None:
    edges = bucket_edges(
        ms("2026-03-29T12:00+00:00"), ms("2026-03-30T12:00+00:00"), "day", midnight_gap_zone
    )
    # Sunday 29 March begins at midnight (+01:00); Monday at 22:30 UTC, when Sunday 23:30
    # became Monday 00:30 (+02:00), not half an hour later where midnight would have been.
    assert isos(edges) == ["2026-03-28T23:00", "2026-03-29T22:30", "2026-03-30T22:00"]


def test_a_day_the_zone_skipped_has_no_bucket() -> None:
    # Samoa went from 2011-12-29 (-10:00) straight to 2011-12-31 (+14:00).
    edges = bucket_edges(
        ms("2011-12-29T12:00+00:00"), ms("2012-01-01T00:00+14:00"), "day", "Pacific/Apia"
    )
    zone = ZoneInfo("Pacific/Apia")
    days = [datetime.fromtimestamp(edge / 1000, zone).date().isoformat() for edge in edges]
    assert days == ["2011-12-29", "2011-12-31", "2012-01-01"]


@pytest.mark.parametrize(
    ("week_start", "expected"),
    [
        (0, ["2026-03-01T23:00", "2026-03-08T23:00", "2026-03-15T23:00"]),  # Mondays
        (6, ["2026-03-07T23:00", "2026-03-14T23:00"]),  # Sundays
    ],
)
def test_weeks_begin_on_the_chosen_weekday(week_start: int, expected: list[str]) -> None:
    # 2026-03-08 is a Sunday; the range is Sunday 12:00 to the next Sunday 12:00, Zurich time.
    edges = bucket_edges(
        ms("2026-03-08T12:00+01:00"),
        ms("2026-03-14T12:00+01:00"),
        "week",
        "Europe/Zurich",
        week_start=week_start,
    )
    assert isos(edges) == expected


def test_months_begin_at_local_midnight_with_the_offset_of_the_day() -> None:
    edges = bucket_edges(
        ms("2026-02-10T00:00+00:00"), ms("2026-04-15T00:00+00:00"), "month", "America/New_York"
    )
    # March 1st is still on standard time (-05:00), April 1st on daylight time (-04:00).
    assert isos(edges) == [
        "2026-02-01T05:00",
        "2026-03-01T05:00",
        "2026-04-01T04:00",
        "2026-05-01T04:00",
    ]


def test_years_begin_at_local_new_year() -> None:
    edges = bucket_edges(
        ms("2025-12-31T23:30+00:00"), ms("2027-06-01T00:00+00:00"), "year", "Europe/Zurich"
    )
    assert isos(edges) == ["2025-12-31T23:00", "2026-12-31T23:00", "2027-12-31T23:00"]


@pytest.mark.parametrize("unit", ["15min", "hour", "day", "week", "month", "year"])
def test_range_on_bucket_edges_is_covered_exactly(unit: BucketUnit) -> None:
    start = ms("2026-01-01T00:00+01:00")  # a Thursday: a week starts here with week_start=3
    one = bucket_edges(start, start + 1, unit, "Europe/Zurich", week_start=3)
    assert one[0] == start
    assert len(one) == 2
    # A range ending exactly on the next edge adds no bucket after it.
    assert bucket_edges(start, one[1], unit, "Europe/Zurich", week_start=3) == one


def test_edges_cover_an_unaligned_range() -> None:
    start, end = ms("2026-05-05T10:20+02:00"), ms("2026-05-05T13:40+02:00")
    edges = bucket_edges(start, end, "hour", "Europe/Zurich")
    assert edges[0] <= start < edges[1]
    assert edges[-2] < end <= edges[-1]
    assert len(edges) == 5


def test_empty_range_has_no_buckets() -> None:
    assert bucket_edges(1_000, 1_000, "day", "UTC") == []


@pytest.mark.parametrize(
    ("start", "end", "unit", "tz", "week_start", "message"),
    [
        (0, HOUR, "minute", "UTC", 0, "'minute' is not a bucket unit"),
        (0, HOUR, "hour", "Mars/Olympus", 0, "'Mars/Olympus' is not an IANA time zone"),
        (0, HOUR, "hour", "../etc/passwd", 0, "is not an IANA time zone"),
        (0, HOUR, "hour", "", 0, "is not an IANA time zone"),
        (HOUR, 0, "hour", "UTC", 0, "end_ms lies before start_ms"),
        (-1, HOUR, "hour", "UTC", 0, "start_ms must lie between"),
        (0, MAX_EDGE_MS + 1, "hour", "UTC", 0, "end_ms must lie between"),
        (0.5, HOUR, "hour", "UTC", 0, "start_ms must be an integer"),
        (0, HOUR, "week", "UTC", 7, "week_start is a weekday"),
    ],
)
def test_bad_arguments_are_refused(
    start: int, end: int, unit: BucketUnit, tz: str, week_start: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        bucket_edges(start, end, unit, tz, week_start)


def test_every_zone_starts_every_day_of_2026_at_its_first_local_instant() -> None:
    """Each day edge is local midnight, or, where midnight did not happen, the transition
    that skipped it; and edges are strictly increasing."""
    start, end = ms("2026-01-01T00:00+00:00"), ms("2027-01-01T00:00+00:00")
    for name in sorted(available_timezones()):
        zone = ZoneInfo(name)
        edges = bucket_edges(start, end, "day", name)
        assert all(low < high for low, high in itertools.pairwise(edges)), name
        for edge in edges:
            local = datetime.fromtimestamp(edge / 1000, zone)
            at_midnight = (local.hour, local.minute, local.second) == (0, 0, 0)
            at_transition = offset_at(zone, edge - 1) != offset_at(zone, edge)
            assert at_midnight or at_transition, (name, iso(edge))
            # The instant before an edge belongs to an earlier local date.
            before = datetime.fromtimestamp((edge - 1) / 1000, zone)
            assert before.date() < local.date(), (name, iso(edge))


@pytest.mark.parametrize(
    ("tz", "buckets"),
    [
        # Whole-hour offsets: the UTC year's 8760 hours.
        ("Europe/Zurich", 8760),
        ("America/Santiago", 8760),
        # Hours at :30 UTC: the first begins before the year and the last ends after it.
        ("Asia/Kolkata", 8761),
        ("America/St_Johns", 8761),
        # Two half-hour buckets at the 30-minute transitions, 8759 whole hours.
        ("Australia/Lord_Howe", 8761),
    ],
)
def test_hour_edges_of_a_year_follow_the_local_clock(tz: str, buckets: int) -> None:
    zone = ZoneInfo(tz)
    start, end = ms("2026-01-01T00:00+00:00"), ms("2027-01-01T00:00+00:00")
    edges = bucket_edges(start, end, "hour", tz)
    for low, high in itertools.pairwise(edges):
        assert 0 < high - low <= HOUR
        local = datetime.fromtimestamp(high / 1000, zone)
        on_the_hour = (local.minute, local.second) == (0, 0)
        assert on_the_hour or offset_at(zone, high - 1) != offset_at(zone, high), iso(high)
    assert len(edges) - 1 == buckets
