"""The outdoor temperature: a seasonal mean with a daily swing, the same every year."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class OutdoorCurve:
    """A temperate climate by default: -1 °C on a mid-January night, 24 °C on a July
    afternoon. ``local`` times are the site's own (the warmest hour is a local hour)."""

    annual_mean_c: float = 10.0
    annual_swing_c: float = 9.0
    daily_swing_c: float = 4.0
    warmest_day_of_year: int = 200
    warmest_hour: float = 15.0

    def temperature_c(self, local: datetime) -> float:
        day = local.timetuple().tm_yday
        hour = local.hour + local.minute / 60
        season = math.cos(2 * math.pi * (day - self.warmest_day_of_year) / 365.25)
        daily = math.cos(2 * math.pi * (hour - self.warmest_hour) / 24)
        return self.annual_mean_c + self.annual_swing_c * season + self.daily_swing_c * daily
