"""A reading: what one meter measured at one moment, as every write path hands it to
:func:`homecloud.apis.smartme.service.record_readings` (the simulation, ``POST /Devices``,
``POST /CustomDevice``), and as the realtime webhooks deliver it.

``values`` maps OBIS codes (12 upper-case hex digits, :mod:`.obis`) to floats in the units
:mod:`.obis` names (energy Wh, power W, volume m3, switch 1/0). ``value_date`` is an aware UTC
datetime; homecloud keeps it to the microsecond.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from homecloud.apis.smartme.obis import parse_code


class ReadingError(ValueError):
    """A reading that cannot be stored (a naive date, a code that is not OBIS, a value that
    is not a finite number)."""


@dataclass(frozen=True, slots=True)
class Reading:
    device_id: uuid.UUID
    owner_id: int
    serial: int
    value_date: datetime
    values: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.value_date.tzinfo is None or self.value_date.utcoffset() is None:
            raise ReadingError("a reading's value_date must be timezone-aware")
        values: dict[str, float] = {}
        for code, value in self.values.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ReadingError(f"the value of {code} is not a number")
            if not math.isfinite(value):
                raise ReadingError(f"the value of {code} is not a finite number")
            try:
                values[parse_code(code)] = float(value)
            except ValueError as exc:
                raise ReadingError(str(exc)) from None
        # Frozen all the way down: the same reading goes to the store and to every webhook.
        object.__setattr__(self, "value_date", self.value_date.astimezone(UTC))
        object.__setattr__(self, "values", MappingProxyType(values))

    @property
    def micros(self) -> int:
        """``value_date`` as microseconds since the epoch (how the store keys readings)."""
        return micros_of(self.value_date)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros_of(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)
