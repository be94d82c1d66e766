"""A household's electricity use, as a smart meter's quarter-hours see it.

Base load (fridge, standby), a morning and an evening peak that move with the day of the week,
a midday bump at weekends, heating that grows as the outdoor temperature falls (a heat pump
or electric boiler), longer lighting on winter evenings, and noise; all deterministic per seed.
Times are the household's local times: people live by the clock on the wall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from homecloud.sim.noise import spread, uniform
from homecloud.sim.weather import OutdoorCurve

QUARTER_HOUR_MS = 900_000


def _bump(hour: float, center: float, width: float) -> float:
    return math.exp(-(((hour - center) / width) ** 2))


@dataclass(frozen=True, slots=True)
class Household:
    """``seed`` varies the household: its size, habits and heating."""

    seed: int
    climate: OutdoorCurve = field(default_factory=OutdoorCurve)

    @property
    def size(self) -> float:
        """How much this household uses relative to a typical one (0.6 to 1.6)."""
        return 0.6 + uniform(self.seed, 1) * 1.0

    @property
    def heating_kw_per_degree(self) -> float:
        """Electric heating per degree below 15 °C outside; a third of households have none."""
        return 0.0 if uniform(self.seed, 2) < 0.33 else 0.03 + uniform(self.seed, 3) * 0.05

    def power_kw(self, local: datetime, slot: int) -> float:
        """Mean power over the quarter-hour starting at ``local`` (the ``slot``-th of the
        epoch, which keys its noise)."""
        hour = local.hour + local.minute / 60 + 7.5 / 60  # the middle of the quarter-hour
        weekend = local.weekday() >= 5
        day = local.timetuple().tm_yday
        winter = (1 + math.cos(2 * math.pi * (day - 15) / 365.25)) / 2  # 1 mid-January
        base = 0.12 + 0.08 * winter
        morning = 0.9 * _bump(hour, 9.0 if weekend else 7.0, 1.0)
        midday = (0.7 if weekend else 0.25) * _bump(hour, 12.5, 1.2)
        evening = 1.1 * _bump(hour, 19.0, 1.6) + 0.3 * winter * _bump(hour, 17.5, 1.5)
        night = 0.0 if 6 <= hour < 23 else -0.04
        outdoor = self.climate.temperature_c(local)
        heating = self.heating_kw_per_degree * max(0.0, 15.0 - outdoor)
        habits = self.size * (base + morning + midday + evening + night)
        # Appliances switch on at random moments: a kettle, an oven, a washing machine.
        spike = 1.5 * self.size if uniform(self.seed, slot, 7) < 0.03 else 0.0
        return max(0.02, spread(habits, 0.25, self.seed, slot, 5) + spike + heating)

    def quarter_hour_kwh(self, local: datetime, slot: int) -> float:
        return round(self.power_kw(local, slot) / 4, 3)
