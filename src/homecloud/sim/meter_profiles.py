"""What a household draws and makes over a day: electric load, PV output, water and gas
flow, an electric car's charging. Vendor-neutral, pure functions of local time and a random
source, so that a simulated meter is repeatable in tests.

The shapes are the textbook ones (standard load profile H0 in spirit): a night base load,
a morning peak around 07:30 and a larger evening peak around 19:00; PV a half-sine between
sunrise and sunset whose length and height follow the season; water in short draws in the
morning and evening; gas for heating that grows as it gets colder outside.
"""

from __future__ import annotations

import math
import random
from datetime import datetime
from typing import Final

from homecloud.sim.weather import OutdoorCurve

HOURS: Final = 24.0


def _hour(local: datetime) -> float:
    return local.hour + local.minute / 60 + local.second / 3600


def _bump(hour: float, centre: float, width: float) -> float:
    """A bell of height 1 around ``centre`` (hours), wrapping over midnight."""
    distance = min(abs(hour - centre), HOURS - abs(hour - centre))
    return math.exp(-((distance / width) ** 2))


def household_load_w(local: datetime, base_w: float, rng: random.Random) -> float:
    """A household's electric load (W): ``base_w`` at night, about 3x at the morning peak
    and 5x at the evening peak, with some noise; never negative."""
    hour = _hour(local)
    shape = 1.0 + 2.0 * _bump(hour, 7.5, 1.2) + 1.2 * _bump(hour, 12.5, 1.5)
    shape += 4.0 * _bump(hour, 19.0, 2.0)
    return max(0.0, base_w * shape * (1 + rng.gauss(0, 0.08)))


def daylight(local: datetime) -> tuple[float, float]:
    """Sunrise and sunset (local hours) at mid-European latitude: 16 h of day at midsummer,
    8 h at midwinter."""
    day = local.timetuple().tm_yday
    length = 12.0 + 4.0 * math.cos(2 * math.pi * (day - 172) / 365.25)
    return 13.0 - length / 2, 13.0 + length / 2


def pv_output_w(local: datetime, peak_w: float, rng: random.Random) -> float:
    """A PV array's output (W): a half-sine over the daylight hours, lower in winter, with
    passing clouds."""
    sunrise, sunset = daylight(local)
    hour = _hour(local)
    if not sunrise < hour < sunset:
        return 0.0
    day = local.timetuple().tm_yday
    season = 0.65 + 0.35 * math.cos(2 * math.pi * (day - 172) / 365.25)
    sun = math.sin(math.pi * (hour - sunrise) / (sunset - sunrise))
    clouds = min(1.0, max(0.2, rng.gauss(0.85, 0.12)))
    return peak_w * season * sun * clouds


def water_flow_m3h(local: datetime, rng: random.Random) -> float:
    """Household water flow (m3/h): short draws, most likely in the morning and evening."""
    hour = _hour(local)
    chance = 0.02 + 0.3 * _bump(hour, 7.0, 1.0) + 0.25 * _bump(hour, 20.0, 1.5)
    return round(rng.uniform(0.3, 1.2), 3) if rng.random() < chance else 0.0


def gas_flow_m3h(local: datetime, rng: random.Random, climate: OutdoorCurve | None = None) -> float:
    """Gas for heating and hot water (m3/h): heating grows below 15 °C outside (about
    0.12 m3/h per degree), is lower at night, plus hot water in the morning."""
    outside = (climate or OutdoorCurve()).temperature_c(local)
    hour = _hour(local)
    night = 0.6 if hour < 5.5 or hour > 22.5 else 1.0
    heating = max(0.0, 15.0 - outside) * 0.12 * night
    hot_water = 0.8 * _bump(hour, 6.8, 0.5)
    return max(0.0, (heating + hot_water) * (1 + rng.gauss(0, 0.05)))


def car_connected(local: datetime) -> bool:
    """The car is home from the evening to the morning."""
    hour = _hour(local)
    return hour >= 18.0 or hour < 7.0


def car_charging(local: datetime) -> bool:
    """It charges for the first hours after it arrives (a typical 20-30 kWh top-up)."""
    hour = _hour(local)
    return 18.5 <= hour < 21.0
