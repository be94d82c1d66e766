"""The MClimate face's settings (``HOMECLOUD_MCLIMATE__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from homecloud.core.ratelimit import RateLimitPolicy

# The vendor limits "per application based on Client ID" and per token, without numbers.
# These leave every user of a deployment behind one shared client (the built-in pair of Home
# Assistant and Homebridge) plenty of room, while one token is held to a polling pace.
CLIENT_RATE_LIMIT = "6000/1m, 100000/1h"
TOKEN_RATE_LIMIT = "300/1m, 5000/1h"


class MClimateSettings(BaseModel):
    """The MClimate face: its rate limits and its devices' simulation."""

    client_rate_limit: str = Field(
        default=CLIENT_RATE_LIMIT,
        description="API calls per client id, whatever the user, e.g. '6000/1m, 100000/1h'.",
    )
    token_rate_limit: str = Field(
        default=TOKEN_RATE_LIMIT, description="API calls per access token, e.g. '300/1m'."
    )
    simulation: bool = Field(default=True, description="Run the devices' simulation.")
    simulation_interval: float = Field(
        default=30.0, gt=0, le=3600, description="Seconds between two simulation steps."
    )
    simulation_seed: int = Field(
        default=0,
        ge=0,
        description="Seed of new devices' first state: the same seed and serial number give "
        "the same device.",
    )
    history_interval: float = Field(
        default=300.0,
        ge=1,
        le=86_400,
        description="Seconds between two records of a controller's sensor history.",
    )

    @field_validator("client_rate_limit", "token_rate_limit")
    @classmethod
    def _parsable(cls, value: str) -> str:
        RateLimitPolicy.parse("mclimate", value)
        return value
