"""A rooftop PV plant's output: the clear-sky irradiance of the sun's position (latitude,
longitude, time of year and day), scaled by the plant's peak power, times a day's weather
(clear, hazy, overcast) and the passing clouds of each quarter-hour. Deterministic per seed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from homecloud.sim.noise import uniform


def solar_elevation_sin(instant: datetime, latitude: float, longitude: float) -> float:
    """The sine of the sun's elevation at ``instant`` (aware) seen from the site."""
    utc = instant.astimezone(UTC)
    day = utc.timetuple().tm_yday
    gamma = 2 * math.pi / 365 * (day - 1 + (utc.hour - 12) / 24)
    declination = (
        0.006918
        - 0.399912 * math.cos(gamma)
        + 0.070257 * math.sin(gamma)
        - 0.006758 * math.cos(2 * gamma)
        + 0.000907 * math.sin(2 * gamma)
    )
    # The equation of time (minutes): the sun runs up to a quarter of an hour off the clock.
    equation = 229.18 * (
        0.000075
        + 0.001868 * math.cos(gamma)
        - 0.032077 * math.sin(gamma)
        - 0.014615 * math.cos(2 * gamma)
        - 0.040849 * math.sin(2 * gamma)
    )
    minutes = utc.hour * 60 + utc.minute + utc.second / 60 + equation + 4 * longitude
    hour_angle = math.radians(minutes / 4 - 180)
    phi = math.radians(latitude)
    return math.sin(phi) * math.sin(declination) + math.cos(phi) * math.cos(declination) * math.cos(
        hour_angle
    )


def clear_sky_irradiance(elevation_sin: float) -> float:
    """Global horizontal irradiance under a clear sky, W/m² (Haurwitz's model)."""
    if elevation_sin <= 0.01:
        return 0.0
    return 1098.0 * elevation_sin * math.exp(-0.057 / elevation_sin)


@dataclass(frozen=True, slots=True)
class PvPlant:
    """A plant of ``peak_kw`` at the site (Lucerne by default)."""

    seed: int
    peak_kw: float = 8.0
    latitude: float = 47.05
    longitude: float = 8.31

    def day_clearness(self, day_number: int) -> float:
        """The day's weather: 1 clear, about 0.6 hazy, down to 0.1 overcast."""
        draw = uniform(self.seed, day_number, 11)
        if draw < 0.45:
            return 0.85 + 0.15 * uniform(self.seed, day_number, 12)
        if draw < 0.75:
            return 0.45 + 0.3 * uniform(self.seed, day_number, 13)
        return 0.1 + 0.25 * uniform(self.seed, day_number, 14)

    def power_kw(self, instant: datetime, slot: int) -> float:
        """Mean power over the quarter-hour starting at ``instant``."""
        middle = datetime.fromtimestamp(slot * 900 + 450, UTC)
        sun = solar_elevation_sin(middle, self.latitude, self.longitude)
        irradiance = clear_sky_irradiance(sun)
        if irradiance == 0.0:
            return 0.0
        clearness = self.day_clearness(slot // 96)
        clouds = 1 - (1 - clearness) * 0.6 * uniform(self.seed, slot, 15)
        # A panel facing south at about the latitude catches a little more than flat ground.
        return self.peak_kw * irradiance / 1000 * clearness * clouds * 0.9

    def quarter_hour_kwh(self, instant: datetime, slot: int) -> float:
        return round(self.power_kw(instant, slot) / 4, 3)
