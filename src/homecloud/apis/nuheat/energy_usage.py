"""The energy log: the heating relay's on-minutes per hour, day or month of the thermostat's
local calendar, with energy and cost estimated from the account's settings.

The simulation records the minutes as a core series (one point per UTC hour), so each log
is one aggregate query. Energy is minutes x heated floor area x watt density; cost is energy
x the kilowatt-hour rate. Until the user has set them (on the console's settings page, or
with ``homecloud nuheat energy-settings``) the estimates are zero, as the vendor's are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from homecloud.apis.nuheat import repository
from homecloud.apis.nuheat.preferences import preferences_of
from homecloud.apis.nuheat.thermostat_state import ThermostatState
from homecloud.core.errors import ApiError
from homecloud.core.models import User
from homecloud.core.series import aggregate
from homecloud.core.timebuckets import BucketUnit
from homecloud.core.unit_of_work import UnitOfWork

Period = Literal["Day", "Week", "Month"]
# ASCII digits only: \d also matches "١٢٣٤" and the like.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
# The calendar the log covers: a week around a day, or a day in any time zone, must stay
# inside what date and datetime can hold (years 1 to 9999), and the series start in 1970.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)
UNITS: dict[str, BucketUnit] = {"Day": "hour", "Week": "day", "Month": "month"}


@dataclass(frozen=True, slots=True)
class EnergySettings:
    """Per account: the price of a kWh (in the currency's cents), the heated floor area and
    the heating mat's watt density (watts per unit of that area)."""

    kwh_rate: float | None = None
    floor_area: float | None = None
    watt_density: float | None = None
    monday_is_first_day: bool = True

    @classmethod
    def of(cls, user: User) -> EnergySettings:
        stored = preferences_of(user)
        return cls(
            kwh_rate=stored.get("kwhRate"),
            floor_area=stored.get("floorArea"),
            watt_density=stored.get("wattDensity"),
            monday_is_first_day=bool(stored.get("mondayIsFirstDay", True)),
        )

    def kwh(self, minutes: float) -> float:
        if self.floor_area is None or self.watt_density is None:
            return 0.0
        return round(minutes / 60 * self.floor_area * self.watt_density / 1000, 3)

    def charge(self, kwh: float) -> float:
        return round(kwh * self.kwh_rate, 2) if self.kwh_rate is not None else 0.0


def parse_date(text: str) -> date:
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise ApiError.of(400, "Date format yyyy-MM-dd.") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ApiError.of(400, f"The date must lie between {FIRST_DAY} and {LAST_DAY}.")
    return day


def parse_year(text: str) -> int:
    if not _YEAR.fullmatch(text) or not FIRST_DAY.year <= int(text) <= LAST_DAY.year:
        raise ApiError.of(400, "Year format yyyy.")
    return int(text)


def _midnight(day: date, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, time(0), zone).timestamp() * 1000)


async def energy_log(
    work: UnitOfWork, owner_id: int, serial: str, period: Period, when: str
) -> dict[str, Any]:
    if period == "Month":
        year = parse_year(when)
        first, last = date(year, 1, 1), date(year, 12, 31)
    else:
        day = parse_date(when)
        first = last = day
    session = await work.session()
    device = await repository.thermostat(session, owner_id, serial)
    if device is None:
        raise ApiError.of(404, f"Thermostat {serial} was not found.")
    user = await repository.user(session, owner_id)
    assert user is not None  # the caller's token names an existing user
    settings = EnergySettings.of(user)
    zone_name = ThermostatState.from_attributes(device.attributes).time_zone
    zone = ZoneInfo(zone_name)
    week_start = 0 if settings.monday_is_first_day else 6
    if period == "Week":
        first = first - timedelta(days=(first.weekday() - week_start) % 7)
        last = first + timedelta(days=6)
    unit = UNITS[period]
    start_ms, end_ms = _midnight(first, zone), _midnight(last + timedelta(days=1), zone)
    series_id = await repository.relay_series_id(session, device.id)
    buckets = (
        await aggregate(
            session,
            series_id,
            start_ms,
            end_ms,
            unit,
            zone_name,
            ["sum"],
            week_start=week_start,
        )
        if series_id is not None
        else []
    )
    minutes: dict[str, float] = {}
    for bucket in buckets:
        local = datetime.fromtimestamp(bucket.start_ms / 1000, zone)
        label = str({"Day": local.hour, "Week": local.isoweekday(), "Month": local.month}[period])
        # A fall-back day has two buckets for one local hour: both count under its label.
        minutes[label] = minutes.get(label, 0.0) + float(bucket.values["sum"] or 0)
    labels = {
        "Day": [str(hour) for hour in range(24)],
        "Week": [str((first + timedelta(days=offset)).isoweekday()) for offset in range(7)],
        "Month": [str(month) for month in range(1, 13)],
    }[period]
    entries = []
    # Latest first, as the vendor's example lists a day (hour 23 down to hour 0).
    for label in reversed(labels):
        on = round(minutes.get(label, 0.0))
        kwh = settings.kwh(on)
        entries.append(
            {
                "entry": label,
                "minutes": on,
                "energyKWattHour": kwh,
                "chargeKWattHour": settings.charge(kwh),
            }
        )
    return {
        "energyUsageType": period,
        "energyUsageFrom": first.isoformat(),
        "energyUsageTo": last.isoformat(),
        "mondayIsFirstDay": settings.monday_is_first_day,
        "energyUsage": entries,
    }
