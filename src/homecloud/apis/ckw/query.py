"""The meter-data query: its parameters parsed and checked, each failure a 400 that names
the parameter. Pure: no database, no clock.

Instants are ISO 8601 with an offset (``2025-01-10T00:00:00+01:00``, ``...Z``) or a plain
date (``2025-01-10``), meaning local midnight in Europe/Zurich. A time without an offset is
refused: near a clock change it would name two instants, or none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from homecloud.apis.ckw import names
from homecloud.apis.ckw.settings import CkwSettings
from homecloud.core.errors import ApiError
from homecloud.core.timebuckets import MAX_EDGE_MS

ZONE_NAME: Final = "Europe/Zurich"
ZONE: Final = ZoneInfo(ZONE_NAME)
DAY_MS: Final = 86_400_000
# A span of n local days is n * 24 h, plus one hour when it holds an autumn clock change.
DST_SLACK_MS: Final = 3_600_000
# CKW's smart meters came with the 2010s rollout; nothing is measured before 2000.
EARLIEST_MS: Final = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp() * 1000)

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_INSTANT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
    r"(Z|z|[+-]\d{2}:?\d{2})$"
)
# Identifiers are printable ASCII without spaces (metering point ids are 33 characters).
_IDENTIFIER = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def bad_parameter(name: str, problem: str) -> ApiError:
    return ApiError.of(400, f"Query parameter {name}: {problem}", code="bad_request")


def parse_instant(text: str, name: str) -> int:
    """Milliseconds since the epoch of ``text`` (see the module's doc); 400 naming ``name``."""
    value = text.strip()
    if _DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise bad_parameter(name, f"{text!r} is not a calendar date") from None
        instant = datetime.combine(day, time(), ZONE)
    elif _INSTANT.match(value):
        try:
            instant = datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            raise bad_parameter(name, f"{text!r} is not a valid date and time") from None
        offset = instant.utcoffset()
        if offset is None or abs(offset.total_seconds()) >= 18 * 3600:
            raise bad_parameter(name, f"{text!r} has no valid UTC offset")
    else:
        raise bad_parameter(
            name,
            f"{text[:40]!r} is neither a date (2025-01-10) nor a date and time with an"
            " offset (2025-01-10T00:00:00+01:00)",
        )
    ms = int(instant.timestamp() * 1000)
    if not EARLIEST_MS <= ms <= MAX_EDGE_MS:
        raise bad_parameter(name, f"{text!r} lies outside the years 2000 to 9998")
    return ms


def parse_identifier(text: str, name: str) -> str:
    if not _IDENTIFIER.match(text):
        raise bad_parameter(name, "an identifier is 1 to 64 letters, digits, '.', '_' or '-'")
    return text


@dataclass(frozen=True, slots=True)
class MeterQuery:
    """One meter-data request: which meter (a metering point or every point of an
    installation), the half-open range ``[start_ms, end_ms)`` and the resolution."""

    metering_point_id: str | None
    installation_id: str | None
    start_ms: int
    end_ms: int
    resolution: names.Resolution


def parse_meter_query(params: Mapping[str, str], settings: CkwSettings) -> MeterQuery:
    """The query of ``params`` (the request's query parameters), or a 400 naming the first
    bad parameter. Unknown parameters are ignored (spec §11: clients may send more)."""
    point = params.get(names.METERING_POINT_ID)
    installation = params.get(names.INSTALLATION_ID)
    if point is None and installation is None:
        raise bad_parameter(
            names.METERING_POINT_ID,
            f"required (or {names.INSTALLATION_ID} for every point of an installation)",
        )
    if point is not None and installation is not None:
        raise bad_parameter(
            names.INSTALLATION_ID, f"give either {names.METERING_POINT_ID} or it, not both"
        )
    if point is not None:
        point = parse_identifier(point, names.METERING_POINT_ID)
    if installation is not None:
        installation = parse_identifier(installation, names.INSTALLATION_ID)
    resolution_text = params.get(names.RESOLUTION, names.DEFAULT_RESOLUTION)
    if resolution_text not in names.RESOLUTIONS:
        raise bad_parameter(
            names.RESOLUTION,
            f"{resolution_text[:20]!r} is not one of {', '.join(names.RESOLUTIONS)}",
        )
    resolution: names.Resolution = resolution_text
    start_text, end_text = params.get(names.START), params.get(names.END)
    if start_text is None:
        raise bad_parameter(names.START, "required")
    if end_text is None:
        raise bad_parameter(names.END, "required")
    start_ms = parse_instant(start_text, names.START)
    end_ms = parse_instant(end_text, names.END)
    if end_ms <= start_ms:
        raise bad_parameter(names.END, f"must lie after {names.START} (ranges are [start, end))")
    max_days = settings.max_days(resolution)
    if end_ms - start_ms > max_days * DAY_MS + DST_SLACK_MS:
        raise bad_parameter(
            names.END, f"a range at {resolution} resolution spans at most {max_days} days"
        )
    return MeterQuery(point, installation, start_ms, end_ms, resolution)


def local_iso(ms: int) -> str:
    """The instant in Europe/Zurich local time with its offset, to the second."""
    return datetime.fromtimestamp(ms // 1000, ZONE).isoformat()


_NAIVE_EPOCH: Final = datetime(1970, 1, 1)


def local_isos(instants: list[int]) -> dict[int, str]:
    """:func:`local_iso` of many instants at once (a month of quarter-hours is 2,977): the
    zone's offset is looked up once per UTC hour, as Europe/Zurich changes it only on whole
    UTC hours, and the local time is formatted without a zone lookup per instant."""
    offsets: dict[int, tuple[int, str]] = {}
    shown: dict[int, str] = {}
    for ms in instants:
        hour = ms // 3_600_000
        known = offsets.get(hour)
        if known is None:
            text = local_iso(hour * 3_600_000)
            seconds = int(datetime.fromisoformat(text).utcoffset().total_seconds())  # type: ignore[union-attr]
            known = offsets[hour] = (seconds, text[19:])
        seconds, suffix = known
        local = _NAIVE_EPOCH + timedelta(seconds=ms // 1000 + seconds)
        shown[ms] = local.isoformat() + suffix
    return shown
