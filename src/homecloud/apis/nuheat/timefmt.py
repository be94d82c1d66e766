"""The Nuheat API's date and time formats: ISO-8601, UTC-based, 24-hour."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Final
from zoneinfo import ZoneInfo

from homecloud.core.errors import ApiError

# What parse_instant takes, and what the OpenAPI documents state: ISO 8601 as .NET's JSON
# reader takes it, ``yyyy-MM-ddTHH:mm[:ss[.fffffff]]`` with ``Z`` or an offset, or neither.
INSTANT_PATTERN: Final = (
    "^([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    "[Tt ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,7})?)?"
    "([Zz]|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?$"
)
_INSTANT: Final = re.compile(INSTANT_PATTERN)


def parse_instant(text: str, field: str) -> int:
    """``yyyy-MM-ddTHH:mm:ssZ`` or with an offset (``+02:00``) as UTC milliseconds; a time
    without either is UTC, as the vendor's guide says all times are."""
    try:
        if _INSTANT.match(text) is None:
            raise ValueError(text)
        parsed = datetime.fromisoformat(text[:-1] + "Z" if text[-1:] == "z" else text)
    except ValueError:
        raise ApiError.of(
            400, f"{field} must be an ISO-8601 date and time, e.g. 2018-09-14T07:58:51Z."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def utc_z(at_ms: int) -> str:
    """``2018-10-03T19:00:00Z``, the guide's date-and-time format."""
    return datetime.fromtimestamp(at_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_offset(at_ms: int) -> str:
    """``2026-09-15T09:30:00+00:00``, as v2 writes its times."""
    return datetime.fromtimestamp(at_ms / 1000, UTC).isoformat(timespec="seconds")


@functools.lru_cache(maxsize=4096)
def round_trip(at: float) -> str:
    """.NET's round-trip ("o") format in UTC, 7 fractional digits: ``2021-12-29T15:21:09.3213830Z``.

    Cached: a window's reset time stays the same for every call in the window."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def zone_offset(zone: ZoneInfo, at_ms: int) -> str:
    """The zone's UTC offset at that moment as ``+HH:MM`` / ``-HH:MM``."""
    offset = datetime.fromtimestamp(at_ms / 1000, zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
