"""Property tests over the meter-data parsers: for any text they answer a value or a 400 that
names the parameter, never anything else (which would be a 500); and what they accept means
what it says."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homecloud.apis.ckw import names
from homecloud.apis.ckw.query import (
    DAY_MS,
    DST_SLACK_MS,
    ZONE,
    MeterQuery,
    local_iso,
    local_isos,
    parse_instant,
    parse_meter_query,
)
from homecloud.apis.ckw.settings import CkwSettings
from homecloud.core.errors import ApiError

SETTINGS = CkwSettings()
T = TypeVar("T")
PARAMETERS = (
    names.METERING_POINT_ID,
    names.INSTALLATION_ID,
    names.START,
    names.END,
    names.RESOLUTION,
)
# Text that looks like the real thing as often as not.
instant_like = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"\A\d{4}-\d{2}-\d{2}\Z"),
    st.from_regex(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?\Z"),
)
values = st.one_of(
    instant_like, st.sampled_from([*names.RESOLUTIONS, "CH1", "4100", "", " ", "\x00"])
)
queries = st.dictionaries(st.sampled_from(PARAMETERS) | st.text(max_size=8), values, max_size=6)


def attempt(parse: Callable[[], T]) -> T | ApiError:
    """What a parser answers: its value, or the ApiError it raised (anything else escapes)."""
    try:
        return parse()
    except ApiError as error:
        return error


@given(text=instant_like)
def test_an_instant_parses_or_names_its_parameter(text: str) -> None:
    result = attempt(lambda: parse_instant(text, names.START))
    if isinstance(result, ApiError):
        assert result.status == 400
        assert names.START in result.messages[0]
    else:
        assert isinstance(result, int)


@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 2), max_value=datetime(2400, 1, 1), timezones=st.just(UTC)
    ),
    offset_minutes=st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_an_instant_with_an_offset_is_that_instant(moment: datetime, offset_minutes: int) -> None:
    shown = moment.astimezone(timezone(timedelta(minutes=offset_minutes))).replace(microsecond=0)
    assert parse_instant(shown.isoformat(), names.START) == int(shown.timestamp()) * 1000


@given(day=st.dates(min_value=date(2000, 1, 2), max_value=date(2400, 1, 1)))
def test_a_plain_date_is_local_midnight_in_zurich(day: date) -> None:
    ms = parse_instant(day.isoformat(), names.END)
    local = datetime.fromtimestamp(ms / 1000, ZONE)
    assert (local.date(), local.hour, local.minute) == (day, 0, 0)
    assert local_iso(ms).startswith(day.isoformat() + "T00:00:00+0")


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(query=queries)
def test_a_query_parses_or_names_a_parameter(query: dict[str, str]) -> None:
    parsed = attempt(lambda: parse_meter_query(query, SETTINGS))
    if isinstance(parsed, ApiError):
        assert parsed.status == 400
        assert any(name in parsed.messages[0] for name in PARAMETERS)
        return
    assert isinstance(parsed, MeterQuery)
    assert (parsed.metering_point_id is None) != (parsed.installation_id is None)
    assert parsed.start_ms < parsed.end_ms
    assert (
        parsed.end_ms - parsed.start_ms
        <= SETTINGS.max_days(parsed.resolution) * DAY_MS + DST_SLACK_MS
    )
    assert parsed.resolution in names.RESOLUTIONS


@given(
    start=st.dates(min_value=date(2001, 1, 1), max_value=date(2090, 1, 1)),
    days=st.integers(min_value=1, max_value=31),
    resolution=st.sampled_from(names.RESOLUTIONS),
)
def test_every_range_within_the_limit_is_accepted(start: date, days: int, resolution: str) -> None:
    query = parse_meter_query(
        {
            names.METERING_POINT_ID: "CH1002101234500000000000000012345",
            names.START: start.isoformat(),
            names.END: (start + timedelta(days=days)).isoformat(),
            names.RESOLUTION: resolution,
        },
        SETTINGS,
    )
    assert query.start_ms < query.end_ms


@pytest.mark.parametrize("resolution", names.RESOLUTIONS)
def test_one_day_more_than_the_limit_is_refused(resolution: str) -> None:
    limit = SETTINGS.max_days(resolution)
    start = date(2025, 1, 10)
    with pytest.raises(ApiError) as refused:
        parse_meter_query(
            {
                names.METERING_POINT_ID: "CH1",
                names.START: start.isoformat(),
                names.END: (start + timedelta(days=limit + 1)).isoformat(),
                names.RESOLUTION: resolution,
            },
            SETTINGS,
        )
    assert names.END in refused.value.messages[0]


@given(
    instants=st.lists(
        st.integers(min_value=946_684_800, max_value=4_102_444_800).map(lambda s: s * 1000),
        max_size=50,
    )
)
def test_many_instants_are_shown_as_one_at_a_time(instants: list[int]) -> None:
    shown = local_isos(instants)
    assert all(shown[ms] == local_iso(ms) for ms in instants)
