"""The CKW face's settings (``HOMECLOUD_CKW__*``)."""

from __future__ import annotations

from pydantic import Field, field_validator

from homecloud.core.ratelimit import RateLimitSpec
from homecloud.sim.settings import SimulationSettings


class CkwSettings(SimulationSettings):
    """Rate limit, range limits and the simulated meters' delivery."""

    rate_limit: RateLimitSpec = Field(
        default="120/1m",
        description="Calls per user and window, e.g. '120/1m, 5000/1d' (CKW's numbers are"
        " not public).",
    )
    max_days_15min: int = Field(default=31, ge=1, description="Longest range at 15 minutes.")
    max_days_hour: int = Field(default=92, ge=1, description="Longest range at hours.")
    max_days_day: int = Field(default=1100, ge=1, description="Longest range at days.")
    max_days_week: int = Field(default=1830, ge=1, description="Longest range at weeks.")
    max_days_month: int = Field(default=3700, ge=1, description="Longest range at months.")
    max_days_year: int = Field(default=7320, ge=1, description="Longest range at years.")
    delivery_every_hours: int = Field(
        default=24,
        ge=1,
        le=24,
        description="How often a meter sends its values: 24 = the previous day's, once a day"
        " (a divisor of 24).",
    )
    delivery_delay_minutes: int = Field(
        default=360,
        ge=0,
        le=1439,
        description="How long after the end of a delivery period its values arrive"
        " (default 06:00 for the previous day).",
    )
    check_seconds: float = Field(
        default=300.0, gt=0, description="How often the server looks for due deliveries."
    )

    @field_validator("delivery_every_hours")
    @classmethod
    def _divides_the_day(cls, hours: int) -> int:
        if 24 % hours:
            raise ValueError("delivery_every_hours must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24)")
        return hours

    def max_days(self, resolution: str) -> int:
        limit: int = getattr(self, f"max_days_{resolution}")
        return limit
