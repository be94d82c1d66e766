"""The Thing+ face's settings (``HOMECLOUD_THINGPLUS__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ThingplusSettings(BaseModel):
    """The Thing+ face's plan limits (the vendor answers 471 BILLING past them; unset means
    unlimited) and how old a sensor value may be when it arrives."""

    max_gateways: int | None = Field(default=None, ge=0, description="Gateways per user.")
    max_devices: int | None = Field(default=None, ge=0, description="Devices per user.")
    max_sensors: int | None = Field(default=None, ge=0, description="Sensors per user.")
    max_value_age_days: int = Field(
        default=30, ge=1, description="Older sensor values are refused (400 INVALID_INPUT)."
    )
