"""How smart-me values cross the wire, both ways: GUIDs, dates (``ValueDate`` with seven
fractional digits and ``Z``), enums (integers out; names or integers in), numbers, booleans.

Each parser takes what a client sent (query text, or a JSON value from :mod:`.bodies`) and
returns the value, or raises :class:`~homecloud.core.errors.ApiError` 400 in the vendor's
words, so no bad input goes further than the route that received it.
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any, Final, TypeVar

from homecloud.apis.smartme.readings import from_micros, micros_of
from homecloud.core.errors import ApiError
from homecloud.core.parsing import NumberError, parse_decimal, parse_int

E = TypeVar("E", bound=IntEnum)

INT64_MAX: Final = 2**63 - 1
# What .NET's Guid.Parse takes in practice: 32 hex digits, with or without the hyphens of
# the "D" format, optionally in braces.
_GUID = re.compile(
    r"\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?",
    re.ASCII,
)
# ISO 8601 / RFC 3339 as clients write it: a date, optionally a time (T or space) with any
# number of fractional digits (.NET writes seven; Python reads six), and optionally Z or an
# offset; no offset means UTC.
_DATE = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[Tt ](?P<time>[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?P<fraction>\.[0-9]{1,20})?)?)"
    r"(?P<zone>[Zz]|[+-][0-9]{2}(?::?[0-9]{2}(?::[0-9]{2})?)?)?)?",
    re.ASCII,
)
# Numbers a meter can report; anything larger is a mistake (and beyond a double's exactness).
MAX_MAGNITUDE: Final = 1e15


def invalid(message: str) -> ApiError:
    return ApiError.of(400, f"The request is invalid: {message}")


def parse_guid(text: str, name: str = "id") -> uuid.UUID:
    if len(text) > 40 or _GUID.fullmatch(text) is None or text.count("{") != text.count("}"):
        raise invalid(f"The value '{text[:40]}' is not valid for {name}: it is not a GUID.")
    return uuid.UUID(text.strip("{}"))


def parse_date(text: str, name: str) -> datetime:
    """An aware UTC datetime; a date without a zone is taken as UTC, as smart-me documents
    its dates to be."""
    match = _DATE.fullmatch(text.strip()) if len(text) <= 40 else None
    if match is None:
        raise invalid(f"The value '{text[:40]}' is not valid for {name}: it is not a date.")
    date, time, fraction, zone = match["date"], match["time"], match["fraction"], match["zone"]
    normalised = date
    if time is not None:
        if fraction is not None:
            # Python reads at most six fractional digits; .NET writes seven (100 ns ticks).
            time = time[: len(time) - len(fraction)] + fraction[:7]
        normalised = f"{date}T{time}"
        if zone is not None:
            normalised += (
                "+00:00" if zone in ("Z", "z") else zone if len(zone) > 3 else zone + ":00"
            )
    try:
        moment = datetime.fromisoformat(normalised)
    except ValueError:
        raise invalid(f"The value '{text[:40]}' is not valid for {name}: no such date.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        # Within an hour of the calendar's ends, in UTC beyond them: the end itself.
        return (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=UTC)


def format_date(micros: int) -> str:
    """``2026-07-25T13:06:32.0500510Z``: .NET's round-trip format of a UTC DateTime."""
    m = from_micros(micros)
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
        f".{m.microsecond:06d}0Z"
    )


def format_datetime(moment: datetime) -> str:
    return format_date(micros_of(moment))


def parse_enum(kind: type[E], value: Any, name: str) -> E:
    """A member of ``kind`` from its name (any case, as Json.NET reads enums) or its number."""
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isascii() and text.lstrip("-").isdigit():
            value = text
        else:
            for member in kind:
                if member.name.lower() == text.lower():
                    return member
            raise invalid(f"'{text[:60]}' is not a {kind.__name__} for {name}.")
        try:
            value = parse_int(value, name=name, minimum=None, maximum=None)
        except NumberError:
            raise invalid(f"'{text[:60]}' is not a {kind.__name__} for {name}.") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"{name} must be a {kind.__name__} name or number.")
    try:
        return kind(value)
    except ValueError:
        raise invalid(f"{value} is not a {kind.__name__} for {name}.") from None


def parse_number(value: Any, name: str) -> float:
    """A finite JSON number (or its text, as a form sends it) of at most 1e15 in size."""
    number: float | None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int | float):
        number = float(value) if abs(value) <= MAX_MAGNITUDE else math.inf
    elif isinstance(value, str):
        number = parse_decimal(value.strip()) if len(value) <= 40 else None
    else:
        number = None
    if number is None or not math.isfinite(number) or abs(number) > MAX_MAGNITUDE:
        raise invalid(f"{name} must be a number.")
    return number


def parse_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid(f"{name} must be true or false.")


def parse_whole(value: Any, name: str, *, low: int = 0, high: int = INT64_MAX) -> int:
    """A whole number in ``[low, high]`` from a JSON number or digit text."""
    if isinstance(value, str):
        try:
            return parse_int(value.strip(), name=name, minimum=low, maximum=high)
        except NumberError as exc:
            raise invalid(str(exc)) from None
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_MAGNITUDE:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise invalid(f"{name} must be a whole number from {low} to {high}.")
    return value


def parse_text(value: Any, name: str, *, limit: int = 200) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise invalid(f"{name} must be text of at most {limit} characters.")
    return value
