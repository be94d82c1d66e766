"""An on/off heating relay with hysteresis around a set point, as thermostats switch one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HysteresisRelay:
    """Switches on below ``set point - band`` and off above ``set point + band``; between the
    two it keeps its state, so it does not chatter around the set point."""

    band_c: float = 0.25

    def switch(self, on: bool, measured_c: float, set_point_c: float) -> bool:
        if measured_c < set_point_c - self.band_c:
            return True
        if measured_c > set_point_c + self.band_c:
            return False
        return on
