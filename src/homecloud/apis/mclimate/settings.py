"""The MClimate face's settings (``HOMECLOUD_MCLIMATE__*``)."""

from __future__ import annotations

from pydantic import Field

from homecloud.core.ratelimit import RateLimitSpec
from homecloud.sim.settings import SteppedSimulationSettings

# The vendor limits "per application based on Client ID" and per token, without numbers.
# These leave every user of a deployment behind one shared client (the built-in pair of Home
# Assistant and Homebridge) plenty of room, while one token is held to a polling pace.
CLIENT_RATE_LIMIT = "6000/1m, 100000/1h"
TOKEN_RATE_LIMIT = "300/1m, 5000/1h"


class MClimateSettings(SteppedSimulationSettings):
    """The MClimate face: its rate limits and its devices' simulation."""

    client_rate_limit: RateLimitSpec = Field(
        default=CLIENT_RATE_LIMIT,
        description="API calls per client id, whatever the user, e.g. '6000/1m, 100000/1h'.",
    )
    token_rate_limit: RateLimitSpec = Field(
        default=TOKEN_RATE_LIMIT, description="API calls per access token, e.g. '300/1m'."
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
